"""Take the screenshots in docs/screenshots/ from the real application under Xvfb.

    python tools/screenshots.py            # starts its own Xvfb (needs /usr/bin/Xvfb)
    python tools/screenshots.py --display  # use the current $DISPLAY instead

Each shot runs the real `Station` (demo terminals included) in a fresh, temporary station home,
so the user's settings are never touched.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
WINDOW_SIZE = (1240, 780)


@contextlib.contextmanager
def xvfb() -> Iterator[None]:
    """Run a private X server for the duration, with DISPLAY pointing at it."""
    binary = shutil.which("Xvfb") or "/usr/bin/Xvfb"
    display = f":{90 + os.getpid() % 9}"
    server = subprocess.Popen(
        [binary, display, "-screen", "0", "1600x1000x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    socket = Path(f"/tmp/.X11-unix/X{display[1:]}")
    deadline = time.monotonic() + 10
    while not socket.exists():  # the server is a separate process: poll its socket
        if server.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"Xvfb did not start on {display}")
        time.sleep(0.05)
    os.environ["DISPLAY"] = display
    try:
        yield
    finally:
        server.terminate()
        server.wait(timeout=10)


async def _until(condition: Callable[[], bool]) -> None:
    # A picture tool, not a test: polling the window's state is simplest, and bounded.
    async with asyncio.timeout(15):
        while not condition():  # noqa: ASYNC110
            await asyncio.sleep(0.05)


async def _settle() -> None:
    # Let layouts, repaints and the terminals page's first refresh finish.
    await asyncio.sleep(0.6)


async def shoot(preferences: dict[str, str], scenario: Callable[..., Awaitable[None]]) -> None:
    """Run `scenario(station)` in a fresh station home with `preferences` saved first."""
    from enroll_app.ui.app import Station, create_application
    from enroll_app.ui.settings import Preferences, StationSettings

    with tempfile.TemporaryDirectory(prefix="enroll-shots-") as home:
        os.environ["ENROLL_STATION_HOME"] = home
        # Uploads from this PC only: a picture tool opens no port to the network.
        chosen = {"receiver_host": "127.0.0.1", "receiver_port": _receiver_port(), **preferences}
        StationSettings().save_preferences(Preferences(**chosen))  # type: ignore[arg-type]
        station = Station.open(create_application())
        station.window.resize(*WINDOW_SIZE)
        try:
            await scenario(station)
        finally:
            station.window.close()
            await station.aclose()
            station.window.deleteLater()


def _receiver_port() -> int:
    """8099 as on a real station, or a free port when another station holds it."""
    import socket

    from enroll_app.ui.settings import DEFAULT_RECEIVER_PORT

    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", DEFAULT_RECEIVER_PORT)) != 0:
            return DEFAULT_RECEIVER_PORT
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        return int(free.getsockname()[1])


def save(widget: object, name: str) -> None:
    """Save a picture of `widget` as docs/screenshots/<name>.png."""
    path = OUT / f"{name}.png"
    widget.grab().save(str(path))  # type: ignore[attr-defined]
    print(f"wrote {path.relative_to(ROOT)}")


async def _with_demo(station: object, page: str) -> None:
    station.show(demo=True)  # type: ignore[attr-defined]
    context = station.context  # type: ignore[attr-defined]
    await _until(lambda: context.demo.running)
    await _until(lambda: context.terminal_counts[0] >= 3)
    await context.tasks.wait_idle()
    station.window.show_page(page)  # type: ignore[attr-defined]
    await _settle()


async def main_window_terminals(station: object) -> None:
    await _with_demo(station, "terminals")
    save(station.window, "main-window")  # type: ignore[attr-defined]


async def main_window_enroll_dark(station: object) -> None:
    await _with_demo(station, "enroll")
    save(station.window, "main-window-dark")  # type: ignore[attr-defined]


async def main_window_zh(station: object) -> None:
    await _with_demo(station, "persons")
    save(station.window, "main-window-zh_CN")  # type: ignore[attr-defined]


async def first_start(station: object) -> None:
    station.show(demo=False)  # type: ignore[attr-defined]
    await _settle()
    save(station.window, "first-start")  # type: ignore[attr-defined]


async def settings_dialog(station: object) -> None:
    from enroll_app.ui.settings_dialog import SettingsDialog

    station.show(demo=False)  # type: ignore[attr-defined]
    window = station.window  # type: ignore[attr-defined]
    station.presenter.edit_settings()  # type: ignore[attr-defined]
    await _until(lambda: window.findChild(SettingsDialog) is not None)
    await _settle()
    dialog = window.findChild(SettingsDialog)
    save(dialog, "settings-dialog")
    dialog.reject()


async def terminals_view(station: object) -> None:
    """The Terminals page: named demo terminals, heartbeats here, two on a site key."""
    from enroll_app.ui.terminal_dialogs import DeviceSettingsDialog, KeyScope

    await _with_demo(station, "terminals")
    window = station.window  # type: ignore[attr-defined]
    page = window.page("terminals")
    presenter = page.presenter
    serials = [t.serial for t in presenter.registry.terminals()]
    for serial, name in zip(serials, ("Front gate", "Lobby east", "Car park"), strict=True):
        await presenter.service.write_settings(serial, {"deviceName": name})
        presenter.send_uploads_here(serial)
    await presenter.rotate_keys(serials[:2], "site-2026", KeyScope.SELECTED)
    await station.context.tasks.wait_idle()  # type: ignore[attr-defined]
    presenter.refresh()
    await station.context.tasks.wait_idle()  # type: ignore[attr-defined]
    page.select(serials[0])
    await _settle()
    save(window, "terminals")
    page.settings_button.click()
    await _until(lambda: window.findChild(DeviceSettingsDialog) is not None)
    await _settle()
    dialog = window.findChild(DeviceSettingsDialog)
    save(dialog, "terminal-settings-dialog")
    dialog.reject()


async def _enroll_page(station: object) -> object:
    """The Enroll page with the demo terminals and a virtual camera on one sample portrait."""
    from enroll_app.camera.sources import ImageFolderSource
    from enroll_app.simulator.camera import FRAMES_DIR

    await _with_demo(station, "enroll")
    page = station.window.page("enroll")  # type: ignore[attr-defined]
    page.use_source(ImageFolderSource([FRAMES_DIR / "frame-1.jpg"], fps=10.0, hold_s=60.0))
    await _until(lambda: len(page.form.selected_targets()) >= 3)
    return page


async def _enroll_capture(page: object, person_id: str, name: str) -> None:
    from enroll_app.ui.enroll_view import Stage

    page.form.person_id.setText(person_id)  # type: ignore[attr-defined]
    page.form.name.setText(name)  # type: ignore[attr-defined]
    await _until(page.presenter.preview.capture_now)  # type: ignore[attr-defined]
    await _until(lambda: page.stage is Stage.RESULT)  # type: ignore[attr-defined]
    await _until(lambda: len(page.presenter.checks) >= 3)  # type: ignore[attr-defined]


async def enroll_views(station: object) -> None:
    """The person form, the checked photo, the per-terminal result and a duplicate."""
    from enroll_app.ui.enroll_view import Stage

    page = await _enroll_page(station)
    form = page.form  # type: ignore[attr-defined]
    form.card.setText("1919412288")
    form.id_no.setText("110105194912310021")
    form.presets["today"].click()
    await _enroll_capture(page, "V20260301-001", "Zhang Wei")
    await _settle()
    save(form, "person-form")
    save(station.window, "enroll-photo-checked")  # type: ignore[attr-defined]
    page.enroll()  # type: ignore[attr-defined]
    await _until(lambda: page.stage is Stage.DONE)  # type: ignore[attr-defined]
    await _settle()
    save(station.window, "enroll-result")  # type: ignore[attr-defined]
    page.next_person()  # type: ignore[attr-defined]
    await _enroll_capture(page, "V20260301-002", "Zhang Wei?")
    await _settle()
    save(station.window, "enroll-duplicate")  # type: ignore[attr-defined]


async def enroll_preview(station: object) -> None:
    """The live preview's overlay: a passing face (box, 106 landmarks), then a coached one."""
    from enroll_app.camera.sources import ImageFolderSource
    from enroll_app.simulator.camera import FRAMES_DIR

    page = await _enroll_page(station)
    preview = page.presenter.preview  # type: ignore[attr-defined]
    await _until(lambda: preview.latest is not None and preview.latest.report.ok)
    await _settle()
    save(station.window, "preview-overlay")  # type: ignore[attr-defined]
    page.use_source(ImageFolderSource([FRAMES_DIR / "frame-3.jpg"], fps=10.0, hold_s=60.0))  # type: ignore[attr-defined]
    await _until(lambda: preview.latest is not None and not preview.latest.report.ok)
    await _settle()
    save(station.window, "preview-coaching")  # type: ignore[attr-defined]
    await _known_visitor(station, FRAMES_DIR / "frame-1.jpg")
    page.use_source(ImageFolderSource([FRAMES_DIR / "frame-1.jpg"], fps=10.0, hold_s=60.0))  # type: ignore[attr-defined]
    await _until(lambda: preview.person is not None)
    await _settle()
    save(station.window, "preview-returning")  # type: ignore[attr-defined]


