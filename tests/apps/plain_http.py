"""An ordinary app, as users write them and graceroll did not: the standard library's
``ThreadingHTTPServer`` speaking HTTP/1.1 (so clients keep connections alive), with no graceful
shutdown at all: SIGTERM kills it on the spot, idle keep-alive connections and all.

    python plain_http.py            # serves on $POD_IP:$PORT, answers $GRACEROLL_IMAGE (or its address)
    python plain_http.py IP PORT    # the same, address given

It prints ``ready`` once it listens.
"""

from __future__ import annotations

import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._answer()

    def _answer(self) -> None:
        body = (os.environ.get("GRACEROLL_IMAGE") or self.server.server_address[0]).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


if __name__ == "__main__":
    host, port = (sys.argv[1], int(sys.argv[2])) if len(sys.argv) > 2 else (os.environ["POD_IP"], int(os.environ["PORT"]))
    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    print("ready", flush=True)
    server.serve_forever()
