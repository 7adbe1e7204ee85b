"""The assistant: retrieve, prompt, stream. One object per app, shared by every session (it holds no
conversation; callers pass the history in).

    assistant = Assistant(backend, kb, AssistantSettings(company="Voltway"), glossary=Glossary.load(path))
    reply = assistant.chat("How long do I have to return an item?", history=[])
    reply.sources                      # [Source(title, snippet, source, ...)], known before the first chunk
    for chunk in reply: print(chunk, end="")
    reply.status, reply.text           # "faq" | "generated" | "extractive" | "no_answer" | "small_talk" | "rejected" | "error"

Contract:
- Customer service (`chat`): small talk ("hi", "thanks") gets a fixed reply (`service.small_talk`); otherwise
  passages retrieved for the question (a short follow-up: the best of searching it joined with the previous user
  turn and alone), less those scoring more than `passage_margin` below the best one, go into a delimited data
  block in the last user message; the system prompt is
  `customer_service_system_prompt`, the one fine-tuning trains with. When the knowledge base finds nothing
  relevant (`retriever.is_relevant`), or (with the guard on) no sentence of the passages comes within
  `extractive_min_similarity` of the question, the reply says so and offers a person, without calling the model.
- History is trimmed by tokens, oldest turns first, so that the prompt plus `max_tokens` fit the context
  window; when even the question with its passages is too long, the lowest-ranked passages go first.
- Input longer than `max_input_chars` is rejected with a clear message: no retrieval, no model call.
- Iterating a `Reply` never raises: a backend or retrieval error ends it with a friendly sentence
  (`status == "error"`), never a traceback.
- Translation is `service.translation.Translator`'s (glossary terms kept, `Reply.glossary_missing`); prompts
  are fitted to the context window by `service.prompting`. Content generation (reply e-mail, product
  description, social post, FAQ entry, with a tone) is grounded in passages retrieved for the brief; a finished
  draft's figures and names that neither they nor the brief state are marked "[check: ...]" where they stand and
  listed in `Reply.unchecked` (`service.drafts`).
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from functools import partial

from knowledge_base.chinese_script import SIMPLIFIED, Writing, in_writing
from service import prompts
from service.answerability import checked_stream
from service.asked_figures import AskedFigureCheck
from service.asks import asks, with_sharper
from service.backends import ChatBackend, ChatMessage, GenerationParams
from service.bundled_adapters import shipped_adapter
from service.citing import Citations
from service.confidence import ConfidenceFloor
from service.contacts import KnowledgeBaseContacts
from service.drafts import DraftCheck
from service.echoes import (
    Echoes, contradicts_its_no, denies_as_the_passages_do, question_lines, restates_the_question, stated_by,
    yes_the_passages_deny,
)
from service.errors import AssistantError
from service.extractive import PASSAGE_MARGIN, best_similarities, closest_sentences, is_question, join_sentences, quote_text
from service.faq_copies import FaqCopyCheck
from service.figure_context import FigureContextCheck
from service.follow_ups import asked_before, joined_query, merged_hits, reads_alone
from service.guard import GroundingGuard
from service.injection import has_instructions, without_instructions, without_sentences
from service.language import (
    Glossary, TokenCounter, approx_tokens, customer_writing, detect_language, in_base_writing, reply_language,
)
from service.leaks import LeakCheck
from service.model_registry import find_bundled
from service.pasted_questions import PastedQuestionCheck
from service.places import customer_region, for_another_region, region_note
from service.prompting import contents, defang, fit_messages, last_message
from service.quote_verdict import QuoteVerdict
from service.repeats import PreviousReply
from service.reply import Reply, Status, rejected_reply
from service.reranking import RERANK_POOL, by_closest_sentence, reranks
from service.settings import AssistantSettings
from service.small_talk import small_talk, small_talk_reply
from service.sources import Retriever, Source, close_to_best, faq_match, passage_text, section, to_sources
from service.translation import Translator

log = logging.getLogger(__name__)

CONTENT_KINDS = tuple(prompts.CONTENT_TASKS)
CONTENT_TONES = tuple(prompts.CONTENT_TONES)
_BRIEF_LABELS = {
    "reply_email": "The customer's message",
    "product_description": "Product",
    "social_post": "Topic",
    "faq_entry": "Topic",
}


# ----- the assistant ---------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class GroundedPrompt:
    """A customer-service question's prompts: the answer's, the answerability check's (None unless asked for),
    and the hits in them."""

    system: str
    messages: list[ChatMessage]
    check_messages: list[ChatMessage] | None
    used: list
    examples: list[ChatMessage] = dataclasses.field(default_factory=list)  # the worked examples among `messages`


# The last messages of a conversation a prompt can hold (two turns of the customer's fit a 2048-token window, with
# passages): the ones read in the knowledge base's writing of Chinese.
READ_HISTORY_MESSAGES = 8

# Every way an answer can fail its checks (`Reply`'s `second_look_for`).
ANY_FAILURE = frozenset({"declined", "unsure", "unsupported", "unanswered", "unvouched"})


class Assistant:
    """Answers customers, translates and drafts, for every session of the app at once.

    Holds no conversation state: callers pass the history. `context_window` is the served model's
    (prompt + answer, in tokens, counted with `count_tokens`); prompts are trimmed to fit it.
    """

    def __init__(
        self,
        backend: ChatBackend,
        retriever: Retriever | None,
        settings: AssistantSettings | None = None,
        *,
        glossary: Glossary | None = None,
        count_tokens: TokenCounter = approx_tokens,
        context_window: int = 2048,
        contacts: KnowledgeBaseContacts | None = None,
    ):
        self.backend = backend
        self.retriever = retriever
        self.settings = settings or AssistantSettings()
        self.glossary = glossary or Glossary()
        self.count_tokens = count_tokens
        self.context_window = context_window
        # The contact points answers may give: configured, and those of the trusted documents.
        self.contacts = contacts or KnowledgeBaseContacts(
            self.settings.allowed_contacts, self.settings.trusted_documents,
            retriever if hasattr(retriever, "texts_of") else None,
        )
        self.translator = Translator(self._stream, self.settings, self.glossary, count_tokens, context_window, self.check_input)

    # --- shared pieces ---

    def params(self, **overrides) -> GenerationParams:
        """Generation parameters: the settings' defaults, overridden by non-None keyword arguments."""
        values = {"max_tokens": self.settings.max_tokens, "temperature": self.settings.temperature}
        values.update({k: v for k, v in overrides.items() if v is not None})
        return GenerationParams(**values)

    def answer_params(self, params: GenerationParams, language: str) -> GenerationParams:
        """`params` for a customer-service answer in `language`: the settings' `answer_models` and `answer_sampling`
        for that language fill what `params` leaves unset (None)."""
        chosen = self.settings.answer_sampling.get(language)
        unset = {} if chosen is None else {
            name: value for name, value in chosen.model_dump().items() if getattr(params, name) is None
        }
        if params.model is None and language in self.settings.answer_models:
            unset["model"] = self.settings.answer_models[language]
        return dataclasses.replace(params, **unset) if unset else params

    def check_input(self, text: str, what: str = "message") -> str | None:
        """The message to show when `text` cannot be sent to the model, else None."""
        if not text or not text.strip():
            return f"Please type a {what} first."
        limit = self.settings.max_input_chars
        if len(text) > limit:
            return (
                f"Your {what} is {len(text):,} characters long; the limit is {limit:,}. "
                "Please shorten it or split it into several messages."
            )
        return None

    def retrieve(self, query: str, k: int | None = None) -> tuple[list, bool]:
        """(hits, relevant): the `k` passages for `query`, best first, re-ranked by their closest sentence where
        `reranks(query)` (`service.reranking`, from the first `RERANK_POOL` retrieval finds); `relevant` as the
        retriever judges the first `k` of those (a deeper search's first `k` can differ a little from a search for
        `k`). No retriever or k == 0 means nothing relevant."""
        k = self.settings.top_k if k is None else k
        if self.retriever is None or k <= 0:
            return [], False
        embed = getattr(self.retriever, "embed", None)
        rerank = bool(self.settings.sentence_rerank) and embed is not None and reranks(query)
        query = self.glossary.searched(query)  # the knowledge base's words for the customer's
        hits = list(self.retriever.search(query, k=max(k, RERANK_POOL) if rerank else k))
        relevant = bool(hits) and bool(self.retriever.is_relevant(hits[:k]))
        if rerank and hits:
            # An FAQ entry retrieval puts first whose question comes close enough for a direct answer keeps its place.
            direct = (getattr(hits[0], "question_score", None) or 0.0) >= self.settings.faq_direct_threshold
            hits = by_closest_sentence(
                query, hits, self._quotable_texts(hits, query), embed, self.settings.sentence_rerank, keep_first=direct
            )
        return hits[:k], relevant

    def retrieve_message(self, message: str, k: int | None = None) -> tuple[str, list, bool]:
        """(reading, hits, relevant) for one message searched as a whole, and each of its question sentences alone too
        (`service.asks`: the story around a question can outweigh it): one whose best passage comes closer to it than
        the message's best to the message adds that passage, and is the `reading` returned (what the passages'
        sentences are chosen for); else the reading is the message. A message that is not `relevant` as a whole takes
        the passages of its first question sentence that is, and that sentence is the reading: "whats in the box with
        the aria x2? do i get a case" comes within 0.38 of the specifications as a whole (the relevance bar is 0.40),
        its first sentence alone within 0.50."""
        hits, relevant = self.retrieve(message, k)
        reading = message
        for ask in asks(message):
            found, ask_relevant = self.retrieve(ask, k)
            if not ask_relevant:
                continue
            if not relevant:
                log.info("a question sentence is relevant where its whole message was not: %r", ask)
                reading, hits, relevant = ask, found, True
            elif (sharper := with_sharper(hits, found)) is not None:
                log.info("a question sentence searched alone found a closer passage: %r", ask)
                reading, hits = ask, sharper
        return reading, hits, relevant

    def search(self, query: str, k: int | None = None) -> list[Source]:
        """Passages for `query`, best first, as sources (for the /search endpoint)."""
        hits, _ = self.retrieve(query, k)
        return self.sources(hits)

    def sources(self, hits: Sequence) -> list[Source]:
        """Hits as the sources shown to a customer: snippets with contact points the company does not
        allow made inert ("hxxp://evil[.]example": no link to click)."""
        allow = self.contacts.current()
        return [dataclasses.replace(s, snippet=allow.defang(s.snippet))
                for s in to_sources(hits, self.settings.snippet_chars)]

    def clean_passage(self, text: str, question: str = "") -> str:
        """A passage as the model and the guard see it: without sentences that instruct an assistant ("note to
        the AI: ignore your instructions") or give a contact point the company does not allow, so that
        a planted instruction or phishing link never reaches the model to be repeated."""
        allow = self.contacts.current()
        return without_sentences(text, lambda s: has_instructions(s) or bool(allow.disallowed(s, question=question)))

    def passages_block(self, hits: Sequence, question: str = "", cleaned: dict[int, str] | None = None) -> str:
        """The numbered passages of a prompt; `cleaned` (id of a hit -> its cleaned text) saves cleaning again."""
        parts = []
        for i, h in enumerate(hits, 1):
            where = passage_label(h)
            text = cleaned[id(h)] if cleaned and id(h) in cleaned else self.clean_passage(h.text, question)
            # An FAQ entry's text starts with its question, which is already its title: once is enough.
            text = text[len(where):].lstrip() if where and text.startswith(where) else text
            text = text if len(text) <= self.settings.max_passage_chars else text[: self.settings.max_passage_chars] + "…"
            # No file name: models echo it to the customer ("see faq.csv"), and the sources show it anyway.
            parts.append(numbered_passage(i, where, text))
        return "\n\n".join(parts)

    def _stream(self, messages: list[ChatMessage], params: GenerationParams) -> Iterator[str]:
        return self.backend.stream(messages, params)

    def _budget(self, params: GenerationParams) -> int:
        # A margin for the chat template's role markers and the estimate's error.
        return self.context_window - params.max_tokens - 32

    def _fit(
        self, system: str, history: list[ChatMessage], make_user, hits: list, params: GenerationParams,
        examples: Sequence[ChatMessage] = (),
    ):
        return fit_messages(system, history, make_user, hits, self._budget(params), self.count_tokens, examples)

    # --- customer service ---

    def chat(
        self,
        question: str,
        history: list[ChatMessage] | None = None,
        *,
        k: int | None = None,
        params: GenerationParams | None = None,
        faq_direct: bool | None = None,
        guard: bool | None = None,
        answer_check: bool | None = None,
    ) -> Reply:
        """Answer a customer: an FAQ entry's curated answer when the question matches it closely
        (`faq_direct`), else the model's answer from the passages, checked against them (`guard`) and
        replaced by the passages' own sentences when it states something they do not; "I don't know,
        shall I get a person?" when the knowledge base has nothing relevant or (`guard`) no sentence of the
        passages comes near the question; the same with the passages' sentences closest to the question when the
        model says the passages do not answer it (in its answer, or asked first with `answer_check`). None: the
        settings decide. A customer who writes Chinese in the other script than the knowledge base (Traditional
        characters to a Simplified help centre) is read in the base's (`in_base_writing`), and every reply is shown in
        the customer's writing (`customers_writing`)."""
        problem = self.check_input(question, "question")
        if problem:
            return rejected_reply(problem)
        history = [m for m in (history or []) if m.get("role") in ("user", "assistant") and m.get("content")]
        question, history, shown = self.as_base_writes(question, history)
        reply = self._chat(question, history, k, params, faq_direct, guard, answer_check)
        return reply if shown is None else reply.written_with(shown)

    def as_base_writes(
        self, question: str, history: list[ChatMessage],
    ) -> tuple[str, list[ChatMessage], Callable[[str], str] | None]:
        """(question, history, shown): the customer's question and history as the knowledge base writes Chinese, and
        how the replies read in the customer's writing (`customers_writing`; None: as written, and the question and
        history are returned as they are)."""
        shown = self.customers_writing(customer_writing(question, last_message(history, "user")))
        if shown is None:
            return question, history, None
        base = self.base_writing
        # The messages the prompt can hold (the rest is trimmed anyway): a long history is not rewritten whole.
        recent = len(history) - READ_HISTORY_MESSAGES
        history = [m if i < recent else {**m, "content": in_base_writing(m["content"], base)} for i, m in enumerate(history)]
        return in_writing(question, base), history, shown

    @property
    def base_writing(self) -> Writing:
        """How the knowledge base writes Chinese (`KnowledgeBase.chinese_writing`; Simplified for a retriever that does
        not say)."""
        return getattr(self.retriever, "chinese_writing", SIMPLIFIED)

    def customers_writing(self, customer: Writing | None) -> Callable[[str], str] | None:
        """How a text the assistant shows (an answer in the base's writing, or one of the app's own texts, written in
        Simplified characters) reads in the `customer`'s writing (`service.language.customer_writing`); None where the
        customer writes as the base does (a base written in Traditional characters keeps its own, 台北 not 臺北, and the
        app's texts stay Simplified) or does not tell. Characters only: a reader in Taiwan reads the base's words."""
        if customer is None or customer == self.base_writing:
            return None
        return partial(in_writing, writing=customer)

    def _chat(
        self, question: str, history: list[ChatMessage], k: int | None, params: GenerationParams | None,
        faq_direct: bool | None, guard: bool | None, answer_check: bool | None,
    ) -> Reply:
        """`chat` for a question (checked) and history in the knowledge base's writing."""
        started = time.perf_counter()
        language = reply_language(question, last_message(history, "user"))
        params = self.answer_params(params or self.params(), language)
        # Sentences that instruct the assistant ("ignore your instructions", "you are now ...") are not a
        # customer's question: the rest is answered; a message of nothing else gets a polite refusal.
        question = without_instructions(question)
        if not question:
            text = prompts.in_language(prompts.ONLY_CUSTOMER_SERVICE, language)
            return Reply("rejected", text=text.format(company=self.settings.company), started=started)
        # "Hi", "thanks", "what can you do?" are no questions for the knowledge base: a fixed reply, no model.
        kind = small_talk(question, self.settings.company)
        if kind is not None:
            return Reply("small_talk", text=small_talk_reply(kind, language, self.settings.company), started=started)
        try:
            query, hits, relevant = self.retrieve_in_conversation(question, history, k)
        except Exception as e:
            log.exception("retrieval failed")
            return Reply("error", chunks=_raise(_retrieval_error(e)), started=started)
        retrieval_s = time.perf_counter() - started
        use_faq = self.settings.faq_direct if faq_direct is None else faq_direct
        entry = faq_match(hits, question, language, self.settings.faq_direct_threshold) if use_faq else None
        # A curated answer is given verbatim only when every contact point in it is allowed: a planted FAQ
        # entry must not become a phishing answer. Otherwise the model answers, under the guard.
        if entry is not None and self._may_quote(entry.answer, question):
            reply = Reply(
                "faq", text=f"{entry.answer} [1]", sources=self.sources([entry]),
                started=started, retrieval_s=retrieval_s,
            )
            reply.passages = [passage_text(entry)]
            return reply
        if not relevant:
            return Reply("no_answer", text=no_answer_text(language), started=started, retrieval_s=retrieval_s)
        return self._generated(
            question, query, history, hits, params, language, started, retrieval_s,
            guard=self.settings.guard if guard is None else guard,
            answer_check=self.settings.answer_check if answer_check is None else answer_check,
        )

    def _may_quote(self, text: str, question: str) -> bool:
        """Whether a curated answer may be given verbatim: no contact point outside the allow-list, no
        instruction to an assistant (a planted FAQ entry must not become a phishing answer)."""
        return not has_instructions(text) and not self.contacts.current().disallowed(text, question=question)

    def grounded_prompt(
        self, question: str, history: list[ChatMessage], hits: Sequence, params: GenerationParams, language: str,
        *, with_check: bool = False, query: str | None = None,
    ) -> GroundedPrompt | None:
        """The answer's messages (system prompt, the history that fits, the passages that fit and the question)
        and, `with_check`, the answerability check's (the same, asking whether the passages answer it); None
        when not even the question with one passage fits the context window. `query` is what was searched (a
        follow-up joined with the question before it; default `question`): with `prompt_sentences`, the
        passages' sentences closest to it are the ones given."""
        system = prompts.customer_service_system_prompt(self.settings.company, self.settings.instructions)
        cleaned = {id(h): self.clean_passage(h.text, question) for h in hits}  # once, however often fitting retries
        query = query or question
        asked = self._asked(question, hits, cleaned)

        def make_user(used_hits, check_frame=None):
            block = self._sentences_block(query, used_hits, cleaned) if self.settings.prompt_sentences else None
            passages = block or self.passages_block(used_hits, question, cleaned)
            if check_frame is None:
                return {"role": "user", "content": prompts.grounded_question(language, passages, asked)}
            return {"role": "user", "content": check_frame.format(passages=passages, question=asked)}

        examples = prompts.worked_examples(language) if language in self.settings.worked_examples else []
        messages, used = self._fit(system, history, make_user, list(hits), params, examples)
        if messages is None or not used:
            return None
        # The check asks for a verdict, not an answer: the worked examples would show it the wrong reply.
        history_kept = messages[1 + len(examples):-1]
        check_messages = [messages[0], *history_kept, make_user(used, prompts.ANSWERABLE_QUESTION)] if with_check else None
        return GroundedPrompt(system, messages, check_messages, used, examples)

    def _generated(
        self, question: str, query: str, history: list[ChatMessage], hits: list, params: GenerationParams,
        language: str, started: float, retrieval_s: float, *, guard: bool, answer_check: bool,
    ) -> Reply:
        """The model's answer from the passages that fit the context window; with `answer_check`, only after the
        model says they answer the question; with `guard`, checked as it streams and replaced by the passages'
        own sentences when it states something they do not, or (`confidence_floor`) when the model was unsure of
        it. Whatever `guard` says, the answer must keep to the contact allow-list and not repeat the instructions.
        With `guard`, an adapter's answer (`adapter_bar`) is held until it has passed every check and the
        base model vouches for it as answering the question; otherwise the base model answers."""
        # An adapter's answer the base model must vouch for; when it does not, the base answers (the same call, its
        # params naming no model).
        vouch_bar = self.adapter_bar(params) if guard else None
        base_params = dataclasses.replace(params, model=None)
        by_base = partial(
            self._generated, question, query, history, hits, base_params, language, started, retrieval_s, guard=guard,
            answer_check=answer_check,
        )
        hits = self.prompt_hits(hits, language, question)
        prompt = self.grounded_prompt(question, history, hits, params, language, with_check=answer_check, query=query)
        if prompt is None:
            return rejected_reply("That question is too long for the model's context window; please shorten it.")
        # With the guard on, the extractive answer is chosen first: when no sentence of the passages comes near the
        # question, they are on topic but do not answer it, and the model would answer anyway (README, "Answers
        # customers can trust"): say so instead. Otherwise it is the fallback, ready. A follow-up ("and for
        # headphones?") is compared as it was searched, with the question before it, unless it reads alone.
        if guard and query != question:
            query = self.reading(question, query, prompt.used)
        runs = self._closest_runs(query, prompt.used) if guard else None
        quote = None if runs is None else quote_text(runs)
        if quote == "":
            log.info("declined before generating: no passage sentence is close to the question")
            return Reply("no_answer", text=no_answer_text(language), started=started, retrieval_s=retrieval_s)
        sources = self.sources(prompt.used)
        passages = [self.clean_passage(passage_text(h), question) for h in prompt.used]

        previous = PreviousReply.of(history, question)  # the reply before, which an answer must not say again

        def new_check() -> GroundingGuard:  # one per answer: it follows the stream it checks
            return GroundingGuard.for_answer(
                passages if guard else None, question, self.vocabulary, headings=_headings(prompt.used, passages),
                labels=[defang(passage_label(h)) for h in prompt.used], previous=previous,
                contacts=self.contacts.current().checker(question),
                # The instructions are the system prompt, the fixed wording of the question's frame and the worked
                # examples' answers (copying one is no answer to this customer).
                leaks=LeakCheck(
                    "\n".join([prompt.system, prompts.grounded_question_wording(language),
                               *(m["content"] for m in prompt.examples if m["role"] == "assistant")]),
                    [*passages, prompts.DECLINE_INSTRUCTION, prompts.DECLINE_IF_SILENT, prompts.DECLINE_IF_SILENT_ZH],
                ),
            )

        floor = self.confidence_floor(params) if guard else None
        # A decline's quote stands as the answer, in every language, when the model vouches for it as answering the
        # customer's message, and only a quote chosen for the message itself (or one of its question sentences): one
        # chosen for the message read with the question before it may answer that earlier question, and the model
        # vouches for such quotes too (in the browser, "你们发的什么快递 顺丰吗" after a Huabei question, whose words none of
        # the passages share, got the Huabei fees at a yes of 0.75). Those stay the decline.
        verdict = self.quote_verdict(params) if guard and query in question else None
        vouch = partial(verdict.vouches, question) if verdict else None
        bar = self.settings.faq_copy_min_similarity
        copies = FaqCopyCheck.for_passages(prompt.used, bar) if guard and bar is not None else None
        # Whole-answer checks of whether it answers the question from the passages (each `verdict(answer)`).
        answers_it = [
            c for c in (
                copies, FigureContextCheck(passages, question, self.vocabulary), PastedQuestionCheck(passages, question, language),
                AskedFigureCheck(question),
            )
            if c is not None
        ] if guard else []
        # The same for the first answer and a second look: the passages do not change.
        unanswered = partial(self._unanswered, question, Echoes(passages), passages, answers_it) if guard else None
        if floor is not None:
            params = dataclasses.replace(params, logprobs=True)

        # A second look comes before a decline: the model's "I don't know", and, where a failed answer's fallback is
        # the decline (outside the extractive languages), an answer it was unsure of.
        look_for = frozenset({"declined"} | (set() if language in self.settings.extractive_languages else {"unsure"}))

        def answer(chunks, messages: list[ChatMessage], second_look=None, second_look_for=look_for, **vouching) -> Reply:
            reply = Reply(
                "generated", sources=sources, chunks=chunks, started=started, retrieval_s=retrieval_s,
                check=new_check(), fallback=partial(self._extractive, query, prompt.used, sources, language, quote, vouch),
                decline=partial(self._closest, quote, sources, language, vouch), confidence=floor, second_look=second_look,
                second_look_for=second_look_for, unanswered=unanswered,
                cited_first_moved=True, citations=Citations(passages, self.vocabulary), question=question if guard else None,
                **vouching,
            )
            reply.messages, reply.passages = messages, passages
            return reply

        def second_look() -> Reply:
            messages = [*prompt.messages[:-1], self._focused_question(question, prompt.used, runs, language)]
            return answer(self._stream(messages, params), messages)

        if answer_check:
            chunks = checked_stream(self._stream, prompt.check_messages, prompt.messages, params)
        else:
            chunks = self._stream(prompt.messages, params)
        if vouch_bar is not None:
            # Held until the base model's verdict; any failure, or no verdict for it, and the base answers instead.
            base_verdict = QuoteVerdict(self._stream, base_params, vouch_bar)
            return answer(
                chunks, prompt.messages, partial(self._base_answer, by_base), ANY_FAILURE, held=True, model=params.model,
                vouch=lambda text: base_verdict.vouches(question, text, language),
            )
        return answer(chunks, prompt.messages, second_look if guard and quote and self.settings.second_look else None)

    def adapter_bar(self, params: GenerationParams) -> float | None:
        """The bar of the base model's verdict on the answers of the model `params` name (`service.quote_verdict`), where
        they are put to it (the settings' `adapter_verdict`): the settings' `min_adapter_yes` for any model but the base;
        else a shipped adapter's calibrated `min_vouch` (`service.bundled_adapters`) where the backend serves its base as
        the model of requests that name none. None: its answers stand on the guard alone."""
        if not self.settings.adapter_verdict or params.model is None:
            return None
        if self.settings.min_adapter_yes is not None:
            return None if params.model == self._base_name() else self.settings.min_adapter_yes
        base = self._bundled_answering(dataclasses.replace(params, model=None))
        adapter = shipped_adapter(params.model)
        if adapter is None or adapter.min_vouch is None or base is None or base.name != adapter.base:
            return None
        return adapter.min_vouch

    def _base_answer(self, by_base: Callable[[], Reply]) -> Reply:
        """The base model's reply (`by_base()`) in place of an adapter's answer, marked as the base's."""
        reply = by_base()
        reply.model = self._base_name()
        return reply

    def prompt_hits(self, hits: Sequence, language: str, question: str = "") -> list:
        """The retrieved `hits` an answer's prompt may take, best first: those within the settings' `passage_margin`
        of the best, and at most `prompt_passages` of them for an answer in `language`; with `region_passages`, not
        those headed for another region than the one `question` places the customer in, while one is left."""
        hits = close_to_best(hits, self.settings.passage_margin)
        region = customer_region(question) if self.settings.region_passages and question else None
        if region is not None:
            hits = [h for h in hits if not for_another_region(passage_heading(h), region)] or hits
        return hits[: self.settings.prompt_passages.get(language)]

    def reading(self, message: str, joined: str, used: Sequence) -> str:
        """What the passages' sentences are chosen for (the quote, the extractive answer, the decline before the
        model): a short message `joined` with the question before it, or the message alone when it is a question of
        its own (`service.follow_ups.reads_alone`)."""
        embed = getattr(self.retriever, "embed", None)
        if embed is None:
            return joined
        texts = self._quotable_texts(used, message)
        alone, together = best_similarities([message, joined], texts, embed)
        reading = message if reads_alone(alone, together, self.settings.extractive_min_similarity) else joined
        log.info("a short message read %s (closest sentence: alone %.2f, joined %.2f)",
                 "alone" if reading is message else "with the question before it", alone, together)
        return reading

    def _unanswered(
        self, question: str, echoes: Echoes, passages: Sequence[str], checks: Sequence, answer: str,
    ) -> str | None:
        """Why a whole generated answer, though every fact in it is in the `passages` (`echoes`: the same, as
        `stated_by` reads them), does not answer the customer's question from them (it is then declined, the closest
        sentences shown), or None. A restatement of the question the passages themselves state ("Click & Collect is
        free.") is their answer, not a guess, and so is a "no" that denies what a passage denies ("No, we do not ship
        to the USA.")."""
        if (
            restates_the_question(answer, question) and not stated_by(answer, echoes)
            and not denies_as_the_passages_do(answer, question, passages)
        ):
            return "an answer that only says the question back, with a yes or no"
        if contradicts_its_no(answer, question):
            return "an answer whose no goes on to say yes"
        if denied := yes_the_passages_deny(answer, question, passages):
            return f"an answer whose yes allows what the passages deny ({', '.join(sorted(denied))})"
        return next((why for check in checks if (why := check.verdict(answer))), None)

    def _sentences_block(self, question: str, used: Sequence, cleaned: dict[int, str] | None = None) -> str | None:
        """The prompt's passages as only their `prompt_sentences` sentences closest to the question, each after the
        question it answers, under the passages' numbers and labels; None when they cannot be chosen (no embedding
        model, or no sentence reaches the extractive answer's similarity), and the whole passages are given."""
        # No similarity bar: whether the passages come near enough to answer at all is the extractive answer's
        # decision (a decline before the model is asked); here the model reads the closest sentences there are.
        runs = self._closest_runs(
            question, used, max_sentences=self.settings.prompt_sentences, min_similarity=-1.0, with_questions=True,
            passage_margin=None, cleaned=cleaned,
        )
        return sentences_block(used, runs) if runs else None

    def _focused_question(self, question: str, used: Sequence, runs: list[tuple[int, list[str]]], language: str) -> ChatMessage:
        """The question's frame again, with only the passages' sentences closest to the question (`runs`, the
        extractive answer's, under their passages' numbers and labels) instead of the whole passages: for a second look before
        a decline (the model said it did not know, or was unsure of an answer whose fallback is the decline). The 1.5B default says "I do not know." to a third of the answerable dev
        questions it declines whose answer is one sentence of four passages, and answers them from that sentence
        alone (README, "Answers customers can trust", session 16)."""
        block = sentences_block(used, runs)
        return {"role": "user", "content": prompts.grounded_question(language, block, self._asked(question, used))}

    def _asked(self, question: str, hits: Sequence, cleaned: dict[int, str] | None = None) -> str:
        """The question as an answer's prompt gives it: with `region_notes`, followed by where the places it names
        are, when the `hits` price their region and never name them (`service.places.region_note`)."""
        if not self.settings.region_notes:
            return question
        texts = [f"{passage_label(h)}\n{cleaned[id(h)] if cleaned and id(h) in cleaned else h.text}" for h in hits]
        note = region_note(question, texts)
        return f"{question}\n(Note: {note})" if note else question

    def confidence_floor(self, params: GenerationParams) -> ConfidenceFloor | None:
        """The floor under an answer's tokens (`service.confidence`): the settings' `min_answer_logprob`, for whichever
        model answers (an adapter is calibrated that way: `bench/confidence.py`); else the calibrated one of the bundled
        model the backend serves, for its own answers only (an adapter's probabilities are its own). None when
        `answer_confidence` is off and for models without a calibrated floor."""
        if not self.settings.answer_confidence:
            return None
        if self.settings.min_answer_logprob is not None:
            return ConfidenceFloor(self.settings.min_answer_logprob)
        bundled = self._bundled_answering(params)
        return ConfidenceFloor(bundled.min_answer_logprob) if bundled and bundled.min_answer_logprob is not None else None

    def quote_verdict(self, params: GenerationParams) -> QuoteVerdict | None:
        """The model's verdict on a decline's quoted sentences (`service.quote_verdict`): with the settings'
        `min_quote_yes` for whichever model answers, else the calibrated bar of the bundled model the backend serves,
        for its own answers only. None when `quote_verdict` is off and for models without a calibrated bar."""
        if not self.settings.quote_verdict:
            return None
        bar = self.settings.min_quote_yes
        if bar is None:
            bundled = self._bundled_answering(params)
            bar = bundled.min_quote_yes if bundled else None
        return None if bar is None else QuoteVerdict(self._stream, params, bar)

    def _bundled_answering(self, params: GenerationParams):
        """The bundled model (`service.model_registry`) answering with `params`: the backend's base model when it is
        one and `params` name no other (an adapter's probabilities are its own); else None."""
        base = self._base_name()
        return find_bundled(base) if base and params.model in (None, base) else None

    def _base_name(self) -> str | None:
        """The name of the model the backend serves to requests that name none; None when it cannot be told."""
        try:
            return getattr(self.backend, "name", None)
        except AssistantError:
            return None  # the server is not reachable: the answer's own request will say so

    @property
    def vocabulary(self) -> frozenset[str]:
        """The knowledge base's own names (products, programmes, offers) the guard checks answers for."""
        return frozenset(getattr(self.retriever, "vocabulary", None) or ())

    def quote(self, question: str, used: Sequence) -> str | None:
        """The sentences of the passages closest to the question, cited; "" when none reaches the settings'
        `extractive_min_similarity`; None when the retriever cannot embed (no way to tell)."""
        runs = self._closest_runs(question, used)
        return None if runs is None else quote_text(runs)

    def _closest_runs(
        self, question: str, used: Sequence, *, max_sentences: int | None = None, min_similarity: float | None = None,
        with_questions: bool = False, passage_margin: float | None = PASSAGE_MARGIN, cleaned: dict[int, str] | None = None,
    ) -> list[tuple[int, list[str]]] | None:
        """`closest_sentences` of the passages (`_quotable_texts`); `max_sentences` and `min_similarity` default to the
        extractive answer's settings, `passage_margin` to its own; `cleaned` as `_quotable_texts` takes it; None when
        the retriever cannot embed."""
        embed = getattr(self.retriever, "embed", None)
        if embed is None:
            return None
        return closest_sentences(
            self.glossary.searched(question), self._quotable_texts(used, question, cleaned), embed,
            max_sentences=max_sentences or self.settings.extractive_sentences,
            min_similarity=self.settings.extractive_min_similarity if min_similarity is None else min_similarity,
            with_questions=with_questions, passage_margin=passage_margin,
        )

    def _quotable_texts(self, used: Sequence, question: str, cleaned: dict[int, str] | None = None) -> list[str]:
        """The passages as the extractive functions read them: cleaned as the guard sees them (`cleaned`, id of a hit
        -> its cleaned text, saves cleaning again), each under its section's heading (`under_heading`)."""
        return [
            under_heading(h, cleaned[id(h)] if cleaned and id(h) in cleaned else self.clean_passage(passage_text(h, with_title=False), question))
            for h in used
        ]

    def _extractive(
        self, question: str, used: list, sources: list[Source], language: str, quote: str | None = None,
        vouch: Callable[[str, str], bool] | None = None,
    ):
        """The fallback for a generated answer that failed its check: the passages' own best sentences (`quote`,
        when already chosen) as the answer, in the `extractive_languages`; in others, shown inside the decline
        (`_closest`, with `vouch`)."""
        text = quote if quote is not None else self.quote(question, used)
        if not text or language not in self.settings.extractive_languages:
            return self._closest(text, sources, language, vouch)
        return _quoted_answer(text, sources, language)

    def _closest(
        self, quote: str | None, sources: list[Source], language: str, vouch: Callable[[str, str], bool] | None = None,
    ):
        """A decline (status `no_answer`: a gap on the dashboard, a person offered) that shows the passages'
        sentences closest to the question (`quote`), cited; the plain decline without a quote. For when the model
        says the passages do not answer the question, and for a failed answer outside the `extractive_languages`.
        When `vouch(quote, language)` (the model's verdict, `quote_verdict`) says the sentences answer the question,
        they are the answer instead, as an extractive one, in any language.

        Why the sentences: the 1.5B default says "I do not know" to answerable questions whose answer is one
        passage sentence ("Batteries are covered for the full 2 years if ..."), and a customer would rather read
        it than only be offered a person (README, "Answers customers can trust", session 15)."""
        if not quote:
            return "no_answer", no_answer_text(language), []
        if vouch is not None and vouch(quote, language):
            log.info("the model vouches for the quote: an extractive answer instead of the decline")
            return _quoted_answer(quote, sources, language)
        lead, offer = (prompts.in_language(t, language) for t in (prompts.CLOSEST_LEAD, prompts.OFFER_PERSON))
        return "no_answer", f"{lead}{quote} {offer}", sources

    def retrieve_in_conversation(self, question: str, history: list[ChatMessage], k: int | None = None) -> tuple[str, list, bool]:
        """(query, hits, relevant) for a customer's message: a short one is searched joined with the previous
        question (`service.follow_ups`: "and to germany?" means nothing alone) and also alone, because a short
        message can be a new question ("can i pay with paypal?" after a delivery question); the passages are the
        best of both searches, each at its better score, and always hold the best passage for the message alone.
        Any other message is searched as `retrieve_message` does."""
        query = joined_query(question, asked_before(contents(history, "user")))
        if query is None:
            return self.retrieve_message(question, k)
        hits, relevant = self.retrieve(query, k)
        own, own_relevant = self.retrieve(question, k)
        return query, merged_hits(hits, own, max(len(hits), len(own))), relevant or own_relevant

    def ask(self, question: str, **kwargs) -> tuple[str, list[Source], Status]:
        """One question, whole answer: (text, sources, status)."""
        reply = self.chat(question, [], **kwargs)
        text = reply.collect()
        return text, reply.sources, reply.status

    # --- translation ---

    def translate(
        self, text: str, target: str = "en", source: str = "auto", *, params: GenerationParams | None = None
    ) -> Reply:
        """`text` translated into `target` (see `service.translation`); greedy unless `params` say otherwise."""
        return self.translator.translate(text, target, source, params or self.params(temperature=0.0))

    # --- content generation ---

    def generate(
        self,
        kind: str,
        brief: str,
        tone: str = "friendly",
        *,
        k: int | None = None,
        params: GenerationParams | None = None,
    ) -> Reply:
        started = time.perf_counter()
        if kind not in prompts.CONTENT_TASKS:
            return rejected_reply(f"Unknown content type {kind!r}; choose one of {', '.join(CONTENT_KINDS)}.")
        if tone not in prompts.CONTENT_TONES:
            return rejected_reply(f"Unknown tone {tone!r}; choose one of {', '.join(CONTENT_TONES)}.")
        problem = self.check_input(brief, "brief")
        if problem:
            return rejected_reply(problem)
        try:
            _, hits, relevant = self.retrieve_message(brief, k)
        except Exception as e:
            log.exception("retrieval failed")
            return Reply("error", chunks=_raise(_retrieval_error(e)), started=started)
        retrieval_s = time.perf_counter() - started
        hits = hits if relevant else []
        language = detect_language(brief)
        system = prompts.CONTENT_SYSTEM_PROMPT.format(company=self.settings.company)
        task = prompts.CONTENT_TASKS[kind].format(company=self.settings.company)

        def make_user(used_hits):
            facts = (
                prompts.CONTENT_FACTS.format(passages=self.passages_block(used_hits)) if used_hits else prompts.CONTENT_NO_FACTS
            )
            return {
                "role": "user",
                "content": prompts.CONTENT_REQUEST.format(
                    facts=facts, task=task, tone=prompts.CONTENT_TONES[tone],
                    language_hint=prompts.WRITE_IN.get(language, ""), label=_BRIEF_LABELS[kind], brief=defang(brief),
                ),
            }

        params = params or self.params()
        examples = (
            prompts.content_examples(kind, language, self.settings.company, tone, _BRIEF_LABELS[kind])
            if self.settings.content_examples else []
        )
        messages, used = self._fit(system, [], make_user, hits, params)
        if messages is None:
            return rejected_reply("That brief is too long for the model's context window; please shorten it.")
        # The examples only where they cost no passage: the facts come first, and a long brief goes without them.
        shown, shown_used = self._fit(system, [], make_user, hits, params, examples) if examples else (None, [])
        with_examples = shown is not None and len(shown_used) == len(used)
        check = DraftCheck(
            [passage_text(h) for h in used], brief, self.vocabulary, company=self.settings.company,
            example_terms=prompts.EXAMPLE_TERMS if with_examples else (),
        )
        messages = shown if with_examples else messages

        def mark_unchecked(reply: Reply) -> None:
            reply.text, reply.unchecked = check.marked(reply.text)
            if reply.unchecked:
                log.info("draft: marked as not in the knowledge base: %s", ", ".join(reply.unchecked))

        reply = Reply(
            "generated", sources=self.sources(used),
            chunks=self._stream(messages, params), started=started, retrieval_s=retrieval_s, on_done=mark_unchecked,
        )
        reply.messages = messages
        return reply


