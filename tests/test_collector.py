"""Pauses of the cycle collector nest and overlap (start-up on the screen's thread, a load on a worker):
it runs again once the last one ends, and only if it ran before."""

from __future__ import annotations

import gc
import threading

from console.collector import Pause, paused


def test_the_collector_runs_again_only_when_the_last_pause_ends() -> None:
    assert gc.isenabled()
    start_up = Pause()
    loaded = threading.Event()
    finish = threading.Event()

    def load() -> None:
        with paused():
            loaded.set()
            finish.wait(5)

    worker = threading.Thread(target=load)
    worker.start()
    loaded.wait(5)
    start_up.end()  # the first frame is up while the worker still loads
    assert not gc.isenabled()
    start_up.end()  # ending twice counts once
    assert not gc.isenabled()
    finish.set()
    worker.join(5)
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off() -> None:
    gc.disable()
    try:
        with paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()
