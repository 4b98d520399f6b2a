"""A local stand-in for Instantly's OAuth endpoints, so the example runs offline.

It listens on 127.0.0.1 on a free port (port 0) in a background thread and plays
one scenario:

- ``success``: the session is pending for two polls, then connected;
- ``pending``: the session never leaves ``pending`` (the app's wait times out);
- ``expired``: pending once, then ``expired`` (the user never finished);
- ``rate-limited``: the first init answers 429 with ``Retry-After: 1`` and the
  documented body; the client waits and retries, then the flow succeeds.
"""

from __future__ import annotations

import datetime
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SCENARIOS = ("success", "pending", "expired", "rate-limited")
SESSION_ID = "sess_4f1c2b"
ACCOUNT = {"email": "ada@example.com", "name": "Ada Lovelace"}
_STATUS_PATH = re.compile(r"^/api/v2/oauth/session/status/([^/]+)$")


class StandIn:
    """The server and what it saw (counts per endpoint, the Authorization header)."""

    def __init__(self, scenario: str) -> None:
        if scenario not in SCENARIOS:
            raise ValueError(f"unknown scenario {scenario!r} (known: {', '.join(SCENARIOS)})")
        self.scenario = scenario
        self.inits = 0
        self.polls = 0
        self.rate_limited = 0
        self.authorization = ""
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> StandIn:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _init(self) -> tuple[int, dict[str, Any], dict[str, str]]:
        with self._lock:
            self.inits += 1
            if self.scenario == "rate-limited" and self.inits == 1:
                self.rate_limited += 1
                body = {"statusCode": 429, "error": "Too Many Requests", "message": "Rate limit exceeded, retry in 1 second"}
                return 429, body, {"Retry-After": "1"}
        expires = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=10)
        return 200, {
            "session_id": SESSION_ID,
            "auth_url": f"https://accounts.google.com/o/oauth2/v2/auth?state={SESSION_ID}",
            "expires_at": expires.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        }, {}

    def _status(self, session_id: str) -> tuple[int, dict[str, Any], dict[str, str]]:
        if session_id != SESSION_ID:
            return 404, {"statusCode": 404, "error": "Not Found", "message": "unknown session"}, {}
        with self._lock:
            self.polls += 1
            polls = self.polls
        if self.scenario == "pending" or (self.scenario in ("success", "rate-limited") and polls <= 2) or (self.scenario == "expired" and polls <= 1):
            return 200, {"status": "pending"}, {}
        if self.scenario == "expired":
            return 200, {"status": "expired", "error": "session_expired", "error_description": "The OAuth session expired before it was completed"}, {}
        return 200, {"status": "success", **ACCOUNT}, {}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:  # quiet: the app prints what matters
                pass

            def _send(self, status: int, body: dict[str, Any], headers: dict[str, str]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                stand_in.authorization = self.headers.get("Authorization", "")
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                if self.path in ("/api/v2/oauth/google/init", "/api/v2/oauth/microsoft/init"):
                    self._send(*stand_in._init())
                else:
                    self._send(404, {"statusCode": 404, "error": "Not Found", "message": self.path}, {})

            def do_GET(self) -> None:
                match = _STATUS_PATH.match(self.path)
                if match:
                    self._send(*stand_in._status(match.group(1)))
                else:
                    self._send(404, {"statusCode": 404, "error": "Not Found", "message": self.path}, {})

        return Handler