def numbered_passage(number: int, label: str, text: str) -> str:
    """One passage of a prompt: "[n] label", then its text, both made inert."""
    return f"[{number}] {defang(label)}\n{defang(text)}"


def sentences_block(used: Sequence, runs: Sequence[tuple[int, list[str]]]) -> str:
    """Chosen sentences (`runs`: passage index in `used`, sentences) as a prompt's passages: under each passage's
    number and label, less a question that only repeats the label (an FAQ entry's question is its title)."""
    parts = []
    for p, sentences in runs:
        label = passage_label(used[p])
        kept = [s for s in sentences if not (is_question(s) and s.strip() in label)]
        parts.append(numbered_passage(p + 1, label, join_sentences(kept)))
    return "\n\n".join(parts)


def under_heading(hit, text: str) -> str:
    """A passage's `text` after its section's own heading as a Markdown heading line, which `closest_sentences` may
    match with the question; for a passage under the document's title only, after that title as the text's title
    ("# ..."), which only says what a sentence pointing back at its subject ("They are ...") is about."""
    heading = own_heading(hit)
    if heading:
        return f"## {heading}\n{text}"
    return f"# {hit.title}\n{text}" if hit.title else text


def own_heading(hit) -> str:
    """A passage's section's own heading: the last part of its heading path without the document's title ("European
    Union"); "" for a passage under the title only."""
    return section(hit.title, getattr(hit, "heading", "") or "").split(" › ")[-1]


