"""Light and dark palettes (Fusion style) and the few style rules the shell's widgets need."""

from __future__ import annotations

import re
from dataclasses import dataclass

from PySide6 import QtWidgets
from PySide6.QtCore import QRegularExpression, Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QWidget


@dataclass(frozen=True)
class Colors:
    """The colours of one theme."""

    window: str
    surface: str  # cards, inputs
    sidebar: str
    text: str
    muted: str  # secondary text, placeholder icons
    border: str
    accent: str
    accent_text: str
    ok: str
    warn: str
    error: str
    info_bg: str
    warn_bg: str
    error_bg: str


LIGHT = Colors(
    window="#f4f5f7",
    surface="#ffffff",
    sidebar="#e9ecf1",
    text="#1d2330",
    muted="#6b7385",
    border="#d5d9e0",
    accent="#2d6cdf",
    accent_text="#ffffff",
    ok="#1f9d55",
    warn="#c27803",
    error="#d64545",
    info_bg="#e4eefc",
    warn_bg="#fdf3dc",
    error_bg="#fbe3e3",
)

DARK = Colors(
    window="#1f2127",
    surface="#292c33",
    sidebar="#181a1f",
    text="#e4e6eb",
    muted="#9198a6",
    border="#3a3e47",
    accent="#4f8bf5",
    accent_text="#ffffff",
    ok="#3ccf7a",
    warn="#f0b43c",
    error="#f06a6a",
    info_bg="#233450",
    warn_bg="#4a3b1c",
    error_bg="#4d2426",
)


def resolve_theme(theme: str) -> str:
    """ "light" or "dark": "system" follows the desktop's colour scheme (light when unknown)."""
    if theme in ("light", "dark"):
        return theme
    scheme = QGuiApplication.styleHints().colorScheme()
    return "dark" if scheme == Qt.ColorScheme.Dark else "light"


def colors(theme: str) -> Colors:
    """The colours of `theme` ("system", "light" or "dark")."""
    return DARK if resolve_theme(theme) == "dark" else LIGHT


def apply_theme(app: QApplication, theme: str) -> Colors:
    """Switch the whole application to `theme`; returns its colours.

    The first call installs Fusion, the palette and the style sheet. A switch afterwards only
    changes the palette and re-polishes the few widgets whose style rules read palette roles:
    re-polishing every widget (as `setStyle` or `setStyleSheet` would) stalls the UI thread.
    """
    chosen = colors(theme)
    palette = _palette(chosen)
    if app.styleSheet() != STYLE_SHEET:
        # Once, in this order: the sheet then resolves its palette roles with the new palette.
        # (Not "unless the style is Fusion": under a style sheet the style's name is "".)
        app.setStyle("Fusion")
        app.setPalette(palette)
        app.setStyleSheet(STYLE_SHEET)
        return chosen
    if app.palette() != palette:
        app.setPalette(palette)
        _repolish_palette_rules(app)
    return chosen


def _repolish_palette_rules(app: QApplication) -> None:
    # A style sheet resolves `palette(...)` when it polishes a widget and keeps the result:
    # without this, those widgets keep the previous theme's colours. Found by object name,
    # which Qt matches without making a Python object for every widget (`allWidgets()` or a
    # search by class does: ~20 ms for the station's 500 widgets).
    for top in app.topLevelWidgets():
        styled = top.findChildren(QWidget, _PALETTE_RULE_NAME_PATTERN)
        for widget_type in _PALETTE_RULE_TYPES:  # none in STYLE_SHEET: see there
            styled += top.findChildren(widget_type)
        if top.objectName() in _PALETTE_RULE_NAMES or isinstance(top, _PALETTE_RULE_TYPES):
            styled.append(top)
        for widget in styled:
            style = widget.style()
            style.unpolish(widget)
            style.polish(widget)
            widget.update()


