"""The one worker pool of a run: per-file jobs and per-template join jobs go through it.

Why one pool: both phases need the same guarantees, and two copies drifted apart (the join
phase used to fall back to the main process when a worker died, so a crashing file killed
the whole run there). A :class:`Phase` says how a worker builds its state, how it does one
item, and what a lost item becomes; :func:`execute` does the rest:

* Every item's result crosses as JSON text (plain data), whether it comes from a worker or
  this process, so the output is the same whichever way it was made.
* The pool starts only when it repays its start-up: ``jobs > 1`` and at least
  :data:`POOL_MIN_ITEMS` items. Workers build their state once (initializer).
* Each item runs under a time budget (:data:`ITEM_SECONDS`, ``LAMBDA_LINT_FILE_TIMEOUT``):
  an alarm in the worker (or this process) ends it, and a worker that does not come back
  (stuck in native code) is killed by the parent's watchdog.
* Workers run under an address-space limit (:data:`WORKER_MEMORY_MB`,
  ``LAMBDA_LINT_WORKER_MEMORY_MB``), so a file that would exhaust memory fails in its worker
  instead of inviting the OOM killer.
* A worker that dies (a crash in a native parser, the memory limit) never ends the run: the
  items of the broken pool are retried, then isolated one at a time in a one-worker pool,
  and the item that kills its worker or outlives its budget becomes the phase's "lost" result.
"""

from __future__ import annotations

import os
import threading
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

POOL_MIN_ITEMS = 20
MAX_CHUNK = 16
ITEM_SECONDS = 60.0
WORKER_MEMORY_MB = 4096


class ItemTimeout(BaseException):
    """Raised by the alarm inside an item; a BaseException so no rule's ``except`` eats it."""


class Phase:
    """One kind of work. Subclasses are module-level classes (picklable by reference)."""

    #: a name for messages
    name = "job"

    def init(self, payload: Any) -> Any:
        """The per-process state (a Session, a Joiner); built once in each worker."""
        raise NotImplementedError

    def work(self, state: Any, item: Any) -> str:
        """One item's result as JSON text. Must not raise (ItemTimeout aside)."""
        raise NotImplementedError

    def lost(self, item: Any, why: str) -> str:
        """The result of an item whose worker died or that outlived its budget."""
        raise NotImplementedError


def item_seconds() -> float:
    try:
        return max(0.1, float(os.environ.get("LAMBDA_LINT_FILE_TIMEOUT", ITEM_SECONDS)))
    except ValueError:
        return ITEM_SECONDS


def worker_memory_mb() -> int:
    try:
        return int(os.environ.get("LAMBDA_LINT_WORKER_MEMORY_MB", WORKER_MEMORY_MB))
    except ValueError:
        return WORKER_MEMORY_MB


# -- one item under its budget -------------------------------------------------------------

def _on_alarm(signum: int, frame: Any) -> None:
    raise ItemTimeout()


def _timed(phase: Phase, state: Any, item: Any, seconds: float) -> str:
    """Run one item with an alarm when this is a main thread (signals need one)."""
    import signal

    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        return phase.work(state, item)
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return phase.work(state, item)
    except ItemTimeout:
        return phase.lost(item, f"took longer than {seconds:g} s (LAMBDA_LINT_FILE_TIMEOUT); not analysed")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# -- worker side ---------------------------------------------------------------------------

_WORKER: Optional[Tuple[Phase, Any]] = None


def _limit_memory() -> None:
    mb = worker_memory_mb()
    if mb <= 0:
        return
    try:
        import resource

        limit = mb * 1024 * 1024
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, ValueError, OSError):
        pass  # not on this platform: the budget is best effort


def _init_worker(phase: Phase, payload: Any) -> None:
    import signal

    global _WORKER
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the main process handles Ctrl-C
    except (ValueError, OSError):
        pass
    _limit_memory()
    _WORKER = (phase, phase.init(payload))


def _work(chunk: List[Tuple[int, Any]], seconds: float) -> List[Tuple[int, str]]:
    assert _WORKER is not None
    phase, state = _WORKER
    return [(i, _timed(phase, state, item, seconds)) for i, item in chunk]


# -- parent side ---------------------------------------------------------------------------

_ON_DONE: Optional[Callable[[int, str], None]] = None  # the running execute()'s on_done


