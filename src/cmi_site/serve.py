"""`cmi-site serve`: build, serve on 127.0.0.1, rebuild on change, reload the open page.

The preview server injects one script (/__cmi/live.js) into HTML it serves; the built files on
disk never contain it. The script listens to /__cmi/events (server-sent events): after a good
rebuild it reloads the page; after a failed one it shows the problems over the last good site,
which stays served until the content is fixed.

It stays local and calm: it answers only requests addressed to 127.0.0.1, localhost or [::1] at its
port (a web page cannot read it by DNS rebinding), serves no file whose real path is outside the
output folder, answers a malformed path with 400, drops a connection that sends nothing for
REQUEST_TIMEOUT seconds, serves at most MAX_CONNECTIONS at once (MAX_EVENT_STREAMS of them live-reload
streams, each ended after EVENT_STREAM_SECONDS; the browser reconnects), and a client that goes away
is no error.
"""

from __future__ import annotations

import contextlib
import html
import json
import os
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import watchfiles

from .builder import Builder, Fault
from .config import CONTENT, TEMPLATES, BuildOptions, Change, Paths, Result
from .live import ERROR_PAGE, LIVE_CSS, LIVE_JS, PreviewState, live_script
from .pipeline import output_folder

HOSTS = ("127.0.0.1", "localhost", "[::1]")  # with the port: the only Host headers the preview answers
REQUEST_TIMEOUT = 5.0  # seconds a connection may send nothing (or take no data) before it is dropped
MAX_CONNECTIONS = 32  # at once; more are answered 503 at once (a browser opens about 6, plus 1 a tab for live reload)
MAX_EVENT_STREAMS = 16  # live-reload streams at once, among MAX_CONNECTIONS
EVENT_STREAM_SECONDS = 60.0  # a live-reload stream then ends; the browser's EventSource reconnects
MAX_PATH = 2048  # characters in a request's path


class PreviewServer(ThreadingHTTPServer):
    """A thread for each connection, at most MAX_CONNECTIONS at once; a connection that fails because
    the client went away or was too slow is no error, and any other failure is one line, never a traceback."""

    daemon_threads = True
    block_on_close = False  # connection threads are daemons, started by process_request below
    request_queue_size = 64  # connections waiting to be accepted (5 by default): past the limit they are answered at once

    def __init__(self, address: tuple[str, int], handler: type[SimpleHTTPRequestHandler], max_connections: int = MAX_CONNECTIONS) -> None:
        self.slots = threading.BoundedSemaphore(max_connections)
        super().__init__(address, handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self.slots.acquire(blocking=False):
            with contextlib.suppress(OSError):
                request.settimeout(1)
                request.sendall(b"HTTP/1.0 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
                                b"Content-Length: 35\r\nConnection: close\r\n\r\nToo many connections to the preview.")  # fmt: skip
            self.shutdown_request(request)
            return
        thread = threading.Thread(target=self.process_request_thread, args=(request, client_address), daemon=True)
        try:
            thread.start()
        except BaseException:
            # Only a thread that never started gives its slot back here: one that did gives it back
            # itself, and a second release would raise in place of a Ctrl+C arriving just now.
            if thread.ident is None:
                self.slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, TimeoutError)):
            return  # the browser closed the tab or the connection, or stopped reading
        print(f"cmi-site: the preview could not answer a request ({type(error).__name__}: {error})", file=sys.stderr, flush=True)


def path_problem(raw: str) -> tuple[HTTPStatus, str] | None:
    """What is wrong with a request's path (status and a short text), or None: it must be an absolute
    path of UTF-8 without control characters or '..' segments, and not too long."""
    if len(raw) > MAX_PATH:
        return HTTPStatus.REQUEST_URI_TOO_LONG, "The address is too long."
    path = raw.split("?", 1)[0].split("#", 1)[0]
    try:
        text = urllib.parse.unquote(path, errors="strict")
    except UnicodeDecodeError:
        return HTTPStatus.BAD_REQUEST, "The address is not UTF-8."
    if not text.startswith("/") or any(ord(char) < 32 or ord(char) == 127 for char in text):
        return HTTPStatus.BAD_REQUEST, "The address has characters a file name cannot have."
    if ".." in text.split("/"):
        return HTTPStatus.BAD_REQUEST, "The address goes up a folder ('..')."
    return None


