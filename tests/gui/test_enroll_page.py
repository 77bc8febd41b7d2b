"""The Enroll page in the real window: virtual camera, three simulated terminals on 127.0.0.x."""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest
from gui_harness import QLoop, close_station
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from enroll_app.camera.sources import ImageFolderSource
from enroll_app.terminal.client import TerminalClient
from enroll_app.terminal.protocol import DEFAULT_KEY
from enroll_app.terminal.records import Person
from enroll_app.ui.app import Station, create_application
from enroll_app.ui.enroll_remote import RemotePhotoDialog
from enroll_app.ui.enroll_view import ID_PATTERN_KEY, EnrollView, Stage
from enroll_app.ui.settings import Preferences, StationSettings

FRAMES = Path(__file__).resolve().parents[2] / "enroll_app" / "simulator" / "frames"
R = TypeVar("R")
WAIT_MS = 30_000  # the first capture waits for the face models to load


class TerminalProcess:
    """A simulated terminal in its own process (`enroll-station sim`), like a device apart.

    The simulator runs a face model for `check` and `setPerson`; in this process it would
    compete with the UI thread for the interpreter and trip the stall detector.
    """

    def __init__(self, host: str, port: int, data: Path) -> None:
        self.host, self.port, self.data = host, port, data
        self.serial = ""
        self.options: tuple[str, ...] = ()
        self._process: subprocess.Popen[str] | None = None

    def start(self, *options: str) -> None:
        """Start (or start again on the same address and storage) with extra sim options."""
        command = [sys.executable, "-m", "enroll_app", "sim", "--host", self.host]
        command += ["--port", str(self.port), "--data", str(self.data), "--fast", *options]
        self.options = options
        self._process = subprocess.Popen(_dying_with_us(command), stdout=subprocess.PIPE, text=True)
        assert self._process.stdout is not None
        line = self._process.stdout.readline()  # blocks this test only, never the UI loop
        match = re.search(r"serial (\S+)", line)
        assert match, f"the simulator did not start: {line!r}"
        self.serial = match.group(1)

    @property
    def running(self) -> bool:
        """True while the process serves."""
        return self._process is not None and self._process.poll() is None

    def stop(self) -> None:
        """Stop the process (SIGTERM: the simulator saves its state)."""
        process, self._process = self._process, None
        if process is not None:
            process.terminate()
            process.wait(timeout=20)
            assert process.stdout is not None
            process.stdout.close()


def _dying_with_us(command: list[str]) -> list[str]:
    """`command`, ended by the kernel should this test run crash (Linux): no orphans left.

    Niced: the terminals stand for other machines, so their face checks must not take the CPU
    from the window under test (its loop steps are timed)."""
    setpriv, nice = shutil.which("setpriv"), shutil.which("nice")
    command = [nice, "-n", "15", *command] if nice else command
    return [setpriv, "--pdeathsig", "TERM", "--", *command] if setpriv else command


@pytest.fixture(scope="module")
def terminal_processes(
    tmp_path_factory: pytest.TempPathFactory, unused_tcp_port_factory: Callable[[], int]
) -> Iterator[list[TerminalProcess]]:
    """Three simulated terminals (fast), each in its own process on 127.0.0.x, for the module."""
    port = unused_tcp_port_factory()
    data = tmp_path_factory.mktemp("sims")
    started = [TerminalProcess(f"127.0.0.{n}", port, data) for n in (21, 22, 23)]
    try:
        for term in started:
            term.start()
        yield started
    finally:
        for term in started:
            term.stop()


@pytest.fixture
def terminals(terminal_processes: list[TerminalProcess]) -> list[TerminalProcess]:
    """The three terminals, emptied: every test starts with no one enrolled on them."""
    for term in terminal_processes:
        if term.options:  # a fault a test injected
            term.stop()
        if not term.running:
            term.start()
        _on_terminal(term, _remove_everyone)
    return terminal_processes


async def _remove_everyone(client: TerminalClient) -> None:
    persons = await client.list_persons()
    if persons:
        await client.remove_persons([p.id for p in persons])


@pytest.fixture
def station(qloop: QLoop, unused_tcp_port: int) -> Iterator[Station]:
    """The real application; manual capture (Space) so the test decides when."""
    StationSettings().save_preferences(
        Preferences(receiver_port=unused_tcp_port, auto_capture=False, camera_source="virtual")
    )
    opened = Station.open(create_application())
    yield opened
    close_station(opened, qloop)


