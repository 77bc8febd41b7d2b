"""`PersonDetail`: the side panel of the Persons page (photo, fields, terminals, audit trail)."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

from enroll_app.store.records import (
    UNLIMITED_PASSES,
    UNLIMITED_TS,
    AuditEntry,
    OutboxOp,
    PersonKind,
    PersonRecord,
    Placement,
    PlacementState,
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
            if placement.state.failed and _adds_to(text, placement.last_error):
                line += f"<br><span style='color:{self._colors.muted}'>{html.escape(placement.last_error)}</span>"
            lines.append(line)
        return "<br>".join(lines)

    def _audit_html(self, entries: list[AuditEntry], names: Mapping[TerminalSerial, str]) -> str:
        if not entries:
            return self.tr("Nothing recorded yet.")
        muted = self._colors.muted
        lines = []
        for entry in entries:
            line = audit_line(entry, names)
            text = (
                f"<span style='color:{muted}'>{html.escape(format_time(entry.ts))}</span> "
                f"<b>{html.escape(line.what)}</b>"
                f"<br><span style='color:{muted}'>{html.escape(line.who)}</span>"
            )
            if line.note:
                text += f"<span style='color:{muted}'> · {html.escape(line.note)}</span>"
            lines.append(text)
        return "<br>".join(lines)


# ---- the audit log in the operator's words ---------------------------------------------------


@dataclass(frozen=True)
class AuditLine:
    """One audit entry as the operator reads it: `what` happened, `who` did it (already
    worded "by …"), and a `note` with the technical detail when it adds something."""

    what: str
    who: str
    note: str = ""


def audit_line(entry: AuditEntry, names: Mapping[TerminalSerial, str]) -> AuditLine:
    """Word `entry` for the operator (translated): terminals by their display name in `names`
    (the serial when unnamed). An action this version does not know is shown as its code made
    readable, never an error."""
    describe = _ACTIONS.get(entry.action, _unknown)
    what, note = describe(entry, names)
    who = QCoreApplication.translate("AuditLog", "by {actor}").format(actor=actor_text(entry.actor))
    return AuditLine(what, who, note)


def actor_text(actor: str) -> str:
    """Who did it, in words: the station's own workers by role, anyone else by their name."""
    if _import_source(actor) is not None:  # what came in is in the action's words
        return QCoreApplication.translate("AuditLog", "the import from a terminal")
    roles = {
        "operator": QCoreApplication.translate("AuditLog", "the operator"),
        "sync": QCoreApplication.translate("AuditLog", "automatic delivery"),
        "enroll": QCoreApplication.translate("AuditLog", "the Enroll page"),
        "import": QCoreApplication.translate("AuditLog", "HR import"),
        "hr": QCoreApplication.translate("AuditLog", "HR import"),
        "visitor-sweeper": QCoreApplication.translate("AuditLog", "visitor expiry"),
        "selftest": QCoreApplication.translate("AuditLog", "the self-test"),
        "cli": QCoreApplication.translate("AuditLog", "the command line"),
        "discovery": QCoreApplication.translate("AuditLog", "terminal discovery"),
    }
    return roles.get(actor) or actor.strip() or QCoreApplication.translate("AuditLog", "unknown")


Describe = Callable[[AuditEntry, Mapping[TerminalSerial, str]], tuple[str, str]]
"""An action's wording: (what happened, note)."""

IMPORT_ACTOR_PREFIX = "import:"  # reconcile's import saves persons as "import:<serial>"


def _import_source(actor: str) -> TerminalSerial | None:
    if actor.startswith(IMPORT_ACTOR_PREFIX) and len(actor) > len(IMPORT_ACTOR_PREFIX):
        return TerminalSerial(actor[len(IMPORT_ACTOR_PREFIX) :])
    return None


def _name(serial: str, names: Mapping[TerminalSerial, str]) -> str:
    return names.get(TerminalSerial(serial)) or serial


def _terminal(entry: AuditEntry, names: Mapping[TerminalSerial, str]) -> str:
    if not entry.serial:
        return QCoreApplication.translate("AuditLog", "a terminal")
    return _name(entry.serial, names)


def _terminal_list(text: str, names: Mapping[TerminalSerial, str]) -> str:
    """ "S1, S2" (the store's detail) as the terminals' names."""
    return ", ".join(_name(s.strip(), names) for s in text.split(",") if s.strip())


