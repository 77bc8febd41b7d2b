"""No terminal key and no full ID number in the station's log after a full enrollment session.

The terminal client already strips `key=` from httpx's request lines itself; these tests take
that filter away, so the station log's own redaction is the only thing between the key and
the file, and the control test shows the key does reach the file without it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from enroll_app import logs
from enroll_app.services.enroll import EnrollRequest
from enroll_app.store.records import PersonId, PersonKind, PersonRecord
from enroll_app.terminal.client import TerminalClient
from enroll_app.terminal.errors import PersonNotFound
from tests.integration.conftest import SimFactory
from tests.integration.enroll_support import frame, station_with

SITE_KEY = "Reception-2026"
ID_NUMBER = "11010519491231002X"
VISITOR = PersonRecord(
    id=PersonId("V20260302-007"),
    name="李娜 Li Na",
    id_no=ID_NUMBER,
    kind=PersonKind.VISITOR,
)


class Witness(logging.Handler):
    """Keeps every record's text as it was before the station log's filter rewrote it."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        self.lines.append(text)

    def saw(self, secret: str) -> bool:
        return any(secret in line for line in self.lines)


@pytest.fixture
def station_log(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, Witness]]:
    """The station log at DEBUG, a witness of the raw records, and no client-side filter."""
    monkeypatch.setattr(logging.getLogger("httpx"), "filters", [])
    witness = Witness()
    root = logging.getLogger()
    root.addHandler(witness)  # first: the station log's filter rewrites records in place
    path = logs.configure_logging(level=logging.DEBUG, stderr_level=None)
    yield path, witness
    logs.reset_logging()
    root.removeHandler(witness)
    logs.forget_secrets()


def log_text(path: Path) -> str:
    for handler in logging.getLogger().handlers:
        handler.flush()
    return "\n".join(p.read_text("utf-8") for p in sorted(path.parent.glob("station.log*")))


def crash_report(person: PersonRecord) -> None:
    """What the task runner logs for a bug whose message quotes the person being enrolled."""
    try:
        raise RuntimeError(f"unexpected reply while writing {person.id} (ID {person.id_no})")
    except RuntimeError:
        logging.getLogger("enroll_app.ui.tasks").exception("bug in task 'Enroll'")


@pytest.mark.asyncio
async def test_full_enrollment_session_leaves_no_key_or_id_number_in_the_log(
    sim_factory: SimFactory, station_log: tuple[Path, Witness]
) -> None:
    path, witness = station_log
    term = await sim_factory()
    async with TerminalClient(term.host, term.port) as client:
        await client.set_device_key(SITE_KEY)
    async with station_with([]) as station:
        assert station.keys is not None
        await station.keys.set_site_key(SITE_KEY)
        found = await station.discovery.add(f"{term.host}:{term.port}")
        assert found.sn == term.serial
        assessment = await station.enrollment.assess(frame(1))
        result = await station.enrollment.enroll(EnrollRequest(VISITOR, assessment, [term.serial]))
        assert result.all_ok, result.outcomes
        crash_report(VISITOR)
    async with TerminalClient(term.host, term.port, SITE_KEY) as client:
        held = await client.get_person(VISITOR.id)
        assert held.id_no == ID_NUMBER  # the ID number really went to the terminal
        await client.remove_persons([VISITOR.id])
        with pytest.raises(PersonNotFound):
            await client.get_person(VISITOR.id)

    text = log_text(path)
    # The session did produce the secrets (request URLs, the bug report)...
    assert witness.saw(f"key={SITE_KEY}")
    assert witness.saw(ID_NUMBER)
    # ...and the file holds the session, with neither of them.
    assert f"/setPerson?key={logs.MASK}" in text
    assert "**************002X" in text
    assert SITE_KEY not in text
    assert ID_NUMBER not in text


@pytest.mark.asyncio
async def test_control_without_the_filter_the_key_and_id_reach_the_file(
    sim_factory: SimFactory, station_log: tuple[Path, Witness], monkeypatch: pytest.MonkeyPatch
) -> None:
    path, _ = station_log
    monkeypatch.setattr(logs.Redactor, "filter", lambda self, record: True)
    term = await sim_factory()
    async with TerminalClient(term.host, term.port) as client:
        await client.set_device_key(SITE_KEY)
    async with TerminalClient(term.host, term.port, SITE_KEY) as client:
        await client.get_device_info()
    crash_report(VISITOR)
    text = log_text(path)
    assert f"key={SITE_KEY}" in text
    assert ID_NUMBER in text
