"""What the preview shows: the live-reload script it adds to each page, and PreviewState, the last
good build's generation, the last failed one's problems, and the pages shown early while a build runs
(the server's threads share it; serve.py serves it)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from .config import Result

BUILD_WAIT = 120.0  # seconds a page not shown early waits for the build that is running

LIVE_JS = """(function () {
  "use strict";
  var me = document.currentScript;
  var served = Number(me && me.getAttribute("data-generation"));
  var box = null;
  function hide() { if (box) { box.remove(); box = null; } }
  function show(problems) {
    hide();
    box = document.createElement("section");
    box.className = "cmi-live-problems";
    box.setAttribute("role", "alert");
    var h = document.createElement("h2");
    h.textContent = "The last change has problems, so this page shows the last good build";
    box.appendChild(h);
    var list = document.createElement("ul");
    problems.forEach(function (p) {
      var li = document.createElement("li");
      li.textContent = p;
      list.appendChild(li);
    });
    box.appendChild(list);
    document.body.insertBefore(box, document.body.firstChild);
  }
  var link = document.createElement("link");
  link.rel = "stylesheet";
  link.href = "/__cmi/live.css";
  document.head.appendChild(link);
  var events = new EventSource("/__cmi/events?page=" + encodeURIComponent(location.pathname));
  events.addEventListener("build", function (e) {
    var state = JSON.parse(e.data);
    if (state.problems.length) { show(state.problems); return; }
    hide();
    if (state.generation !== served) { events.close(); location.reload(); }
  });
})();
"""

LIVE_CSS = """.cmi-live-problems { position: relative; z-index: 100; margin: 0; padding: 1rem; background: #fff;
  color: #0b0c0c; border: 6px solid #a4221a; font: 1rem/1.4 system-ui, sans-serif; }
.cmi-live-problems h2 { margin: 0 0 0.5rem; font-size: 1.2rem; }
.cmi-live-problems li { font-family: ui-monospace, monospace; white-space: pre-wrap; }
"""

ERROR_PAGE = """<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8"><title>Problems in the content</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main><h1>The site could not be built</h1>
<p>Fix these problems; this page reloads by itself when the build works.</p>
<ul>{items}</ul></main>{script}</body></html>
"""


@dataclass
class PreviewState:
    """What the server shows: the generation of the last good build and the problems of the last failed one;
    while a build runs, the open pages as it will make them (early), and which pages are open."""

    generation: int = 0  # 0: no good build yet
    problems: list[str] = field(default_factory=list)
    changed: threading.Condition = field(default_factory=threading.Condition)
    stopping: threading.Event = field(default_factory=threading.Event)
    early: dict[str, bytes] = field(default_factory=dict)  # output path -> the page the running build will write
    building: bool = False  # a build shown early is running: other pages wait for it
    open_pages: dict[str, int] = field(default_factory=dict)  # output path -> live-reload streams showing it

    def update(self, result: Result) -> None:
        with self.changed:
            if result.ok:
                shown = bool(self.early)
                if (result.state == "built" and not shown) or not self.generation:  # an unchanged site needs no reload
                    self.generation += 1
                self.problems = []
            else:
                self.problems = [str(p) for p in result.problems if p.is_error] or [str(p) for p in result.problems]
            self.early, self.building = {}, False
            self.changed.notify_all()

    def show_early(self, pages: dict[str, bytes]) -> None:
        """The open pages as the running build will make them: served (and reloaded) now, and every other
        page waits for the build (so no page is older than one already shown)."""
        with self.changed:
            self.early, self.building = pages, True
            self.generation += 1
            self.problems = []
            self.changed.notify_all()

    def abandon_early(self) -> None:
        """The build shown early did not finish (a fault): the last good site is served again."""
        with self.changed:
            if self.early:
                self.generation += 1
            self.early, self.building = {}, False
            self.changed.notify_all()

    def page(self, path: str) -> bytes | None:
        """The page at an output path when it was shown early; else, while a build shown early runs,
        wait for it (at most BUILD_WAIT seconds) and None (the output folder has it)."""
        with self.changed:
            if path in self.early:
                return self.early[path]
            end = time.monotonic() + BUILD_WAIT
            while self.building and not self.stopping.is_set() and time.monotonic() < end:
                self.changed.wait(timeout=max(0.0, end - time.monotonic()))
            return None

    def opened(self, path: str, delta: int) -> None:
        """A live-reload stream showing the page at path began (+1) or ended (-1)."""
        with self.changed:
            count = self.open_pages.get(path, 0) + delta
            if count > 0:
                self.open_pages[path] = count
            else:
                self.open_pages.pop(path, None)

    def wanted(self) -> list[str]:
        """The output paths of the pages open now."""
        with self.changed:
            return sorted(self.open_pages)

    def snapshot(self) -> dict[str, Any]:
        return {"generation": self.generation, "problems": list(self.problems)}


def live_script(generation: int) -> str:
    return f'<script src="/__cmi/live.js" data-generation="{generation}"></script>'
