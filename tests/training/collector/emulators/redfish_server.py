"""A Redfish service on loopback HTTP serving a DMTF-style mockup with known watts.

The mockup (``tests/data/redfish/<name>/redfish/v1/.../index.json``, the layout of the
DMTF mockups) is served as it is, except that every power reading is set to the known
``--watts`` (``PowerControl[0].PowerConsumedWatts``, ``EnvironmentMetrics.PowerWatts``,
each power supply's ``InputPowerWatts`` = watts / number of supplies), the ``Date``
header and the manager's ``DateTime`` run ``--clock-offset`` seconds off, and
``--hide`` removes links from the chassis (``EnvironmentMetrics``, ``Power`` ...) so
each discovery path can be exercised. With ``--user/--password`` every request needs
HTTP basic auth.

    python redfish_server.py --port P --mockup DIR --watts 350 [--clock-offset S]

Prints ``READY <port>`` once listening; runs until killed.
"""

from __future__ import annotations

import argparse
import base64
import email.utils
import json
import sys
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


def build_handler(args: argparse.Namespace) -> type[BaseHTTPRequestHandler]:
    mockup = Path(args.mockup)
    expected = None
    if args.user:
        expected = "Basic " + base64.b64encode(f"{args.user}:{args.password}".encode()).decode()

    def resource(path: str) -> dict | None:
        clean = path.split("?", 1)[0].split("#", 1)[0].strip("/")
        file = mockup / clean / "index.json"
        if ".." in clean or not file.is_file():
            return None
        doc = json.loads(file.read_text())
        return patch(clean, doc)

    def patch(clean: str, doc: dict) -> dict:
        if "PowerControl" in doc:
            doc["PowerControl"][0]["PowerConsumedWatts"] = args.watts
        if "PowerWatts" in doc:
            doc["PowerWatts"]["Reading"] = args.watts
        if "InputPowerWatts" in doc:
            doc["InputPowerWatts"]["Reading"] = args.watts / args.supplies
        if "DateTime" in doc:
            now = datetime.fromtimestamp(time.time() + args.clock_offset, UTC)
            doc["DateTime"] = now.isoformat(timespec="seconds").replace("+00:00", "Z")
        if doc.get("@odata.type", "").startswith("#Chassis.") and args.hide:
            for key in args.hide.split(","):
                doc.pop(key, None)
        return doc

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *a: object) -> None:
            return

        def do_GET(self) -> None:
            if expected and self.headers.get("Authorization") != expected:
                self._send(401, {"error": "unauthorized"})
                return
            doc = resource(self.path)
            if doc is None:
                self._send(404, {"error": f"no resource {self.path}"})
                return
            self._send(200, doc)

        def _send(self, code: int, doc: dict) -> None:
            body = json.dumps(doc).encode()
            self.send_response_only(code)
            self.send_header("Date", email.utils.formatdate(time.time() + args.clock_offset,
                                                            usegmt=True))
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("OData-Version", "4.0")
            self.end_headers()
            self.wfile.write(body)

    return Handler


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--mockup", required=True)
    parser.add_argument("--watts", type=float, default=350.0)
    parser.add_argument("--supplies", type=int, default=2)
    parser.add_argument("--clock-offset", type=float, default=0.0)
    parser.add_argument("--hide", default="")
    parser.add_argument("--user", default="")
    parser.add_argument("--password", default="")
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), build_handler(args))
    server.daemon_threads = True
    print(f"READY {server.server_address[1]}", flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
