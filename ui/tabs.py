"""The translation and writing tabs: one form each, streamed into a text box."""

from __future__ import annotations

from functools import partial

import gradio as gr

from service.assistant import CONTENT_KINDS, CONTENT_TONES
from service.handlers import Handlers
from service.language import AUTO, LANGUAGES
from ui.chat import GenerationControls
from ui.clients import current_client
from ui.errors import shown
from ui.render import sources_markdown
from ui.streams import stoppable

KIND_LABELS = {
    "reply_email": "Reply e-mail", "product_description": "Product description",
    "social_post": "Social post", "faq_entry": "FAQ entry",
}


def translate_stream(handlers: Handlers, text, source, target, temperature, max_tokens, model):
    with handlers.admit(current_client(handlers.limits), text) as refusal:
        if refusal:
            yield "", refusal
            return
        yield from _translate(handlers, text, source, target, temperature, max_tokens, model)


def _translate(handlers: Handlers, text, source, target, temperature, max_tokens, model):
    reply = handlers.assistant.translate(text, target, source, params=handlers.params(temperature, max_tokens, model))
    for _ in reply:
        yield reply.text, ""
    handlers.record(reply, request=text, channel="ui", scenario="translate", model=model)
    yield reply.text, _translation_note(reply)


def _translation_note(reply) -> str:
    """Which way the text went (the languages may have been detected), and glossary terms the model changed."""
    notes = []
    if reply.languages:
        source, target = (LANGUAGES[code] for code in reply.languages)
        notes.append(f"The text is already in {target}." if source == target else f"From {source} into {target}.")
    if reply.glossary_missing:
        notes.append("Check these glossary terms, the translation changed them: " + ", ".join(reply.glossary_missing))
    return " ".join(notes)


def generate_stream(handlers: Handlers, kind, brief, tone, temperature, max_tokens, k, model):
    with handlers.admit(current_client(handlers.limits), brief) as refusal:
        if refusal:
            yield "", refusal
            return
        yield from _generate(handlers, kind, brief, tone, temperature, max_tokens, k, model)


def _generate(handlers: Handlers, kind, brief, tone, temperature, max_tokens, k, model):
    params = handlers.params(temperature, max_tokens, model)
    reply = handlers.assistant.generate(kind, brief, tone, k=handlers.checked_k(k), params=params)
    for _ in reply:
        yield reply.text, ""
    handlers.record(reply, request=f"{kind}: {brief}", channel="ui", scenario="generate", model=model)
    note = sources_markdown(reply.sources).lstrip() or "_No knowledge-base facts matched this brief._"
    if reply.unchecked:
        note = (f"**Check before sending:** the knowledge base does not state {', '.join(reply.unchecked)} "
                "(marked [check: ...] in the draft).\n\n" + note)
    yield reply.text, note


def translate_tab(handlers: Handlers, controls: GenerationControls) -> None:
    max_chars = handlers.assistant.settings.max_input_chars
    with gr.Row():
        # Named, not coded ("Chinese (Traditional, Taiwan)", not "zh-Hant-TW"); the API takes the codes.
        languages = [(name, code) for code, name in LANGUAGES.items()]
        source = gr.Dropdown([(AUTO, AUTO), *languages], value=AUTO, label="From")
        # auto: English into Chinese, anything else into English, so pasting either side of a chat just works.
        target = gr.Dropdown([(AUTO, AUTO), *languages], value=AUTO, label="To")
    text = gr.Textbox(lines=5, label="Text", max_length=max_chars, elem_id="translate-in")
    with gr.Row():
        button = gr.Button("Translate", variant="primary", elem_id="translate-btn")
        stop = gr.Button("Stop", elem_id="translate-stop")
    out = gr.Textbox(lines=5, label="Translation", elem_id="translate-out")
    note = gr.Markdown(elem_id="translate-note")
    run = shown(stoppable(partial(translate_stream, handlers), gr.skip()))
    running = button.click(run, [text, source, target, controls.temperature, controls.max_tokens, controls.model],
                           [out, note], api_visibility="private")
    stop.click(None, None, None, cancels=[running], api_visibility="private")


def write_tab(handlers: Handlers, controls: GenerationControls) -> None:
    max_chars = handlers.assistant.settings.max_input_chars
    with gr.Row():
        kind = gr.Dropdown([(KIND_LABELS[c], c) for c in CONTENT_KINDS], value="reply_email", label="Content")
        tone = gr.Dropdown(list(CONTENT_TONES), value="friendly", label="Tone")
    brief = gr.Textbox(lines=5, label="Customer message, product or topic", max_length=max_chars, elem_id="write-in")
    with gr.Row():
        button = gr.Button("Write", variant="primary", elem_id="write-btn")
        stop = gr.Button("Stop", elem_id="write-stop")
    out = gr.Textbox(lines=8, label="Draft", elem_id="write-out")
    sources = gr.Markdown(elem_id="write-sources")
    run = shown(stoppable(partial(generate_stream, handlers), gr.skip()))
    running = button.click(run, [kind, brief, tone, *controls.inputs], [out, sources], api_visibility="private")
    stop.click(None, None, None, cancels=[running], api_visibility="private")
