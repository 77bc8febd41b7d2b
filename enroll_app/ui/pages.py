"""The shell's pages: which module builds each one, and the placeholder shown until it exists."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QWidget

from enroll_app.ui.context import AppContext
from enroll_app.ui.main_window import MainWindow
from enroll_app.ui.widgets import Action, PlaceholderView

logger = logging.getLogger(__name__)

PageFactory = Callable[[AppContext], QWidget]
translate = QCoreApplication.translate


@dataclass(frozen=True)
class PageSpec:
    """One sidebar page: `factory` is "module:function", the function takes the AppContext."""

    key: str
    icon_name: str
    shortcut: str
    factory: str


PAGES = (
    PageSpec("enroll", "enroll", "Ctrl+1", "enroll_app.ui.enroll_view:create_page"),
    PageSpec("persons", "persons", "Ctrl+2", "enroll_app.ui.persons_view:create_page"),
    PageSpec("terminals", "terminals", "Ctrl+3", "enroll_app.ui.terminals_view:create_page"),
    PageSpec("records", "records", "Ctrl+4", "enroll_app.ui.records_view:create_page"),
)


def page_title(key: str) -> str:
    """The translated sidebar title of page `key`."""
    titles = {
        "enroll": translate("Pages", "Enroll"),
        "persons": translate("Pages", "Persons"),
        "terminals": translate("Pages", "Terminals"),
        "records": translate("Pages", "Records"),
    }
    return titles[key]


def install_pages(window: MainWindow, context: AppContext) -> None:
    """Add every page of `PAGES` to `window`, built by its factory or as a placeholder."""
    for spec in PAGES:
        window.add_page(
            spec.key,
            page_title(spec.key),
            build_page(spec, context, window),
            spec.icon_name,
            spec.shortcut,
        )


def build_page(spec: PageSpec, context: AppContext, window: MainWindow) -> QWidget:
    """The page's own view, or its placeholder while the module is not written yet."""
    factory = _load_factory(spec.factory)
    if factory is None:
        return placeholder(spec, window)
    try:
        return factory(context)
    except Exception as exc:  # a broken page must not keep the station from starting
        context.tasks.report_bug(exc, page_title(spec.key))
        return broken_page(spec, window)


def _load_factory(target: str) -> PageFactory | None:
    module_name, _, function = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        return None
    factory: PageFactory = getattr(module, function)
    return factory


def placeholder(spec: PageSpec, window: MainWindow) -> PlaceholderView:
    """The page that says what `spec` will show once it is built."""
    summary, coming = _PLACEHOLDER_TEXT[spec.key]()
    return PlaceholderView(
        spec.icon_name,
        page_title(spec.key),
        summary=summary,
        coming=coming,
        colors=window.colors,
        meanwhile=_meanwhile(spec, window),
    )


def _meanwhile(spec: PageSpec, window: MainWindow) -> tuple[str, Action] | None:
    """Point at the Terminals page, which works already (unless this is that page)."""
    terminals = next(page for page in PAGES if page.key == "terminals")
    if spec.key == terminals.key or _load_factory(terminals.factory) is None:
        return None
    text = translate(
        "Pages",
        "Meanwhile, the Terminals page works: find the terminals on this network (or the "
        "demo ones), set a site key and let them send heartbeats to this station.",
    )
    return text, (translate("Pages", "Open Terminals"), lambda: window.show_page("terminals"))


def broken_page(spec: PageSpec, window: MainWindow) -> PlaceholderView:
    """Shown instead of a page whose factory failed (the crash dialog has the details)."""
    return PlaceholderView(
        "warning",
        page_title(spec.key),
        summary=translate(
            "Pages", "This page could not be opened because of a bug. The details are in the log."
        ),
        coming=[],
        colors=window.colors,
    )


def _enroll_text() -> tuple[str, list[str]]:
    return translate(
        "Pages",
        "<b>Not built yet.</b> Here you will enroll people: take a photo, check it and "
        "send it to the terminals.",
    ), [
        translate("Pages", "Live camera preview with face quality checks (sharpness, pose, light)"),
        translate(
            "Pages", "A virtual camera made from sample portraits, for demo mode without a webcam"
        ),
        translate("Pages", "Duplicate search against everyone already enrolled"),
        translate("Pages", "Upload to every chosen terminal, verified by reading it back"),
    ]


def _persons_text() -> tuple[str, list[str]]:
    return translate(
        "Pages",
        "<b>Not built yet.</b> Here you will see everyone enrolled at this station, with "
        "photo, validity and the terminals they are on.",
    ), [
        translate("Pages", "Search by name or ID"),
        translate("Pages", "Change validity, pass count and visitor end time"),
        translate("Pages", "Delivery state on each terminal"),
        translate("Pages", "Import and export as Excel files"),
    ]


def _terminals_text() -> tuple[str, list[str]]:
    return translate(
        "Pages",
        "<b>Not built yet.</b> Here you will see the access terminals on this network, "
        "found automatically.",
    ), [
        translate("Pages", "Network scan and live heartbeats"),
        translate("Pages", "Online and offline state, device details"),
        translate("Pages", "Terminal keys kept in the system keyring"),
        translate("Pages", "Open the door, set the time, reboot"),
    ]


def _records_text() -> tuple[str, list[str]]:
    return translate(
        "Pages",
        "<b>Not built yet.</b> Here you will see the pass records the terminals send to this station.",
    ), [
        translate("Pages", "Who passed which terminal, and when, as it happens"),
        translate("Pages", "Filter by person, terminal and date"),
        translate("Pages", "Export to Excel"),
    ]


_PLACEHOLDER_TEXT = {
    "enroll": _enroll_text,
    "persons": _persons_text,
    "terminals": _terminals_text,
    "records": _records_text,
}