@pytest.fixture
def page(
    station: Station, terminals: list[TerminalProcess], qloop: QLoop, qtbot: QtBot
) -> EnrollView:
    """The Enroll page with the three terminals known to the station."""
    services = qloop.run(station.context.station_ready(), timeout=WAIT_MS / 1000)
    for term in terminals:
        qloop.run(services.discovery.add(f"{term.host}:{term.port}"))
    station.window.show_page("enroll")
    view = station.window.page("enroll")
    assert isinstance(view, EnrollView)
    qtbot.waitUntil(lambda: len(view.form.target_checks) == 3, timeout=WAIT_MS)
    return view


def _camera(view: EnrollView, *images: Path) -> None:
    view.use_source(ImageFolderSource(list(images), fps=5.0, hold_s=60.0))


def _capture(view: EnrollView, qtbot: QtBot) -> None:
    """Press Space until the preview has a face to take, then wait for the judged photo."""

    def taken() -> bool:
        qtbot.keyClick(view, Qt.Key.Key_Space)
        return view.stage is not Stage.CAMERA

    qtbot.waitUntil(taken, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: view.stage is Stage.RESULT, timeout=WAIT_MS)


def _fill(view: EnrollView, person_id: str, name: str, card: str = "") -> None:
    view.form.person_id.setText(person_id)
    view.form.name.setText(name)
    view.form.card.setText(card)


def _on_terminal(term: TerminalProcess, operation: Callable[[TerminalClient], Awaitable[R]]) -> R:
    """Run `operation` with a plain client on a loop of its own, apart from the station's."""

    async def run() -> R:
        async with TerminalClient(term.host, term.port, DEFAULT_KEY) as client:
            return await operation(client)

    result: list[R] = []
    worker = threading.Thread(target=lambda: result.append(asyncio.run(run())))
    worker.start()
    worker.join(WAIT_MS / 1000)
    assert result, f"no answer from the terminal at {term.host}"
    return result[0]


def _read_back(term: TerminalProcess, person_id: str) -> Person:
    """What the terminal holds, read by a plain client."""

    async def read(client: TerminalClient) -> Person:
        return await client.get_person(person_id)

    return _on_terminal(term, read)


def _enroll(view: EnrollView, qtbot: QtBot) -> None:
    try:
        qtbot.waitUntil(view.enroll_button.isEnabled, timeout=WAIT_MS)
    except Exception:
        print(
            "DEBUG",
            view.stage,
            view.decision,
            view.form.problems,
            view.assessment and view.assessment.ok,
            view.presenter.checks,
            view.notice.text(),
            view.result_panel.verdict.text(),
        )
        raise
    qtbot.keyClick(view.form.name, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.stage is Stage.DONE, timeout=WAIT_MS)


def test_full_enrollment_lands_on_all_three_terminals(
    page: EnrollView, terminals: list[TerminalProcess], qtbot: QtBot
) -> None:
    _camera(page, FRAMES / "frame-1.jpg")
    _fill(page, "E-100", "Zhang Wei", card="7267e840")
    page.form.card_hex.setChecked(False)  # typed as decimal after all: the number stays
    page.form.card.setText("1919412288")
    page.form.unlimited_passes.setChecked(False)
    page.form.pass_count.setValue(20)
    qtbot.mouseClick(page.form.presets["one_week"], Qt.MouseButton.LeftButton)
    _capture(page, qtbot)
    panel = page.result_panel
    assert panel.verdict.text() == "Photo accepted"
    assert all(passed for _, passed, _ in panel.checklist.rows)
    assert panel.photo.pixmap().width() == 320
    qtbot.waitUntil(lambda: len(page.presenter.checks) == 3, timeout=WAIT_MS)
    assert set(panel.terminal_checks.rows) == {t.serial for t in terminals}
    assert all("usable" in text for text in panel.terminal_checks.rows.values())
    wanted = page.form.person_fields()
    _enroll(page, qtbot)
    assert sorted(page.progress_panel.done()) == sorted(t.serial for t in terminals)
    assert "Enrolled on every chosen terminal" in page.progress_panel.summary.text()
    for term in terminals:
        held = _read_back(term, "E-100")
        assert (held.name, held.ic_no, held.pass_count) == ("Zhang Wei", "1919412288", 20)
        assert (held.start_ts, held.end_ts) == (wanted.start_ts, wanted.end_ts)
        assert held.photo is not None
        assert held.photo[:2] == b"\xff\xd8"
    qtbot.keyClick(page, Qt.Key.Key_Escape)  # on to the next person
    assert page.stage is Stage.CAMERA
    assert page.form.name.text() == ""