async def _known_visitor(station: object, photo: Path) -> None:
    """A visitor enrolled earlier with the face in `photo`, valid until the end of next week."""
    from enroll_app.face.types import read_image
    from enroll_app.store.records import Embedding, PersonId, PersonKind, PersonRecord

    services = await station.context.station_ready()  # type: ignore[attr-defined]
    engine = await services.face_engine()
    faces = await asyncio.to_thread(engine.analyse, read_image(str(photo)))
    visitor = PersonRecord(
        id=PersonId("V20261120-007"),
        name="Wang Fang",
        kind=PersonKind.VISITOR,
        end_ts=time.time() + 9 * 86_400,
        embedding=Embedding.from_array(engine.pack_name, faces[0].embedding),
    )
    await services.store.save_person(visitor, [], "screenshots")
    gallery = await services.gallery()
    if visitor.id not in gallery:  # the gallery may follow the store on its own
        gallery.add(visitor.id, faces[0].embedding, pack=engine.pack_name)


async def run_all() -> None:
    """Every screenshot, one fresh station each."""
    await shoot({}, main_window_terminals)
    await shoot({"theme": "dark"}, main_window_enroll_dark)
    await shoot({"language": "zh_CN"}, main_window_zh)
    await shoot({}, first_start)
    await shoot({}, first_run_wizard)
    await shoot({"language": "zh_CN"}, first_run_wizard_zh)
    await shoot({}, settings_dialog)
    await shoot({"theme": "dark", "language": "zh_CN"}, settings_dialog_zh_dark)
    await shoot({}, terminals_view)
    await shoot({"auto_capture": False}, enroll_views)  # type: ignore[dict-item]
    await shoot({"auto_capture": False}, enroll_preview)  # type: ignore[dict-item]
    from screenshots_persons import shoot_all as persons_records_reconcile_import

    await persons_records_reconcile_import(shoot)


