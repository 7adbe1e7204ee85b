"""The Gradio app: customer service with cited answers, translation, content drafting, knowledge-base admin.

    .venv/bin/python app.py                                    # data/kb (built from samples/kb the first time), managed vLLM
    .venv/bin/python app.py --kb my_kb --port 7861 --llm-url http://gpu-box:8000/v1
    .venv/bin/python app.py --engine local                     # the model in this process, no server

UI only: `build_app(assistant, kb, settings, ...)` wires components to `service.assistant.Assistant`
(retrieval, prompts, streaming) and to the knowledge base; `main()` builds those objects and launches.
Named API endpoints (gradio_client): /ask, /chat (streaming), /translate, /generate, /search, and, behind
the admin login when ASSISTANT_ADMIN_USER and ASSISTANT_ADMIN_PASSWORD are set, /kb_login, /kb_list,
/kb_upload, /kb_remove. Model output is HTML-escaped before it is rendered, and the Chatbot sanitizes too.
"""

from __future__ import annotations

import argparse
import hmac
import html
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import gradio as gr

from service.assistant import CONTENT_KINDS, CONTENT_TONES, Assistant, AssistantSettings
from service.language import LANGUAGES, Glossary, approx_tokens
from service.backends import GenerationParams
from service.errors import AssistantError
from service.sources import Source

REPO = Path(__file__).resolve().parent
SAMPLE_KB = REPO / "samples" / "kb"
SAMPLE_GLOSSARY = REPO / "samples" / "glossary.json"
SAMPLE_COMPANY = "Voltway"
KIND_LABELS = {
    "reply_email": "Reply e-mail", "product_description": "Product description",
    "social_post": "Social post", "faq_entry": "FAQ entry",
}
EXAMPLES = [
    "How long do I have to return an item?",
    "How do I reset my password?",
    "What does VoltCare+ cover?",
    "退货运费谁承担？",
]


# ----- rendering -------------------------------------------------------------------------------------


def safe(text: str) -> str:
    """Model or document text as inert Markdown: no HTML element from it reaches the page, and no
    Markdown image either (the browser would fetch its URL unasked: a way to leak the conversation)."""
    return html.escape(text, quote=False).replace("![", "!\\[")


def sources_markdown(sources: list[Source]) -> str:
    if not sources:
        return ""
    lines = ["", "", "---", "**Sources**"]
    for s in sources:
        where = f"{s.title} › {s.heading}" if s.heading and s.heading != s.title else s.title
        lines.append(f"{s.number}. **{safe(where)}** ({safe(s.source)}): “{safe(s.snippet)}”")
    return "\n".join(lines)


def render_reply(text: str, sources: list[Source]) -> str:
    return safe(text) + sources_markdown(sources)


# ----- the app ---------------------------------------------------------------------------------------


