"""The blocking-work thread: calls in order, errors to the caller, a clean end."""

from __future__ import annotations

import threading

import pytest

from enroll_app.services.worker import BlockingWorker


@pytest.mark.asyncio
async def test_calls_run_in_order_on_one_other_thread() -> None:
    worker = BlockingWorker("test-io")
    seen: list[tuple[int, int]] = []
    pending = [worker.submit(lambda n=n: seen.append((n, threading.get_ident()))) for n in range(5)]
    assert await worker.run(len, "abc") == 3
    await worker.drain()
    assert all(p.done() for p in pending)
    assert [n for n, _ in seen] == [0, 1, 2, 3, 4]
    assert {ident for _, ident in seen} != {threading.get_ident()}
    assert len({ident for _, ident in seen}) == 1
    await worker.aclose()
    assert not [t for t in threading.enumerate() if t.name == "test-io"]


@pytest.mark.asyncio
async def test_an_error_reaches_the_caller_and_the_thread_goes_on() -> None:
    worker = BlockingWorker()
    with pytest.raises(ZeroDivisionError):
        await worker.run(lambda: 1 / 0)
    assert await worker.run(sum, [1, 2]) == 3
    await worker.aclose()
    assert await worker.run(sum, [2, 2]) == 4  # after close: runs at once, here
