"""Helpers the tests of every app share (imported by tests only, never by the product)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection


def run_concurrently(
    worker: Callable[..., Any], arguments: int | Sequence[tuple[Any, ...]]
) -> list[Any]:
    """Start the workers together (a barrier), each thread with its own connection.

    `arguments` is how many threads to start with no arguments, or one argument tuple per
    thread. Returns each worker's result in order; an exception a worker raised is
    returned in its place, so the test asserts on it. Fails the test if a thread hangs.
    """
    calls: list[tuple[Any, ...]] = (
        [()] * arguments if isinstance(arguments, int) else [tuple(args) for args in arguments]
    )
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = worker(*calls[index])
        except Exception as error:  # handed back to the test
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a racing thread hung"
    return results