def build_app(
    assistant: Assistant,
    kb=None,
    settings: AssistantSettings | None = None,
    *,
    models: list[str] | None = None,
    title: str = "Helpdesk Assistant",
) -> gr.Blocks:
    """The Blocks app. `kb` (a `knowledge_base.KnowledgeBase`, or None) backs the knowledge-base tab."""
    settings = settings or assistant.settings
    models = models or _models(assistant)
    login_required = bool(settings.admin_user and settings.admin_password)

    def params(temperature, max_tokens, model) -> GenerationParams:
        """Generation parameters from the UI or an API call; None keeps the assistant's default."""
        if model and model not in models:
            raise gr.Error(f"Unknown model {model!r}; choose one of {', '.join(models)}.")
        return assistant.params(
            model=None if not model or model == models[0] else model,
            temperature=None if temperature is None else float(temperature),
            max_tokens=None if max_tokens is None else int(max_tokens),
        )

    # --- API functions (typed: gradio derives the endpoints from the hints) ---

    def ask(
        question: str, model: str | None = None, temperature: float | None = None, max_tokens: int | None = None,
        k: int | None = None,
    ) -> tuple[str, list[dict]]:
        """Answer one customer question from the knowledge base; returns (answer, sources). Optional: `model`
        (the base model or a served LoRA adapter), `temperature`, `max_tokens`, `k` (passages retrieved)."""
        k = None if k is None else int(k)
        text, sources, _ = assistant.ask(question, k=k, params=params(temperature, max_tokens, model))
        return text, [s.as_dict() for s in sources]

    def chat(
        message: str, history: list[dict] | None = None, model: str | None = None, temperature: float | None = None,
        max_tokens: int | None = None, k: int | None = None,
    ) -> Iterator[tuple[str, list[dict]]]:
        """Multi-turn: `history` is [{role: user|assistant, content}, ...]; streams (answer so far, sources).
        The optional arguments are those of /ask."""
        k = None if k is None else int(k)
        reply = assistant.chat(message, _clean_history(history), k=k, params=params(temperature, max_tokens, model))
        sources = [s.as_dict() for s in reply.sources]
        for _ in reply:
            yield reply.text, sources

    def translate(text: str, target: str = "en", source: str = "auto") -> str:
        """Translate `text` into `target` (en, zh, fr, de, es, ja); `source` is auto-detected unless given."""
        return assistant.translate(text, target, source).collect()

    def generate(kind: str, brief: str, tone: str = "friendly") -> tuple[str, list[dict]]:
        """Draft a reply_email | product_description | social_post | faq_entry from `brief`, in a tone
        (friendly, professional, concise, empathetic, enthusiastic), grounded in the knowledge base."""
        reply = assistant.generate(kind, brief, tone)
        return reply.collect(), [s.as_dict() for s in reply.sources]

    def search(query: str, k: int = 5) -> list[dict]:
        """The k best knowledge-base passages for `query`, best first."""
        if assistant.check_input(query, "query"):
            raise gr.Error(assistant.check_input(query, "query"))
        return [s.as_dict() for s in assistant.search(query, int(k))]

    # --- UI handlers ---

    def add_user_turn(message: str, chatbot: list):
        if not message or not message.strip():
            return gr.update(), chatbot, ""
        return "", chatbot + [{"role": "user", "content": safe(message)}], message

    def bot_turn(question: str, chatbot: list, history: list, temperature, max_tokens, k, model):
        if not question:
            yield chatbot, history
            return
        reply = assistant.chat(question, history, k=int(k), params=params(temperature, max_tokens, model))
        chatbot = chatbot + [{"role": "assistant", "content": ""}]
        for _ in reply:
            chatbot[-1] = {"role": "assistant", "content": safe(reply.text)}
            yield chatbot, history
        chatbot[-1] = {"role": "assistant", "content": render_reply(reply.text, reply.sources)}
        if reply.status in ("answer", "no_answer"):
            history = history + [{"role": "user", "content": question}, {"role": "assistant", "content": reply.text}]
        yield chatbot, history

    def regenerate(chatbot: list, history: list, last_question: str):
        if not last_question:
            return chatbot, history, last_question
        # Drop the last exchange from the view and from the model's history, then ask again.
        if history and history[-1]["role"] == "assistant" and history[-2]["content"] == last_question:
            history = history[:-2]
        if chatbot and chatbot[-1]["role"] == "assistant":
            chatbot = chatbot[:-1]
        return chatbot, history, last_question

    def translate_ui(text, source, target, temperature, max_tokens, model):
        reply = assistant.translate(text, target, source, params=params(temperature, max_tokens, model))
        for _ in reply:
            yield reply.text, ""
        note = ""
        if reply.glossary_missing:
            note = "Check these glossary terms, the translation changed them: " + ", ".join(reply.glossary_missing)
        yield reply.text, note

    def generate_ui(kind, brief, tone, temperature, max_tokens, k, model):
        reply = assistant.generate(kind, brief, tone, k=int(k), params=params(temperature, max_tokens, model))
        for _ in reply:
            yield reply.text, ""
        yield reply.text, sources_markdown(reply.sources).lstrip() or "_No knowledge-base facts matched this brief._"

    # --- knowledge-base admin ---

    def require(authed: bool) -> None:
        if kb is None:
            raise gr.Error("This app runs without a knowledge base; start it with --kb DIR.")
        if login_required and not authed:
            raise gr.Error("Log in as an administrator first (the knowledge-base tab).")

    def kb_login(user: str, password: str):
        ok = login_required and hmac.compare_digest(user or "", settings.admin_user) and hmac.compare_digest(
            password or "", settings.admin_password
        )
        if not ok:
            return False, "Wrong user name or password.", gr.update(visible=False)
        return True, f"Logged in as {user}.", gr.update(visible=True)

    def kb_list(authed: bool = False) -> list[list]:
        require(authed)
        return [[d.doc_id, d.title, Path(d.source).name, d.chunks] for d in kb.documents()]

    def kb_upload(files, authed: bool = False, progress=gr.Progress(track_tqdm=True)):
        require(authed)
        if not files:
            raise gr.Error("Choose one or more files to upload first.")
        folder = Path(kb.root) / "uploads"
        folder.mkdir(parents=True, exist_ok=True)
        copies = []
        for f in files if isinstance(files, list) else [files]:
            src = Path(f if isinstance(f, str) else f.name)
            dest = folder / Path(getattr(f, "orig_name", None) or src.name).name
            shutil.copyfile(src, dest)
            copies.append(dest)
        progress(0, desc="Reading and embedding")
        report = kb.ingest(copies, progress=True)
        lines = [f"Ingested {len(copies)} file(s): {report.summary()}."]
        lines += [f"- {Path(name).name}: {reason}" for name, reason in report.failed]
        return "\n".join(lines), kb_list(authed)

    def kb_remove(doc_id: str, authed: bool = False):
        require(authed)
        try:
            kb.remove(doc_id.strip())
        except Exception as e:  # noqa: BLE001 - KnowledgeBaseError's message is the user-facing sentence
            raise gr.Error(str(e)) from e
        return f"Removed {doc_id.strip()}.", kb_list(authed)

    # --- layout ---

    with gr.Blocks(title=title) as demo:
        gr.Markdown(f"# {html.escape(title)}\nAnswers come from the knowledge base, with their sources.")
        with gr.Accordion("Generation settings", open=False):
            with gr.Row():
                model = gr.Dropdown(models, value=models[0], label="Model (base or LoRA adapter)")
                temperature = gr.Slider(0.0, 1.5, value=settings.temperature, step=0.05, label="Temperature")
                max_tokens = gr.Slider(16, 1024, value=settings.max_tokens, step=16, label="Max tokens")
                k = gr.Slider(0, 10, value=settings.top_k, step=1, label="Passages retrieved")
        with gr.Tabs():
            with gr.Tab("Customer service", id="chat"):
                chatbot = gr.Chatbot(
                    label="Assistant", height=460, sanitize_html=True, render_markdown=True,
                    elem_id="chatbot", buttons=["copy"],
                )
                history = gr.State([])
                last_question = gr.State("")
                with gr.Row():
                    message = gr.Textbox(
                        placeholder="Ask a question about orders, delivery, returns, warranty…",
                        show_label=False, scale=6, max_length=settings.max_input_chars, elem_id="question",
                    )
                    send = gr.Button("Send", variant="primary", scale=1, elem_id="send")
                with gr.Row():
                    regen = gr.Button("Regenerate", size="sm", elem_id="regenerate")
                    clear = gr.Button("Clear", size="sm", elem_id="clear")
                gr.Examples(EXAMPLES, inputs=message)
            with gr.Tab("Translate", id="translate"):
                with gr.Row():
                    source = gr.Dropdown(["auto", *LANGUAGES], value="auto", label="From")
                    target = gr.Dropdown(list(LANGUAGES), value="zh", label="To")
                tr_in = gr.Textbox(lines=5, label="Text", max_length=settings.max_input_chars, elem_id="translate-in")
                tr_btn = gr.Button("Translate", variant="primary", elem_id="translate-btn")
                tr_out = gr.Textbox(lines=5, label="Translation", elem_id="translate-out")
                tr_note = gr.Markdown()
            with gr.Tab("Write", id="write"):
                with gr.Row():
                    kind = gr.Dropdown([(KIND_LABELS[c], c) for c in CONTENT_KINDS], value="reply_email", label="Content")
                    tone = gr.Dropdown(list(CONTENT_TONES), value="friendly", label="Tone")
                brief = gr.Textbox(
                    lines=5, label="Customer message, product or topic", max_length=settings.max_input_chars,
                    elem_id="write-in",
                )
                gen_btn = gr.Button("Write", variant="primary", elem_id="write-btn")
                gen_out = gr.Textbox(lines=8, label="Draft", elem_id="write-out")
                gen_sources = gr.Markdown(elem_id="write-sources")
            with gr.Tab("Knowledge base", id="kb"):
                authed = gr.State(False)
                with gr.Row(visible=login_required):
                    user = gr.Textbox(label="Admin user")
                    password = gr.Textbox(label="Password", type="password")
                    login_btn = gr.Button("Log in")
                login_status = gr.Markdown()
                with gr.Column(visible=not login_required) as kb_panel:
                    files = gr.File(label="Upload documents (md, txt, html, pdf, docx, csv, jsonl)", file_count="multiple")
                    upload_btn = gr.Button("Add to knowledge base", variant="primary")
                    kb_status = gr.Markdown()
                    docs = gr.Dataframe(headers=["doc_id", "title", "file", "chunks"], label="Documents", interactive=False)
                    with gr.Row():
                        doc_id = gr.Textbox(label="doc_id to remove", scale=4)
                        remove_btn = gr.Button("Remove", variant="stop", scale=1)
                        refresh_btn = gr.Button("Refresh list", scale=1)

        settings_inputs = [temperature, max_tokens, k, model]
        for trigger in (message.submit, send.click):
            trigger(add_user_turn, [message, chatbot], [message, chatbot, last_question], api_visibility="private").then(
                bot_turn, [last_question, chatbot, history, *settings_inputs], [chatbot, history], api_visibility="private"
            )
        regen.click(regenerate, [chatbot, history, last_question], [chatbot, history, last_question],
                    api_visibility="private").then(
            bot_turn, [last_question, chatbot, history, *settings_inputs], [chatbot, history], api_visibility="private"
        )
        clear.click(lambda: ([], [], ""), None, [chatbot, history, last_question], api_visibility="private")
        tr_btn.click(translate_ui, [tr_in, source, target, temperature, max_tokens, model], [tr_out, tr_note],
                     api_visibility="private")
        gen_btn.click(generate_ui, [kind, brief, tone, *settings_inputs], [gen_out, gen_sources], api_visibility="private")

        login_btn.click(kb_login, [user, password], [authed, login_status, kb_panel], api_name="kb_login")
        refresh_btn.click(kb_list, [authed], docs, api_name="kb_list")
        upload_btn.click(kb_upload, [files, authed], [kb_status, docs], api_name="kb_upload")
        remove_btn.click(kb_remove, [doc_id, authed], [kb_status, docs], api_name="kb_remove")
        if kb is not None and not login_required:
            demo.load(kb_list, [authed], docs, api_visibility="private")

        gr.api(ask, api_name="ask")
        gr.api(chat, api_name="chat")
        gr.api(translate, api_name="translate")
        gr.api(generate, api_name="generate")
        gr.api(search, api_name="search", concurrency_limit=None)
    return demo


