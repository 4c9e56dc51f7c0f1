"""Serve a site folder over HTTP on 127.0.0.1, under any sub-path, with any response headers.

Behaves like a static host: a folder address serves its index.html, nothing is listed, and a missing
file is a 404. Every request is recorded so checks can see what a page asked for.
"""

from __future__ import annotations

import functools
import http.server
import posixpath
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

# The policy the issue asks every page to load under; the site's _headers file may add to it.
REQUIRED_CSP = "default-src 'self'; img-src 'self' data:"


@dataclass
class Served:
    """A running server: its base URL (ending in the sub-path and '/') and the requests it answered."""

    base_url: str
    requests: list[tuple[str, int]] = field(default_factory=list)  # (path, status)


def read_headers_file(folder: Path) -> list[tuple[str, str]]:
    """The headers a Netlify-style _headers file sets for every path ('/*'), in order."""
    path = folder / "_headers"
    if not path.is_file():
        return []
    headers, in_all = [], False
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace():
            in_all = line.strip() == "/*"
        elif in_all and ":" in line:
            name, value = line.split(":", 1)
            headers.append((name.strip(), value.strip()))
    return headers


class _Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, ".svg": "image/svg+xml",  # noqa: RUF012 - the base class's
                      ".xml": "application/xml", ".json": "application/json", ".csv": "text/csv",
                      ".js": "text/javascript", ".css": "text/css", ".html": "text/html; charset=utf-8"}  # fmt: skip

    def __init__(self, *args: Any, prefix: str, headers: Sequence[tuple[str, str]], served: Served,
                 **kwargs: Any) -> None:  # fmt: skip
        self.prefix, self.extra_headers, self.served = prefix, headers, served
        super().__init__(*args, **kwargs)

    def translate_path(self, path: str) -> str:
        url_path = urlsplit(path).path
        # Resolve dot segments first, as a real server does, so '/sub/../x' is outside '/sub/'.
        normal = posixpath.normpath(url_path) + ("/" if url_path.endswith("/") else "")
        if not (normal + "/").startswith(self.prefix) or normal.startswith("//"):
            return "/nonexistent/outside-the-sub-path"
        return super().translate_path("/" + normal[len(self.prefix) :])

    def list_directory(self, path: Any) -> None:
        self.send_error(404, "No index.html in this folder")
        return None

    def end_headers(self) -> None:
        for name, value in self.extra_headers:
            self.send_header(name, value)
        super().end_headers()

    def send_response(self, code: int, message: str | None = None) -> None:
        self.served.requests.append((urlsplit(self.path).path, code))
        super().send_response(code, message)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass


@contextmanager
def serve_folder(folder: Path, headers: Sequence[tuple[str, str]] = (), subpath: str = "/") -> Iterator[Served]:
    """Serve folder at http://127.0.0.1:PORT{subpath} in a background thread, sending headers on every response."""
    prefix = "/" + subpath.strip("/") + "/" if subpath.strip("/") else "/"
    served = Served("")
    handler = functools.partial(_Handler, directory=str(folder), prefix=prefix, headers=list(headers), served=served)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    served.base_url = f"http://127.0.0.1:{server.server_address[1]}{prefix}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield served
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
