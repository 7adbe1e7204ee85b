"""The load benchmark's short version: Locust customers against the app (scripted engine, hash embedder),
per-customer rate limits through the trusted local proxy, every answered reply stored."""

import json
import subprocess
import sys

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.slow


def test_a_short_load_run_answers_everyone_and_stores_every_reply(tmp_path):
    run = subprocess.run(
        [sys.executable, "bench/load.py", "--engine", "scripted", "--kb", "none", "--minutes", "0.4",
         "--concurrency", "2", "--out", str(tmp_path / "load")],
        cwd=REPO, capture_output=True, text=True, timeout=600,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["answered"] >= 5 and result["errors"] == 0
    assert result["rate_limited"] == 0  # each simulated customer is its own client
    assert result["every_answer_stored"] and result["unfinished"] <= 1  # at most one customer cut off at the stop
    assert result["first_token_p50_s"] is not None