def _models(assistant: Assistant) -> list[str]:
    try:
        return assistant.backend.models() or ["default"]
    except AssistantError:
        return ["default"]


def _clean_history(history) -> list[dict]:
    if not history:
        return []
    if not isinstance(history, list):
        raise gr.Error("history must be a list of {role, content} messages.")
    out = []
    for m in history:
        if isinstance(m, dict) and m.get("role") in ("user", "assistant") and isinstance(m.get("content"), str):
            out.append({"role": m["role"], "content": m["content"]})
        elif isinstance(m, (list, tuple)) and len(m) == 2:  # [user, assistant] pairs, the older gradio form
            out += [{"role": "user", "content": str(m[0])}, {"role": "assistant", "content": str(m[1] or "")}]
        else:
            raise gr.Error("history must be a list of {role, content} messages.")
    return out


def launch(demo: gr.Blocks, settings: AssistantSettings, concurrency: int, *, host: str, port: int, block: bool = True):
    """Queue sized to the backend, then serve. Returns (app, local_url, share_url)."""
    demo.queue(default_concurrency_limit=concurrency, max_size=settings.queue_size)
    return demo.launch(
        server_name=host, server_port=port, prevent_thread_lock=not block, quiet=not block, show_error=False,
        footer_links=["api"],
    )


