"""First-run wizard: shown once on a fresh station, skippable, applied, back only when asked."""

from __future__ import annotations

import zipfile

from gui_harness import QLoop
from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QWizard
from pytestqt.qtbot import QtBot

from enroll_app.home import station_home
from enroll_app.ui.app import Station, create_application
from enroll_app.ui.first_run import DIAGNOSTICS_BANNER, FirstRunWizard, done_marker
from enroll_app.ui.settings import StationSettings

SITE_KEY = "Site-Key-1"


def wizard_of(station: Station, qtbot: QtBot) -> FirstRunWizard:
    qtbot.waitUntil(lambda: _open_wizard(station) is not None, timeout=5000)
    wizard = _open_wizard(station)
    assert wizard is not None
    return wizard


def _open_wizard(station: Station) -> FirstRunWizard | None:
    wizard = station.window.findChild(FirstRunWizard)
    return wizard if wizard is not None and wizard.isVisible() else None


def reopen_and_check_no_wizard(qloop: QLoop, qtbot: QtBot) -> None:
    """A later start of the same station: the wizard stays away."""
    again = Station.open(create_application())
    again.first_run.start(demo=False)  # what show() does first
    qtbot.wait(200)  # the wizard would open on the next loop turns
    assert _open_wizard(again) is None
    again.window.close()
    qloop.run(again.aclose())
    again.window.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def test_first_start_wizard_applies_language_camera_and_site_key(
    station: Station, qloop: QLoop, qtbot: QtBot
) -> None:
    station.show(demo=False)
    wizard = wizard_of(station, qtbot)
    assert wizard.windowTitle() == "Set up this station"
    wizard.language.setCurrentIndex(wizard.language.findData("zh_CN"))
    wizard.next()
    wizard.camera.setCurrentIndex(wizard.camera.findData(2))
    wizard.next()
    assert wizard.scan.isChecked()  # finding terminals is the suggested choice
    wizard.later.setChecked(True)
    wizard.next()
    wizard.site_key.setText(SITE_KEY)
    finish = wizard.button(QWizard.WizardButton.FinishButton)
    assert finish.isEnabled()
    finish.click()

    settings = station.context.settings
    qtbot.waitUntil(lambda: settings.preferences.language == "zh_CN", timeout=5000)
    assert settings.preferences.camera_index == 2
    assert StationSettings().preferences.language == "zh_CN"  # on disk, not only in memory
    services = qloop.run(station.context.station_ready())
    assert services.keys is not None
    qtbot.waitUntil(lambda: _site_key(qloop, station) == SITE_KEY, timeout=5000)
    assert "restart" in station.window.status.currentMessage()
    assert _open_wizard(station) is None
    reopen_and_check_no_wizard(qloop, qtbot)


def _site_key(qloop: QLoop, station: Station) -> str | None:
    keys = station.context.station.keys
    assert keys is not None
    return qloop.run(keys.site_key())


# The tests below open the wizard the way `Station.show` does, without showing the window
# itself: its pages (camera preview) start threads that have nothing to do with the wizard.


def test_skip_changes_nothing_and_the_menu_brings_the_wizard_back(
    station: Station, qloop: QLoop, qtbot: QtBot
) -> None:
    before = station.context.settings.preferences
    station.first_run.start(demo=False)
    wizard = wizard_of(station, qtbot)
    assert wizard.button(QWizard.WizardButton.CancelButton).text() == "Skip"
    wizard.language.setCurrentIndex(wizard.language.findData("zh_CN"))
    wizard.button(QWizard.WizardButton.CancelButton).click()
    qtbot.waitUntil(lambda: _open_wizard(station) is None, timeout=5000)
    qtbot.waitUntil(done_marker().is_file)
    assert station.context.settings.preferences == before
    reopen_and_check_no_wizard(qloop, qtbot)

    station.window.first_run_action.trigger()
    again = wizard_of(station, qtbot)
    again.button(QWizard.WizardButton.CancelButton).click()
    qtbot.waitUntil(lambda: _open_wizard(station) is None, timeout=5000)


def test_a_key_with_spaces_cannot_be_finished(station: Station, qtbot: QtBot) -> None:
    station.first_run.start(demo=False)
    wizard = wizard_of(station, qtbot)
    for _ in range(3):
        wizard.next()
    page = wizard.currentPage()
    wizard.site_key.setText("two words")
    assert not page.isComplete()
    assert not wizard.button(QWizard.WizardButton.FinishButton).isEnabled()
    assert "without spaces" in page.problem.text()  # type: ignore[attr-defined]
    wizard.site_key.setText("")
    assert page.isComplete()  # blank: keep the factory key
    wizard.button(QWizard.WizardButton.CancelButton).click()
    qtbot.waitUntil(lambda: _open_wizard(station) is None, timeout=5000)


def test_choosing_the_demo_starts_it(station: Station, qloop: QLoop, qtbot: QtBot) -> None:
    station.first_run.start(demo=False)
    wizard = wizard_of(station, qtbot)
    wizard.demo.setChecked(True)
    for _ in range(3):
        wizard.next()
    with qtbot.waitSignal(station.context.demo_changed, timeout=15000):
        wizard.button(QWizard.WizardButton.FinishButton).click()
    qloop.run(station.context.tasks.wait_idle(), timeout=15)
    assert station.context.demo.running


def test_the_demo_flag_skips_the_wizard(qloop: QLoop, qtbot: QtBot) -> None:
    station = Station.open(create_application())
    station.first_run.start(demo=True)
    qtbot.wait(200)
    assert _open_wizard(station) is None
    qloop.run(station.aclose())
    station.window.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def test_export_diagnostics_from_the_menu(station: Station, qloop: QLoop, qtbot: QtBot) -> None:
    station.window.diagnostics_action.trigger()
    qloop.run(station.context.tasks.wait_idle())
    banner = station.window.banner(DIAGNOSTICS_BANNER)
    assert banner is not None
    [zip_path] = (station_home() / "diagnostics").glob("*.zip")
    assert str(zip_path) in banner.text
    with zipfile.ZipFile(zip_path) as archive:
        assert "versions.json" in archive.namelist()
