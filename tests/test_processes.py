"""A killed build leaves no process behind: its workers and background jobs end with it.

SIGKILL gives the build no chance to end them itself; before, a background job stayed blocked for
ever on a pipe and pool workers waited for jobs for ever.
"""

from __future__ import annotations

import contextlib
import ctypes
import io
import json
import multiprocessing
import os
import select
import signal
import threading
from pathlib import Path
from typing import Any

import cmi_site.speed.docs
import cmi_site.speed.fast
import cmi_site.speed.parallel
from cmi_site.cli import main
from conftest import TEMPLATES, TODAY

PR_SET_CHILD_SUBREAPER = 36  # prctl(2): orphaned descendants become this process's children


def children_of(parent: int) -> list[int]:
    """The processes whose parent is `parent` (from /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError):
                stat = Path(f"/proc/{entry}/stat").read_text()
                if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
                    found.append(int(entry))
    return found


def descendants_of(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        for child in children_of(todo.pop()):
            found.append(child)
            todo.append(child)
    return found


def held_build(ready: int) -> None:
    """A real build, held where it has a pool worker checking documents and a background job (the
    output scan) handing back a result too big for a pipe that nobody reads yet; each says so on `ready`."""
    cmi_site.speed.parallel.cpu_count = lambda: 2
    cmi_site.speed.parallel.MIN_JOBS = 1  # workers even for a few documents
    cmi_site.speed.parallel.CHUNK = 1  # ... and a chunk of them for each process
    main_pid = os.getpid()
    check_document = cmi_site.speed.docs.check_document
    worker_busy = multiprocessing.get_context("fork").Event()

    def check_in_worker(*args: Any) -> Any:
        if os.getpid() != main_pid:
            worker_busy.set()
            os.write(ready, b"W")
            threading.Event().wait()  # a worker busy for ever
        worker_busy.wait(60)  # the build's own process would otherwise check every document itself
        return check_document(*args)

    def huge_scan(output: Path) -> dict[str, Any]:
        os.write(ready, b"B")
        return {"huge": "x" * 4_000_000}  # blocks the job until the build reads it

    cmi_site.speed.docs.check_document = check_in_worker  # type: ignore[assignment]
    cmi_site.speed.fast.prepare_spare = huge_scan  # type: ignore[assignment]
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        main(["build", "--templates", str(TEMPLATES), "--today", TODAY.isoformat()])


def supervise(report: int) -> None:
    """In a forked child that adopts orphans: start a held build, kill it (SIGKILL) once its worker and
    background job are running, then wait for every process it left; report how many there were and
    how many were still running after a minute (and had to be killed)."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    ready_read, ready_write = os.pipe()
    build = os.fork()
    if build == 0:
        os.close(ready_read)
        held_build(ready_write)
        os._exit(0)
    os.close(ready_write)
    said = b""
    while set(said) != set(b"WB") and select.select([ready_read], [], [], 120)[0]:
        read = os.read(ready_read, 1)
        said += read or b"?"
        if not read:  # the build ended without being held
            break
    left = descendants_of(build)
    os.kill(build, signal.SIGKILL)
    os.waitpid(build, 0)

    def too_late(signum: int, frame: object) -> None:
        raise TimeoutError

    signal.signal(signal.SIGALRM, too_late)
    signal.alarm(60)  # a bound, not a timing: with the fix they end at once, without it never
    survivors = 0
    try:
        while True:
            os.wait()
    except ChildProcessError:  # none left
        pass
    except TimeoutError:
        survivors = len(children_of(os.getpid()))
        for pid in children_of(os.getpid()):
            os.kill(pid, signal.SIGKILL)
    os.write(report, json.dumps({"said": said.decode(), "left": len(left), "survivors": survivors}).encode())


def test_a_killed_build_leaves_no_process_behind(site_dir: Path) -> None:
    """SIGKILL gives a build no chance to end its workers and background jobs: they must end by themselves."""
    report_read, report_write = os.pipe()
    supervisor = os.fork()
    if supervisor == 0:  # pragma: no cover - the forked child
        code = 1
        try:
            os.close(report_read)
            supervise(report_write)
            code = 0
        finally:
            os._exit(code)
    os.close(report_write)
    with os.fdopen(report_read) as pipe:
        report = json.loads(pipe.read() or "{}")
    os.waitpid(supervisor, 0)
    assert sorted(report["said"]) == ["B", "W"], "the build was held with a worker and a background job"
    assert report["left"] >= 2
    assert report["survivors"] == 0