class NoPool(Exception):
    """Processes can't be started here (no semaphores, a sandbox): run in this process."""


def execute(phase: Phase, items: Sequence[Tuple[int, Any]], payload: Any, jobs: int,
            local_state: Callable[[], Any], on_done: Optional[Callable[[int, str], None]] = None) -> Dict[int, str]:
    """Results of ``items`` (index, item) by index. ``local_state`` builds this process's
    state, only if the work stays here; ``on_done(index, text)`` sees each result as it
    arrives (progress, and a cache that keeps finished work when the run is interrupted)."""
    global _ON_DONE
    items = list(items)
    if not items:
        return {}
    workers = min(jobs, len(items))
    _ON_DONE = on_done
    try:
        if workers > 1 and len(items) >= POOL_MIN_ITEMS:
            try:
                return _run_pool(phase, items, payload, workers)
            except NoPool:
                pass
        state = local_state()
        seconds = item_seconds()
        out: Dict[int, str] = {}
        for i, item in items:
            out[i] = _timed(phase, state, item, seconds)
            if on_done is not None:
                on_done(i, out[i])
        return out
    finally:
        _ON_DONE = None


def _kill(pool: Any) -> None:
    """End a pool whose worker is stuck: terminate its processes so shutdown can return."""
    for proc in list(getattr(pool, "_processes", {}).values()):
        try:
            proc.kill()
        except Exception:  # noqa: BLE001 - already gone
            pass


def _round(phase: Phase, items: List[Tuple[int, Any]], payload: Any, workers: int,
           chunk: int) -> Tuple[Dict[int, str], Optional[str]]:
    """One pool over ``items``: what finished, and why the pool broke (None if it did not)."""
    from concurrent.futures import ProcessPoolExecutor, TimeoutError as FutureTimeout

    seconds = item_seconds()
    try:
        pool = ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=(phase, payload))
    except (OSError, ImportError, NotImplementedError, ValueError) as exc:
        raise NoPool(str(exc)) from None
    done: Dict[int, str] = {}
    broken: Optional[str] = None
    try:
        try:
            futures = [(pool.submit(_work, items[k:k + chunk], seconds), len(items[k:k + chunk]))
                       for k in range(0, len(items), chunk)]
        except (OSError, NotImplementedError) as exc:
            raise NoPool(str(exc)) from None
        # the watchdog: every item has its alarm; a chunk that outlives them all is stuck in
        # native code, so its worker is killed (queued chunks wait, hence the generous bound)
        bound = seconds * 2 + 5
        for fut, size in futures:
            try:
                for i, text in fut.result(timeout=bound * size * 2):
                    done[i] = text
                    if _ON_DONE is not None:
                        _ON_DONE(i, text)
            except KeyboardInterrupt:
                raise
            except FutureTimeout:
                broken = f"took longer than {seconds:g} s (LAMBDA_LINT_FILE_TIMEOUT); not analysed"
                _kill(pool)
                break
            except BaseException:  # noqa: BLE001 - BrokenProcessPool, or a result that failed to cross
                broken = broken or "crashed lambda-lint's worker process (a crash in a parser, or over " \
                                   "the memory budget LAMBDA_LINT_WORKER_MEMORY_MB); not analysed"
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return done, broken


def _run_pool(phase: Phase, items: List[Tuple[int, Any]], payload: Any, workers: int) -> Dict[int, str]:
    chunk = max(1, min(MAX_CHUNK, len(items) // (workers * 8)))
    done, broken = _round(phase, items, payload, workers, chunk)
    if broken:
        rest = [it for it in items if it[0] not in done]
        more, broken = _round(phase, rest, payload, workers, 1)
        done.update(more)
        if broken:
            done.update(_isolate(phase, [it for it in rest if it[0] not in done], payload))
    return done


def _isolate(phase: Phase, items: List[Tuple[int, Any]], payload: Any) -> Dict[int, str]:
    """One worker, items in order: the first unfinished item when it breaks is the culprit."""
    out: Dict[int, str] = {}
    queue = list(items)
    while queue:
        done, broken = _round(phase, queue, payload, 1, 1)
        out.update(done)
        if not broken:
            break
        rest = [it for it in queue if it[0] not in done]
        if not rest:
            break
        culprit_index, culprit = rest[0]
        out[culprit_index] = phase.lost(culprit, broken)
        queue = rest[1:]
    return out
