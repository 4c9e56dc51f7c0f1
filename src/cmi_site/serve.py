"""`cmi-site serve`: build, serve on 127.0.0.1, rebuild on change, reload the open page.

The preview server injects one script (/__cmi/live.js) into HTML it serves; the built files on
disk never contain it. The script listens to /__cmi/events (server-sent events): after a good
rebuild it reloads the page; after a failed one it shows the problems over the last good site,
which stays served until the content is fixed.
"""

from __future__ import annotations

import html
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import watchfiles

from .pipeline import Paths, Result, build, output_folder
from .site import BuildOptions

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
  var events = new EventSource("/__cmi/events");
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
    """What the server shows: the generation of the last good build and the problems of the last failed one."""

    generation: int = 0  # 0: no good build yet
    problems: list[str] = field(default_factory=list)
    changed: threading.Condition = field(default_factory=threading.Condition)
    stopping: threading.Event = field(default_factory=threading.Event)

    def update(self, result: Result) -> None:
        with self.changed:
            if result.files:
                self.generation += 1
                self.problems = []
            else:
                self.problems = [str(p) for p in result.problems if p.is_error] or [str(p) for p in result.problems]
            self.changed.notify_all()

    def snapshot(self) -> dict[str, Any]:
        return {"generation": self.generation, "problems": list(self.problems)}


def live_script(generation: int) -> str:
    return f'<script src="/__cmi/live.js" data-generation="{generation}"></script>'


def make_handler(folder: Path, state: PreviewState) -> type[SimpleHTTPRequestHandler]:
    """A request handler serving folder, with the live-reload endpoints under /__cmi/."""

    class Handler(SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(folder), **kwargs)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet: the terminal is for problems
            pass

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path == "/__cmi/live.js":
                return self._send(LIVE_JS.encode(), "text/javascript; charset=utf-8")
            if path == "/__cmi/live.css":
                return self._send(LIVE_CSS.encode(), "text/css; charset=utf-8")
            if path == "/__cmi/status":
                return self._send(json.dumps(state.snapshot()).encode(), "application/json")
            if path == "/__cmi/events":
                return self._events()
            if state.generation == 0:
                return self._error_page()
            target = Path(self.translate_path(path))
            if target.is_dir():
                target = target / "index.html"
            if target.suffix == ".html" and target.is_file():
                page = target.read_bytes().replace(b"</body>", live_script(state.generation).encode() + b"</body>", 1)
                return self._send(page, "text/html; charset=utf-8")
            return super().do_GET()

        def _send(self, body: bytes, kind: str, status: HTTPStatus = HTTPStatus.OK) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def _error_page(self) -> None:
            items = "".join(f"<li>{html.escape(p)}</li>" for p in state.problems)
            body = ERROR_PAGE.format(items=items, script=live_script(0)).encode()
            self._send(body, "text/html; charset=utf-8", HTTPStatus.SERVICE_UNAVAILABLE)

        def _events(self) -> None:
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            seen = None
            try:
                while not state.stopping.is_set():
                    with state.changed:
                        current = state.snapshot()
                        if current == seen:
                            state.changed.wait(timeout=10)
                            current = state.snapshot()
                    message = f"event: build\ndata: {json.dumps(current)}\n\n" if current != seen else ": keep-alive\n\n"
                    self.wfile.write(message.encode())
                    self.wfile.flush()
                    seen = current
            except (BrokenPipeError, ConnectionResetError):
                pass

    return Handler


def watch(paths: Paths, rebuild: Callable[[], None], stop: threading.Event) -> None:
    """Call rebuild after each batch of changes under content/ and templates/, until stop is set."""
    watched = [p for p in (paths.content, paths.templates) if p.exists()]
    for _changes in watchfiles.watch(*watched, debounce=50, step=20, stop_event=stop, raise_interrupt=False):
        rebuild()


def serve(
    paths: Paths,
    options: BuildOptions,
    port: int,
    strict: bool,
    on_build: Callable[[Result], None],
    on_ready: Callable[[str], None],
) -> None:
    """Build, then serve and rebuild on change until interrupted (KeyboardInterrupt). OSError if the port
    is busy; SetupError if the output folder is one the build must not replace."""
    output_folder(paths)  # before anything is served or built
    state = PreviewState()
    lock = threading.Lock()

    def rebuild() -> None:
        with lock:
            result = build(paths, options, strict=strict)
        state.update(result)
        on_build(result)

    server = ThreadingHTTPServer(("127.0.0.1", port), make_handler(paths.output.resolve(), state))
    server.daemon_threads = True
    rebuild()
    watcher = threading.Thread(target=watch, args=(paths, rebuild, state.stopping), daemon=True)
    watcher.start()
    on_ready(f"http://127.0.0.1:{server.server_address[1]}/")
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        state.stopping.set()
        with state.changed:
            state.changed.notify_all()
        server.server_close()
        watcher.join(timeout=2)
