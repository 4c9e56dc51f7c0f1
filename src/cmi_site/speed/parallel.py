"""Run a numbered list of jobs on every core, with the results in the order of the jobs.

Workers are forked, so they start with everything the parent has built (the Site, the jinja
environment, the files read): nothing is pickled on the way in, only results on the way out. The
results come back in job order whatever the timing, and so does the first error (a job's exception
is raised when its turn comes), so a parallel build writes, and reports, exactly what a serial one
does. Where fork is not available (Windows, macOS's default), or the process has other threads (the
preview server), or there are few jobs, the jobs run here, one after another.

Every forked process ends when the process that forked it does (Linux: the kernel kills it), so a
build killed half-way leaves no worker or background job behind, waiting for ever on a pipe.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import multiprocessing
import os
import signal
import threading
import traceback
from collections.abc import Callable, Generator, Iterator
from typing import Any, Generic, TypeVar, cast

T = TypeVar("T")
MIN_JOBS = 64  # below this, starting workers costs more than it saves
CHUNK = 32  # jobs handed to a worker at a time: big enough to be cheap, small enough to share the load

_job: Callable[[int], Any] | None = None  # set in each worker by _start, inherited through fork
_claim: Callable[[], int | None] | None = None  # ... how it claims the next chunk of jobs
_chunks: list[tuple[int, int]] = []  # ... and the chunks: (first job, job after the last)
PR_SET_PDEATHSIG = 1  # prctl(2): the signal this process gets when the thread that forked it ends


def _load_prctl() -> Callable[..., int] | None:
    """libc's prctl, where there is one (Linux)."""
    try:
        return cast(Callable[..., int], ctypes.CDLL(None, use_errno=True).prctl)
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        return None


_prctl = _load_prctl()


def cpu_count() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


def _plain_signals() -> None:
    """In a forked worker: SIGTERM ends it at once and Ctrl+C is left to the parent, whatever handlers
    the parent had (the preview turns SIGTERM into KeyboardInterrupt). A Pool ends its workers with
    SIGTERM; with the parent's handler each printed a traceback, or could hang on its way out."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def end_with_parent(parent: int) -> None:
    """In a forked child of process `parent`: be killed when it ends, however it ends (SIGKILL
    included, where no cleanup of its own runs), and end now if it has already ended. Without this a
    killed build left its background job blocked for ever on a pipe, and its workers waiting for jobs."""
    if _prctl is not None:
        _prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # it ended before the request above was made
        os._exit(1)


def _start(job: Callable[[int], Any], claim: Callable[[], int | None], chunks: list[tuple[int, int]], parent: int) -> None:
    global _job, _claim, _chunks
    end_with_parent(parent)
    _plain_signals()
    _job, _claim, _chunks = job, claim, chunks


def _run_chunk(_: int) -> tuple[int, tuple[list[Any], Exception | None]] | None:
    """A worker's task: the next chunk nobody has claimed, run; None when every chunk is claimed."""
    if _job is None or _claim is None:
        raise RuntimeError("a worker was started without its job")
    n = _claim()
    if n is None:
        return None
    return n, _chunk(_job, *_chunks[n])


def _chunk(job: Callable[[int], Any], start: int, stop: int) -> tuple[list[Any], Exception | None]:
    """job(start) ... job(stop - 1): the results up to the first that failed, and its exception (kept,
    to be raised when this chunk's turn comes, so that the error a build reports is the one a serial
    build would: the first job's, never a later one that happened to fail sooner)."""
    results: list[Any] = []
    try:
        for index in range(start, stop):
            results.append(job(index))
    except Exception as error:  # noqa: BLE001 - raised by run_jobs, in job order
        return results, error
    return results, None


class _Claims:
    """Which chunk is the next to run, shared by the processes that run them (a counter in shared
    memory, with its lock): each chunk is claimed by exactly one."""

    def __init__(self, context: Any, chunks: int) -> None:
        self._next = context.Value("l", 0)
        self._chunks = chunks

    def __call__(self) -> int | None:
        with self._next.get_lock():
            n = self._next.value
            if n >= self._chunks:
                return None
            self._next.value = n + 1
            return int(n)


def run_jobs(job: Callable[[int], T], count: int, workers: int | None = None) -> Generator[T, None, None]:
    """job(0), job(1) ... job(count - 1), on `workers` processes (default: every core), yielded in order.

    Chunks of jobs go to whichever process is free first: the forked workers take the next unclaimed
    chunk as soon as they are done with one, and this process, which also does whatever the caller
    does with the results (writing the pages ...), runs one itself whenever the next result it must
    yield is not ready yet. So no process waits while another has work left, however the caller's
    own work compares with the jobs'. A 2-core machine runs two processes, not three (each forked
    worker ends up with its own copy of much of the Site, so one fewer is 100 MB less at 10,000 stories).
    """
    workers = cpu_count() if workers is None else workers
    if workers < 2 or count < MIN_JOBS or not can_fork():
        yield from (job(index) for index in range(count))
        return
    chunks = [(start, min(start + CHUNK, count)) for start in range(0, count, CHUNK)]
    # The workers share the parent's objects; a collection in them would write to (so copy) every
    # page. Frozen objects are never collected: the caller unfreezes when done (pipeline.build does).
    gc.freeze()
    context = multiprocessing.get_context("fork")
    claim = _Claims(context, len(chunks))
    with context.Pool(workers - 1, initializer=_start, initargs=(job, claim, chunks, os.getpid())) as pool:
        yield from _in_order(pool.imap_unordered(_run_chunk, range(len(chunks))), job, claim, chunks)


