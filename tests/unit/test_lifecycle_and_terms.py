"""Contract lifecycle transitions and effective-dated terms."""

from dataclasses import dataclass
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pacta.domain.lifecycle import TRANSITIONS, ContractStatus, TransitionRefused, check_transition
from pacta.domain.terms import version_in_force, version_is_locked

S = ContractStatus
TODAY = date(2026, 6, 15)


def test_allowed_transitions():
    check_transition(S.DRAFT, S.ACTIVE, ends_on=date(2026, 12, 31), today=TODAY, version_count=1)
    check_transition(S.ACTIVE, S.SUSPENDED, ends_on=None, today=TODAY, version_count=1)
    check_transition(S.SUSPENDED, S.ACTIVE, ends_on=None, today=TODAY, version_count=1)
    check_transition(S.ACTIVE, S.EXPIRED, ends_on=date(2026, 6, 14), today=TODAY, version_count=1)
    check_transition(
        S.EXPIRED, S.TERMINATED, ends_on=date(2026, 6, 14), today=TODAY, version_count=1
    )


@pytest.mark.parametrize(
    ("current", "target", "ends_on", "versions", "code"),
    [
        (S.DRAFT, S.TERMINATED, None, 1, "status_transition_refused"),
        (S.TERMINATED, S.ACTIVE, None, 1, "status_transition_refused"),
        (S.DRAFT, S.ACTIVE, None, 0, "no_terms"),
        (S.DRAFT, S.ACTIVE, date(2026, 6, 14), 1, "contract_ended"),
        (S.ACTIVE, S.EXPIRED, date(2026, 6, 15), 1, "not_ended"),
        (S.ACTIVE, S.EXPIRED, None, 1, "not_ended"),
        (S.EXPIRED, S.ACTIVE, date(2026, 6, 1), 1, "contract_ended"),
    ],
)
def test_refused_transitions_say_why(current, target, ends_on, versions, code):
    with pytest.raises(TransitionRefused) as refused:
        check_transition(current, target, ends_on=ends_on, today=TODAY, version_count=versions)
    assert refused.value.code == code


def test_terminated_is_final():
    assert TRANSITIONS[S.TERMINATED] == frozenset()
    assert set(TRANSITIONS) == set(S)


@dataclass(frozen=True)
class V:
    number: int
    effective_on: date


def test_version_in_force_is_the_latest_effective_on_or_before_the_day():
    versions = [V(1, date(2026, 1, 1)), V(3, date(2026, 6, 15)), V(2, date(2026, 3, 1))]
    assert version_in_force(versions, date(2025, 12, 31)) is None
    assert version_in_force(versions, date(2026, 1, 1)).number == 1
    assert version_in_force(versions, date(2026, 6, 14)).number == 2
    assert version_in_force(versions, date(2026, 6, 15)).number == 3
    assert version_in_force(versions, date(2030, 1, 1)).number == 3


@given(
    st.lists(
        st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 1, 1)), min_size=1, unique=True
    ),
    st.dates(min_value=date(2019, 1, 1), max_value=date(2031, 1, 1)),
)
def test_version_in_force_never_starts_after_the_day(days, on):
    versions = [V(i, d) for i, d in enumerate(days)]
    found = version_in_force(versions, on)
    candidates = [d for d in days if d <= on]
    if not candidates:
        assert found is None
    else:
        assert found.effective_on == max(candidates)


def test_a_version_locks_once_in_force_on_a_live_contract():
    assert not version_is_locked(
        contract_status=S.DRAFT, effective_on=date(2026, 1, 1), today=TODAY
    )
    assert version_is_locked(contract_status=S.ACTIVE, effective_on=TODAY, today=TODAY)
    assert not version_is_locked(
        contract_status=S.ACTIVE, effective_on=date(2026, 7, 1), today=TODAY
    )
    assert version_is_locked(contract_status=S.EXPIRED, effective_on=date(2026, 1, 1), today=TODAY)