# ----- main ------------------------------------------------------------------------------------------


def open_knowledge_base(kb_dir: Path, *, samples: bool = True, log=print):
    """Open the knowledge base in `kb_dir`; with `samples`, build it from samples/kb if there is none yet."""
    from knowledge_base import KnowledgeBase

    kb = KnowledgeBase.open(kb_dir, create=True)
    if samples and not kb.documents():
        log(f"No knowledge base in {kb_dir} yet: building the sample one from {SAMPLE_KB} (about a minute)...")
        report = kb.ingest([SAMPLE_KB], progress=True)
        log(f"Sample knowledge base ready: {report.summary()}.")
    return kb


def is_sample_kb(kb) -> bool:
    docs = kb.documents()
    return bool(docs) and all(Path(d.source).resolve().is_relative_to(SAMPLE_KB) for d in docs[:5])


def token_counter(settings, log=print):
    """The served model's tokenizer when it is a local checkpoint; else a conservative estimate."""
    if settings.llm_url:
        return approx_tokens
    try:
        from transformers import AutoTokenizer

        from service.models import resolve_model

        model = resolve_model(settings.model, settings.data_dir, log=log)
        if model.is_local:
            from service.language import tokenizer_counter

            return tokenizer_counter(AutoTokenizer.from_pretrained(model.source))
    except Exception as e:  # noqa: BLE001 - counting falls back to an estimate, never stops the app
        log(f"Counting tokens by estimate ({type(e).__name__}: {e}).")
    return approx_tokens


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python app.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--kb", type=Path, default=Path("data/kb"), help="Knowledge-base folder (default: data/kb).")
    parser.add_argument("--no-samples", action="store_true", help="Start with an empty knowledge base, not the sample.")
    parser.add_argument("--host", default="127.0.0.1", help="Interface the app listens on (default: 127.0.0.1).")
    parser.add_argument("--port", type=int, default=7860, help="Port of the app (default: 7860).")
    parser.add_argument("--llm-url", help="An existing OpenAI-compatible server, e.g. http://host:8000/v1.")
    parser.add_argument("--engine", choices=["vllm", "local"], help="vllm (default: managed server) or local.")
    parser.add_argument("--model", help="Bundled model name, local checkpoint directory or Hugging Face id.")
    parser.add_argument("--llm-port", type=int, help="Port of the managed vLLM server (default: 8011).")
    parser.add_argument("--company", help="Company the assistant speaks for (default: Voltway for the sample KB).")
    parser.add_argument("--glossary", type=Path, help="Translation glossary JSON (default: the sample's, with the sample KB).")
    return parser


