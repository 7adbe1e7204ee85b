"""A scripted OpenAI-compatible server on 127.0.0.1 for the HTTP client's error paths.

`FakeOpenAIServer.behaviour` picks what `/v1/chat/completions` does next:
ok, http_500, truncated, dropped, slow_first_token, garbage, error_event.
"""

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def _event(content: str, logprobs: list[float] | None = None) -> bytes:
    payload = {"choices": [{"index": 0, "delta": {"content": content}, "finish_reason": None}]}
    if logprobs is not None:  # as vLLM sends them when asked: one entry per token of this delta
        payload["choices"][0]["logprobs"] = {"content": [{"token": "t", "logprob": lp} for lp in logprobs]}
    return f"data: {json.dumps(payload)}\n\n".encode()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # keep test output clean
        pass

    def do_GET(self):
        if self.path == "/v1/models":
            body = json.dumps(
                {"data": [{"id": "support", "parent": "base"}, {"id": "base", "parent": None}]}
            ).encode()
            self._send(200, body, "application/json")
        else:
            self._send(404, b"{}", "application/json")

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        self.server.requests.append(json.loads(self.rfile.read(length)))
        behaviour = self.server.behaviour
        if behaviour == "http_500":
            self._send(500, json.dumps({"error": {"message": "CUDA out of memory"}}).encode(), "application/json")
            return
        if behaviour == "garbage":
            self._send(200, b"<html>proxy error</html>", "text/html")
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        if behaviour == "truncated":
            # A complete HTTP response whose SSE stream lacks [DONE].
            body = _event("Hel") + _event("lo")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        if behaviour == "slow_first_token":
            time.sleep(self.server.delay_s)
        events = [_event("Hel"), _event("lo"), _event(" world")]
        if self.server.requests[-1].get("logprobs"):
            # The second token is half a character: no text yet, its log-probability comes with the next chunk.
            events = [_event("Hel", [-0.1]), _event("", [-0.5]), _event("lo", [-0.2]), _event(" world", [-0.3, -0.4])]
        if behaviour == "error_event":
            events = [_event("Hel"), b'data: {"error": {"message": "engine died"}}\n\n']
        if behaviour == "dropped":
            self._chunk(events[0])
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)  # mid-body: no terminating chunk
            self.close_connection = True
            return
        for event in events:
            self._chunk(event)
        if behaviour == "ok":
            self._chunk(b"data: [DONE]\n\n")
        self.wfile.write(b"0\r\n\r\n")

    def _chunk(self, data: bytes):
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")

    def _send(self, code: int, body: bytes, content_type: str):
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class FakeOpenAIServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.behaviour = "ok"
        self.delay_s = 3.0
        self.requests: list[dict] = []
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.shutdown()
        self.server_close()