async def settings_dialog_zh_dark(station: object) -> None:
    from enroll_app.ui.settings_dialog import SettingsDialog

    station.show(demo=False)  # type: ignore[attr-defined]
    window = station.window  # type: ignore[attr-defined]
    station.presenter.edit_settings()  # type: ignore[attr-defined]
    await _until(lambda: window.findChild(SettingsDialog) is not None)
    await _settle()
    dialog = window.findChild(SettingsDialog)
    save(dialog, "settings-dialog-zh_CN-dark")
    dialog.reject()


async def first_run_wizard(station: object, suffix: str = "") -> None:
    """The first-run wizard a fresh station opens: its first and its last (site key) page."""
    from enroll_app.ui.first_run import FirstRunWizard

    station.show(demo=False)  # type: ignore[attr-defined]
    window = station.window  # type: ignore[attr-defined]
    await _until(lambda: window.findChild(FirstRunWizard) is not None)
    await _settle()
    wizard = window.findChild(FirstRunWizard)
    save(wizard, f"first-run-wizard{suffix}")
    for _ in range(3):
        wizard.next()
    wizard.site_key.setText("Reception-1")
    await _settle()
    save(wizard, f"first-run-site-key{suffix}")
    wizard.reject()


async def first_run_wizard_zh(station: object) -> None:
    await first_run_wizard(station, "-zh_CN")


HIDPI_SCALE = "1.5"  # a 150 % desktop: icons and text must stay sharp, nothing cut off


async def run_hidpi() -> None:
    """The Enroll page on a 150 % screen (the picture is 1.5 times larger)."""

    async def enroll(station: object) -> None:
        await _with_demo(station, "enroll")
        save(station.window, f"main-window@{HIDPI_SCALE}x")  # type: ignore[attr-defined]

    await shoot({}, enroll)


def run(hidpi: bool = False) -> int:
    """Start Qt on the X display and take every screenshot (or the high-DPI one)."""
    import qasync

    from enroll_app.ui.app import create_application

    os.environ["QT_QPA_PLATFORM"] = "xcb"
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="enroll-shots-keys-") as keys:
        # Demo keys go to a throw-away file keyring, never the user's own keyring.
        os.environ["PYTHON_KEYRING_BACKEND"] = "keyrings.alt.file.PlaintextKeyring"
        os.environ["XDG_DATA_HOME"] = keys
        app = create_application()
        with asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app)) as runner:
            runner.run(run_hidpi() if hidpi else run_all())
    return 0


def main() -> int:
    """Entry point: parse arguments, provide an X server, take the shots."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--display", action="store_true", help="use $DISPLAY, no Xvfb")
    parser.add_argument("--hidpi", action="store_true", help="only the 150 %% screenshot")
    args = parser.parse_args()
    if args.display:
        return run(hidpi=args.hidpi)
    with xvfb():
        # Qt in child processes: should one abort, this process still stops the X server.
        child = [sys.executable, str(Path(__file__).resolve()), "--display"]
        normal = subprocess.run(child, check=False).returncode
        scaled_env = {**os.environ, "QT_SCALE_FACTOR": HIDPI_SCALE}
        scaled = subprocess.run([*child, "--hidpi"], env=scaled_env, check=False).returncode
        return normal or scaled


if __name__ == "__main__":
    sys.exit(main())