def _palette(c: Colors) -> QPalette:
    palette = QPalette()
    role = QPalette.ColorRole
    for name, value in (
        (role.Window, c.window),
        (role.WindowText, c.text),
        (role.Base, c.surface),
        (role.AlternateBase, c.sidebar),
        (role.Text, c.text),
        (role.Button, c.surface),
        (role.ButtonText, c.text),
        (role.ToolTipBase, c.surface),
        (role.ToolTipText, c.text),
        (role.PlaceholderText, c.muted),
        (role.Highlight, c.accent),
        (role.HighlightedText, c.accent_text),
        (role.Accent, c.accent),
        (role.Link, c.accent),
        (role.Mid, c.border),
        (role.Midlight, c.border),
    ):
        palette.setColor(name, QColor(value))
    for name in (role.Text, role.WindowText, role.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, name, QColor(c.muted))
    return palette


def banner_style(kind: str, c: Colors) -> str:
    """Background of a notice banner of `kind` ("info", "warning", "error")."""
    background = {"info": c.info_bg, "warning": c.warn_bg, "error": c.error_bg}[kind]
    return f"#Banner {{ background: {background}; border-radius: 8px; }}"


# Rules for widgets the palette alone cannot style (object names set by the shell). Colours
# come from palette roles (see `_palette`): sidebar = AlternateBase, muted = PlaceholderText.
# Rules that read a role select by object name (#Name): a theme switch re-polishes those
# widgets, and finds them cheaply only by name. Class rules use a translucent grey instead
# (close to `mid` in both themes) so that they never need re-polishing.
STYLE_SHEET = """
#Sidebar { background: palette(alternate-base); border: none; }
#SidebarTitle { font-size: 15pt; font-weight: 600; }
#SidebarSubtitle, #Muted { color: palette(placeholder-text); }
#PageList { background: transparent; border: none; outline: 0; }
#PageList::item { padding: 8px 10px; margin: 2px 0; border-radius: 6px; color: palette(window-text); }
#PageList::item:hover { background: palette(mid); }
#PageList::item:selected { background: palette(highlight); color: palette(highlighted-text); }
#PageTitle { font-size: 17pt; font-weight: 600; }
#Card { background: palette(base); border: 1px solid palette(mid); border-radius: 10px; }
#Tile { background: palette(base); border: 1px solid palette(mid); border-radius: 8px; }
#Lead { font-size: 11.5pt; }
QDialogButtonBox { dialogbuttonbox-buttons-have-icons: 0; }
#Banner QLabel { background: transparent; }
QStatusBar { border-top: 1px solid rgba(128, 132, 145, 0.27); }
QStatusBar::item { border: none; }
QGroupBox { font-weight: 600; border: 1px solid rgba(128, 132, 145, 0.27); border-radius: 8px;
            margin-top: 14px; padding: 12px 10px 8px 10px; }
QGroupBox::title { subcontrol-origin: margin; left: 10px; padding: 0 4px; }
"""


def _palette_rule_selectors(sheet: str) -> tuple[frozenset[str], tuple[type[QWidget], ...]]:
    """Object names and widget classes of the rules of `sheet` that read a palette role."""
    names: set[str] = set()
    types: list[type[QWidget]] = []
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", sheet):
        if "palette(" not in body:
            continue
        for selector in selectors.split(","):
            subject = selector.split()[-1].split("::")[0].split(":")[0]
            if subject.startswith("#"):
                names.add(subject[1:])
            elif isinstance(widget_type := getattr(QtWidgets, subject, None), type):
                types.append(widget_type)
            else:  # a rule a switch would not refresh: its widgets would keep the old colours
                raise ValueError(f"style rule {selector.strip()!r} reads the palette")
    return frozenset(names), tuple(types)


_PALETTE_RULE_NAMES, _PALETTE_RULE_TYPES = _palette_rule_selectors(STYLE_SHEET)
_PALETTE_RULE_NAME_PATTERN = QRegularExpression(
    "^(" + "|".join(sorted(map(re.escape, _PALETTE_RULE_NAMES))) + ")$"
)
