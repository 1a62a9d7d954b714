"""Running the per-file jobs: the cache, then a process pool (or this process), in job order.

* Every job's result crosses as JSON text (plain data), whether it comes from the cache, a
  worker or this process, so the output is the same whichever way it was made.
* The pool starts only when it repays its start-up: ``jobs > 1`` and at least
  :data:`POOL_MIN_FILES` files to lint. Workers build their Session once (initializer).
* A worker that dies (a crash in a native parser, the OOM killer) never ends the run: the
  files of the broken pool are retried, then isolated one at a time in a one-worker pool,
  and the file that kills its worker becomes LL002.
"""

from __future__ import annotations

import json
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from lambda_lint.engine import FileJob, FileResult, Session, process_file, read_source
from lambda_lint.findings import Finding, Reporter

POOL_MIN_FILES = 20
MAX_CHUNK = 16

_WORKER_SESSION: Optional[Session] = None
_TICK: Any = None  # #19: progress callback of the running execute(), per finished file


# -- plain data -----------------------------------------------------------------------------

def _json_default(value: Any) -> Any:
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=repr)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def result_to_json(result: FileResult) -> str:
    data = {
        "findings": [f.to_cache() for f in result.findings],
        "facts": result.facts,
        "suppressions": result.suppressions,
        "resource_lines": result.resource_lines,
        "resource_ignores": result.resource_ignores,
        "parsed": result.parsed,
        "digest": result.digest,
    }
    return json.dumps(data, default=_json_default, sort_keys=False, separators=(",", ":"))


def result_from_data(job: FileJob, data: Dict[str, Any]) -> FileResult:
    return FileResult(
        display=job.display, path=job.path, kind=job.kind, requested=job.requested,
        findings=[Finding.from_cache(d) for d in data.get("findings", ())],
        facts=data.get("facts"),
        suppressions=list(data.get("suppressions") or ()),
        resource_lines=dict(data.get("resource_lines") or {}),
        resource_ignores=dict(data.get("resource_ignores") or {}),
        parsed=bool(data.get("parsed")),
        digest=data.get("digest") or "",
    )


def _cacheable(data: Dict[str, Any]) -> bool:
    return bool(data.get("digest")) and not any(f.get("rule") == "LL002" for f in data.get("findings", ()))


def _crash_json(job: FileJob, session: Session) -> str:
    reporter = Reporter(job.display, session.metas)
    reporter.report("LL002", 1, 1, "lambda-lint's worker process died while linting this file (a crash in a "
                    "parser or a rule); the other files were linted", anchor="LL002:worker-crash")
    result = FileResult(display=job.display, path=job.path, kind=job.kind, requested=job.requested,
                        findings=reporter.findings)
    return result_to_json(result)


def _file_digest(path: str) -> Optional[str]:
    from lambda_lint.cache import digest_bytes
    from lambda_lint.engine import MAX_FILE_BYTES
    from lambda_lint.errors import ParseFailure

    try:
        data = read_source(path)  # refuses FIFOs and devices (an open() would block forever)
    except ParseFailure:
        return None
    if len(data) > MAX_FILE_BYTES:
        return None
    return digest_bytes(data)


# -- the run --------------------------------------------------------------------------------