def test_a_duplicate_is_caught_and_shown_side_by_side(
    page: EnrollView,
    terminals: list[TerminalProcess],
    qtbot: QtBot,
    qloop: QLoop,
) -> None:
    _camera(page, FRAMES / "frame-1.jpg")
    _fill(page, "E-200", "Li Na")
    _capture(page, qtbot)
    _enroll(page, qtbot)
    qtbot.keyClick(page, Qt.Key.Key_Escape)
    _fill(page, "E-201", "Li Na again")
    _capture(page, qtbot)
    panel = page.result_panel
    assert [card.match.person_id for card in panel.match_cards][:1] == ["E-200"]
    assert panel.match_cards[0].match.verdict == "duplicate"
    assert "Already enrolled?" in panel.matches_title.text()
    assert not page.enroll_button.isEnabled()  # the operator must choose first
    qtbot.waitUntil(lambda: len(page.presenter.checks) == 3, timeout=WAIT_MS)
    assert all("ALREADY" in text for text in panel.terminal_checks.rows.values())

    # "A new person" with an id that is taken: refused before anything is written.
    qtbot.mouseClick(panel.new_button, Qt.MouseButton.LeftButton)
    page.form.person_id.setText("E-200")
    qtbot.keyClick(page.form.name, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "Not enrolled" in page.notice.text(), timeout=WAIT_MS)
    assert "already belongs to Li Na" in page.notice.text()
    assert page.stage is Stage.RESULT

    assert _read_back(terminals[0], "E-200").name == "Li Na"

    qtbot.mouseClick(panel.match_cards[0].update_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.form.existing is not None, timeout=WAIT_MS)
    assert page.form.person_id.text() == "E-200"
    assert page.form.name.text() == "Li Na"
    page.form.name.setText("Li Na (renewed)")
    _enroll(page, qtbot)
    assert _read_back(terminals[0], "E-200").name == "Li Na (renewed)"
    services = page.presenter.context.station
    assert qloop.run(services.store.find_person("E-201")) is None  # type: ignore[arg-type]


def test_a_bad_photo_is_refused_with_its_hint(page: EnrollView, qtbot: QtBot) -> None:
    _camera(page, FRAMES / "frame-2.jpg")  # a real portrait, the head tipped down
    _fill(page, "E-300", "Wang Fang")
    _capture(page, qtbot)
    panel = page.result_panel
    assert panel.verdict.text().startswith("Photo refused: ")
    assessment = page.assessment
    assert assessment is not None
    assert assessment.failed_codes == ["pose_pitch"]
    assert panel.verdict.text() == "Photo refused: Raise your chin a little"
    assert any(not passed for _, passed, _ in panel.checklist.rows)
    assert not page.enroll_button.isEnabled()
    qtbot.keyClick(page.form.name, Qt.Key.Key_Return)
    assert page.stage is Stage.RESULT  # Enter did nothing
    qtbot.keyClick(page, Qt.Key.Key_Escape)
    assert page.stage is Stage.CAMERA


def test_one_terminal_failing_leaves_the_others_done_and_retry_succeeds(
    page: EnrollView,
    terminals: list[TerminalProcess],
    qtbot: QtBot,
) -> None:
    broken = terminals[1]
    broken.stop()
    broken.start("--capacity", "0")  # the terminal says it is full
    _camera(page, FRAMES / "frame-1.jpg")
    _fill(page, "E-400", "Zhao Lei")
    _capture(page, qtbot)
    _enroll(page, qtbot)
    progress = page.progress_panel
    assert progress.failed() == [broken.serial]
    assert sorted(progress.done()) == sorted(t.serial for t in terminals if t is not broken)
    assert "FAILED" in progress.state_text(broken.serial)
    assert not progress.retry_button.isHidden()
    assert _read_back(terminals[0], "E-400").name == "Zhao Lei"

    broken.stop()
    broken.start()  # emptied some room
    qtbot.mouseClick(progress.retry_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not progress.failed() and len(progress.done()) == 3, timeout=WAIT_MS)
    assert progress.retry_button.isHidden()
    assert _read_back(broken, "E-400").name == "Zhao Lei"


