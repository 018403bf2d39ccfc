"""A tiny OpenAI-compatible server that fails on purpose, for the faults a real server won't produce on demand.

    with fake_openai("hang") as fake:   # fake.url is http://127.0.0.1:<port>/v1
        ...

Modes, for POST /v1/chat/completions (and /v1/completions):
  hang     takes the request and never answers (until the server is closed)
  500      HTTP 500 with an OpenAI-style error body
  garbage  HTTP 200 whose body is not JSON
  drop     HTTP 200 that starts the answer (an SSE stream when asked to stream) and closes the socket mid-way
  auth     HTTP 401 like OpenAI's invalid-key reply (the key masked as OpenAI masks it)
  ok       a short right answer, streamed in pieces a moment apart (for load tests of the app without the LLM)
  held     as ok, but the first piece waits until the test sets fake.go: a model that is slow to start, so a test
           can see what the page shows before the first token (GET /v1/models waits too, as it does behind a
           running completion on the single-slot llama.cpp server)
GET /v1/models answers at once in every other mode: the model "is up" and fails only when asked to generate.
fake.models counts those requests.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODES = ("hang", "500", "garbage", "drop", "auth", "ok", "held")
OK_PIECES = ["Grid sampling ", "tries every ", "combination of ", "the values [1]."]


@dataclass
class FakeOpenAI:
    mode: str
    url: str = ""
    # The Authorization headers of the generation requests, to show a key really was sent.
    keys: list[str] = field(default_factory=list)
    completions: int = 0  # generation requests received (retries count)
    models: int = 0  # GET /v1/models requests received
    release: threading.Event = field(default_factory=threading.Event)
    go: threading.Event = field(default_factory=threading.Event)  # "held": the first token may go


def _masked(key: str) -> str:
    return f"{key[:8]}{'*' * max(len(key) - 12, 0)}{key[-4:]}" if len(key) > 12 else "***"


def _handler(fake: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:  # quiet
            pass

        def _send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()

        def do_GET(self) -> None:  # noqa: N802
            if self.path.rstrip("/").endswith("/models"):
                fake.models += 1
                if fake.mode == "held":
                    fake.go.wait()
                models = {"object": "list", "data": [{"id": "local", "object": "model", "owned_by": "fake"}]}
                self._send(200, json.dumps(models).encode())
            else:
                self._send(404, b'{"error": {"message": "not found"}}')

        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            request = json.loads(self.rfile.read(length) or b"{}")
            if not self.path.rstrip("/").endswith("completions"):
                self._send(404, b'{"error": {"message": "not found"}}')
                return
            fake.completions += 1
            auth = self.headers.get("Authorization", "")
            fake.keys.append(auth)
            getattr(self, f"_mode_{fake.mode}")(request, auth.removeprefix("Bearer "))

        def _mode_hang(self, request: dict, key: str) -> None:
            fake.release.wait()  # until the server closes
            self.close_connection = True

        def _mode_500(self, request: dict, key: str) -> None:
            error = {"error": {"message": "The server had an error", "type": "server_error", "code": None}}
            self._send(500, json.dumps(error).encode())

        def _mode_garbage(self, request: dict, key: str) -> None:
            self._send(200, b"<html><body>502 Bad Gateway</body></html>{{not json")

        def _mode_auth(self, request: dict, key: str) -> None:
            error = {
                "error": {
                    "message": f"Incorrect API key provided: {_masked(key)}. You can find your API key at "
                    "https://platform.openai.com/account/api-keys.",
                    "type": "invalid_request_error",
                    "param": None,
                    "code": "invalid_api_key",
                }
            }
            self._send(401, json.dumps(error).encode())

        def _mode_held(self, request: dict, key: str) -> None:
            fake.go.wait()
            self._mode_ok(request, key)

        def _mode_ok(self, request: dict, key: str) -> None:
            if not request.get("stream"):
                message = {"role": "assistant", "content": "".join(OK_PIECES)}
                reply = {"id": "x", "object": "chat.completion", "created": 0, "model": "local",
                         "choices": [{"index": 0, "message": message, "finish_reason": "stop"}]}  # fmt: skip
                self._send(200, json.dumps(reply).encode())
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Connection", "close")
            self.end_headers()
            for piece in [*OK_PIECES, None]:
                delta = {"content": piece} if piece else {}
                choice = {"index": 0, "delta": delta, "finish_reason": None if piece else "stop"}
                chunk = {
                    "id": "x",
                    "object": "chat.completion.chunk",
                    "created": 0,
                    "model": "local",
                    "choices": [choice],
                }
                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                self.wfile.flush()
                time.sleep(0.1)  # a model writing: requests overlap and queue as they would
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()
            self.close_connection = True

        def _mode_drop(self, request: dict, key: str) -> None:
            # A Content-Length far beyond what is sent, then the socket closes: the client sees a body cut short,
            # as when the model server is killed mid-answer.
            self.send_response(200)
            if request.get("stream"):
                self.send_header("Content-Type", "text/event-stream")
                first = {
                    "id": "x",
                    "object": "chat.completion.chunk",
                    "created": 0,
                    "model": "local",
                    "choices": [{"index": 0, "delta": {"role": "assistant", "content": "Grid sampling "}}],
                }
                partial = f"data: {json.dumps(first)}\n\n".encode()
            else:
                self.send_header("Content-Type", "application/json")
                partial = b'{"id": "x", "object": "chat.completion", "choices": [{"index": 0, "mess'
            self.send_header("Content-Length", "100000")
            self.end_headers()
            self.wfile.write(partial)
            self.wfile.flush()
            self.close_connection = True
            self.connection.close()

    return Handler


@contextmanager
def fake_openai(mode: str) -> Iterator[FakeOpenAI]:
    """A fault-injecting server on a free loopback port, for the duration of the with block."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    fake = FakeOpenAI(mode)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    server.daemon_threads = True
    fake.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        fake.release.set()
        fake.go.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
