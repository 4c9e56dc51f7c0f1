"""`cmi-site serve` for real: a subprocess on a free port, changed and broken files, a clean stop."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import TEMPLATES, TODAY


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode("utf-8")


def wait_for(condition, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("timed out waiting")


class Preview:
    def __init__(self, process: subprocess.Popen[str], url: str) -> None:
        self.process, self.url = process, url
        self.events: list[dict] = []
        self._reader = threading.Thread(target=self._listen, daemon=True)
        self._reader.start()

    def _listen(self) -> None:
        """Collect the server-sent 'build' events, as the page's live-reload script would."""
        with urllib.request.urlopen(self.url + "__cmi/events", timeout=30) as stream:
            for raw in stream:
                line = raw.decode("utf-8").strip()
                if line.startswith("data: "):
                    self.events.append(json.loads(line[6:]))

    def status(self) -> dict:
        return json.loads(fetch(self.url + "__cmi/status")[1])


def start(site: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent / "src")}
    return subprocess.Popen(
        [sys.executable, "-m", "cmi_site.cli", "serve", "--templates", str(TEMPLATES), "--today", TODAY.isoformat(), *args],
        cwd=site, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def served_url(process: subprocess.Popen[str]) -> str:
    """Read the server's output up to its 'Serving ... at URL' line; kill it if that never comes."""
    seen = []
    for line in process.stdout:
        if line.startswith("Serving _site at http://127.0.0.1:"):
            return line.split(" at ")[1].split(" ")[0]
        seen.append(line)
    process.kill()
    raise AssertionError("the server stopped before serving:\n" + "".join(seen) + process.stderr.read())


@pytest.fixture
def preview(site_dir: Path) -> Iterator[Preview]:
    process = start(site_dir, "--port", "0")
    server = Preview(process, served_url(process))
    wait_for(lambda: server.events)
    yield server
    finish(process)


def finish(process: subprocess.Popen[str]) -> None:
    """Kill the server if it still runs, and close its pipes."""
    if process.poll() is None:
        process.kill()
    process.wait()
    process.stdout.close()
    process.stderr.close()


def test_serve_rebuilds_reloads_shows_problems_and_stops(site_dir: Path, preview: Preview) -> None:
    code, page = fetch(preview.url + "about/index.html")
    assert code == 200 and "<h1>About the network</h1>" in page
    assert '<script src="/__cmi/live.js" data-generation="1"></script></body>' in page
    assert "__cmi" not in (site_dir / "_site/about/index.html").read_text(), "the built files stay clean"
    assert fetch(preview.url + "__cmi/live.js")[1].startswith("(function () {")

    about = site_dir / "content/pages/about.md"
    about.write_text(about.read_text().replace("About the network", "About us now"))
    wait_for(lambda: preview.status()["generation"] == 2)
    assert "<h1>About us now</h1>" in fetch(preview.url + "about/")[1]
    wait_for(lambda: preview.events[-1] == {"generation": 2, "problems": []})  # the reload signal

    about.write_text("---\ntitle:\n---\n")
    state = wait_for(lambda: preview.status()["problems"] and preview.status())
    assert state["generation"] == 2
    assert state["problems"][0].startswith("content/pages/about.md:2: title: missing")
    wait_for(lambda: preview.events[-1]["problems"] == state["problems"])
    assert "<h1>About us now</h1>" in fetch(preview.url + "about/")[1], "the last good site stays served"

    about.write_text("---\ntitle: Fixed\n---\nBody\n")
    wait_for(lambda: preview.status() == {"generation": 3, "problems": []})

    preview.process.send_signal(signal.SIGINT)
    assert preview.process.wait(timeout=10) == 0
    out = preview.process.stdout.read()
    assert "Stopped." in out
    err = preview.process.stderr.read()
    assert "content/pages/about.md:2: title: missing" in err and "Traceback" not in err


def test_serve_shows_problems_when_no_good_build_exists(site_dir: Path) -> None:
    (site_dir / "content/stories/memory-cafe.md").write_text("no front matter\n")
    process = start(site_dir, "--port", "0")
    try:
        code, page = fetch(served_url(process))
        assert code == 503
        assert "content/stories/memory-cafe.md:1: the file does not start with front matter" in page
        assert 'data-generation="0"' in page
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        finish(process)


def test_busy_port_gets_a_clear_message(site_dir: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = start(site_dir, "--port", str(port))
        _out, err = process.communicate(timeout=20)
    assert process.returncode == 2
    assert f"port {port} is busy" in err and f"--port {port + 1}" in err
    assert "Traceback" not in err
