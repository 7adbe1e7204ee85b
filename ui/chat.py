"""The customer-service tab: a streaming chat whose every answer ends with its numbered sources."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import gradio as gr

from service.handlers import Handlers
from ui.errors import shown
from ui.render import answer_messages, safe

# Replies that become part of the conversation the model sees next turn.
ANSWERED = ("faq", "generated", "extractive", "no_answer")

EXAMPLES = [
    "How long do I have to return an item?",
    "How do I reset my password?",
    "What does VoltCare+ cover?",
    "退货运费谁承担？",
]


@dataclass
class GenerationControls:
    """The shared generation settings every tab reads: model, temperature, max tokens, passages."""

    model: gr.Dropdown
    temperature: gr.Slider
    max_tokens: gr.Slider
    k: gr.Slider

    @property
    def inputs(self) -> list:
        return [self.temperature, self.max_tokens, self.k, self.model]


def generation_controls(handlers: Handlers) -> GenerationControls:
    defaults = handlers.assistant.settings
    with gr.Accordion("Generation settings", open=False):
        with gr.Row():
            return GenerationControls(
                model=gr.Dropdown(handlers.models, value=handlers.models[0], label="Model (base or LoRA adapter)"),
                temperature=gr.Slider(0.0, 1.5, value=defaults.temperature, step=0.05, label="Temperature"),
                max_tokens=gr.Slider(16, 1024, value=defaults.max_tokens, step=16, label="Max tokens"),
                k=gr.Slider(0, 10, value=defaults.top_k, step=1, label="Passages retrieved"),
            )


# --- what the buttons do (plain functions of the chat's state) ---


def add_user_turn(message: str, chatbot: list):
    """Show the customer's message at once; returns (textbox, chatbot, the question to answer)."""
    if not message or not message.strip():
        return gr.update(), chatbot, ""
    return "", chatbot + [{"role": "user", "content": safe(message)}], message


def bot_turn(handlers: Handlers, question: str, chatbot: list, history: list, temperature, max_tokens, k, model):
    """Stream the answer into the chat, then append its sources; the model's history keeps the plain text."""
    if not question:
        yield chatbot, history
        return
    params = handlers.params(temperature, max_tokens, model)
    reply = handlers.assistant.chat(question, history, k=int(k), params=params)
    for _ in reply:
        # reply.text, not a sum of chunks: an answer that failed its check is replaced as a whole.
        yield chatbot + [{"role": "assistant", "content": safe(reply.text)}], history
    if reply.status in ANSWERED:
        history = history + [{"role": "user", "content": question}, {"role": "assistant", "content": reply.text}]
    yield chatbot + answer_messages(reply.text, reply.sources, reply.status), history


def drop_last_exchange(chatbot: list, history: list, last_question: str):
    """Before regenerating: the last answer (and its sources) leave the view and the model's history."""
    if not last_question:
        return chatbot, history, last_question
    if history and history[-1]["role"] == "assistant" and history[-2]["content"] == last_question:
        history = history[:-2]
    while chatbot and chatbot[-1]["role"] == "assistant":
        chatbot = chatbot[:-1]
    return chatbot, history, last_question


# --- layout ---


def chat_tab(handlers: Handlers, controls: GenerationControls) -> None:
    max_chars = handlers.assistant.settings.max_input_chars
    chatbot = gr.Chatbot(
        label="Assistant", height=460, sanitize_html=True, render_markdown=True, elem_id="chatbot", buttons=["copy"],
    )
    history = gr.State([])
    last_question = gr.State("")
    with gr.Row():
        message = gr.Textbox(
            placeholder="Ask a question about orders, delivery, returns, warranty…",
            show_label=False, scale=6, max_length=max_chars, elem_id="question",
        )
        send = gr.Button("Send", variant="primary", scale=1, elem_id="send")
    with gr.Row():
        regen = gr.Button("Regenerate", size="sm", elem_id="regenerate")
        clear = gr.Button("Clear", size="sm", elem_id="clear")
    gr.Examples(EXAMPLES, inputs=message)

    answer = shown(partial(bot_turn, handlers))
    answer_inputs = [last_question, chatbot, history, *controls.inputs]
    for trigger in (message.submit, send.click):
        trigger(add_user_turn, [message, chatbot], [message, chatbot, last_question], api_visibility="private").then(
            answer, answer_inputs, [chatbot, history], api_visibility="private"
        )
    regen.click(drop_last_exchange, [chatbot, history, last_question], [chatbot, history, last_question],
                api_visibility="private").then(answer, answer_inputs, [chatbot, history], api_visibility="private")
    clear.click(lambda: ([], [], ""), None, [chatbot, history, last_question], api_visibility="private")
