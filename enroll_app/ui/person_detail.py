"""`PersonDetail`: the side panel of the Persons page (photo, fields, terminals, audit trail)."""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

from enroll_app.store.records import (
    UNLIMITED_PASSES,
    UNLIMITED_TS,
    AuditEntry,
    PersonKind,
    PersonRecord,
    Placement,
    TerminalSerial,
)
from enroll_app.ui.persons_model import format_time, state_color, state_text
from enroll_app.ui.theme import Colors

PHOTO_WIDTH = 220


@dataclass(frozen=True)
class PersonDetails:
    """What the panel shows about one person (loaded off the UI thread)."""

    person: PersonRecord
    photo: QImage | None
    placements: list[Placement]
    audit: list[AuditEntry]


class PersonDetail(QScrollArea):
    """Shows one person; empty until `show_details` is called. UI thread."""

    def __init__(self, colors: Colors, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._colors = colors
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setMinimumWidth(PHOTO_WIDTH + 40)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(12, 0, 4, 0)
        self.photo = QLabel()
        self.photo.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.photo.setFixedSize(PHOTO_WIDTH, PHOTO_WIDTH * 3 // 4)
        self.photo.setObjectName("Card")
        layout.addWidget(self.photo)
        self.fields = self._label()
        layout.addWidget(self.fields)
        self.terminals_title = self._label(bold=True)
        layout.addWidget(self.terminals_title)
        self.terminals = self._label()
        layout.addWidget(self.terminals)
        self.audit_title = self._label(bold=True)
        layout.addWidget(self.audit_title)
        self.audit = self._label()
        layout.addWidget(self.audit)
        layout.addStretch(1)
        self.setWidget(body)
        self.clear()

    @staticmethod
    def _label(*, bold: bool = False) -> QLabel:
        label = QLabel()
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        if bold:
            label.setStyleSheet("font-weight: 600; margin-top: 8px;")
        return label

    def clear(self) -> None:
        """Show that nobody is selected."""
        self.person_id: str | None = None
        self.photo.clear()
        self.photo.setText(self.tr("Select a person"))
        for label in (self.fields, self.terminals_title, self.terminals, self.audit_title):
            label.clear()
        self.audit.clear()

    def show_details(
        self, details: PersonDetails, names: Mapping[TerminalSerial, str], now: float
    ) -> None:
        """Fill the panel with `details`; `names` are the terminals' display names."""
        self.person_id = details.person.id
        self._show_photo(details.photo)
        self.fields.setText(self._fields_html(details.person, now))
        self.terminals_title.setText(self.tr("Terminals"))
        self.terminals.setText(self._placements_html(details.placements, names))
        self.audit_title.setText(self.tr("History"))
        self.audit.setText(self._audit_html(details.audit, names))

    def _show_photo(self, photo: QImage | None) -> None:
        if photo is None or photo.isNull():
            self.photo.clear()
            self.photo.setText(self.tr("No photo"))
            return
        self.photo.setPixmap(
            QPixmap.fromImage(photo).scaled(
                self.photo.size(),
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        )

    def _fields_html(self, p: PersonRecord, now: float) -> str:
        kind = self.tr("Visitor") if p.kind is PersonKind.VISITOR else self.tr("Staff")
        start = self.tr("now") if p.start_ts == UNLIMITED_TS else format_time(p.start_ts)
        end = self.tr("no limit") if p.end_ts == UNLIMITED_TS else format_time(p.end_ts)
        if p.expired(now):
            end += " " + self.tr("(expired)")
        passes = self.tr("any") if p.pass_count >= UNLIMITED_PASSES else str(p.pass_count)
        rows = [
            (self.tr("ID"), p.id),
            (self.tr("Type"), kind),
            (self.tr("Card"), p.ic_no or "–"),
            (self.tr("ID number"), _masked(p.id_no)),
            (self.tr("Valid from"), start),
            (self.tr("Valid until"), end),
            (self.tr("Passes"), passes),
            (self.tr("Source"), p.source),
        ]
        cells = "".join(
            f"<tr><td style='color:{self._colors.muted}; padding-right:8px'>{html.escape(k)}</td>"
            f"<td>{html.escape(v)}</td></tr>"
            for k, v in rows
        )
        return f"<p style='font-size:13pt; font-weight:600'>{html.escape(p.name)}</p><table>{cells}</table>"

    def _placements_html(
        self, placements: list[Placement], names: Mapping[TerminalSerial, str]
    ) -> str:
        if not placements:
            return self.tr("Only on this station: not sent to any terminal.")
        lines = []
        for placement in placements:
            color = state_color(placement.state, self._colors)
            name = html.escape(names.get(placement.serial, placement.serial))
            text = html.escape(state_text(placement.state))
            line = f"<span style='color:{color}'>●</span> <b>{name}</b>: {text}"
            if placement.state.failed and placement.last_error:
                line += f"<br><span style='color:{self._colors.muted}'>{html.escape(placement.last_error)}</span>"
            lines.append(line)
        return "<br>".join(lines)

    def _audit_html(self, entries: list[AuditEntry], names: Mapping[TerminalSerial, str]) -> str:
        if not entries:
            return self.tr("Nothing recorded yet.")
        lines = []
        for entry in entries:
            where = f" · {names.get(entry.serial, entry.serial)}" if entry.serial else ""
            lines.append(
                f"<span style='color:{self._colors.muted}'>{format_time(entry.ts)}</span> "
                f"{html.escape(entry.action)} ({html.escape(entry.actor)}){html.escape(where)}"
                f"<br><span style='color:{self._colors.muted}'>{html.escape(entry.detail)}</span>"
            )
        return "<br>".join(lines)


def _masked(id_no: str) -> str:
    """An ID-card number with all but its last four characters hidden (shoulder-surfing)."""
    if not id_no:
        return "–"
    return "•" * max(0, len(id_no) - 4) + id_no[-4:]
