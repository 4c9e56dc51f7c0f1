"""The preview's builder: a process of its own that builds when asked, while the preview's threads
serve pages and watch for changes.

A build needs the main thread of a process that has no other threads: only there can it fork its
workers (every core) and set the time limit on each document's Markdown (bounds.py). The preview
starts this process before it starts any thread, and each rebuild is a message to it.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from .config import BuildOptions, Paths, Result
from .errors import SetupError
from .pipeline import build
from .speed.parallel import end_with_parent


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
        self._process: Any = context.Process(target=_serve_builds, args=(theirs, os.getpid(), paths, options, strict), daemon=True)
        self._process.start()
        theirs.close()

    def build(self) -> Result | Fault:
        """Build now and wait for the result."""
        self._conn.send("build")
        try:
            answer: Result | Fault = self._conn.recv()
        except EOFError:
            return Fault(f"the preview's builder stopped (exit code {self._process.exitcode}); restart cmi-site serve")
        return answer

    def close(self) -> None:
        """End the builder (a build in progress is stopped; the output folder stays whole, commit.py)."""
        self._conn.close()
        self._process.join(timeout=5)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()


def _serve_builds(conn: Connection, parent: int, paths: Paths, options: BuildOptions, strict: bool) -> None:
    """In the builder process: build each time the preview asks, until it goes."""
    end_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the preview's: it ends this process
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    with contextlib.suppress(EOFError, OSError):
        while conn.recv() == "build":
            conn.send(_build(paths, options, strict))


def _build(paths: Paths, options: BuildOptions, strict: bool) -> Result | Fault:
    try:
        return build(paths, options, strict=strict)
    except SetupError as err:
        return Fault(f"cmi-site: {err}")
    except OSError as err:
        return Fault(f"cmi-site: {err.strerror or err}" + (f": {err.filename}" if err.filename else ""))
