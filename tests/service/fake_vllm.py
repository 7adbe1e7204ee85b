"""Stands in for vLLM's server process in lifecycle tests: `python fake_vllm.py PORT MODE`.

MODE ok: spawns a grandchild (like vLLM's engine process), writes its pid to PORT.child, then
serves /health and /v1/models (the latter only with VLLM_API_KEY's bearer token, when it is set). MODE fail: prints an error and exits 3, as vLLM does on a bad model.
MODE fail-second: like fail on its second start on PORT (a restart that fails), like ok on every other.
"""

import json
import os
import subprocess
import sys
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

port, mode, pid_dir = int(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
print("INFO loading model", flush=True)
starts = pid_dir / f"{port}.starts"
start = int(starts.read_text()) + 1 if starts.exists() else 1
starts.write_text(str(start))
if mode == "fail" or (mode == "fail-second" and start == 2):
    time.sleep(0.5)
    print("ValueError: The checkpoint you are trying to load has model type `nonsense`", flush=True)
    sys.exit(3)

engine = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
(pid_dir / f"{port}.child").write_text(str(engine.pid))
time.sleep(1.0)  # not ready at once, like the real server


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        key = os.environ.get("VLLM_API_KEY")  # as vLLM: with a key, /v1 needs it; /health does not
        if key and self.path.startswith("/v1") and self.headers.get("Authorization") != f"Bearer {key}":
            self.send_response(401)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = json.dumps({"data": [{"id": "fake-model", "parent": None}]}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


HTTPServer(("127.0.0.1", port), Handler).serve_forever()
