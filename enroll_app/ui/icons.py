"""Line icons drawn from small inline SVGs in the theme's colours (crisp at any DPI)."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QIcon, QIconEngine, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

# 24x24 stroke drawings; "{c}" becomes the colour.
_SHAPES = {
    "enroll": '<circle cx="10" cy="8" r="4"/><path d="M3 21c0-3.9 3.1-7 7-7 1.6 0 3.1.5 4.3 1.4"/>'
    '<path d="M19 14v7M15.5 17.5h7"/>',
    "persons": '<circle cx="9" cy="8" r="3.5"/><path d="M2.5 20c0-3.6 2.9-6.5 6.5-6.5s6.5 2.9 6.5 6.5"/>'
    '<path d="M15.5 4.7a3.5 3.5 0 0 1 0 6.6M18 14c2.1.8 3.5 3.2 3.5 6"/>',
    "terminals": '<rect x="6" y="2.5" width="12" height="19" rx="2"/><circle cx="12" cy="9" r="3"/>'
    '<path d="M9.5 15.5h5M11 18.5h2"/>',
    "records": '<rect x="4.5" y="3" width="15" height="18" rx="2"/><path d="M8 8h8M8 12h8M8 16h5"/>',
    "settings": '<path d="M4 6h9M17 6h3M4 12h3M11 12h9M4 18h11M19 18h1"/><circle cx="15" cy="6" r="2"/>'
    '<circle cx="9" cy="12" r="2"/><circle cx="17" cy="18" r="2"/>',
    "camera": '<path d="M3 8.5A1.5 1.5 0 0 1 4.5 7h2.3l1.7-2.5h7l1.7 2.5h2.3A1.5 1.5 0 0 1 21 8.5v10'
    'a1.5 1.5 0 0 1-1.5 1.5h-15A1.5 1.5 0 0 1 3 18.5z"/><circle cx="12" cy="13" r="3.8"/>',
    "demo": '<circle cx="12" cy="12" r="9.5"/><path d="M10 8.5l5.5 3.5-5.5 3.5z"/>',
    "stop": '<circle cx="12" cy="12" r="9.5"/><rect x="9" y="9" width="6" height="6" rx="1"/>',
    "info": '<circle cx="12" cy="12" r="9.5"/><path d="M12 11v6M12 7.5v.5"/>',
    "warning": '<path d="M12 3.5l9.5 16.5h-19z"/><path d="M12 10v4.5M12 17.5v.5"/>',
    "close": '<path d="M6 6l12 12M18 6L6 18"/>',
    "check": '<circle cx="12" cy="12" r="9.5"/><path d="M7.8 12.3l2.8 2.8 5.6-5.8"/>',
    "search": '<circle cx="11" cy="11" r="6.5"/><path d="M16 16l5 5"/>',
}

ICON_NAMES = tuple(_SHAPES)


def svg(name: str, color: str) -> bytes:
    """The SVG document of icon `name` drawn in `color`."""
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" fill="none" '
        f'stroke="{color}" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round">'
        f"{_SHAPES[name]}</svg>"
    ).encode()


def pixmap(name: str, color: str, size: int, device_pixel_ratio: float = 1.0) -> QPixmap:
    """Icon `name` rendered at `size` logical pixels for a screen of `device_pixel_ratio`."""
    renderer = QSvgRenderer(QByteArray(svg(name, color)))
    side = max(1, round(size * device_pixel_ratio))
    image = QPixmap(QSize(side, side))
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, side, side))
    painter.end()
    image.setDevicePixelRatio(device_pixel_ratio)
    return image


class _SvgIconEngine(QIconEngine):
    """Renders the icon when Qt asks for a size: no pixmaps made for sizes never shown."""

    def __init__(self, name: str, color: str, selected_color: str | None) -> None:
        super().__init__()
        self._name = name
        self._color = color
        self._selected = selected_color

    def _color_for(self, mode: QIcon.Mode) -> str:
        if mode == QIcon.Mode.Selected and self._selected is not None:
            return self._selected
        return self._color

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        renderer = QSvgRenderer(QByteArray(svg(self._name, self._color_for(mode))))
        renderer.render(painter, QRectF(rect))

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        return pixmap(self._name, self._color_for(mode), min(size.width(), size.height()))

    def scaledPixmap(  # asked for on high-DPI screens
        self, size: QSize, mode: QIcon.Mode, state: QIcon.State, scale: float
    ) -> QPixmap:
        side = min(size.width(), size.height())
        return pixmap(self._name, self._color_for(mode), round(side / scale), scale)

    def clone(self) -> QIconEngine:
        return _SvgIconEngine(self._name, self._color, self._selected)


def icon(name: str, color: str, selected_color: str | None = None) -> QIcon:
    """A QIcon of `name`, drawn at whatever size and scale it is shown; `selected_color` is
    used for selected list items."""
    return QIcon(_SvgIconEngine(name, color, selected_color))
