"""The preview's builder: a process of its own that builds when asked, while the preview's threads
serve pages and watch for changes.

A build needs the main thread of a process that has no other threads: only there can it fork its
workers (every core) and set the time limit on each document's Markdown (bounds.py). The preview
starts this process before it starts any thread, and each rebuild is a message to it.

The process keeps the content of the last build in memory (speed/resident.py), so that after an
edit it first sends the pages open in the browser as the build will make them (pipeline.preview),
in a fraction of the build's time, and then builds the whole site.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
from collections.abc import Callable, Collection
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from .config import BuildOptions, Change, Paths, Result
from .errors import SetupError
from .pipeline import build, preview
from .speed.parallel import end_with_parent
from .speed.resident import Memory


@dataclass(frozen=True)
class Fault:
    """A build that could not be made for a reason outside the content (disk full, an output folder
    the build must not replace ...): one line, for the terminal."""

    message: str


class Builder:
    """Builds paths with options in a second process, one build at a time."""

    def __init__(self, paths: Paths, options: BuildOptions, strict: bool) -> None:
        context = multiprocessing.get_context("fork")
        self._conn, theirs = context.Pipe()
        # Not a daemon: a daemonic process may not start processes, and the build's workers and its
        # second process are that (the fast engine failed, so every preview build was the plain one).
        # It ends with this process all the same (end_with_parent, and close()).
        self._process: Any = context.Process(target=_serve_builds, args=(theirs, self._conn, os.getpid(), paths, options, strict))
        self._process.start()
        theirs.close()

    def build(self, changes: Collection[Change] = (), wanted: Collection[str] = (),
              on_preview: Callable[[dict[str, bytes]], None] | None = None) -> Result | Fault:  # fmt: skip
        """Build now and wait for the result. changes: what changed since the last build; wanted: the
        output paths of the pages open in the browser, given to on_preview first when they can be
        made sooner than the build (pipeline.preview)."""
        self._conn.send(("build", tuple(changes), tuple(wanted)))
        try:
            while True:
                kind, answer = self._conn.recv()
                if kind == "done":
                    return answer  # type: ignore[no-any-return]
                if on_preview is not None:
                    on_preview(answer)
        except EOFError:
            return Fault(f"the preview's builder stopped (exit code {self._process.exitcode}); restart cmi-site serve")

    def close(self) -> None:
        """End the builder (a build in progress is stopped; the output folder stays whole, commit.py)."""
        self._conn.close()
        self._process.join(timeout=5)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()


def _serve_builds(conn: Connection, preview_end: Connection, parent: int, paths: Paths, options: BuildOptions, strict: bool) -> None:
    """In the builder process: build each time the preview asks, until it goes. preview_end: the
    preview's end of the pipe, which the fork copied here: closed at once, or this process would hold
    it open, never see the preview close it, and the preview's Ctrl+C would wait 5 s to kill it."""
    preview_end.close()
    end_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the preview's: it ends this process
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    memory = Memory()
    with contextlib.suppress(EOFError, OSError):
        while True:
            kind, changes, wanted = conn.recv()
            if kind != "build":
                return
            if changes and wanted and (pages := _preview(paths, options, strict, memory, changes, wanted)):
                conn.send(("preview", pages))
            result = _build(paths, options, strict, memory)
            conn.send(("done", result))
            if memory.stale and isinstance(result, Result) and result.ok:
                _sync(memory, paths)  # while the preview waits for the next change


def _preview(paths: Paths, options: BuildOptions, strict: bool, memory: Memory, changes: tuple[Change, ...],
             wanted: tuple[str, ...]) -> dict[str, bytes] | None:  # fmt: skip
    """pipeline.preview; None on any failure (the build that follows reports it, one line)."""
    try:
        return preview(paths, options, strict, memory, changes, wanted)
    except Exception:  # noqa: BLE001 - only a sooner view is lost: the build shows the truth
        memory.stale = True
        return None


def _sync(memory: Memory, paths: Paths) -> None:
    """memory.sync; a failure leaves it empty (no previews until the next good sync)."""
    try:
        memory.sync(paths)
    except Exception:  # noqa: BLE001 - the preview still builds, only not sooner
        memory.stale = True


def _build(paths: Paths, options: BuildOptions, strict: bool, memory: Memory) -> Result | Fault:
    try:
        return build(paths, options, strict=strict, memory=memory)
    except SetupError as err:
        return Fault(f"cmi-site: {err}")
    except OSError as err:
        return Fault(f"cmi-site: {err.strerror or err}" + (f": {err.filename}" if err.filename else ""))
