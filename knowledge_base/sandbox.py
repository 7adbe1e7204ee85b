"""Parsing files in a child process with a time and a memory limit, so that a hostile document (a zip bomb
in a DOCX, a PDF that loops, HTML nested a million deep) fails that file alone and never stalls or kills
the process that ingests it (the app, when an admin uploads).

    parse = shared_parser(timeout_s=60, memory_mb=1024)     # one worker per process, started on first use
    docs = parse(path, data, root)          # what loaders.parse_file returns, or DocumentLoadError

Contract: returns what `loaders.parse_file` returns, or raises `DocumentLoadError` with one sentence: the
parser's own reason, "took longer than N s to read", or "needs more than N MB of memory to read". One
worker process (`python -m knowledge_base.sandbox MEMORY_MB`) reads the files of a run one after another;
its address space is capped with RLIMIT_AS, and a worker past the time limit or dead is replaced for the
next file. The worker stays up between runs (an app ingests uploads at any time; starting one costs about
a second) and ends with this process (its stdin closes). Calls are serialised. Requests and answers cross the pipe as length-prefixed JSON (never pickle: the worker is the
side that reads hostile bytes).
"""

from __future__ import annotations

import json
import os
import select
import struct
import subprocess
import sys
import threading
import time
from dataclasses import asdict
from pathlib import Path

from .documents import Document, Section
from .errors import DocumentLoadError

_LENGTH = struct.Struct(">Q")


class IsolatedParser:
    def __init__(self, *, timeout_s: float, memory_mb: int):
        self.timeout_s, self.memory_mb = timeout_s, memory_mb
        self._worker: subprocess.Popen | None = None
        self._lock = threading.Lock()

    def __enter__(self) -> IsolatedParser:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        if self._worker is not None:
            self._worker.kill()
            self._worker.wait()
            for pipe in (self._worker.stdin, self._worker.stdout):
                pipe.close()
            self._worker = None

    def __call__(self, path: Path, data: bytes, root: Path) -> list[Document]:
        with self._lock:
            return self._parse(path, data, root)

    def _parse(self, path: Path, data: bytes, root: Path) -> list[Document]:
        worker = self._running()
        header = json.dumps({"path": str(path), "root": str(root)}).encode()
        try:
            worker.stdin.write(_LENGTH.pack(len(header)) + header + _LENGTH.pack(len(data)) + data)
            worker.stdin.flush()
            answer = json.loads(self._read_frame(worker, time.monotonic() + self.timeout_s))
        except _Timeout:
            self.close()
            raise DocumentLoadError(f"{path}: took longer than {self.timeout_s:g} s to read; the file may be malformed.") from None
        except (_Died, BrokenPipeError, ValueError):
            self.close()
            raise DocumentLoadError(
                f"{path}: needs more than {self.memory_mb} MB of memory to read (or crashed the reader); "
                "the file may be malformed."
            ) from None
        if "error" in answer:
            raise DocumentLoadError(answer["error"])
        return [_document(d) for d in answer["documents"]]

    def _running(self) -> subprocess.Popen:
        if self._worker is None or self._worker.poll() is not None:
            self.close()
            # Same working directory (paths and ids read as in this process), this package importable.
            package_root = str(Path(__file__).resolve().parents[1])
            env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))}
            self._worker = subprocess.Popen(
                [sys.executable, "-m", "knowledge_base.sandbox", str(self.memory_mb)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
            )
        return self._worker

    def _read_frame(self, worker: subprocess.Popen, deadline: float) -> bytes:
        length = _LENGTH.unpack(self._read_exactly(worker, _LENGTH.size, deadline))[0]
        return self._read_exactly(worker, length, deadline)

    @staticmethod
    def _read_exactly(worker: subprocess.Popen, size: int, deadline: float) -> bytes:
        fd, chunks, got = worker.stdout.fileno(), [], 0
        while got < size:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
                raise _Timeout
            chunk = os.read(fd, min(size - got, 1 << 20))
            if not chunk:
                raise _Died
            chunks.append(chunk)
            got += len(chunk)
        return b"".join(chunks)


_shared: dict[tuple[float, int], IsolatedParser] = {}
_shared_lock = threading.Lock()


def shared_parser(*, timeout_s: float, memory_mb: int) -> IsolatedParser:
    """This process's parser with these limits (one worker each)."""
    with _shared_lock:
        key = (timeout_s, memory_mb)
        if key not in _shared:
            _shared[key] = IsolatedParser(timeout_s=timeout_s, memory_mb=memory_mb)
        return _shared[key]


class _Timeout(Exception):
    pass


class _Died(Exception):
    pass


def _document(d: dict) -> Document:
    return Document(**{**d, "sections": [Section(**s) for s in d["sections"]]})


# ----- the worker ------------------------------------------------------------------------------------


def _serve(memory_mb: int) -> None:
    import resource

    from .loaders import parse_file

    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    read, write = sys.stdin.buffer, sys.stdout.buffer
    while True:
        size = read.read(_LENGTH.size)
        if len(size) < _LENGTH.size:
            return
        request = json.loads(read.read(_LENGTH.unpack(size)[0]))
        data = read.read(_LENGTH.unpack(read.read(_LENGTH.size))[0])
        path, root = Path(request["path"]), Path(request["root"])
        try:
            answer = {"documents": [asdict(d) for d in parse_file(path, data, root)]}
        except DocumentLoadError as e:
            answer = {"error": str(e)}
        except MemoryError:
            answer = {"error": f"{path}: needs more than {memory_mb} MB of memory to read; the file may be malformed."}
        except RecursionError:
            answer = {"error": f"{path}: is nested too deeply to read; the file may be malformed."}
        except Exception as e:  # noqa: BLE001 - any parser failure is this file's failure, in one sentence
            answer = {"error": f"{path}: could not be read ({type(e).__name__}: {str(e)[:200]})."}
        del data
        body = json.dumps(answer, ensure_ascii=False).encode()
        write.write(_LENGTH.pack(len(body)) + body)
        write.flush()


if __name__ == "__main__":
    _serve(int(sys.argv[1]))
