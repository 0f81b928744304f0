"""GET/POST /api/v1/tickets/{id}/comments/ over real HTTP: the customer reads the public
comments of its tickets and adds its own; the office adds internal notes the customer never
sees; another customer's ticket is not found; a refusal writes nothing."""

from __future__ import annotations

import pytest

from pacta.service.models import TicketComment
from tests.support import make
from tests.support.state import table_counts

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def ticket():
    customer = make.customer()
    service = make.service(name="Repair")
    site = make.site(customer)
    contract = make.contract(customer, sites=[site], scope=[(service, "included")])
    return make.ticket(site, service, contract=contract)


def test_the_customer_comments_and_reads_only_public_comments(api, ticket):
    make.contact(ticket.customer, name="Ana Ruiz", email="ana@example.com")
    customer_user = make.user("customer", customer=ticket.customer, email="ana@example.com")
    dispatcher = make.user("dispatcher", first_name="Dora", last_name="Díaz")
    url = f"/tickets/{ticket.pk}/comments/"

    note = api(dispatcher).post(url, {"body": "Grumpy customer", "is_public": False})
    assert note.status_code == 201, note.text
    mine = api(customer_user).post(url, {"body": "Room 204 too."})

    assert mine.status_code == 201, mine.text
    comment = TicketComment.objects.get(body="Room 204 too.")
    assert {k: mine.json()[k] for k in ("id", "ticket", "author", "author_name", "is_public")} == {
        "id": comment.pk,
        "ticket": ticket.pk,
        "author": customer_user.pk,
        "author_name": "Ana Ruiz",
        "is_public": True,
    }
    read = api(customer_user).get(url)
    assert read.status_code == 200
    assert [c["body"] for c in read.json()] == ["Room 204 too."]
    office = api(dispatcher).get(url).json()
    assert [(c["body"], c["is_public"], c["author_name"]) for c in office] == [
        ("Grumpy customer", False, "Dora Díaz"),
        ("Room 204 too.", True, "Ana Ruiz"),
    ]


def test_refusals_write_nothing(api, ticket):
    customer_user = make.user("customer", customer=ticket.customer)
    url = f"/tickets/{ticket.pk}/comments/"
    stranger = api(make.user("customer", customer=make.customer()))
    technician = api(make.user("technician"))
    counts = table_counts()

    internal = api(customer_user).post(url, {"body": "Psst", "is_public": False})
    assert (internal.status_code, internal.json()["fields"]) == (
        400,
        {"is_public": ["Only our office writes internal notes."]},
    )
    empty = api(customer_user).post(url, {"body": "   "})
    assert (empty.status_code, empty.json()["fields"]) == (
        400,
        {"body": ["This field may not be blank."]},
    )
    assert stranger.post(url, {"body": "Hello"}).status_code == 404
    assert stranger.get(url).status_code == 404
    assert technician.post(url, {"body": "Hi"}).status_code == 404  # not its ticket
    assert api().get(url).status_code == 401
    assert table_counts() == counts
