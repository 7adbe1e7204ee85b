"""The customer-service tab: a streaming chat whose every answer ends with its numbered sources, rated with
thumbs up/down, handed to a person on request; agents' replies appear without reloading the page."""

from __future__ import annotations

from contextlib import closing
from dataclasses import dataclass
from functools import partial

import gradio as gr

from service.handlers import Handlers
from service.small_talk import small_talk_reply
from support.desk import ANSWERED
from support.store import REASONS
from ui.errors import shown
from ui.clients import current_client
from ui.render import answer_messages, safe
from ui.streams import stoppable

REASON_LABELS = {"wrong": "Wrong", "incomplete": "Incomplete", "not_relevant": "Not relevant", "outdated": "Outdated",
                 "other": "Other"}
AGENT_POLL_S = 3.0
STOPPED_NOTE = "*(stopped)*"

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
    """Show the customer's message at once; returns (textbox, chatbot, the question to answer, whether an answer is
    now coming)."""
    if not message or not message.strip():
        return gr.update(), chatbot, "", False
    return "", chatbot + [{"role": "user", "content": safe(message)}], message, True


def bot_turn(handlers: Handlers, question: str, chatbot: list, history: list, conversation: str, answers: dict,
             temperature, max_tokens, k, model):
    """Stream the answer into the chat, then append its sources; the turn is stored (a conversation starts
    with the first one). Yields (chatbot, history, conversation, answers: {message index: turn}, seen turn, whether
    the answer is still coming: False once it is whole)."""
    if not question:
        yield chatbot, history, conversation, answers, gr.skip(), False
        return
    with handlers.admit(current_client(handlers.limits), question) as refusal:
        if refusal:  # over this client's limits: asked to wait, nothing stored
            refused = chatbot + [{"role": "assistant", "content": safe(refusal)}]
            yield refused, history, conversation, answers, gr.skip(), False
            return
        yield from _answer(handlers, question, chatbot, history, conversation, answers, temperature, max_tokens, k, model)


def _answer(handlers: Handlers, question, chatbot, history, conversation, answers, temperature, max_tokens, k, model):
    params = handlers.params(temperature, max_tokens, model)
    turn = handlers.customer_turn(question, conversation_id=conversation, history=history, params=params,
                                  k=handlers.checked_k(k), channel="ui")
    conversation = turn.conversation_id
    with closing(iter(turn)) as texts:  # stopped, the turn is closed (and stored as far as it went) now, not later
        for text in texts:
            # The whole text, not a sum of chunks: an answer that failed its check is replaced as a whole.
            yield chatbot + [{"role": "assistant", "content": safe(text)}], history, conversation, answers, gr.skip(), True
    if turn.status in ANSWERED:
        history = history + [{"role": "user", "content": question}, {"role": "assistant", "content": turn.text}]
    shown_messages = answer_messages(turn.text, turn.sources, turn.status)
    answers = {**answers, **{str(len(chatbot) + i): turn.turn for i in range(len(shown_messages))}}
    yield chatbot + shown_messages, history, conversation, answers, turn.turn, False


def mark_stopped(chatbot: list, coming: bool):
    """After Stop: the answer that was still coming (`coming`) ends with a note that it was stopped, as far as it got
    (or the note alone, when nothing of it was shown yet). Returns (chatbot, coming: False)."""
    if not coming:
        return chatbot, False
    if chatbot and chatbot[-1]["role"] == "assistant":
        return chatbot[:-1] + [_with_note(chatbot[-1], STOPPED_NOTE)], False
    return chatbot + [{"role": "assistant", "content": STOPPED_NOTE}], False


def _with_note(message: dict, note: str) -> dict:
    """`message` with `note` as its last paragraph; its content is text, or (as the browser sends it back) a list of
    parts whose last text part takes the note."""
    content = message["content"]
    if isinstance(content, str):
        return {**message, "content": f"{content}\n\n{note}"}
    parts = list(content)
    for i in range(len(parts) - 1, -1, -1):
        if isinstance(parts[i], dict) and parts[i].get("type") == "text":
            parts[i] = {**parts[i], "text": f"{parts[i]['text']}\n\n{note}"}
            return {**message, "content": parts}
    return {**message, "content": [*parts, {"type": "text", "text": note}]}


def rate(handlers: Handlers, conversation: str, answers: dict, data: gr.LikeData):
    """Thumbs up or down under an answer; a thumbs-down opens the reason panel. Returns (panel, rated turn)."""
    turn = answers.get(str(data.index[0] if isinstance(data.index, (list, tuple)) else data.index))
    if not conversation or turn is None:
        return gr.update(visible=False), None
    liked = data.liked is True or data.liked == "Like"
    handlers.feedback(conversation, turn, "up" if liked else "down")
    return gr.update(visible=not liked), turn


def send_reason(handlers: Handlers, conversation: str, turn, reason: str | None, correction: str):
    """The thumbs-down's reason and correction (the latest feedback on a turn is the one that counts)."""
    if conversation and turn:
        handlers.feedback(conversation, turn, "down", reason or "other", correction)
    return gr.update(visible=False), "", None, "Thanks, your feedback helps us improve."


def ask_for_person(handlers: Handlers, conversation: str, chatbot: list, history: list):
    """The "Talk to a person" button: a ticket, and the customer is told a person will reply here."""
    if not conversation:
        return chatbot, gr.update(visible=False), gr.skip(), "Ask your question first; then a person can take over."
    result = handlers.offer_person(conversation)
    return chatbot + [{"role": "assistant", "content": safe(result.message)}], gr.update(visible=False), result.turn, ""


