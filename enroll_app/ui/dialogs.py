"""Dialogs awaited as futures (`await ask(dialog)`), never `exec()`: the loop keeps running."""

from __future__ import annotations

import asyncio

from PySide6.QtWidgets import QDialog


async def ask(dialog: QDialog) -> bool:
    """Open `dialog` window-modally and return True when it was accepted.

    The dialog is deleted afterwards; when the awaiting task is cancelled (e.g. on quit)
    the dialog is rejected and closed, so no window is left behind.
    """
    answered: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    def finished(result: int) -> None:
        if not answered.done():
            answered.set_result(result)

    dialog.finished.connect(finished)
    # Building a dialog and showing it both cost milliseconds (more the first time): in
    # separate loop steps, neither stalls the window.
    await asyncio.sleep(0)
    dialog.open()
    try:
        return await answered == QDialog.DialogCode.Accepted.value
    finally:
        if dialog.isVisible():
            dialog.reject()
        dialog.deleteLater()
