"""The Nu HTML Checker (vnu.jar, run with Java) over many files in one process."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .tools import Tools

CHECKED_SUFFIXES = (".html", ".css", ".svg")
# CSS properties browsers support that the checker does not know yet: a warning, not an error.
NEWER_CSS_PROPERTIES = ("field-sizing",)


@dataclass(frozen=True)
class VnuMessage:
    path: Path
    line: int
    kind: str  # "error", "warning" or "info"
    message: str
    extract: str

    @property
    def is_error(self) -> bool:
        return self.kind == "error"

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.kind}: {self.message}" + (f" [{self.extract.strip()}]" if self.extract else "")


def site_files(folder: Path) -> list[Path]:
    """The files of folder the checker reads: HTML, CSS and SVG."""
    return sorted(p for p in folder.rglob("*") if p.suffix in CHECKED_SUFFIXES and p.is_file())


def start_vnu(tools: Tools, files: Sequence[Path]) -> subprocess.Popen[str]:
    """Start checking files (HTML, and CSS and SVG too) in the background; read_vnu collects the result."""
    missing = [str(f) for f in files if not Path(f).is_file()]
    if missing:  # vnu skips a missing file without a word
        raise FileNotFoundError(f"no such files to check: {', '.join(missing)}")
    command = [str(tools.java), "-Xss16m", "-jar", str(tools.vnu), "--format", "json", "--stdout", "--exit-zero-always",
               "--also-check-css", "--also-check-svg", *map(str, files)]  # fmt: skip
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def read_vnu(process: subprocess.Popen[str]) -> list[VnuMessage]:
    """Wait for a start_vnu process; every message, errors and warnings, in file order."""
    out, err = process.communicate(timeout=600)
    if process.returncode != 0 or not out.strip():
        raise RuntimeError(f"the Nu HTML Checker failed to run (exit {process.returncode}): {err.strip()[-2000:]}")
    return [to_message(m) for m in json.loads(out)["messages"]]


def run_vnu(tools: Tools, files: Sequence[Path]) -> list[VnuMessage]:
    """Check files (HTML, and CSS and SVG too) and wait; every message, in file order."""
    return read_vnu(start_vnu(tools, files)) if files else []


def to_message(raw: dict) -> VnuMessage:  # type: ignore[type-arg]
    """One message of vnu's JSON output. Non-document errors (a file it could not read) count as errors."""
    kind = {"error": "error", "non-document-error": "error"}.get(raw.get("type", ""), "info")
    if raw.get("subType") == "warning" or _newer_css(raw.get("message", "")):
        kind = "warning"
    elif raw.get("subType") == "fatal":
        kind = "error"
    url = raw.get("url", "")
    path = Path(unquote(urlsplit(url).path)) if url.startswith("file:") else Path(url)
    return VnuMessage(path, int(raw.get("lastLine", raw.get("firstLine", 0)) or 0), kind, raw.get("message", ""),
                      raw.get("extract", ""))  # fmt: skip


def _newer_css(message: str) -> bool:
    return any(message.startswith(f"CSS: “{name}”: Property “{name}” doesn't exist") for name in NEWER_CSS_PROPERTIES)
