"""The agent console tab: open tickets, a conversation's transcript with its sources, a reply that appears in
the customer's chat, and closing the ticket. Always behind a login (agents from settings, or the admin)."""

from __future__ import annotations

from functools import partial

import gradio as gr

from service.handlers import Handlers
from ui.agent_login import agent_login_row, on_login
from ui.errors import shown
from ui.render import safe

TICKET_HEADERS = ["ticket", "opened (UTC)", "reason", "customer's last question", "turns"]


def transcript_markdown(turns: list[dict]) -> str:
    """A conversation for an agent: who said what, the answer's status and its sources."""
    lines = []
    for t in turns:
        if t["question"]:
            lines.append(f"**Customer** (turn {t['turn']}, {t['time'][:16].replace('T', ' ')}): {safe(t['question'])}")
        who = "Agent " + t["author"].partition(":")[2] if t["author"].startswith("agent") else "Assistant"
        sources = "; ".join(safe(s.get("title", "")) for s in t["sources"])
        lines.append(f"**{safe(who)}** [{t['status']}]: {safe(t['answer'])}" + (f"  \n_sources: {sources}_" if sources else ""))
        rated = t.get("feedback")
        if rated:
            note = f"{rated['rating']}" + (f", {rated['reason']}" if rated["reason"] else "")
            note += f", the right answer: {safe(rated['correction'])}" if rated["correction"] else ""
            lines.append(f"_Customer's rating: {note}_")
    return "\n\n".join(lines) or "_No messages yet._"


def gaps_markdown(gaps: list[dict]) -> str:
    """The knowledge-gap report as a table, customers' words made inert."""
    if not gaps:
        return "_No knowledge gaps: every question was answered and none was rated down._"
    lines = ["| asked | last asked (UTC) | question | also asked as | why |", "|---:|---|---|---|---|"]
    for g in gaps:
        others = "; ".join(e for e in g["examples"] if e != g["question"])
        why = ", ".join(f"{reason.replace('_', ' ')} {n}" for reason, n in g["reasons"].items())
        when = (g["last_asked"] or "")[:16].replace("T", " ")
        lines.append(f"| {g['count']} | {when} | {_cell(g['question'])} | {_cell(others)} | {why} |")
    return "\n".join(lines)


def _cell(text: str) -> str:
    return safe(text).replace("|", "\\|").replace("\n", " ")


def open_ticket(handlers: Handlers, agent: str | None, tickets: list, data: gr.SelectData):
    """A row of the ticket list was clicked: (ticket id, its transcript, and the FAQ draft: the customer's
    last question and the latest correction they gave)."""
    row = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
    rows = tickets.values.tolist() if hasattr(tickets, "values") else tickets
    ticket_id = int(rows[row][0])
    turns = handlers.console_transcript(ticket_id, agent)
    question = next((t["question"] for t in reversed(turns) if t["question"]), "")
    correction = next((t["feedback"]["correction"] for t in reversed(turns) if t["feedback"] and t["feedback"]["correction"]), "")
    return ticket_id, transcript_markdown(turns), question, correction


def reply(handlers: Handlers, agent: str | None, ticket_id, text: str):
    """Send the reply; returns (reply box, transcript, the FAQ draft's answer: this reply)."""
    handlers.console_reply(ticket_id, text, agent)
    return "", transcript_markdown(handlers.console_transcript(ticket_id, agent)), text


def close(handlers: Handlers, agent: str | None, ticket_id):
    """Close the ticket; returns (ticket, transcript, tickets, message)."""
    handlers.console_close(ticket_id, agent)
    return None, "", handlers.console_tickets(agent), f"Ticket {ticket_id} closed; the assistant answers that customer again."


def console_tab(handlers: Handlers) -> None:
    login = agent_login_row(handlers, "agent", "Agent user")
    agent, status = login.agent, login.status
    with gr.Column(visible=False) as panel:
        with gr.Row():
            refresh = gr.Button("Refresh tickets", size="sm", elem_id="tickets-refresh")
        tickets = gr.Dataframe(headers=TICKET_HEADERS, label="Open tickets (click one)", interactive=False,
                               elem_id="tickets")
        ticket_id = gr.Number(label="Ticket", precision=0, interactive=False, elem_id="ticket-id")
        transcript = gr.Markdown(elem_id="transcript")
        answer = gr.Textbox(label="Reply to the customer", lines=3, elem_id="agent-reply")
        with gr.Row():
            send = gr.Button("Send reply", variant="primary", elem_id="agent-send")
            close_btn = gr.Button("Close ticket", variant="stop", elem_id="ticket-close")
        with gr.Accordion("Knowledge gaps: questions the knowledge base does not answer well", open=False):
            gaps_btn = gr.Button("Show the report", size="sm", elem_id="gaps-refresh")
            gaps = gr.Markdown(elem_id="gaps")
        with gr.Accordion("Save as an FAQ entry (the next customer asking gets this answer directly)", open=False):
            faq_question = gr.Textbox(label="Customer's question", elem_id="faq-question")
            faq_answer = gr.Textbox(label="The right answer", lines=3, elem_id="faq-answer")
            save_faq = gr.Button("Save as FAQ entry", elem_id="faq-save")

    def on_select(agent: str | None, tickets, data: gr.SelectData):  # Gradio passes SelectData by this annotation
        return open_ticket(handlers, agent, tickets, data)

    on_login(login, handlers, panel).then(
        lambda who: handlers.console_tickets(who) if who else [], [agent], tickets, api_visibility="private"
    )
    refresh.click(shown(handlers.console_tickets), [agent], tickets, api_visibility="private")
    tickets.select(shown(on_select), [agent, tickets], [ticket_id, transcript, faq_question, faq_answer],
                   api_visibility="private")
    send.click(shown(partial(reply, handlers)), [agent, ticket_id, answer], [answer, transcript, faq_answer],
               api_visibility="private")
    gaps_btn.click(shown(lambda who: gaps_markdown(handlers.console_gaps(who))), [agent], gaps, api_visibility="private")
    save_faq.click(shown(lambda q, a, who: handlers.console_save_faq(q, a, who)), [faq_question, faq_answer, agent], status,
                   api_visibility="private")
    close_btn.click(shown(partial(close, handlers)), [agent, ticket_id], [ticket_id, transcript, tickets, status],
                    api_visibility="private")
