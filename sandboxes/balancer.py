"""A load balancer for the local stack: hands each request to the next of its backends
in turn, as a round-robin balancer in front of a service's pods would.

    python -m sandboxes.balancer --port 8080 127.0.0.1:18080 127.0.0.1:18081

Each answer names the backend that gave it in an X-Backend header, so that a test can
see the requests alternate. A backend that cannot be reached is a 502."""

from __future__ import annotations

import argparse
import http.client
import itertools
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Headers about one connection, which a proxy does not pass on.
HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade", "content-length"}
)


class Balancer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int, backends: list[str]):
        super().__init__(("127.0.0.1", port), _Forwarding)
        self._backends = itertools.cycle(backends)
        self._lock = threading.Lock()

    def next_backend(self) -> str:
        with self._lock:
            return next(self._backends)


class _Forwarding(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keeps the client's connection open, as a balancer does
    server: Balancer

    def forward(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        backend = self.server.next_backend()
        headers = {name: value for name, value in self.headers.items() if name.lower() not in HOP_BY_HOP}
        connection = http.client.HTTPConnection(backend, timeout=60)
        try:
            connection.request(self.command, self.path, body if body else None, headers)
            answer = connection.getresponse()
            status, reason, answer_headers, content = answer.status, answer.reason, answer.getheaders(), answer.read()
        except OSError as error:
            status, reason, answer_headers = 502, "Bad Gateway", [("Content-Type", "application/json")]
            content = f'{{"message": "backend {backend} unreachable: {type(error).__name__}"}}'.encode()
        finally:
            connection.close()
        self.send_response_only(status, reason)
        for name, value in answer_headers:
            if name.lower() not in HOP_BY_HOP:
                self.send_header(name, value)
        self.send_header("X-Backend", backend)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(content)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = forward

    def log_message(self, format: str, *args) -> None:
        """Quiet: the services behind it log every request."""


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m sandboxes.balancer", description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("backends", nargs="+", help="host:port of each backend")
    args = parser.parse_args()
    Balancer(args.port, args.backends).serve_forever()


if __name__ == "__main__":
    main()
