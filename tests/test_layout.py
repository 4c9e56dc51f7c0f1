"""The house rules of docs/ARCHITECTURE.md, kept true: which modules touch the file system, which know
jinja2, what the stages may import, and how big a module or a function may grow."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "cmi_site"
MODULES = {path.relative_to(PACKAGE).as_posix(): ast.parse(path.read_text(encoding="utf-8")) for path in sorted(PACKAGE.rglob("*.py"))}

# Reading and writing files: load (content, templates' own files), safe_files (every read of content/
# and templates/, contained), write/commit/outdir (the output folder), scaffold (`cmi-site new`),
# serve (the preview's files), and the build cache's own folder (speed/cache, speed/docs: the stat
# of content files).
# and the command line (whether the folders its options name are there).
TOUCHES_FILES = {"load.py", "safe_files.py", "write.py", "commit.py", "outdir.py", "scaffold.py", "serve.py",
                 "speed/cache.py", "speed/docs.py", "speed/trust.py", "cli.py"}  # fmt: skip
# jinja2: render (the templates), safe_files (its contained template loader), speed/cache (its bytecode cache).
KNOWS_JINJA = {"render.py", "safe_files.py", "speed/cache.py"}
# The stages never reach into the speed machinery: only the pipeline chooses an engine (and the
# preview's builder process ends with its parent as the build's workers do: speed/parallel).
USES_SPEED = {"pipeline.py", "builder.py"}

PATH_CALLS = {"read_text", "read_bytes", "write_text", "write_bytes", "unlink", "mkdir", "rmdir", "iterdir", "rglob",
              "touch", "symlink_to", "hardlink_to", "is_dir", "is_file", "exists", "is_symlink"}  # fmt: skip
OS_CALLS = {"open", "stat", "lstat", "replace", "rename", "link", "unlink", "remove", "mkdir", "makedirs", "rmdir",
            "scandir", "listdir", "walk", "chmod", "utime", "symlink", "readlink", "fstat", "fsync", "read", "write"}  # fmt: skip
OS_PATH_CALLS = {"exists", "isdir", "isfile", "islink", "realpath", "getsize", "getmtime"}


def file_calls(tree: ast.AST) -> set[str]:
    """The calls in a module that touch the file system."""
    found = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id == "open":
            found.add("open")
        elif isinstance(func, ast.Attribute):
            owner = ast.unparse(func.value)
            if owner in ("os", "shutil", "tempfile") and (owner != "os" or func.attr in OS_CALLS):
                found.add(f"{owner}.{func.attr}")
            elif owner == "os.path" and func.attr in OS_PATH_CALLS:
                found.add(f"os.path.{func.attr}")
            elif func.attr in PATH_CALLS and owner not in ("re", "self.env"):
                found.add(f".{func.attr}")
    return found


def imports(tree: ast.AST) -> set[str]:
    """Every module a module imports (relative imports as `.name`)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.add("." * node.level + (node.module or ""))
    return found


def test_only_the_modules_that_should_touch_the_file_system() -> None:
    touching = {name for name, tree in MODULES.items() if file_calls(tree)}
    assert touching - TOUCHES_FILES == set(), {name: sorted(file_calls(MODULES[name])) for name in touching - TOUCHES_FILES}


def test_only_the_modules_that_should_know_jinja2() -> None:
    knowing = {name for name, tree in MODULES.items() if any(i.split(".")[0] == "jinja2" for i in imports(tree))}
    assert knowing == KNOWS_JINJA


def test_the_stages_never_reach_into_the_speed_machinery() -> None:
    outside = {name for name in MODULES if not name.startswith("speed/")}
    reaching = {name for name in outside if any("speed" in i.split(".") for i in imports(MODULES[name]))}
    assert reaching == USES_SPEED


def test_the_rules_can_fail() -> None:
    tree = ast.parse("import os, jinja2\nfrom .speed import x\nos.unlink(p)\np.read_text()\nopen(p)\n")
    assert file_calls(tree) == {"os.unlink", ".read_text", "open"}
    assert {".speed", "jinja2", "os"} <= imports(tree)


@pytest.mark.parametrize("name", sorted(MODULES))
def test_modules_and_functions_stay_small(name: str) -> None:
    """A module of ~400 lines at most and functions of ~40 (a few words over is not a design)."""
    tree, lines = MODULES[name], (PACKAGE / name).read_text(encoding="utf-8").count("\n")
    assert lines <= 420, f"{name} has {lines} lines: split it"
    long = [f"{node.name} ({node.end_lineno - node.lineno + 1} lines)" for node in ast.walk(tree)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno is not None
            and node.end_lineno - node.lineno + 1 > 45]  # fmt: skip
    assert long == []