def execute(jobs: Sequence[FileJob], config: Any, session: Session) -> List[FileResult]:
    """Results of ``jobs``, in the order of ``jobs``."""
    cache = session.cache
    results: List[Optional[FileResult]] = [None] * len(jobs)
    pending: List[Tuple[int, FileJob]] = []
    # #19 progress: files done / total through ``session.on_progress`` (set by the CLI on a
    # TTY); ``_TICK`` lets the pool report each chunk as it completes. The lead re-wires
    # this into the new pool.
    global _TICK
    on_progress = getattr(session, "on_progress", None)
    done_count = [0]

    def tick(n: int) -> None:
        done_count[0] += n
        if on_progress is not None:
            on_progress(done_count[0], len(jobs), "linting")
    for i, job in enumerate(jobs):
        if cache is not None:
            digest = cache.file_digest(job.path, _file_digest)
            if digest is not None:
                data = cache.get(cache.key(job.kind, job.display, job.enabled, job.handler_names, digest))
                if data is not None:
                    try:
                        results[i] = result_from_data(job, data)
                        continue
                    except (KeyError, TypeError, ValueError, AttributeError):
                        pass  # a damaged entry: lint the file again
        pending.append((i, job))
    tick(len(jobs) - len(pending))

    _TICK = tick
    try:
        for i, text in _run(pending, config, session):
            job = jobs[i]
            data = json.loads(text)
            results[i] = result_from_data(job, data)
            if cache is not None and _cacheable(data):
                cache.put(cache.key(job.kind, job.display, job.enabled, job.handler_names, data["digest"]), text)
            if _TICK is None:  # serial: one file at a time (the pool ticks per chunk)
                tick(1)
    finally:
        _TICK = None
    return [r for r in results if r is not None]


def _run(items: List[Tuple[int, FileJob]], config: Any, session: Session) -> Iterable[Tuple[int, str]]:
    workers = min(config.effective_jobs, len(items))
    if workers > 1 and len(items) >= POOL_MIN_FILES:
        try:
            return _run_pool(items, config, session, workers)
        except _NoPool:
            pass
    global _TICK
    _TICK = None  # #19: serial files tick one by one in execute (and are cached as they finish)
    return ((i, result_to_json(process_file(job, session))) for i, job in items)


class _NoPool(Exception):
    """Processes can't be started here (no semaphores, a sandbox): run in this process."""


def _init_worker(config: Any) -> None:
    import signal

    global _WORKER_SESSION
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the main process handles Ctrl-C
    except (ValueError, OSError):
        pass
    _WORKER_SESSION = Session(config)


def _work(chunk: List[Tuple[int, FileJob]]) -> List[Tuple[int, str]]:
    session = _WORKER_SESSION
    return [(i, result_to_json(process_file(job, session))) for i, job in chunk]


def _round(items: List[Tuple[int, FileJob]], config: Any, workers: int, chunk: int) -> Tuple[Dict[int, str], bool]:
    """One pool over ``items``; returns what finished and whether the pool broke."""
    from concurrent.futures import ProcessPoolExecutor

    try:
        pool = ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=(config,))
    except (OSError, ImportError, NotImplementedError, ValueError) as exc:
        raise _NoPool(str(exc)) from None
    done: Dict[int, str] = {}
    broken = False
    try:
        try:
            futures = [pool.submit(_work, items[k:k + chunk]) for k in range(0, len(items), chunk)]
        except (OSError, NotImplementedError) as exc:
            raise _NoPool(str(exc)) from None
        for fut in futures:
            try:
                for i, text in fut.result():
                    done[i] = text
                    if _TICK is not None:
                        _TICK(1)  # #19 progress
            except KeyboardInterrupt:
                raise
            except BaseException:  # noqa: BLE001 - BrokenProcessPool, or a result that failed to cross
                broken = True
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return done, broken


def _run_pool(items: List[Tuple[int, FileJob]], config: Any, session: Session, workers: int) -> List[Tuple[int, str]]:
    chunk = max(1, min(MAX_CHUNK, len(items) // (workers * 8)))
    done, broken = _round(items, config, workers, chunk)
    if broken:
        rest = [it for it in items if it[0] not in done]
        more, broken = _round(rest, config, workers, 1)
        done.update(more)
        if broken:
            done.update(_isolate([it for it in rest if it[0] not in done], config, session))
    return sorted(done.items())


def _isolate(items: List[Tuple[int, FileJob]], config: Any, session: Session) -> Dict[int, str]:
    """One worker, files in order: the first unfinished file when it breaks is the culprit."""
    out: Dict[int, str] = {}
    queue = list(items)
    while queue:
        done, broken = _round(queue, config, 1, 1)
        out.update(done)
        if not broken:
            break
        rest = [it for it in queue if it[0] not in done]
        if not rest:
            break
        culprit_index, culprit_job = rest[0]
        out[culprit_index] = _crash_json(culprit_job, session)
        queue = rest[1:]
    return out
