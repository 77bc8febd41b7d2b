"""How terminal errors map to placement states, and how read-backs are compared."""

from __future__ import annotations

import pytest

from enroll_app.services.delivery import classify, differences
from enroll_app.services.reconcile import GuardRequired, check_guard
from enroll_app.store.records import PlacementState
from enroll_app.terminal.errors import (
    InvalidInput,
    ProtocolError,
    TerminalError,
    TerminalTimeout,
    TerminalUnreachable,
    refused,
)
from enroll_app.terminal.records import Person


@pytest.mark.parametrize(
    ("error", "state", "retry", "down"),
    [
        (refused(103, "setPerson"), PlacementState.FAILED_KEY, True, False),
        (refused(128, "setPerson"), PlacementState.FAILED_FULL, True, False),
        (refused(106, "setPerson"), PlacementState.FAILED_PHOTO, False, False),
        (refused(125, "setPerson"), PlacementState.FAILED_PHOTO, False, False),
        (refused(123, "setPerson"), PlacementState.FAILED_OTHER, True, False),
        (refused(1, "setPerson"), PlacementState.FAILED_OTHER, True, False),
        (TerminalUnreachable("refused"), PlacementState.FAILED_OTHER, True, True),
        (TerminalTimeout("slow"), PlacementState.FAILED_OTHER, True, True),
        (ProtocolError("HTML"), PlacementState.FAILED_OTHER, True, True),
        (InvalidInput("bad photo", field="photo"), PlacementState.FAILED_PHOTO, False, False),
        (InvalidInput("bad id", field="id"), PlacementState.FAILED_OTHER, False, False),
    ],
)
def test_each_error_gets_its_exact_state_and_retry_policy(
    error: TerminalError, state: PlacementState, retry: bool, down: bool
) -> None:
    failure = classify(error)
    assert (failure.state, failure.retry, failure.terminal_down) == (state, retry, down)
    assert error.operator_text in failure.message


def test_read_back_compares_windows_in_seconds_and_photos_by_presence() -> None:
    sent = Person("7", name="A", ic_no="12", start_ts=1_700_000_000.4, end_ts=-1, photo=b"x")
    same = Person("7", name="A", ic_no="12", start_ts=1_700_000_000.0, end_ts=-1, photo=b"y")
    assert differences(sent, same) == []
    moved = Person("7", name="B", ic_no="12", start_ts=1_700_000_001.0, end_ts=5.0)
    assert differences(sent, moved) == ["name", "startTs", "endTs", "photo"]
    assert differences(sent, moved, wanted_photo=False) == ["name", "startTs", "endTs"]


def test_guard_allows_a_fifth_and_asks_twice_above() -> None:
    check_guard("sn", removing=20, held=100, confirmed=0)  # exactly 20 %: no question
    for confirmed in (0, 1):
        with pytest.raises(GuardRequired) as guard:
            check_guard("sn", removing=21, held=100, confirmed=confirmed)
        assert guard.value.needed - guard.value.confirmed == 2 - confirmed
        assert "21 of the 100" in str(guard.value)
    check_guard("sn", removing=21, held=100, confirmed=2)
    check_guard("sn", removing=0, held=0, confirmed=0)