def _after(detail: str, prefix: str) -> str:
    return detail[len(prefix) :] if detail.startswith(prefix) else ""


def _number(pattern: str, detail: str) -> int | None:
    found = re.fullmatch(pattern, detail.strip())
    return int(found.group(1)) if found else None


def _saved(first: bool) -> Describe:
    def describe(entry: AuditEntry, names: Mapping[TerminalSerial, str]) -> tuple[str, str]:
        source = _import_source(entry.actor)
        if source is not None:
            what = (
                QCoreApplication.translate("AuditLog", "Imported from {terminal}")
                if first
                else QCoreApplication.translate("AuditLog", "Replaced by the copy on {terminal}")
            )
            return what.format(terminal=_name(source, names)), ""
        targets = _terminal_list(_after(entry.detail, "to "), names)
        if targets:
            what = (
                QCoreApplication.translate("AuditLog", "Enrolled, to be sent to {terminals}")
                if first
                else QCoreApplication.translate("AuditLog", "Changed, to be sent to {terminals}")
            )
            return what.format(terminals=targets), ""
        if first:
            return QCoreApplication.translate("AuditLog", "Enrolled on this station only"), ""
        return QCoreApplication.translate("AuditLog", "Changed on this station only"), ""

    return describe


def _remove_asked(entry: AuditEntry, names: Mapping[TerminalSerial, str]) -> tuple[str, str]:
    targets = _terminal_list(_after(entry.detail, "from "), names)
    if not targets:
        return QCoreApplication.translate("AuditLog", "Removal from terminals requested"), ""
    what = QCoreApplication.translate("AuditLog", "Removal from {terminals} requested")
    return what.format(terminals=targets), ""


def _forget(entry: AuditEntry, names: Mapping[TerminalSerial, str]) -> tuple[str, str]:
    count = _number(r"removing from (\d+) terminal\(s\)", entry.detail)
    if count is None:
        return QCoreApplication.translate("AuditLog", "Forgotten: personal data deleted"), ""
    return QCoreApplication.translate(
        "AuditLog",
        "Forgotten: personal data deleted, removal from %n terminal(s) queued",
        "",
        count,
    ), ""


def _forgotten(entry: AuditEntry, names: Mapping[TerminalSerial, str]) -> tuple[str, str]:
    return QCoreApplication.translate("AuditLog", "Forgetting finished: the record is deleted"), ""


def _sent(entry: AuditEntry, names: Mapping[TerminalSerial, str]) -> tuple[str, str]:
    what = QCoreApplication.translate("AuditLog", "Sent to {terminal}")
    return what.format(terminal=_terminal(entry, names)), ""


def _removed(entry: AuditEntry, names: Mapping[TerminalSerial, str]) -> tuple[str, str]:
    what = QCoreApplication.translate("AuditLog", "Removed from {terminal}")
    return what.format(terminal=_terminal(entry, names)), ""


def _adds_to(text: str, detail: str) -> bool:
    """True when `detail` says more than `text` already does (no line repeating the state)."""
    said = detail.strip().rstrip(".").lower()
    return bool(said) and said not in text.lower()


def _failure_reason(state: str) -> str:
    reasons: dict[str, str] = {
        PlacementState.FAILED_FULL: QCoreApplication.translate("AuditLog", "terminal full"),
        PlacementState.FAILED_KEY: QCoreApplication.translate("AuditLog", "key refused"),
        PlacementState.FAILED_PHOTO: QCoreApplication.translate("AuditLog", "photo rejected"),
    }
    return reasons.get(state, "")


def _sync_failed(entry: AuditEntry, names: Mapping[TerminalSerial, str]) -> tuple[str, str]:
    # The store writes "<op> <state>: <error>"; the error is the service's English text.
    head, parsed, error = entry.detail.partition(": ")
    op, _, state = head.partition(" ")
    if not parsed:  # not in that shape: the whole detail is all there is to say
        op, state, error = "", "", entry.detail.strip()
    reason = _failure_reason(state)
    known = state in set(PlacementState) and _adds_to(state_text(PlacementState(state)), error)
    note = error if reason and known else ""
    reason = reason or error or QCoreApplication.translate("AuditLog", "error")
    what = (
        QCoreApplication.translate("AuditLog", "Removal failed on {terminal}: {reason}")
        if op == OutboxOp.REMOVE
        else QCoreApplication.translate("AuditLog", "Delivery failed on {terminal}: {reason}")
    )
    return what.format(terminal=_terminal(entry, names), reason=reason), note


