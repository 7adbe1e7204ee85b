"""The dashboard tab (behind the agents' or the admin's login): conversations per day, deflection rate,
handoffs by reason, thumbs-up ratio, answer status mix, latency p50/p95 over time."""

from __future__ import annotations

import gradio as gr
import pandas as pd

from service.handlers import Handlers
from ui.agent_login import agent_login_row, on_login
from ui.errors import shown


def _long(rows: list[dict], columns: dict[str, str]) -> pd.DataFrame:
    """Daily rows as a long table (day, metric, value) for one line per metric."""
    records = [{"day": r["day"], "metric": label, "value": r[key]} for r in rows for key, label in columns.items()
               if r[key] is not None]
    return pd.DataFrame(records, columns=["day", "metric", "value"])


def dashboard_views(report: dict) -> tuple:
    """(totals Markdown, conversations per day, rates per day, handoffs by reason, status mix, latency per day)."""
    t = report["totals"]

    def pct(value):
        return "–" if value is None else f"{100 * value:.0f}%"

    totals = (f"**{t['conversations']}** conversations, **{t['turns']}** questions · deflected (no person needed) "
              f"**{pct(t['deflection_rate'])}** · handed to a person **{pct(t['handoff_rate'])}** · thumbs up "
              f"**{pct(t['thumbs_up_ratio'])}** of rated answers")
    daily = report["daily"]
    per_day = pd.DataFrame([{"day": r["day"], "conversations": r["conversations"]} for r in daily], columns=["day", "conversations"])
    rates = _long(daily, {"deflection_rate": "deflection rate", "thumbs_up_ratio": "thumbs-up ratio"})
    handoffs = pd.DataFrame(report["handoffs"], columns=["reason", "count", "rate"])
    statuses = pd.DataFrame(report["statuses"], columns=["status", "count"])
    latency = _long(daily, {"latency_p50_s": "p50", "latency_p95_s": "p95"})
    return totals, per_day, rates, handoffs, statuses, latency


def dashboard_tab(handlers: Handlers) -> None:
    login = agent_login_row(handlers, "dash")
    agent = login.agent
    with gr.Column(visible=False) as panel:
        refresh = gr.Button("Refresh", size="sm", elem_id="dash-refresh")
        totals = gr.Markdown(elem_id="dash-totals")
        with gr.Row():
            # Axes from zero: with equal values (one day, one reason) Vega's own domain is a point and bars vanish.
            per_day = gr.BarPlot(x="day", y="conversations", title="Conversations per day", y_lim=[0, None])
            rates = gr.LinePlot(x="day", y="value", color="metric", title="Deflection rate and thumbs-up ratio", y_lim=[0, 1])
        with gr.Row():
            handoffs = gr.BarPlot(x="reason", y="rate", title="Handoff rate by reason (share of conversations)", y_lim=[0, 1])
            statuses = gr.BarPlot(x="status", y="count", title="Answer status mix", y_lim=[0, None])
        latency = gr.LinePlot(x="day", y="value", color="metric", title="Answer latency, seconds (p50, p95)", y_lim=[0, None])

    def show(who):
        return dashboard_views(handlers.dashboard(who))

    on_login(login, handlers, panel).then(
        shown(show), [agent], [totals, per_day, rates, handoffs, statuses, latency], api_visibility="private"
    )
    refresh.click(shown(show), [agent], [totals, per_day, rates, handoffs, statuses, latency], api_visibility="private")
