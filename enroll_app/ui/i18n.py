"""Translations: our zh_CN catalogue plus Qt's own (standard buttons), chosen at start.

The catalogue source is `ui/translations/enroll_station_zh_CN.ts`; `tools/update_translations.py`
extracts new strings from `ui/` into it and compiles the `.qm` next to it.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

TRANSLATIONS_DIR = Path(__file__).with_name("translations")
CATALOGUE = "enroll_station"
SUPPORTED = ("en", "zh_CN")


def resolve_language(setting: str) -> str:
    """ "en" or "zh_CN": "system" follows the desktop's locale (Chinese locales get zh_CN)."""
    if setting in SUPPORTED:
        return setting
    return "zh_CN" if QLocale.system().name().startswith("zh") else "en"


def install_translators(app: QCoreApplication, language: str) -> list[QTranslator]:
    """Install the translators for `language` on `app`; keep the returned list alive."""
    if language == "en":
        return []
    translators = []
    qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    for name, folder in ((f"qtbase_{language}", qt_dir), (f"{CATALOGUE}_{language}", "")):
        translator = QTranslator(app)
        if translator.load(name, folder or str(TRANSLATIONS_DIR)):
            app.installTranslator(translator)
            translators.append(translator)
    return translators


def remove_translators(app: QCoreApplication, translators: list[QTranslator]) -> None:
    """Undo `install_translators`."""
    for translator in translators:
        app.removeTranslator(translator)


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:  # the name lupdate looks for
    """Mark `text` for lupdate in `context` and return it as it is; translate where shown.

    PySide6's own marker is typed as returning `object`; this one keeps the `str`.
    """
    del context  # read by lupdate from the source, not at run time
    return text
