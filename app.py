"""The Gradio app: customer service with cited answers, translation, content drafting, knowledge-base admin.

    .venv/bin/python app.py                                    # DATA_DIR/kb (the sample KB the first time), managed vLLM
    .venv/bin/python app.py --kb my_kb --port 7861 --llm-url http://gpu-box:8000/v1
    .venv/bin/python app.py --engine local                     # the model in this process, no server
    ASSISTANT_ENGINE=scripted ASSISTANT_KB_EMBEDDING_MODEL=hash .venv/bin/python app.py --kb /tmp/kb   # no models

`build_app(handlers, app_settings)` lays out the tabs (`ui/`) over `service.handlers.Handlers`; `main()`
builds the settings, knowledge base, backend and assistant, and launches. Named API endpoints
(gradio_client): /ask, /answer (with the answer's status), /chat (streaming), /translate, /generate, /search, the
support loop's /feedback, /handoff and /messages, and, behind the admin login when ASSISTANT_ADMIN_USER and
ASSISTANT_ADMIN_PASSWORD are set, /kb_login, /kb_list, /kb_upload, /kb_remove. The agent console tab takes the
agents of ASSISTANT_AGENTS (or the admin).
"""

from __future__ import annotations

import argparse
import html
import sys
from functools import partial
from pathlib import Path

import gradio as gr

from service.handlers import AdminLogin, Handlers
from service.settings import AppSettings
from ui.admin import kb_tab
from ui.chat import chat_tab, generation_controls
from ui.clients import endpoint
from ui.console import console_tab
from ui.dashboard import dashboard_tab
from ui.errors import shown
from ui.server import serve
from ui.streams import stoppable
from ui.tabs import translate_tab, write_tab


def build_app(handlers: Handlers, *, title: str = "Helpdesk Assistant") -> gr.Blocks:
    """The Blocks app: the tabs, and the API endpoints of every scenario."""
    with gr.Blocks(title=title) as demo:
        gr.Markdown(f"# {html.escape(title)}\nAnswers come from the knowledge base, with their sources.")
        controls = generation_controls(handlers)
        with gr.Tabs():
            with gr.Tab("Customer service", id="chat"):
                chat_tab(handlers, controls)
            with gr.Tab("Translate", id="translate"):
                translate_tab(handlers, controls)
            with gr.Tab("Write", id="write"):
                write_tab(handlers, controls)
            with gr.Tab("Knowledge base", id="kb"):
                kb_tab(handlers, demo)
            with gr.Tab("Agent console", id="console"):
                console_tab(handlers)
            with gr.Tab("Dashboard", id="dashboard"):
                dashboard_tab(handlers)
        # The endpoints that reach the model or the index count against the caller's limits.
        limited = partial(endpoint, limits=handlers.limits)
        gr.api(limited(handlers.ask), api_name="ask")
        gr.api(limited(handlers.answer), api_name="answer")
        gr.api(limited(stoppable(handlers.chat, ("", []))), api_name="chat")
        gr.api(limited(stoppable(handlers.translate, "")), api_name="translate")
        gr.api(limited(handlers.generate), api_name="generate")
        gr.api(limited(handlers.search), api_name="search", concurrency_limit=None)
        gr.api(shown(handlers.feedback), api_name="feedback", concurrency_limit=None)
        gr.api(shown(handlers.handoff), api_name="handoff", concurrency_limit=None)
        gr.api(shown(handlers.messages), api_name="messages", concurrency_limit=None)
    return demo


def admin_login(settings: AppSettings) -> AdminLogin | None:
    if not settings.login_required:
        return None
    return AdminLogin(settings.admin_user, settings.admin_password.get_secret_value())