def test_remote_photo_from_a_terminal(
    page: EnrollView, terminals: list[TerminalProcess], qtbot: QtBot
) -> None:
    _camera(page, FRAMES / "frame-1.jpg")
    for serial, box in page.form.target_checks.items():
        box.setChecked(serial == terminals[2].serial)
    _fill(page, "E-500", "Chen Jing")
    qtbot.mouseClick(page.remote_button, Qt.MouseButton.LeftButton)
    found: list[RemotePhotoDialog] = []

    def dialog_open() -> bool:
        found[:] = [
            w
            for w in QApplication.topLevelWidgets()
            if isinstance(w, RemotePhotoDialog) and w.isVisible()
        ]
        return bool(found)

    qtbot.waitUntil(dialog_open, timeout=WAIT_MS)
    dialog = found[0]
    dialog.terminal.setCurrentIndex(dialog.terminal.findData(terminals[2].serial))
    dialog.count.setValue(2)
    qtbot.mouseClick(dialog.take_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.frames.count() == 2, timeout=WAIT_MS)
    assert dialog.frames.currentRow() == 0  # the best, preselected
    scores = [p.assessment.report.score for p in dialog.photos]
    assert scores == sorted(scores, reverse=True)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.stage is Stage.RESULT, timeout=WAIT_MS)
    assert page.result_panel.verdict.text() == "Photo accepted"
    _enroll(page, qtbot)
    assert page.progress_panel.done() == [terminals[2].serial]
    assert _read_back(terminals[2], "E-500").name == "Chen Jing"


def test_a_returning_person_is_renewed_in_two_clicks(
    page: EnrollView, terminals: list[TerminalProcess], qtbot: QtBot
) -> None:
    _camera(page, FRAMES / "frame-1.jpg")
    _fill(page, "E-600", "Sun Li")
    page.form.kind.setCurrentIndex(page.form.kind.findData("visitor"))
    _capture(page, qtbot)
    _enroll(page, qtbot)
    first_end = _read_back(terminals[0], "E-600").end_ts
    qtbot.keyClick(page, Qt.Key.Key_Escape)

    card = page.preview.card  # the preview recognises the face it sees
    qtbot.waitUntil(lambda: not card.isHidden(), timeout=WAIT_MS)
    assert "E-600" in card.label.text()
    qtbot.mouseClick(card.open_button, Qt.MouseButton.LeftButton)  # click 1
    qtbot.waitUntil(lambda: page.form.person_id.text() == "E-600", timeout=WAIT_MS)
    assert page.form.name.text() == "Sun Li"
    qtbot.keyClick(page, Qt.Key.Key_Escape)  # not them after all: the renewal is dropped
    assert page.form.person_id.text() != "E-600"
    assert page.form.name.text() == ""
    qtbot.waitUntil(lambda: not card.isHidden(), timeout=WAIT_MS)
    qtbot.mouseClick(card.open_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.form.person_id.text() == "E-600", timeout=WAIT_MS)
    qtbot.mouseClick(page.form.presets["one_week"], Qt.MouseButton.LeftButton)
    _capture(page, qtbot)
    assert [c.match.person_id for c in page.result_panel.match_cards] == ["E-600"]
    _enroll(page, qtbot)  # click 2: Enter, no duplicate question for the person themselves
    renewed = _read_back(terminals[0], "E-600")
    assert renewed.name == "Sun Li"
    assert renewed.end_ts > first_end
    assert len(page.progress_panel.done()) == 3


def test_generated_ids_follow_the_pattern_in_the_settings(page: EnrollView, qtbot: QtBot) -> None:
    today = time.strftime("%m%d")
    page.presenter.context.settings.set_value(ID_PATTERN_KEY, "T{date:%m%d}-{seq:02d}")
    with qtbot.waitSignal(page.presenter.next_id, timeout=WAIT_MS) as generated:
        page.presenter.fetch_next_id()
    assert generated.args == [f"T{today}-01"]
    page.form.person_id.clear()
    qtbot.mouseClick(page.form.generate_button, Qt.MouseButton.LeftButton)
    assert page.form.person_id.text() == f"T{today}-01"

    page.presenter.context.settings.set_value(ID_PATTERN_KEY, "no-sequence")
    with qtbot.waitSignal(page.presenter.failed, timeout=WAIT_MS) as failed:
        page.presenter.fetch_next_id()
    assert "The id pattern in the settings cannot be used" in failed.args[0]