def _in_order(results: Any, job: Callable[[int], T], claim: _Claims, chunks: list[tuple[int, int]]) -> Iterator[T]:
    """run_jobs' results in job order: the workers' (results: one answer per worker task, each a
    chunk or None), and, whenever the next chunk is not ready, one more chunk run here."""
    done: dict[int, tuple[list[Any], Exception | None]] = {}
    waiting = len(chunks)  # worker tasks not yet answered (each claims at most one chunk)

    def receive(block: bool) -> None:
        nonlocal waiting
        found = results.next(timeout=None if block else 0)
        waiting -= 1
        if found is not None:
            done[found[0]] = found[1]

    for n in range(len(chunks)):
        while n not in done:
            with contextlib.suppress(multiprocessing.TimeoutError):
                while waiting:
                    receive(block=False)
            if n in done:
                break
            mine = claim()
            if mine is not None:
                done[mine] = _chunk(job, *chunks[mine])
            else:  # every chunk is claimed, this one by a worker: wait for it
                receive(block=True)
        results_of_n, error = done.pop(n)
        yield from results_of_n
        if error is not None:
            raise error


class Background(Generic[T]):
    """A job started by in_background: call it for the result (waiting for it if need be); cancel it
    when the result is no longer wanted (a build that stopped early), or its process would wait for
    ever to hand over a result nobody reads."""

    def __init__(self, job: Callable[[], T]) -> None:
        self._job: Callable[[], T] | None = job  # None once started in a process of its own
        self._process: Any = None
        self._receive: Any = None
        self._outcome: tuple[bool, Any] | None = None  # (True, result) or (False, the exception), once known

    def start(self) -> None:
        """Run the job in a forked process, from now."""
        context = multiprocessing.get_context("fork")
        self._receive, send = context.Pipe(duplex=False)
        job, self._job = self._job, None
        parent = os.getpid()

        def run() -> None:
            end_with_parent(parent)
            _plain_signals()
            with contextlib.suppress(OSError):
                os.setpgid(0, 0)  # a process group of its own, with any workers it starts: cancel() ends them all
            text = ""
            try:
                outcome: tuple[bool, Any] = (True, job() if job is not None else None)
            except BaseException as error:  # noqa: BLE001 - every failure goes back to the parent
                outcome, text = (False, error), traceback.format_exc()
            try:
                send.send(outcome)
            except BrokenPipeError:  # the parent cancelled: nobody wants the result
                return
            except Exception:  # noqa: BLE001 - an exception that cannot be pickled: send its text
                send.send((False, RuntimeError(text or traceback.format_exc())))

        gc.freeze()  # as in run_jobs: the child shares the parent's objects without copying them
        self._process = context.Process(target=run, daemon=False)  # not a daemon: the job may start workers itself
        self._process.start()
        with contextlib.suppress(OSError):  # set on both sides, so it is set before either goes on
            os.setpgid(self._process.pid, self._process.pid)
        send.close()

    def __call__(self) -> T:
        if self._job is not None:  # run here
            job, self._job = self._job, None
            try:
                self._outcome = (True, job())
            except Exception as error:  # noqa: BLE001 - kept, and raised by this call and any later one
                self._outcome = (False, error)
        elif self._receive is not None:
            try:
                self._outcome = self._receive.recv()  # before join: a big result fills the pipe until it is read
            except EOFError:
                self._outcome = None
            finally:
                self._receive.close()
                self._receive = None
            self._process.join()
            if self._outcome is None:
                failure = f"a background build step stopped without a result (exit code {self._process.exitcode})"
                self._outcome = (False, RuntimeError(failure))
        if self._outcome is None:
            raise RuntimeError("a background build step was asked for after it was cancelled")
        ok, value = self._outcome
        if not ok:
            raise value
        return cast(T, value)

    def cancel(self) -> None:
        """Stop waiting for the result: the process is ended, a job not yet run never runs."""
        self._job = None
        if self._receive is not None:
            self._receive.close()
            self._receive = None
            try:  # the process and any workers it started (a Pool's would otherwise finish their jobs first)
                os.killpg(self._process.pid, signal.SIGTERM)
            except OSError:
                self._process.terminate()
            self._process.join()


def in_background(job: Callable[[], T]) -> Background[T]:
    """Start job() in a forked process now and go on; calling what is returned waits for its result.

    Like run_jobs, where fork is not available (or the process has other threads, or one core) the
    job runs here, when its result is first asked for. An exception in the job is raised by the wait.
    """
    background = Background(job)
    if cpu_count() >= 2 and can_fork():
        background.start()
    return background
