"""The login of the agents' tabs (agent console, dashboard): agents from settings, or the admin."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import gradio as gr

from service.errors import AssistantError
from service.handlers import Handlers
from ui.clients import current_client


@dataclass
class AgentLogin:
    """The session's agent (None until logged in), the login message, and the button that logs in."""

    agent: gr.State
    status: gr.Markdown
    button: gr.Button
    inputs: list


def agent_login_row(handlers: Handlers, prefix: str, user_label: str = "User") -> AgentLogin:
    """The login row; where no agent or admin login is configured, only the message saying how to configure one (a
    login form nobody can pass would leave a new operator guessing)."""
    agent = gr.State(None)
    missing = handlers.agent_logins_missing
    with gr.Row(visible=missing is None):
        user = gr.Textbox(label=user_label, elem_id=f"{prefix}-user")
        password = gr.Textbox(label="Password", type="password", elem_id=f"{prefix}-password")
        button = gr.Button("Log in", elem_id=f"{prefix}-login")
    status = gr.Markdown(missing or "", elem_id=f"{prefix}-status")
    return AgentLogin(agent, status, button, [user, password])


def log_in(handlers: Handlers, user: str, password: str):
    """Returns (agent, message, panel visibility); repeated wrong passwords lock the client out for a while."""
    try:
        agent = handlers.agent_login(user, password, client=current_client(handlers.limits))
    except AssistantError as e:
        return None, str(e), gr.update(visible=False)
    if agent is None:
        return None, "Wrong user name or password.", gr.update(visible=False)
    return agent, f"Logged in as {agent}.", gr.update(visible=True)


def on_login(row: AgentLogin, handlers: Handlers, panel: gr.Column):
    """Wire the row's button: the agent, the message and the panel it opens; chain `.then` for what follows."""
    return row.button.click(partial(log_in, handlers), row.inputs, [row.agent, row.status, panel], api_visibility="private")
