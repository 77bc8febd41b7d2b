"""The live camera preview: presenter, view and the default camera source, in one import."""

from enroll_app.ui.analysis_worker import Analysis, Identification
from enroll_app.ui.preview_presenter import (
    CaptureResult,
    PreviewPresenter,
    ReturningPerson,
    default_source,
)
from enroll_app.ui.preview_view import PreviewView

__all__ = [
    "Analysis",
    "CaptureResult",
    "Identification",
    "PreviewPresenter",
    "PreviewView",
    "ReturningPerson",
    "default_source",
]
