"""Translation between the app's languages (Chinese and English first), with the company's glossary.

Chinese is one language in two writings: a text in Traditional characters is read by the model as written, a
translation into Traditional characters is the model's Simplified one rewritten (`knowledge_base.chinese_script`), and
between Simplified and Traditional no model is asked.

The source language is detected by script unless given; the model is told which glossary terms to keep as
written and how to render glossary pairs, and `Reply.glossary_missing` lists kept terms its output lost.
The text is delimited as data: a text that says "ignore your instructions" is translated, not obeyed.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterator
from functools import partial

from knowledge_base.chinese_script import SIMPLIFIED, in_writing
from service import prompts
from service.backends import ChatMessage, GenerationParams
from service.language import (
    AUTO, CHINESE_WRITINGS, LANGUAGES, Glossary, TokenCounter, chinese_code, detect_language, target_for,
)
from service.prompting import defang
from service.reply import Reply, rejected_reply, strip_markers
from service.settings import AssistantSettings


class Translator:
    """Streams translations through `stream(messages, params)` (a chat backend's)."""

    def __init__(
        self,
        stream: Callable[[list[ChatMessage], GenerationParams], Iterator[str]],
        settings: AssistantSettings,
        glossary: Glossary,
        count_tokens: TokenCounter,
        context_window: int,
        check_input: Callable[[str, str], str | None],
    ):
        self._stream = stream
        self.settings = settings
        self.glossary = glossary
        self.count_tokens = count_tokens
        self.context_window = context_window
        self.check_input = check_input

    def translate(self, text: str, target: str, source: str, params: GenerationParams) -> Reply:
        """`text` in `target`; `source` "auto" (or empty) detects it, `target` "auto" is English for a text not in
        English and Chinese for one in English (`target_for`). The reply's `languages` are the (source, target)
        used; a text already in `target` comes back as it is. Bad input is a rejected reply."""
        started = time.perf_counter()
        problem = self.check_input(text, "text")
        if problem:
            return rejected_reply(problem)
        if target not in LANGUAGES and target != AUTO:
            return rejected_reply(f"Unknown target language {target!r}; choose auto or one of {', '.join(LANGUAGES)}.")
        if source in (None, "", AUTO):
            source = detect_language(text)
            source = chinese_code(text) if source == "zh" else source
        if source not in LANGUAGES:
            return rejected_reply(f"Unknown source language {source!r}; choose auto or one of {', '.join(LANGUAGES)}.")
        target = target_for(source) if target == AUTO else target
        if source == target or (source in CHINESE_WRITINGS and target in CHINESE_WRITINGS):
            # Chinese in another writing is not a translation: OpenCC's tables rewrite it exactly, with no model.
            same = text if source == target else in_writing(text, CHINESE_WRITINGS[target])
            reply = Reply("generated", text=same, started=started)
            reply.languages = (source, target)
            return reply
        keep = self.glossary.terms_in(text)
        # The model reads and writes Chinese in Simplified characters; Traditional targets are its text rewritten.
        as_model = {code: "zh" if code in CHINESE_WRITINGS else code for code in (source, target)}
        messages = self._messages(text, source, as_model[target], keep)
        # A translation is about as long as its source; Chinese to English may double the token count.
        needed = min(2 * self.count_tokens(text) + 16, self.context_window // 2)
        if params.max_tokens < needed:
            params = dataclasses.replace(params, max_tokens=needed)

        def check(reply: Reply) -> None:
            reply.glossary_missing = [t for t in keep if t not in reply.text]

        # Small models often echo the <text> delimiters around their translation; those never reach the user.
        chunks = strip_markers(self._stream(messages, params), (prompts.TEXT_OPEN, prompts.TEXT_CLOSE))
        reply = Reply("generated", chunks=chunks, started=started, on_done=check)
        if target != as_model[target]:
            reply.written_with(partial(in_writing, writing=CHINESE_WRITINGS[target]))
        reply.messages = messages
        reply.languages = (source, target)
        return reply

    def _messages(self, text: str, source: str, target: str, keep: list[str]) -> list[ChatMessage]:
        system = prompts.TRANSLATION_SYSTEM_PROMPT.format(
            company=self.settings.company, source=LANGUAGES[source], target=LANGUAGES[target]
        )
        notes = []
        if keep:
            notes.append(prompts.GLOSSARY_KEEP.format(terms=", ".join(keep)))
        chinese = source in CHINESE_WRITINGS  # the glossary's Chinese is Simplified
        pairs = self.glossary.pairs_in(in_writing(text, SIMPLIFIED) if chinese else text, "zh" if chinese else source, target)
        if pairs:
            notes.append(prompts.GLOSSARY_PAIRS.format(pairs="; ".join(f"{a} -> {b}" for a, b in pairs)))
        user = f"{prompts.TEXT_OPEN}\n{defang(text)}\n{prompts.TEXT_CLOSE}"
        if notes:
            user = " ".join(notes) + "\n\n" + user
        return [{"role": "system", "content": system}, {"role": "user", "content": user}]
