"""Model and document text as the chat shows it: inert Markdown, the answer first, then its sources as
compact numbered footnotes in a collapsed box."""

from __future__ import annotations

import html

from service.sources import Source, section

# What a reply's status tells the customer, under the answer.
STATUS_NOTES = {
    "faq": "Answered from our FAQ.",
    "extractive": "Quoted from our help centre.",
}


def safe(text: str) -> str:
    """Model or document text as inert Markdown: no HTML element from it reaches the page, and no
    Markdown image either (the browser would fetch its URL unasked: a way to leak the conversation)."""
    return html.escape(text, quote=False).replace("![", "!\\[")


def footnotes(sources: list[Source]) -> str:
    """One line per source: its number, the document title once, then the section, and a short snippet."""
    lines = []
    for s in sources:
        where = safe(s.title)
        if sub := section(s.title, s.heading):
            where += f" › {safe(sub)}"
        lines.append(f"{s.number}. **{where}** _({safe(s.source)})_  \n   “{safe(s.snippet)}”")
    return "\n".join(lines)


def sources_markdown(sources: list[Source]) -> str:
    """Sources under a text in one Markdown block (the Write tab's drafts)."""
    if not sources:
        return ""
    return "\n\n---\n**Sources**\n\n" + footnotes(sources)


def answer_messages(text: str, sources: list[Source], status: str) -> list[dict]:
    """The chat messages of one finished reply: the answer (with what kind of answer it is, where that
    matters), then its sources in a collapsed box titled with their count."""
    note = STATUS_NOTES.get(status)
    messages = [{"role": "assistant", "content": safe(text) + (f"\n\n*{note}*" if note else "")}]
    if sources:
        title = f"Sources ({len(sources)})"
        messages.append({"role": "assistant", "content": footnotes(sources), "metadata": {"title": title, "status": "done"}})
    return messages