def _retry(entry: AuditEntry, names: Mapping[TerminalSerial, str]) -> tuple[str, str]:
    count = _number(r"(\d+) entries", entry.detail)
    terminal = _terminal(entry, names)
    if count is None:
        what = QCoreApplication.translate("AuditLog", "Retry on {terminal} requested")
        return what.format(terminal=terminal), entry.detail
    what = QCoreApplication.translate(
        "AuditLog", "Retry on {terminal} requested (%n waiting)", "", count
    )
    return what.format(terminal=terminal), ""


def _terminal_added(entry: AuditEntry, names: Mapping[TerminalSerial, str]) -> tuple[str, str]:
    what = QCoreApplication.translate("AuditLog", "Terminal {terminal} added")
    return what.format(terminal=_terminal(entry, names)), entry.detail


def _terminal_moved(entry: AuditEntry, names: Mapping[TerminalSerial, str]) -> tuple[str, str]:
    what = QCoreApplication.translate("AuditLog", "Terminal {terminal} moved to a new address")
    return what.format(terminal=_terminal(entry, names)), entry.detail


def _terminal_removed(entry: AuditEntry, names: Mapping[TerminalSerial, str]) -> tuple[str, str]:
    what = QCoreApplication.translate("AuditLog", "Terminal {terminal} removed from the station")
    return what.format(terminal=_terminal(entry, names)), ""


def _reconcile_removed(entry: AuditEntry, names: Mapping[TerminalSerial, str]) -> tuple[str, str]:
    what = QCoreApplication.translate(
        "AuditLog", "Removed from {terminal} by reconcile (unknown to the station)"
    )
    return what.format(terminal=_terminal(entry, names)), ""


def _reconcile_failed(entry: AuditEntry, names: Mapping[TerminalSerial, str]) -> tuple[str, str]:
    what = QCoreApplication.translate(
        "AuditLog", "Reconcile could not remove from {terminal}: {reason}"
    )
    reason = entry.detail or QCoreApplication.translate("AuditLog", "error")
    return what.format(terminal=_terminal(entry, names), reason=reason), ""


def _reconcile_import(entry: AuditEntry, names: Mapping[TerminalSerial, str]) -> tuple[str, str]:
    found = re.fullmatch(r"imported (\d+) of (\d+)", entry.detail.strip())
    terminal = _terminal(entry, names)
    if found is None:
        what = QCoreApplication.translate("AuditLog", "Import from {terminal}")
        return what.format(terminal=terminal), entry.detail
    what = QCoreApplication.translate(
        "AuditLog", "Imported {count} of {total} person(s) from {terminal}"
    )
    return what.format(count=found.group(1), total=found.group(2), terminal=terminal), ""


def _unknown(entry: AuditEntry, names: Mapping[TerminalSerial, str]) -> tuple[str, str]:
    """A code from a newer version: "person.merge_done" reads "Person merge done"."""
    words = " ".join(re.split(r"[._:\-\s]+", entry.action)).strip()
    what = words[:1].upper() + words[1:] if words else "?"
    if entry.serial:
        what = QCoreApplication.translate("AuditLog", "{action} on {terminal}").format(
            action=what, terminal=_terminal(entry, names)
        )
    return what, entry.detail


_ACTIONS: dict[str, Describe] = {
    "person.create": _saved(first=True),
    "person.update": _saved(first=False),
    "person.remove": _remove_asked,
    "person.forget": _forget,
    "person.forgotten": _forgotten,
    f"sync.{OutboxOp.UPSERT}": _sent,
    f"sync.{OutboxOp.REMOVE}": _removed,
    "sync.failed": _sync_failed,
    "sync.retry": _retry,
    "terminal.add": _terminal_added,
    "terminal.moved": _terminal_moved,
    "terminal.remove": _terminal_removed,
    "reconcile.remove": _reconcile_removed,
    "reconcile.remove_failed": _reconcile_failed,
    "reconcile.import": _reconcile_import,
}


def _masked(id_no: str) -> str:
    """An ID-card number with all but its last four characters hidden (shoulder-surfing)."""
    if not id_no:
        return "–"
    return "•" * max(0, len(id_no) - 4) + id_no[-4:]