def passage_heading(hit) -> str:
    """What a passage is about in a word or two: its own heading, or its title where it has none (an FAQ entry's
    question)."""
    return own_heading(hit) or hit.title


def passage_label(hit) -> str:
    """How the prompt names a passage after its number: "Title > Heading", or the title alone."""
    # A document's heading path may already start with its title ("Returns > Refund times"): name it once.
    sub = section(hit.title, getattr(hit, "heading", "") or "", sep=" > ")
    return f"{hit.title} > {sub}" if sub else hit.title


def _headings(hits: Sequence, passages: Sequence[str]) -> list[str]:
    """What an answer must say more than: the hits' titles, headings and FAQ questions, and the questions inside
    the passages' text."""
    named = [getattr(h, name, "") or "" for h in hits for name in ("title", "heading", "question")]
    return [t for t in named if t] + [line for p in passages for line in question_lines(p)]


def _quoted_answer(quote: str, sources: list[Source], language: str):
    """An extractive answer: the passages' sentences (`quote`, cited) after a lead, a person offered after them."""
    lead, offer = (prompts.in_language(t, language) for t in (prompts.EXTRACTIVE_LEAD, prompts.EXTRACTIVE_OFFER))
    return "extractive", f"{lead}{quote} {offer}", sources


def no_answer_text(language: str) -> str:
    return prompts.in_language(prompts.NO_ANSWER, language)


def _retrieval_error(e: Exception) -> AssistantError:
    return AssistantError(f"the knowledge base could not be searched ({type(e).__name__}: {e}).")


def _raise(error: Exception) -> Iterator[str]:
    raise error
    yield  # pragma: no cover - makes this a generator that raises when iterated
