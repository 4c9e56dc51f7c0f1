"""Where the test tools are, and starting Chromium. A missing tool is an error, never a skip."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import Error as PlaywrightError

REPO = Path(__file__).resolve().parents[2]
NODE_MODULES = Path(os.environ.get("CMI_QUALITY_NODE_MODULES", REPO / ".cache" / "quality-node" / "node_modules"))
DEFAULT_CHROMIUM = "/usr/bin/chromium"  # Debian's; set CMI_CHROMIUM to use another (CI uses Google Chrome)
# No downloads, no background traffic: the browser only ever talks to the pages under test.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]  # fmt: skip
INSTALL_HINT = "run scripts/setup-test-tools (make test and make audit run it for you)"


class ToolMissing(RuntimeError):
    """A tool the checks need is not installed or will not run; the message says what to do."""


@dataclass(frozen=True)
class Tools:
    chromium: Path
    java: Path
    axe: Path  # axe.min.js
    ace: Path  # IBM Equal Access: accessibility-checker-engine's ace-window.js
    vnu: Path  # vnu.jar


def find_chromium() -> Path:
    """The Chromium to drive: $CMI_CHROMIUM when set, else Debian's /usr/bin/chromium."""
    given = os.environ.get("CMI_CHROMIUM", "")
    path = Path(given or DEFAULT_CHROMIUM)
    if not path.is_file():
        where = f"CMI_CHROMIUM={given}" if given else f"{DEFAULT_CHROMIUM} (set CMI_CHROMIUM to use another browser)"
        raise ToolMissing(f"Chromium not found at {where}: {INSTALL_HINT}")
    return path


def find_file(path: Path, what: str) -> Path:
    """path, or ToolMissing naming what is missing and how to install it."""
    if not path.is_file():
        raise ToolMissing(f"{what} not found at {path}: {INSTALL_HINT}")
    return path


def find_tools() -> Tools:
    """Every tool the checks need, or ToolMissing naming the first one that is not there."""
    java = shutil.which("java")
    if not java:
        raise ToolMissing(f"Java not found (the Nu HTML Checker needs it): {INSTALL_HINT}")
    return Tools(
        chromium=find_chromium(),
        java=Path(java),
        axe=find_file(NODE_MODULES / "axe-core" / "axe.min.js", "axe-core"),
        ace=find_file(NODE_MODULES / "accessibility-checker-engine" / "ace-window.js", "IBM Equal Access (accessibility-checker-engine)"),
        vnu=find_file(NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar", "the Nu HTML Checker (vnu.jar)"),
    )


def launch_chromium(playwright: Any, chromium: Path) -> Any:
    """A headless Chromium Browser from Playwright, using the system's chromium; ToolMissing if it will not start."""
    try:
        return playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS, headless=True)
    except PlaywrightError as error:
        raise ToolMissing(f"Chromium ({chromium}) would not start: {launch_failure(error.message)}") from error


def launch_failure(message: str) -> str:
    """The useful lines of Playwright's launch error: its first line, the browser's errors and its exit."""
    lines = [line.strip(" -") for line in message.strip().splitlines()]
    useful = [line for line in lines[1:] if "[err]" in line or "process did exit" in line][-6:]
    return "; ".join([lines[0] if lines else "no reason given", *useful])