def agent_messages(handlers: Handlers, conversation: str, seen, chatbot: list, history: list):
    """Agents' replies stored after the last turn this page shows: appended to the chat (polled by a timer)."""
    if not conversation or seen is None:
        return gr.skip(), gr.skip(), gr.skip()
    new = handlers.messages(conversation, int(seen))
    if not new:
        return gr.skip(), gr.skip(), gr.skip()
    for m in new:
        if m["author"].startswith("agent"):
            name = m["author"].partition(":")[2] or "support team"
            chatbot = chatbot + [{"role": "assistant", "content": f"**{safe(name)} (support team):** {safe(m['answer'])}"}]
            history = history + [{"role": "assistant", "content": m["answer"]}]
    return chatbot, history, new[-1]["turn"]


def drop_last_exchange(chatbot: list, history: list, last_question: str):
    """Before regenerating: the last answer (and its sources) leave the view and the model's history. Returns
    (chatbot, history, the question to answer again, whether an answer is now coming)."""
    if not last_question:
        return chatbot, history, last_question, False
    if history and history[-1]["role"] == "assistant" and history[-2]["content"] == last_question:
        history = history[:-2]
    while chatbot and chatbot[-1]["role"] == "assistant":
        chatbot = chatbot[:-1]
    return chatbot, history, last_question, True


# --- layout ---


def chat_tab(handlers: Handlers, controls: GenerationControls) -> None:
    max_chars = handlers.assistant.settings.max_input_chars
    # The empty chat introduces the assistant as it introduces itself when asked "what can you do?".
    welcome = safe(small_talk_reply("about", "en", handlers.assistant.settings.company))
    chatbot = gr.Chatbot(
        label="Assistant", height=460, sanitize_html=True, render_markdown=True, elem_id="chatbot", buttons=["copy"],
        placeholder=welcome,
    )
    history = gr.State([])
    last_question = gr.State("")
    conversation = gr.State("")
    answers = gr.State({})  # chatbot message index -> stored turn, for the thumbs
    seen = gr.State(None)  # the last stored turn this page shows
    coming = gr.State(False)  # an answer is streaming (Stop marks it)
    rated = gr.State(None)
    with gr.Row():
        message = gr.Textbox(
            placeholder="Ask a question about orders, delivery, returns, warranty…",
            show_label=False, scale=6, max_length=max_chars, elem_id="question",
        )
        send = gr.Button("Send", variant="primary", scale=1, elem_id="send")
    with gr.Row():
        stop = gr.Button("Stop", size="sm", elem_id="stop")
        regen = gr.Button("Regenerate", size="sm", elem_id="regenerate")
        clear = gr.Button("Clear", size="sm", elem_id="clear")
    with gr.Group(visible=False, elem_id="feedback-panel") as panel:
        reason = gr.Radio([(label, key) for key, label in REASON_LABELS.items() if key in REASONS],
                          label="Sorry about that. What was wrong?", elem_id="feedback-reason")
        correction = gr.Textbox(label="The right answer is… (optional)", lines=2, elem_id="feedback-correction")
        with gr.Row():
            send_feedback = gr.Button("Send feedback", size="sm", elem_id="feedback-send")
            person = gr.Button("Talk to a person", size="sm", elem_id="talk-to-person")
    notice = gr.Markdown("", elem_id="feedback-notice")
    gr.Examples(EXAMPLES, inputs=message)

    answer = shown(stoppable(partial(bot_turn, handlers), gr.skip()))
    answer_inputs = [last_question, chatbot, history, conversation, answers, *controls.inputs]
    answer_outputs = [chatbot, history, conversation, answers, seen, coming]
    answering = [
        trigger(add_user_turn, [message, chatbot], [message, chatbot, last_question, coming],
                api_visibility="private").then(answer, answer_inputs, answer_outputs, api_visibility="private")
        for trigger in (message.submit, send.click)
    ]
    answering.append(
        regen.click(drop_last_exchange, [chatbot, history, last_question], [chatbot, history, last_question, coming],
                    api_visibility="private").then(answer, answer_inputs, answer_outputs, api_visibility="private")
    )
    # Stop closes the answer's stream, and with it the model's request (`stoppable`): what was shown stays, and the
    # unfinished turn is stored as "stopped" (`CustomerTurn`), out of the conversation's history, as when a customer
    # leaves; the chat marks it as stopped.
    stop.click(mark_stopped, [chatbot, coming], [chatbot, coming], cancels=answering, api_visibility="private")
    clear.click(lambda: ([], [], "", "", {}, None, False), None,
                [chatbot, history, last_question, conversation, answers, seen, coming], api_visibility="private")
    def on_like(conversation: str, answers: dict, data: gr.LikeData):  # Gradio passes LikeData by this annotation
        return rate(handlers, conversation, answers, data)

    chatbot.like(shown(on_like), [conversation, answers], [panel, rated], api_visibility="private")
    send_feedback.click(shown(partial(send_reason, handlers)), [conversation, rated, reason, correction],
                        [panel, correction, rated, notice], api_visibility="private")
    person.click(shown(partial(ask_for_person, handlers)), [conversation, chatbot, history],
                 [chatbot, panel, seen, notice], api_visibility="private")
    gr.Timer(AGENT_POLL_S).tick(partial(agent_messages, handlers), [conversation, seen, chatbot, history],
                                [chatbot, history, seen], api_visibility="private", show_progress="hidden")
