"""The knowledge-base tab: log in (when a login is configured), upload with progress, list, remove."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import gradio as gr

from service.errors import AssistantError
from service.handlers import Handlers
from ui.clients import current_client
from ui.errors import shown


def login(handlers: Handlers, user: str, password: str):
    """Returns (authed, message, panel visibility); also the /kb_login endpoint. Repeated wrong passwords
    lock the client out for a while."""
    try:
        ok = handlers.login(user, password, client=current_client(handlers.limits))
    except AssistantError as e:
        return False, str(e), gr.update(visible=False)
    if not ok:
        return False, "Wrong user name or password.", gr.update(visible=False)
    return True, f"Logged in as {user}.", gr.update(visible=True)


def upload(handlers: Handlers, files, authed: bool = False, progress=gr.Progress(track_tqdm=True)):
    """Gradio's uploaded files (temporary paths with the uploader's names) into the knowledge base."""
    uploads = []
    for f in files if isinstance(files, list) else [files] if files else []:
        path = Path(f if isinstance(f, str) else f.name)
        uploads.append((path, getattr(f, "orig_name", None) or path.name))
    progress(0, desc="Reading and embedding")
    message = handlers.kb_upload(uploads, authed)
    return message, handlers.kb_list(authed)


def remove(handlers: Handlers, doc_id: str, authed: bool = False):
    return handlers.kb_remove(doc_id, authed), handlers.kb_list(authed)


def kb_tab(handlers: Handlers, demo: gr.Blocks) -> None:
    authed = gr.State(False)
    with gr.Row(visible=handlers.login_required):
        user = gr.Textbox(label="Admin user")
        password = gr.Textbox(label="Password", type="password")
        login_btn = gr.Button("Log in")
    login_status = gr.Markdown()
    with gr.Column(visible=not handlers.login_required) as panel:
        files = gr.File(label="Upload documents (md, txt, html, pdf, docx, csv, jsonl)", file_count="multiple")
        upload_btn = gr.Button("Add to knowledge base", variant="primary")
        status = gr.Markdown()
        docs = gr.Dataframe(headers=["doc_id", "title", "file", "chunks"], label="Documents", interactive=False)
        with gr.Row():
            doc_id = gr.Textbox(label="doc_id to remove", scale=4)
            remove_btn = gr.Button("Remove", variant="stop", scale=1)
            refresh_btn = gr.Button("Refresh list", scale=1)

    kb_list = shown(handlers.kb_list)
    login_btn.click(partial(login, handlers), [user, password], [authed, login_status, panel], api_name="kb_login")
    refresh_btn.click(kb_list, [authed], docs, api_name="kb_list")
    upload_btn.click(shown(partial(upload, handlers)), [files, authed], [status, docs], api_name="kb_upload")
    remove_btn.click(shown(partial(remove, handlers)), [doc_id, authed], [status, docs], api_name="kb_remove")
    if handlers.kb is not None and not handlers.login_required:
        demo.load(kb_list, [authed], docs, api_visibility="private")
