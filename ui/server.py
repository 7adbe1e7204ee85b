"""Serving the Gradio app: mounted in a FastAPI app of our own, so that cross-origin access is ours to decide.

    running = serve(demo, app_settings, concurrency=16, host="127.0.0.1", port=7860, block=False)
    running.url        # "http://127.0.0.1:7860/"
    running.close()

Why not `demo.launch()`: Gradio's own CORS middleware lets every origin call the app with credentials as
soon as the app is reached under a host name other than localhost, which is how it is deployed. Mounted
under a parent app that configures Starlette's `CORSMiddleware`, Gradio defers to it: only the origins in
`ASSISTANT_ALLOWED_ORIGINS` (the company's sites that embed the assistant) may call it from a browser;
none by default (the app's own page is same-origin and needs none). `share` is never used.

Contract: the queue is sized first (`concurrency` answers at once, `queue_size` waiting; a full queue is
refused at once with Gradio's "queue is full" error, the busy answer); uploads over `max_upload_mb` are
refused by Gradio before they are stored; files are served only from Gradio's own upload cache (no
`allowed_paths`). With `block`, `serve` returns when the server stops.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import gradio as gr

from service.errors import AssistantError
from service.settings import AppSettings

MB = 1024 * 1024


@dataclass
class RunningApp:
    url: str
    server: object
    thread: threading.Thread | None

    def close(self) -> None:
        self.server.should_exit = True
        if self.thread is not None:
            self.thread.join(timeout=10)


def asgi_app(demo: gr.Blocks, settings: AppSettings):
    """The FastAPI app serving `demo` at /, with our CORS policy and upload limit."""
    from fastapi import FastAPI
    from starlette.middleware import Middleware
    from starlette.middleware.cors import CORSMiddleware

    cors = Middleware(
        CORSMiddleware, allow_origins=list(settings.allowed_origins), allow_methods=["GET", "POST"],
        allow_headers=["*"], allow_credentials=False,
    )
    parent = FastAPI(middleware=[cors], docs_url=None, redoc_url=None, openapi_url=None)
    return gr.mount_gradio_app(
        parent, demo, path="", footer_links=["api"], show_error=False, max_file_size=settings.max_upload_mb * MB,
    )


def serve(demo: gr.Blocks, settings: AppSettings, concurrency: int, *, host: str, port: int, block: bool = True) -> RunningApp:
    import uvicorn

    demo.queue(default_concurrency_limit=concurrency, max_size=settings.queue_size)
    config = uvicorn.Config(asgi_app(demo, settings), host=host, port=port, log_level="warning",
                            timeout_graceful_shutdown=5)
    server = uvicorn.Server(config)
    url = f"http://{host}:{port}/"
    if block:
        server.run()
        return RunningApp(url, server, None)
    thread = threading.Thread(target=server.run, name="app-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise AssistantError(f"The app could not start on {host}:{port} (is the port taken?).")
        time.sleep(0.05)
    return RunningApp(url, server, thread)
