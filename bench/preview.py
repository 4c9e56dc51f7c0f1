"""The preview's speed: from saving a file to the open page showing the change, for `cmi-site serve`
and `hugo server` on the same corpus (bench/run.py calls it for each size).

An open browser tab is stood in for by what it does: a live-reload stream for the page (ours sends
its address, so the preview knows which pages are open), then fetching the page until it shows the
change. Two edits, each done ROUNDS times: a story's summary (that story's page must show it), and
the story template (the same page must show it). Each round starts when the last one's whole build
has ended (for ours: a page not open waits for the build, so fetching one says when it ended).
"""

from __future__ import annotations

import contextlib
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

ROUNDS = 3
TIMEOUT = 120.0  # seconds a change may take to show before the benchmark gives up


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def get(url: str, timeout: float = TIMEOUT) -> str:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - our own local server
            return str(response.read().decode("utf-8"))
    except OSError:
        return ""


def until_shown(url: str, mark: str, since: float) -> float:
    """Seconds from since until the page at url has mark in it (fetched every 10 ms)."""
    while time.perf_counter() - since < TIMEOUT:
        if mark in get(url, timeout=TIMEOUT):
            return time.perf_counter() - since
        time.sleep(0.01)
    raise SystemExit(f"{url} did not show {mark!r} within {TIMEOUT} s")


@contextlib.contextmanager
def running(command: list[str], cwd: Path, url: str, env: dict[str, str] | None = None) -> Iterator[subprocess.Popen[bytes]]:
    """A server started with command, once url answers; stopped afterwards."""
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        started = time.perf_counter()
        while not get(url, timeout=5):
            if process.poll() is not None or time.perf_counter() - started > 20 * TIMEOUT:
                raise SystemExit(f"{' '.join(command)} did not start")
            time.sleep(0.2)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def open_tab(url: str, page: str, stop: threading.Event) -> threading.Thread:
    """What an open tab's live-reload script does: a stream of build events for page, kept open."""

    def listen() -> None:
        while not stop.is_set():
            with contextlib.suppress(OSError), urllib.request.urlopen(f"{url}__cmi/events?page={page}", timeout=5) as stream:  # noqa: S310
                while not stop.is_set() and stream.readline():
                    pass

    thread = threading.Thread(target=listen, daemon=True)
    thread.start()
    return thread


def edit_rounds(story: Path, template: Path, page_url: str, settled: Callable[[], None]) -> dict[str, list[float]]:
    """Save the story, then the template, ROUNDS times each; the seconds until the page showed each."""
    seconds: dict[str, list[float]] = {"story": [], "template": []}
    for n in range(ROUNDS):
        # Marks never seen before: the Hugo site is made from a corpus this preview has already edited.
        mark = f"Preview mark {n} {secrets.token_hex(6)}"
        text = story.read_text(encoding="utf-8")
        story.write_text(text.replace("\nsummary: ", f"\nsummary: {mark}. ", 1), encoding="utf-8")
        seconds["story"].append(until_shown(page_url, mark, time.perf_counter()))
        settled()
        mark = f"template-mark-{n}-{secrets.token_hex(6)}"
        text = template.read_text(encoding="utf-8")
        template.write_text(text.replace("<h1", f'<h1 data-mark="{mark}"', 1), encoding="utf-8")
        seconds["template"].append(until_shown(page_url, mark, time.perf_counter()))
        settled()
    return seconds


def summary(seconds: dict[str, list[float]]) -> dict[str, float]:
    return {f"{kind}_{name}": round(value, 3) for kind, values in seconds.items()
            for name, value in (("median", statistics.median(values)), ("max", max(values)))}  # fmt: skip


def ours(project: Path, slug: str, today: str, env: dict[str, str]) -> dict[str, float]:
    """`cmi-site serve` in project, with the page of story slug open."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    command = [sys.executable, "-m", "cmi_site.cli", "serve", "--port", str(port), "--today", today]
    with running(command, project, url + "about/", env):
        stop = threading.Event()
        open_tab(url, f"/stories/{slug}/", stop)
        time.sleep(5)  # the preview keeps the content in memory once its first build is done

        def settled() -> None:
            get(url + "about/")  # a page not open waits for the build that is running
            time.sleep(1)  # and the preview takes in what that build left (speed/resident.py)

        try:
            return summary(edit_rounds(project / "content" / "stories" / f"{slug}.md", project / "templates" / "story.html",
                                       f"{url}stories/{slug}/", settled))  # fmt: skip
        finally:
            stop.set()


def hugo(hugo_dir: Path, slug: str) -> dict[str, float]:
    """`hugo server` (it renders to memory, and renders the pages a browser visited first)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    command = ["hugo", "server", "--bind", "127.0.0.1", "--port", str(port), "--baseURL", url, "--quiet"]
    with running(command, hugo_dir, url + "about/"):
        get(f"{url}stories/{slug}/")
        time.sleep(2)
        return summary(edit_rounds(hugo_dir / "content" / "stories" / f"{slug}.md", hugo_dir / "layouts" / "_default" / "single.html",
                                   f"{url}stories/{slug}/", lambda: time.sleep(3)))  # fmt: skip
