"""Customer e-mail templates written through their service: a template must render, a syntax
error names its field, one per event, language and contract; the back office refuses the same
and the ticket's page shows the e-mails about it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pacta.audit.models import AuditEntry
from pacta.comms.models import MAX_ATTEMPTS, MessageTemplate, OutboundMessage
from pacta.comms.selectors import message_compose
from pacta.comms.services import message_queue, message_template_create, message_template_update
from pacta.domain.errors import InvalidInput
from pacta.web.admin import tables
from tests.support import make
from tests.support.html import find_all, parse, rows
from tests.support.state import row, table_counts

pytestmark = pytest.mark.django_db

ADD = "/admin/comms/messagetemplate/add/"
NOW = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)


def values(**given):
    return {
        "event": "work_closed",
        "language": "es",
        "contract": None,
        "subject": "[{{ ticket.reference }}] Trabajo terminado",
        "body": "Hola {{ contact_name }}:\n\nel trabajo está hecho.",
        "is_active": True,
        **given,
    }


def refused(**given):
    counts = table_counts()
    with pytest.raises(InvalidInput) as refusal:
        message_template_create(actor=None, values=values(**given), reason="")
    assert table_counts() == counts
    return refusal.value.fields


def test_a_template_that_renders_is_written_with_an_audit_row_and_used():
    manager = make.user("manager")
    template = message_template_create(actor=manager, values=values(), reason="Plainer words")
    entry = AuditEntry.objects.get(entity_type="comms.messagetemplate")
    assert (entry.action, entry.actor_id, entry.reason) == ("create", manager.pk, "Plainer words")
    composed = message_compose(
        event="work_closed",
        language="es",
        context={"ticket": {"reference": "T-000007"}, "contact_name": "Lucía"},
    )
    assert (composed.subject, composed.body) == (
        "[T-000007] Trabajo terminado",
        "Hola Lucía:\n\nel trabajo está hecho.\n",
    )
    updated = message_template_update(
        actor=manager, message_template=template, values={"is_active": False}, reason="Off"
    )
    assert updated.is_active is False


def test_a_syntax_error_an_unknown_filter_or_tag_names_its_field():
    assert list(refused(body="Hola {% if contact_name %}sin cerrar")) == ["body"]
    fields = refused(subject="{{ ticket.reference|shout }}", body="{% frobnicate %}")
    assert sorted(fields) == ["body", "subject"]
    assert fields["subject"] == [
        "This text is not a template that renders: Invalid filter: 'shout'"
    ]
    assert fields["body"][0].startswith("This text is not a template that renders: Invalid block")


def test_a_second_template_for_the_same_event_language_and_contract_is_refused():
    contract = make.contract(make.customer())
    message_template_create(actor=None, values=values())
    message_template_create(actor=None, values=values(contract=contract))
    assert refused() == {
        "language": ["This event already has a general template in this language."]
    }
    assert refused(contract=contract) == {
        "language": ["This event already has a template in this language for this contract."]
    }


def test_an_unknown_language_or_a_two_line_subject_is_refused():
    assert refused(language="de") == {
        "language": ["de is not one of pacta's languages (en, es, fr, ru)."]
    }
    assert refused(subject="one\ntwo") == {"subject": ["A subject is one line."]}


def test_the_back_office_refuses_a_broken_template_on_its_field(client):
    client.force_login(make.user("manager"))
    form = {**values(body="{% if %}"), "contract": "", "is_active": "on", "reason": ""}
    counts = table_counts()

    response = client.post(ADD, form)

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == ["body"]
    assert errors["body"][0].startswith("This text is not a template that renders:")
    assert table_counts() == counts

    response = client.post(ADD, {**form, "body": "Hola {{ contact_name }}"})
    assert response.status_code == 302
    assert MessageTemplate.objects.get().body == "Hola {{ contact_name }}"


def test_dispatchers_read_templates_and_only_managers_and_admins_write_them(client):
    template = message_template_create(actor=None, values=values())
    change = f"/admin/comms/messagetemplate/{template.pk}/change/"
    client.force_login(make.user("dispatcher"))
    assert client.get(change).status_code == 200
    assert client.get(ADD).status_code == 403
    client.force_login(make.user("finance"))
    assert client.get(change).status_code == 403


def test_the_tickets_page_shows_the_emails_about_it_with_their_state(client):
    customer = make.customer()
    site, service = make.site(customer), make.service()
    contract = make.contract(customer, sites=[site], scope=[(service, "included")])
    ticket = make.ticket(site, service, contract=contract)
    sent = message_queue(
        key="a", to_email="ana@pacta.test", subject="Sent one", body="x", about=ticket, now=NOW
    )
    failed = message_queue(
        key="b", to_email="luis@pacta.test", subject="Failing", body="x", about=ticket, now=NOW
    )
    OutboundMessage.objects.filter(pk=sent.pk).update(sent_at=NOW, attempts=1)
    OutboundMessage.objects.filter(pk=failed.pk).update(
        attempts=MAX_ATTEMPTS, next_attempt_at=None, last_error="SMTPRecipientsRefused: 550"
    )
    client.force_login(make.user("dispatcher"))

    page = parse(client.get(f"/admin/service/ticket/{ticket.pk}/change/").content)

    (messages,) = [
        table
        for table in find_all(page, "table", class_="pacta-history")
        if rows(table)[0][:2] == ["Queued at", "To"]
    ]
    queued = tables.moment(NOW)
    assert rows(messages) == [
        [
            "Queued at",
            "To",
            "Subject",
            "Sent at",
            "Attempts",
            "State",
            "Next attempt",
            "Last error",
        ],
        [queued, "ana@pacta.test", "Sent one", queued, "1", "sent", "—", "—"],
        [
            queued,
            "luis@pacta.test",
            "Failing",
            "—",
            "5",
            "given up after 5 attempts",
            "—",
            "SMTPRecipientsRefused: 550",
        ],
    ]
    assert row(failed)["attempts"] == MAX_ATTEMPTS
