"""A local HTTP server (real sockets, a thread) serving guideline archives the way a
repository host would, and misbehaving on request; it counts every request it gets."""

from __future__ import annotations

import io
import tarfile
import threading
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

#: what a path answers: (status, headers, body) or a callable writing the answer itself
Route = tuple[int, dict[str, str], bytes] | Callable[[BaseHTTPRequestHandler], None]


class ArchiveServer:
    def __init__(self, host: str = "127.0.0.1") -> None:
        self.routes: dict[str, Route] = {}
        self.hits: Counter[str] = Counter()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                server.hits[self.path] += 1
                route = server.routes.get(self.path, (404, {}, b"no such file"))
                if callable(route):
                    route(self)
                    return
                status, headers, body = route
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._httpd = ThreadingHTTPServer((host, 0), Handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self.url = f"http://{host}:{self.port}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    @property
    def total(self) -> int:
        return sum(self.hits.values())


def tar_gz(folder: Path, top: str = "interop") -> bytes:
    """``folder`` as a .tar.gz with one top folder, like a repository archive."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tf:
        tf.add(folder, arcname=top)
    return buffer.getvalue()


def tar_bomb(size: int) -> bytes:
    """A small .tar.gz holding one file of ``size`` zero bytes."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", compresslevel=9) as tf:
        info = tarfile.TarInfo("interop/zeros.json")
        info.size = size
        tf.addfile(info, _Zeros(size))
    return buffer.getvalue()


def tar_of_empty_files(count: int) -> bytes:
    """A .tar.gz of ``count`` empty files."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tf:
        for i in range(count):
            tf.addfile(tarfile.TarInfo(f"interop/{i}.json"))
    return buffer.getvalue()


class _Zeros(io.RawIOBase):
    def __init__(self, size: int) -> None:
        self.left = size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        n = min(len(buffer), self.left)
        buffer[:n] = bytes(n)
        self.left -= n
        return n