def main(argv: list[str] | None = None) -> int:
    from knowledge_base import KnowledgeBaseError
    from service.engine import open_backend
    from service.settings import Settings

    args = build_parser().parse_args(argv)
    from service.vllm_server import exit_on_sigterm

    exit_on_sigterm()
    try:
        overrides = {"llm_url": args.llm_url, "engine": args.engine, "model": args.model, "port": args.llm_port}
        settings = Settings(**{k: v for k, v in overrides.items() if v is not None})
        app_settings = AssistantSettings(max_model_len=settings.max_model_len)
        kb = open_knowledge_base(args.kb, samples=not args.no_samples)
        sample = is_sample_kb(kb)
        updates = {}
        if args.company or (sample and "company" not in app_settings.model_fields_set):
            updates["company"] = args.company or SAMPLE_COMPANY
        glossary_path = args.glossary or app_settings.glossary or (SAMPLE_GLOSSARY if sample else None)
        app_settings = app_settings.model_copy(update=updates)
        glossary = Glossary.load(glossary_path)
        count = token_counter(settings)
        with open_backend(settings) as backend:
            assistant = Assistant(backend, kb, app_settings, glossary=glossary, count_tokens=count)
            concurrency = app_settings.concurrency or (1 if settings.engine == "local" else settings.max_num_seqs)
            demo = build_app(assistant, kb, app_settings, title=f"{app_settings.company} assistant" if sample else "Helpdesk Assistant")
            print(f"Open http://{args.host}:{args.port} (API: http://{args.host}:{args.port}/?view=api).", flush=True)
            launch(demo, app_settings, concurrency, host=args.host, port=args.port)
        return 0
    except (AssistantError, KnowledgeBaseError) as e:
        print(f"Error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