class PreviewHandler(SimpleHTTPRequestHandler):
    """Serves the output folder, with the live-reload endpoints under /__cmi/ (make_handler sets the class attributes)."""

    folder: Path  # the output folder, resolved
    root: str  # its real path
    preview: PreviewState
    port: int
    hosts: set[str]  # the Host headers answered
    streams: threading.BoundedSemaphore  # live-reload streams open at once
    timeout = REQUEST_TIMEOUT  # on the socket: a read or write that waits longer ends the connection

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, directory=str(self.folder), **kwargs)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet: the terminal is for problems
        pass

    def _refused(self) -> bool:
        """Answer a request the preview does not serve: another Host (421), a bad path (400, 414)."""
        if (self.headers.get("Host") or "").strip().lower() not in self.hosts:
            where = f"http://127.0.0.1:{self.port}/ or http://localhost:{self.port}/"
            self._send(f"This preview answers only at {where}\n".encode(), "text/plain; charset=utf-8", HTTPStatus.MISDIRECTED_REQUEST)
            return True
        problem = path_problem(self.path)
        if problem is not None:
            self._send(f"{problem[1]}\n".encode(), "text/plain; charset=utf-8", problem[0])
        return problem is not None

    def _local(self, path: str) -> str | None:
        """The file (or folder) a path names, index.html for a folder that has one; None when its
        real path, symbolic links followed, is outside the output folder."""
        target = self.translate_path(path)
        if os.path.isdir(target):
            target = next((index for name in ("index.html", "index.htm") if os.path.isfile(index := os.path.join(target, name))), target)
        real = os.path.realpath(target)
        return target if real == self.root or real.startswith(self.root + os.sep) else None

    def send_head(self) -> Any:
        """As SimpleHTTPRequestHandler's (for GET of files other than pages, and HEAD), but only inside the folder."""
        if self._local(self.path) is None:
            self.send_error(HTTPStatus.NOT_FOUND, "File not found")
            return None
        return super().send_head()

    def do_HEAD(self) -> None:
        if not self._refused():
            super().do_HEAD()

    def do_GET(self) -> None:
        if self._refused():
            return
        path = self.path.split("?", 1)[0]
        if path == "/__cmi/live.js":
            return self._send(LIVE_JS.encode(), "text/javascript; charset=utf-8")
        if path == "/__cmi/live.css":
            return self._send(LIVE_CSS.encode(), "text/css; charset=utf-8")
        if path == "/__cmi/status":
            return self._send(json.dumps(self.preview.snapshot()).encode(), "application/json")
        if path == "/__cmi/events":
            return self._events()
        if self.preview.generation == 0:
            return self._error_page()
        local = self._local(path)
        if local is None:
            return self.send_error(HTTPStatus.NOT_FOUND, "File not found")
        target = Path(local)
        if target.suffix == ".html" and (early := self.preview.page(output_of(path))) is not None:
            return self._send(early.replace(b"</body>", live_script(self.preview.generation).encode() + b"</body>", 1),
                              "text/html; charset=utf-8")  # fmt: skip
        if target.suffix == ".html" and target.is_file():
            page = target.read_bytes().replace(b"</body>", live_script(self.preview.generation).encode() + b"</body>", 1)
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
        items = "".join(f"<li>{html.escape(p)}</li>" for p in self.preview.problems)
        body = ERROR_PAGE.format(items=items, script=live_script(0)).encode()
        self._send(body, "text/html; charset=utf-8", HTTPStatus.SERVICE_UNAVAILABLE)

    def _events(self) -> None:
        """The live-reload stream: the state now, then each change (a comment every 10 s keeps it open
        and finds a closed one), for EVENT_STREAM_SECONDS; the browser then reconnects after 1 s."""
        if not self.streams.acquire(blocking=False):
            return self._send(b"Too many live-reload streams.\n", "text/plain; charset=utf-8", HTTPStatus.SERVICE_UNAVAILABLE)
        page = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query).get("page", [""])[0]
        shown = output_of(page) if page and path_problem(page) is None else None
        if shown is not None:
            self.preview.opened(shown, +1)
        try:
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(b"retry: 1000\n\n")
            seen, end = None, time.monotonic() + EVENT_STREAM_SECONDS
            while not self.preview.stopping.is_set() and time.monotonic() < end:
                with self.preview.changed:
                    current = self.preview.snapshot()
                    if current == seen:
                        self.preview.changed.wait(timeout=min(10, max(0, end - time.monotonic())))
                        current = self.preview.snapshot()
                message = f"event: build\ndata: {json.dumps(current)}\n\n" if current != seen else ": keep-alive\n\n"
                self.wfile.write(message.encode())
                self.wfile.flush()
                seen = current
        finally:
            if shown is not None:
                self.preview.opened(shown, -1)
            self.streams.release()


