"""Playwright helpers: Debian's Chromium (never `playwright install`), and the app's page elements."""

from __future__ import annotations

import contextlib
import shutil
import time

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


@contextlib.contextmanager
def browser_page(url: str, width: int = 1280, height: int = 1100):
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing; install it with `make browser` (apt-get install chromium).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.goto(url)
            page.wait_for_selector("#question textarea", timeout=60_000)
            yield page
        finally:
            browser.close()


def last_bot_text(page, question: str | None = None) -> str:
    """The text of the reply to `question` (the answer and its sources box), or of the last bot message."""
    if question is not None:
        text = page.locator("#chatbot").inner_text()
        at = text.rfind(question)
        return text[at + len(question):].strip() if at >= 0 else ""
    bots = page.locator("#chatbot .bot, #chatbot [data-testid='bot']")
    return bots.last.inner_text() if bots.count() else ""


def ask(page, question: str, timeout_s: float = 180) -> list[str]:
    """Type a question, send it, and record the bot message as it grows until its sources appear."""
    page.fill("#question textarea", question)
    page.click("#send")
    states: list[str] = []
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        text = last_bot_text(page, question)
        if text and (not states or states[-1] != text):
            states.append(text)
        if "Sources" in text or "don't know" in text or "Sorry" in text:
            time.sleep(0.3)
            states.append(last_bot_text(page, question))
            return states
        time.sleep(0.05)
    raise AssertionError(f"no complete answer within {timeout_s} s; last states: {states[-3:]}")


def wait_for_value(page, selector: str, timeout_s: float = 180, settle_s: float = 1.5) -> str:
    """The value of a textarea once it is non-empty and has stopped changing for `settle_s`."""
    return settled(lambda: page.locator(selector).input_value(), timeout_s, settle_s, what=selector, empty_ok=False)


def settled(read, timeout_s: float, settle_s: float, *, what: str = "the text", empty_ok: bool = True) -> str:
    """What `read()` returns once it has not changed for `settle_s` (and, unless `empty_ok`, is not empty), polled
    every 0.1 s; an AssertionError when that takes longer than `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    last, since = "", time.monotonic()
    while time.monotonic() < deadline:
        value = read()
        if value != last:
            last, since = value, time.monotonic()
        elif (value or empty_ok) and time.monotonic() - since >= settle_s:
            return value
        time.sleep(0.1)
    raise AssertionError(f"{what} did not settle within {timeout_s} s; last {last[-80:]!r}")