# ----- main ------------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python app.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--kb", type=Path, help="Knowledge-base folder (default: ASSISTANT_KB_KB_DIR or DATA_DIR/kb).")
    parser.add_argument("--no-samples", action="store_true", help="Start with an empty knowledge base, not the sample.")
    parser.add_argument("--host", help="Interface of the app (default: ASSISTANT_APP_HOST or 127.0.0.1).")
    parser.add_argument("--port", type=int, help="Port of the app (default: ASSISTANT_APP_PORT or 7860).")
    parser.add_argument("--data-dir", type=Path, help="Data directory (default: ASSISTANT_DATA_DIR or data).")
    parser.add_argument("--llm-url", help="An existing OpenAI-compatible server, e.g. http://host:8000/v1.")
    parser.add_argument("--engine", choices=["vllm", "local", "scripted"], help="vllm (default: managed server), local or scripted.")
    parser.add_argument("--model", help="Bundled model name, local checkpoint directory or Hugging Face id.")
    parser.add_argument("--llm-port", type=int, help="Port of the managed vLLM server (default: 8011).")
    parser.add_argument("--company", help="Company the assistant speaks for (default: Voltway for the sample KB).")
    parser.add_argument("--glossary", type=Path, help="Translation glossary JSON (default: the sample's, with the sample KB).")
    return parser


def _given(**values) -> dict:
    return {k: v for k, v in values.items() if v is not None}


def main(argv: list[str] | None = None) -> int:
    from pydantic import ValidationError

    from knowledge_base import KBSettings, KnowledgeBaseError
    from service.backend_factory import open_backend
    from service.errors import AssistantError
    from service.limits import RequestLimits
    from service.process import exit_on_sigterm
    from service.settings import AssistantSettings, Settings, settings_error
    from service.startup import (
        build_assistant, is_sample_kb, open_knowledge_base, start_remembering_sentences, with_sample_defaults,
    )
    from support.desk import SupportDesk
    from support.store import ConversationStore

    args = build_parser().parse_args(argv)
    exit_on_sigterm()
    try:
        settings = Settings(**_given(llm_url=args.llm_url, engine=args.engine, model=args.model, port=args.llm_port,
                                     data_dir=args.data_dir))
        kb_settings = KBSettings(**_given(data_dir=settings.data_dir, kb_dir=args.kb))
        app_settings = AppSettings(**_given(app_host=args.host, app_port=args.port))
        assistant_settings = AssistantSettings(**_given(company=args.company, glossary=args.glossary))
    except ValidationError as e:
        print(f"Error: {settings_error(e)}", file=sys.stderr)
        return 1
    try:
        kb = open_knowledge_base(kb_settings.kb_dir, samples=not args.no_samples, settings=kb_settings)
        assistant_settings = with_sample_defaults(assistant_settings, kb)
        title = f"{assistant_settings.company} assistant" if is_sample_kb(kb) else "Helpdesk Assistant"
        # The sentence vectors the guard compares questions with are computed while the model server starts.
        start_remembering_sentences(kb)
        with open_backend(settings) as backend:
            assistant = build_assistant(backend, kb, settings, assistant_settings)
            desk = SupportDesk(assistant, ConversationStore.open(settings.store_url), model_name=settings.model)
            agents = {name: secret.get_secret_value() for name, secret in app_settings.agents.items()}
            handlers = Handlers(assistant, kb, desk=desk, admin=admin_login(app_settings), agents=agents,
                                limits=RequestLimits.from_settings(app_settings))
            concurrency = app_settings.concurrency or (1 if settings.engine == "local" else settings.max_num_seqs)
            demo = build_app(handlers, title=title)
            host, port = app_settings.app_host, app_settings.app_port
            print(f"Open http://{host}:{port} (API: http://{host}:{port}/?view=api).", flush=True)
            if handlers.agent_logins_missing:
                print(f"Note: {handlers.agent_logins_missing}", flush=True)
            serve(demo, app_settings, concurrency, host=host, port=port)
        return 0
    except (AssistantError, KnowledgeBaseError) as e:
        print(f"Error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
