"""Teams of technicians and the regions they cover: services, /api/v1/teams/, the back office."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from pacta.accounts.models import Team
from pacta.accounts.selectors import team_list_covering
from pacta.accounts.services import team_create, team_delete, team_update
from pacta.audit.models import AuditEntry
from pacta.domain.errors import InvalidInput
from tests.support import make
from tests.support.fixtures import ids_of
from tests.support.state import row, table_counts


def _team(**values):
    values = {"name": f"Team {make.n()}", "zone_codes": ["MAD-NORTE"], **values}
    return team_create(actor=None, values=values)


# --- services -------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_team_is_stored_with_clean_region_codes_and_audited():
    manager = make.user("manager")
    ana, luis = make.user("technician"), make.user("technician")

    team = team_create(
        actor=manager,
        values={
            "name": " North ",
            "zone_codes": [" mad-norte ", "MAD-NORTE", "", "mad-sur"],
            "members": [ana, luis.pk],
        },
        reason="Northern crew",
    )

    stored = Team.objects.get(pk=team.pk)
    assert (stored.name, stored.zone_codes, stored.is_active) == (
        "North",
        ["MAD-NORTE", "MAD-SUR"],
        True,
    )
    assert set(stored.members.all()) == {ana, luis}
    entry = AuditEntry.objects.get(entity_type="accounts.team", entity_id=str(team.pk))
    assert (entry.action, entry.actor_id, entry.reason, entry.after["zone_codes"]) == (
        "create",
        manager.pk,
        "Northern crew",
        ["MAD-NORTE", "MAD-SUR"],
    )
    assert entry.after["members"] == sorted([ana.pk, luis.pk])
    assert team_list_covering("mad-sur") == [stored]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("values", "fields"),
    [
        ({"zone_codes": []}, {"zone_codes": ["A team covers at least one region."]}),
        ({"zone_codes": ["  ", ""]}, {"zone_codes": ["A team covers at least one region."]}),
        (
            {"zone_codes": "MAD-NORTE"},
            {"zone_codes": ['Give the regions as a list of codes, e.g. ["MAD-NORTE"].']},
        ),
        (
            {"zone_codes": [7]},
            {"zone_codes": ['Give the regions as a list of codes, e.g. ["MAD-NORTE"].']},
        ),
    ],
)
def test_a_team_covers_at_least_one_region_given_as_codes(values, fields):
    counts = table_counts()
    with pytest.raises(InvalidInput) as refused:
        _team(**values)
    assert refused.value.fields == fields
    assert table_counts() == counts


@pytest.mark.django_db
def test_members_are_active_technicians_each_refusal_naming_the_user():
    technician = make.user("technician")
    dispatcher = make.user("dispatcher", username="lucia")
    retired = make.user("technician", username="pablo", is_active=False)
    counts = table_counts()

    with pytest.raises(InvalidInput) as refused:
        _team(members=[technician, dispatcher, retired, 999999])

    assert refused.value.fields == {
        "members": [
            "lucia is not an active technician.",
            "pablo is not an active technician.",
            "There is no user 999999.",
        ]
    }
    assert table_counts() == counts


@pytest.mark.django_db
def test_a_team_is_renamed_without_touching_its_members_and_deleted():
    technician = make.user("technician")
    team = _team(members=[technician])
    team_update(actor=None, team=team, values={"name": "South", "zone_codes": ["mad-sur"]})
    assert (row(team)["name"], row(team)["zone_codes"]) == ("South", ["MAD-SUR"])
    assert list(team.members.all()) == [technician]

    before = row(team)
    with pytest.raises(InvalidInput):
        team_update(actor=None, team=Team.objects.get(pk=team.pk), values={"zone_codes": []})
    assert row(team) == before

    pk = team.pk
    team_delete(actor=None, team=Team.objects.get(pk=pk), reason="Merged")
    assert not Team.objects.filter(pk=pk).exists()
    log = AuditEntry.objects.filter(entity_type="accounts.team", entity_id=str(pk))
    assert list(log.order_by("id").values_list("action", "reason")) == [
        ("create", ""),
        ("update", ""),
        ("delete", "Merged"),
    ]


# --- API ------------------------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_a_manager_writes_teams_over_the_api(api):
    technician = make.user("technician")
    client = api(make.user("manager"))

    created = client.post(
        "/teams/",
        {"name": "North", "zone_codes": ["mad-norte"], "members": [technician.pk], "reason": "New"},
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert {k: body[k] for k in ("name", "zone_codes", "members", "is_active")} == {
        "name": "North",
        "zone_codes": ["MAD-NORTE"],
        "members": [technician.pk],
        "is_active": True,
    }
    patched = client.patch(f"/teams/{body['id']}/", {"zone_codes": ["mad-norte", "mad-este"]})
    assert patched.json()["zone_codes"] == ["MAD-NORTE", "MAD-ESTE"]
    assert client.delete(f"/teams/{body['id']}/").status_code == 204


@pytest.mark.django_db(transaction=True)
def test_a_member_who_is_not_a_technician_answers_400_on_members(api):
    dispatcher = make.user("dispatcher", username="lucia")
    client = api(make.user("manager"))
    counts = table_counts()
    response = client.post(
        "/teams/", {"name": "North", "zone_codes": ["MAD-NORTE"], "members": [dispatcher.pk]}
    )
    assert response.status_code == 400
    assert response.json()["fields"] == {"members": ["lucia is not an active technician."]}
    assert table_counts() == counts


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("role", ["dispatcher", "finance", "technician"])
def test_dispatchers_finance_and_technicians_read_teams_only(api, role):
    team = _team()
    client = api(make.user(role))
    assert ids_of(client.get("/teams/")) == {team.pk}
    counts = table_counts()
    assert client.post("/teams/", {"name": "X", "zone_codes": ["X"]}).status_code == 403
    assert client.patch(f"/teams/{team.pk}/", {"name": "Y"}).status_code == 403
    assert table_counts() == counts


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("role", ["contractor", "customer"])
def test_outside_users_do_not_see_teams(api, role):
    team = _team()
    user = make.user(
        role,
        **({"customer": make.customer()} if role == "customer" else {}),
        **({"contractor": make.contractor()} if role == "contractor" else {}),
    )
    client = api(user)
    assert client.get("/teams/").status_code == 403
    assert client.get(f"/teams/{team.pk}/").status_code == 403


# --- back office ----------------------------------------------------------------------------------
def _signed_in(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_a_manager_adds_a_team_choosing_technicians_among_the_members_offered():
    manager = make.user("manager")
    technician = make.user("technician", username="ana")
    make.user("dispatcher", username="lucia")
    client = _signed_in(manager)

    page = client.get(reverse("admin:accounts_team_add"))
    members = page.context["adminform"].form.fields["members"]
    assert [user.username for user in members.queryset] == ["ana"]

    response = client.post(
        reverse("admin:accounts_team_add"),
        {
            "name": "North",
            "zone_codes": "mad-norte; mad-sur",
            "members": [str(technician.pk)],
            "is_active": "on",
            "reason": "Northern crew",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    team = Team.objects.get(name="North")
    assert (team.zone_codes, list(team.members.all())) == (["MAD-NORTE", "MAD-SUR"], [technician])

    change = client.get(reverse("admin:accounts_team_change", args=[team.pk]))
    assert change.context["adminform"].form["zone_codes"].value() == "MAD-NORTE, MAD-SUR"


@pytest.mark.django_db
def test_a_team_without_regions_or_with_a_retired_member_is_refused_on_the_field():
    manager = make.user("manager")
    retired = make.user("technician", username="pablo", is_active=False)
    counts = table_counts()
    response = _signed_in(manager).post(
        reverse("admin:accounts_team_add"),
        {"name": "North", "zone_codes": " , ", "members": [str(retired.pk)], "is_active": "on"},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "zone_codes": ["A team covers at least one region."],
        "members": ["pablo is not an active technician."],
    }
    assert table_counts() == counts
