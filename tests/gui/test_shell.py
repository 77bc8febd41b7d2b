"""The real main window, driven offscreen: pages, shortcuts, status bar, banners, errors."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Coroutine
from typing import Any

import pytest
from gui_harness import QLoop
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from enroll_app.ui.app import Station
from enroll_app.ui.crash_dialog import CrashDialog
from enroll_app.ui.pages import PageSpec, build_page
from enroll_app.ui.tasks import OperatorError, TaskRunner
from enroll_app.ui.widgets import PlaceholderView


def test_pages_in_sidebar_order_with_placeholders(station: Station) -> None:
    window = station.window
    assert window.page_keys() == ["enroll", "persons", "terminals", "records"]
    assert [window.page_list.item(i).text() for i in range(4)] == [
        "Enroll",
        "Persons",
        "Terminals",
        "Records",
    ]
    # Every page exists now; a page whose module is missing still gets its placeholder.
    unbuilt = PageSpec("enroll", "enroll", "Ctrl+1", "enroll_app.ui.no_such_view:create_page")
    enroll = build_page(unbuilt, station.context, window)
    assert isinstance(enroll, PlaceholderView)
    assert "Not built yet" in enroll.summary.text()
    assert "virtual camera" in enroll.coming_text
    enroll.deleteLater()


def test_page_shortcuts_switch_pages(station: Station, qtbot: QtBot) -> None:
    window = station.window
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    # isActiveWindow, not QApplication.activeWindow(): PySide6 6.12 mis-counts the None it returns.
    qtbot.waitUntil(window.isActiveWindow)
    for key, digit in (
        ("records", Qt.Key.Key_4),
        ("persons", Qt.Key.Key_2),
        ("enroll", Qt.Key.Key_1),
    ):
        qtbot.keyClick(window, digit, Qt.KeyboardModifier.ControlModifier)
        assert window.current_page_key() == key
    window.page_list.setCurrentRow(2)
    assert window.current_page_key() == "terminals"


def test_terminal_counts_reach_the_status_bar(station: Station) -> None:
    status = station.window.status
    assert "No terminals yet" in status.terminals_label.text()
    station.context.set_terminal_counts(2, 1)
    assert "2 online · 1 offline" in status.terminals_label.text()


def test_background_work_shows_label_and_progress_until_idle(
    station: Station, qloop: QLoop, qtbot: QtBot
) -> None:
    tasks = station.context.tasks
    busy = station.window.status.busy
    release = asyncio.Event()

    async def job() -> str:
        tasks.report_progress(1, 4)
        await release.wait()
        return "done"

    results: list[str] = []
    with qtbot.waitSignal(
        tasks.progress_changed, check_params_cb=lambda _label, _done, total: total == 4
    ):
        tasks.start(job, label="Copying photos", on_success=results.append)
    assert busy.isVisibleTo(station.window)
    assert busy.label.text().startswith("Copying photos")
    assert (busy.bar.value(), busy.bar.maximum()) == (1, 4)
    release.set()
    qloop.run(tasks.wait_idle())
    assert results == ["done"]
    assert not busy.isVisibleTo(station.window)
    assert tasks.is_idle


def test_expected_errors_go_to_the_status_bar_or_inline(station: Station, qloop: QLoop) -> None:
    tasks = station.context.tasks

    async def fail() -> None:
        raise OperatorError("The terminal refused the photo.")

    tasks.start(fail, label="Uploading")
    qloop.run(tasks.wait_idle())
    assert (
        station.window.status.problem_label.text() == "⚠ Uploading: The terminal refused the photo."
    )

    inline: list[str] = []
    tasks.start(fail, label="Uploading", on_error=lambda exc: inline.append(str(exc)))
    qloop.run(tasks.wait_idle())
    assert inline == ["The terminal refused the photo."]


def test_a_bug_opens_the_crash_dialog_with_its_traceback(
    station: Station, qloop: QLoop, qtbot: QtBot, caplog: pytest.LogCaptureFixture
) -> None:
    tasks = station.context.tasks

    async def bug() -> None:
        {}["missing"]

    with qtbot.waitSignal(tasks.crashed):
        tasks.start(bug, label="Reading terminals")
    dialog = station.window.findChild(CrashDialog)
    assert dialog is not None
    assert dialog.isVisible()
    assert "Reading terminals: KeyError" in dialog.summary.text()
    assert "Traceback" in dialog.details.toPlainText()
    assert "bug in Reading terminals" in caplog.text
    dialog.copy_details()
    assert "KeyError" in QApplication.clipboard().text()
    dialog.close()


def test_cancelled_work_is_silent(station: Station, qloop: QLoop) -> None:
    tasks = station.context.tasks
    task = tasks.start(asyncio.Event().wait, label="Waiting")
    assert task is not None
    task.cancel()
    qloop.run(tasks.wait_idle())
    assert station.window.status.problem_label.text() == ""
    assert station.window.findChild(CrashDialog) is None


def test_the_harness_catches_a_stalled_loop(qloop: QLoop) -> None:
    def stall() -> None:
        deadline = time.perf_counter() + 0.08
        while time.perf_counter() < deadline:
            pass

    qloop.run(asyncio.sleep(0))
    asyncio.get_running_loop().call_soon(stall)
    qloop.run(asyncio.sleep(0.01))
    assert any("took" in message for message in qloop.warnings)
    qloop.warnings.clear()  # this stall was on purpose


def test_unlabelled_jobs_are_not_background_work(qloop: QLoop, qtbot: QtBot) -> None:
    tasks = TaskRunner()
    answered = asyncio.Event()
    with qtbot.waitSignal(tasks.busy_changed) as busy:
        tasks.start(answered.wait)  # e.g. awaiting a dialog
    assert busy.args == [0, ""]
    assert not tasks.is_idle
    with qtbot.waitSignal(tasks.idle):
        answered.set()
    assert tasks.is_idle


def test_pages_can_be_replaced_and_added(station: Station, qtbot: QtBot) -> None:
    window = station.window
    window.show_page("records")
    records = QLabel("the real records view")
    window.set_page_widget("records", records)
    assert window.page("records") is records
    assert window.current_page_key() == "records"
    audit = QLabel("audit log")
    window.add_page("audit", "Audit", audit, "records", "Ctrl+5")
    assert window.page_keys()[-1] == "audit"
    assert window.page_action("audit").shortcut().toString() == "Ctrl+5"
    window.page_action("audit").trigger()
    assert window.current_page_key() == "audit"
    with pytest.raises(ValueError, match="exists"):
        window.add_page("audit", "Audit", QLabel(), None, None)


def test_a_closing_runner_creates_no_coroutine(qloop: QLoop) -> None:
    tasks = TaskRunner()
    made: list[str] = []

    def refresh(serial: str) -> Coroutine[Any, Any, None]:
        made.append(serial)
        return asyncio.sleep(0)

    qloop.run(tasks.aclose())
    assert not tasks.accepting
    # A late timer after quit: refused before any coroutine exists (none is left unawaited).
    assert tasks.start(refresh, "A1", label="Reading the terminals") is None
    assert made == []
    with pytest.raises(TypeError, match="coroutine function"):
        tasks.start(asyncio.sleep(0))  # type: ignore[arg-type]
