"""Writing tickets and the work done for them: the only write path, each write audited.

Contracts and equipment are reached through the records' attributes and reverse relations
(``contract.sites``, ``equipment.site_id``), never by importing their models; users through
their attributes (``user.role``, ``user.contractor_id``).

- :mod:`.tickets` — opening tickets and keeping them consistent with site, contract, equipment;
- :mod:`.clocks` — the events of a ticket and its SLA clocks rebuilt from them;
- :mod:`.rescue` — rescue actions for tickets at risk, and the periodic SLA sweep;
- :mod:`.work` — work orders, time entries and parts used;
- :mod:`.fieldwork` — the visit: status flow, checklist and approvals, timer, photos, expenses,
  signature (imported from its module, not re-exported here).
"""

from pacta.service.services.clocks import (
    ticket_clocks_evaluate,
    ticket_clocks_refresh,
    ticket_pause,
    ticket_post_update,
    ticket_priority_change,
    ticket_reopen,
    ticket_resolve,
    ticket_respond,
    ticket_resume,
    ticket_sla_policy_change,
    ticket_status_change,
    tickets_clocks_refresh,
)
from pacta.service.services.rescue import rescue_action_handle, sla_sweep, tickets_rescue
from pacta.service.services.tickets import (
    TICKET,
    ticket_check,
    ticket_delete,
    ticket_open,
    ticket_update,
)
from pacta.service.services.work import (
    PART_USED,
    TIME_ENTRY,
    WORK_ORDER,
    part_used_check,
    part_used_create,
    part_used_delete,
    part_used_update,
    time_entry_check,
    time_entry_create,
    time_entry_delete,
    time_entry_update,
    work_order_check,
    work_order_create,
    work_order_delete,
    work_order_update,
)

__all__ = [
    "PART_USED",
    "TICKET",
    "TIME_ENTRY",
    "WORK_ORDER",
    "part_used_check",
    "part_used_create",
    "part_used_delete",
    "part_used_update",
    "rescue_action_handle",
    "sla_sweep",
    "ticket_check",
    "ticket_clocks_evaluate",
    "ticket_clocks_refresh",
    "ticket_delete",
    "ticket_open",
    "ticket_pause",
    "ticket_post_update",
    "ticket_priority_change",
    "ticket_reopen",
    "ticket_resolve",
    "ticket_respond",
    "ticket_resume",
    "ticket_sla_policy_change",
    "ticket_status_change",
    "ticket_update",
    "tickets_clocks_refresh",
    "tickets_rescue",
    "time_entry_check",
    "time_entry_create",
    "time_entry_delete",
    "time_entry_update",
    "work_order_check",
    "work_order_create",
    "work_order_delete",
    "work_order_update",
]
