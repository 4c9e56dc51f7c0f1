"""Run code in a forked child that SIGKILLs itself at its Nth change to the file system: how the tests
prove that a build killed at any moment leaves the old site or the new one, and that the next heals.

The child counts calls of the os functions that change the file system (and of commit._renameat2,
the one-step exchange) while it is inside one of the `during` functions, and at the Nth kills itself
before the call, with no chance to tidy up. Nothing here is part of the build: the child's copies of
the functions are replaced, in the child only.
"""

from __future__ import annotations

import os
import signal
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import cmi_site.commit

CHANGES = ("rename", "replace", "link", "unlink", "rmdir", "mkdir")


@dataclass(frozen=True)
class Outcome:
    killed: bool
    code: int  # what the action returned (when not killed)
    steps: int  # the changes it made (when not killed)


def run_killed_at(step: int | None, action: Callable[[], int], kinds: Iterable[str] = (*CHANGES, "exchange"),
                  during: Iterable[tuple[Any, str]] = ()) -> Outcome:  # fmt: skip
    """Run action() in a forked child killed by SIGKILL just before its step-th file system change of
    these kinds made inside the functions `during` ((module, name) pairs; none: anywhere).
    step None: never killed (to count the changes)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child; coverage is not collected after fork
        os.close(read)
        code = 1
        try:
            count = _count_in_child(step, set(kinds), list(during))
            code = action()
            os.write(write, str(count()).encode())
        except BaseException:  # noqa: BLE001 - shown for the test's log, then the child ends
            traceback.print_exc()
        finally:
            os._exit(code)
    os.close(write)
    with os.fdopen(read) as pipe:
        said = pipe.read()
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        assert os.WTERMSIG(status) == signal.SIGKILL
        return Outcome(True, -1, -1)
    return Outcome(False, os.WEXITSTATUS(status), int(said or -1))


def _count_in_child(step: int | None, kinds: set[str], during: list[tuple[Any, str]]) -> Callable[[], int]:
    state = {"count": 0, "inside": 0 if during else 1}

    def counted(real: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            if state["inside"]:
                state["count"] += 1
                if state["count"] == step:
                    os.kill(os.getpid(), signal.SIGKILL)
            return real(*args, **kwargs)

        return call

    def scoped(real: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            state["inside"] += 1
            try:
                return real(*args, **kwargs)
            finally:
                state["inside"] -= 1

        return call

    for name in kinds & set(CHANGES):
        setattr(os, name, counted(getattr(os, name)))
    if "exchange" in kinds and cmi_site.commit._renameat2 is not None:
        cmi_site.commit._renameat2 = counted(cmi_site.commit._renameat2)
    for module, name in during:
        setattr(module, name, scoped(getattr(module, name)))
    return lambda: state["count"]