def make_handler(folder: Path, state: PreviewState, port: int) -> type[PreviewHandler]:
    """A request handler serving folder (already resolved), with the live-reload endpoints under /__cmi/,
    for a server at port."""
    hosts = {f"{host}:{port}" for host in HOSTS} | (set(HOSTS) if port == 80 else set())
    attributes = {"folder": folder, "root": os.path.realpath(folder), "preview": state, "port": port, "hosts": hosts,
                  "streams": threading.BoundedSemaphore(MAX_EVENT_STREAMS)}  # fmt: skip
    return type("Handler", (PreviewHandler,), attributes)


def output_of(path: str) -> str:
    """The output path a request's path names: / -> index.html, /stories/x/ -> stories/x/index.html."""
    text = urllib.parse.unquote(path.split("?", 1)[0].split("#", 1)[0]).lstrip("/")
    return f"{text}index.html" if text == "" or text.endswith("/") else text


def change_of(path: str, folders: list[tuple[str, str]]) -> Change:
    """A changed file as (folder, its path inside it with /) for the first of folders (name, real path) it is in."""
    real = os.path.realpath(path)
    for name, folder in folders:
        if real.startswith(folder + os.sep):
            return name, real[len(folder) + 1 :].replace(os.sep, "/")
    return "", ""


def watch(paths: Paths, rebuild: Callable[[list[Change]], None], stop: threading.Event) -> None:
    """Call rebuild with each batch of changes under content/ and templates/, until stop is set."""
    watched = [p for p in (paths.content, paths.templates) if p.exists()]
    folders = [(CONTENT, os.path.realpath(paths.content)), (TEMPLATES, os.path.realpath(paths.templates))]
    for changes in watchfiles.watch(*watched, debounce=50, step=20, stop_event=stop, raise_interrupt=False):
        rebuild(sorted({change_of(path, folders) for _, path in changes}))


def serve(
    paths: Paths,
    options: BuildOptions,
    port: int,
    strict: bool,
    on_build: Callable[[Result], None],
    on_ready: Callable[[str], None],
    on_fault: Callable[[str], None],
) -> None:
    """Build, then serve and rebuild on change until interrupted (KeyboardInterrupt). OSError if the port
    is busy; SetupError if the output folder is one the build must not replace. Builds happen in a
    process of their own (builder.py), started before any thread of the preview."""
    output_folder(paths)  # before anything is served or built
    builder = Builder(paths, options, strict)
    try:
        _serve(paths, port, builder, on_build, on_ready, on_fault)
    finally:
        builder.close()


def _serve(paths: Paths, port: int, builder: Builder, on_build: Callable[[Result], None], on_ready: Callable[[str], None],
           on_fault: Callable[[str], None]) -> None:  # fmt: skip
    """serve, with its builder."""
    state = PreviewState()
    lock = threading.Lock()

    def rebuild(changes: list[Change]) -> None:
        with lock:
            result = builder.build(changes, state.wanted(), state.show_early)
        if isinstance(result, Fault):  # the last good site stays served
            state.abandon_early()
            on_fault(result.message)
            return
        state.update(result)
        on_build(result)

    server = PreviewServer(("127.0.0.1", port), SimpleHTTPRequestHandler)
    # the handler checks the Host header against the port, known once bound (--port 0 picks one)
    server.RequestHandlerClass = make_handler(paths.output.resolve(), state, server.server_address[1])
    rebuild([])
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
