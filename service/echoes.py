"""Answers that say nothing: they only repeat the customer's question or the passages' titles, headings and FAQ
questions.

    echoes = Echoes([question, "Returns", "When will I get my refund?"])
    echoes.says_nothing("[2] When will I get my refund?")         # True: a heading, cited
    echoes.says_nothing("Refunds take 5 working days [2].")       # False
    echoes.may_become_nothing("When will I")                      # True: hold it back, it may be an echo

Small models given passages sometimes answer with the passages' headings ("[2] When will my order be
dispatched? [3] When will I get my refund?") or the customer's own question: nothing the grounding guard could
find unsupported, and nothing a customer can use. Contract: an answer says nothing when each of its sentences,
without citations, markup and the punctuation at its ends, is empty or appears in one of the echoes (whole words,
case-insensitive, whitespace collapsed, "I"/"my" read as "you"/"your"). A sentence of one or two words (three Chinese characters or fewer:
"No.", "可以。") is an answer, unless it is a whole echo (a one-word heading: "Warranty") or a question found in one. `may_become_nothing` reads a growing answer: true while every
sentence so far, the unfinished last one included whatever its length, is empty or in an echo. A passage's label
as the prompt shows it ("[1] Title > Heading") is an echo when each of its parts is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from knowledge_base.lexical import tokenize
from knowledge_base.text import HAN_RANGES, ends_a_sentence, is_mostly_cjk, says_little, sentence_spans, sentences
from service.claim_forms import CITATION, EMAIL, URL  # "[2]", "[1, 3]", "【2】": not part of what an answer says
from service.extractive import is_question

_EDGES = re.compile(r"^[\W_]+|[\W_]+$")
_LABEL_PATH = re.compile(r"\s+[>›]\s+")
_HAN = re.compile(rf"[{HAN_RANGES}]")


# A question restated to the customer swaps the person ("I lost my phone" -> "You lost your phone").
_PERSON = {"i": "you", "me": "you", "we": "you", "us": "you", "my": "your", "our": "your", "am": "are", "i'm": "you're"}
_WORD = re.compile(r"[a-z']+")


def _core(text: str) -> str:
    core = _EDGES.sub("", re.sub(r"\s+", " ", CITATION.sub(" ", text)).lower().replace("*", ""))
    return _WORD.sub(lambda m: _PERSON.get(m.group(), m.group()), core)


def after_echoed_question(answer: str, question: str) -> int:
    """Where `answer` goes on after a first line that only says the customer's `question` back (citations aside), as
    the 1.5B opens some Chinese answers ("耳机用了两年半 坏了 没买延保 还在保修期吗 [2]\n\n耳机用了两年半，但……"); 0 when its
    first line is not such an echo, or is not followed by a line break and more text yet. The line is the question's
    words, not an answer's: the customer does not need to read their question again."""
    line_end = answer.find("\n")
    if line_end < 0 or not answer[line_end:].strip():
        return 0
    line = CITATION.sub(" ", answer[:line_end]).strip()
    if not line or not Echoes([question]).says_nothing(line):
        return 0
    return line_end + len(answer[line_end:]) - len(answer[line_end:].lstrip())


def question_lines(passage: str) -> list[str]:
    """The lines of a passage that are questions (an FAQ's question inside a document's text)."""
    return [line for line in passage.splitlines() if is_question(line.strip())]


class Echoes:
    """What an answer must not merely repeat: the question, titles, headings, FAQ questions."""

    def __init__(self, texts: Iterable[str]):
        self._texts = [core for core in (_core(t) for t in texts if t) if core]

    def _in_echo(self, core: str) -> bool:
        # Whole words: "no" is not in "norway"; Chinese has no spaces, so there a substring is enough.
        before = "" if _HAN.match(core[:1]) else r"(?<!\w)"
        after = "" if _HAN.match(core[-1:]) else r"(?!\w)"
        pattern = re.compile(before + re.escape(core) + after)
        return any(pattern.search(t) for t in self._texts)

    def _is_echo(self, sentence: str, *, unfinished: bool = False) -> bool:
        # A passage's label as the prompt shows it ("[1] Title > Heading") echoes part by part.
        parts = _LABEL_PATH.split(sentence)
        return all(self._part_is_echo(p, unfinished=unfinished and i == len(parts) - 1) for i, p in enumerate(parts))

    def _part_is_echo(self, sentence: str, *, unfinished: bool) -> bool:
        core = _core(sentence)
        if not core:
            return True
        if not unfinished and says_little(core):
            # A short sentence echoes only a whole heading ("Warranty"), never a word ("No."), unless it is a question
            # the echoes hold ("What happened?" of "I've been charged twice. What happened?"): no answer asks that.
            return core in self._texts or (is_question(sentence.strip()) and self._in_echo(core))
        return self._in_echo(core)

    def says_nothing(self, answer: str) -> bool:
        """Every sentence of the whole `answer` is empty or an echo."""
        return all(self._is_echo(s) for s in sentences(answer, clauses=True))

    def may_become_nothing(self, text: str) -> bool:
        """The growing answer `text` says nothing so far (its last sentence may be unfinished)."""
        pieces = [text[start:end] for start, end in sentence_spans(text, clauses=True)]
        # The last sentence as written so far, its trailing space kept: "设置 > " may go on to a label's next part.
        last = pieces.pop() if pieces and not ends_a_sentence(text, clauses=True) else ""
        return all(self._is_echo(p.strip()) for p in pieces) and self._is_echo(last, unfinished=True)


# An answer made of the question's own words and a verdict ("是的，旧手机屏幕摔裂了还可以拿来回收。", "Yes, you can use
# your UK gift card on the EU site.") guesses the yes or no: on the stored dev answers of sessions 16-21, of those with
# this share or more of their words (Chinese: character pairs) from the question and no number of their own, 0 of 8
# English and 1 of 19 Chinese were right; on the held-out ones 0 of 3 and 1 of 10 (docs/answer-quality.md, session 22).
RESTATEMENT_SHARE = 0.75
_UNITS_EN = re.compile(r"[a-z0-9]+")
_DIGITS = re.compile(r"\d+")
_SPOKEN = {**_PERSON, "u": "you", "ur": "your"}


def _own_figures(text: str) -> set[str]:
    """The numbers, e-mail addresses and links of `text`: what an answer can add that its words do not show."""
    return set(_DIGITS.findall(text)) | {m.lower() for m in EMAIL.findall(text)} | {m.lower() for m in URL.findall(text)}


def _units(text: str) -> list[str]:
    """Words (English, the person swapped as a restatement swaps it) and pairs of Chinese characters and digits."""
    text = CITATION.sub(" ", text).lower()
    if is_mostly_cjk(text, 0.5):
        flat = "".join(ch for ch in text if _HAN.match(ch) or ch.isalnum())
        return [flat[i : i + 2] for i in range(len(flat) - 1)]
    return [_SPOKEN.get(w, w) for w in _UNITS_EN.findall(text)]


# An answer's opening before its first word: punctuation and citation marks ("[1] Yes, ...").
OPENING_MARKS = rf"^\W*(?:(?:{CITATION.pattern})\s*)*"
# A verdict that opens an answer ("Yes, ", "No. ", "是的，"): what follows it is what the answer states.
_VERDICT = re.compile(rf"{OPENING_MARKS}(?:(?:yes|yeah|yep|no)\b|是的|没错|对|是)[\s,.!:;，。！：；-]*", re.IGNORECASE)


def stated_by(answer: str, passages: Echoes) -> bool:
    """Every sentence of `answer`, its opening verdict aside, is words of the `passages` (`Echoes` of them: as they
    run, case, citations and the person aside), and it has a sentence of three words (four Chinese characters) or
    more: "Click & Collect is free. [3]" for "is click and collect free or do i pay something". Such an answer read
    its verdict in the passages; a restatement of the question is a guess only when the passages do not say it.
    A passage's "X is not free" does not state "X is free"."""
    rest = _VERDICT.sub("", answer, count=1)
    cores = [_core(s) for s in sentences(rest, clauses=True)]
    long_enough = any(not says_little(c) for c in cores)
    return long_enough and passages.says_nothing(rest)


def restates_the_question(answer: str, question: str, share: float = RESTATEMENT_SHARE) -> bool:
    """`answer` is the customer's question said back, with at most a verdict added: at least `share` of its words
    (for Chinese, of its character pairs) are the question's, and it states no number, e-mail address or link the
    question does not hold ("You can forward a dodgy text pretending to be Voltway to security@voltway.example." says
    where to, session 48)."""
    if _own_figures(CITATION.sub(" ", answer)) - _own_figures(question):
        return False
    units, asked = _units(answer), set(_units(question))
    return bool(units) and sum(u in asked for u in units) >= share * len(units)


# "Yes, <the question said back>" as an answer's first sentence: the 1.5B's default reply to a yes/no question, given
# whatever the passages say (session 23: of the distinct English answers stored from sessions 16-22 that open this
# way, 64 were wrong and 7 right; "No, <the question said back>" 17 wrong, 14 right, so a "no" is no guess).
# The rest of an answer's first sentence after its verdict: it ends at a mark before a space or the end, not inside
# "voltway.example" or "£3.99".
_REST_OF_FIRST_SENTENCE = r"[\s,.!:;-]*(?P<rest>(?:[^.!?\n]|[.!?](?=\S))*)"
_YES_OPENING = re.compile(rf"{OPENING_MARKS}(?:yes|yeah|yep)\b{_REST_OF_FIRST_SENTENCE}", re.IGNORECASE)


def echoes_a_yes(answer: str, question: str) -> bool:
    """`answer` opens with "Yes" and its first sentence goes on to say the customer's question back
    (`restates_the_question`): "Yes, you can use Klarna for a £25 order on the UK site." A verdict the model echoed,
    not one it read in the passages. An answer that says nothing more is `restates_the_question`'s. English only:
    Chinese yes/no answers echo the question's own verb ("可以", "能"), and were not measured."""
    opening = _YES_OPENING.match(answer)
    rest = opening.group("rest").strip() if opening else ""
    return bool(rest) and restates_the_question(rest, question) and not restates_the_question(answer, question)


# A negated verb: "do not ship", "will not ask", "can't currently add", "never charges" (an adverb in -ly between).
_NEGATED_VERB = re.compile(r"(?:\b(?:not|never|cannot)|n't)\s+(?:\w+ly\s+)?([a-z]{3,})\b", re.IGNORECASE)
# Words after a negation that say nothing of what is denied ("is not be", "do not have to").
_NOT_VERBS = frozenset(
    "be been being have has had do does did get got make made any the all yet also always even".split()
)
_NO_OPENING = re.compile(rf"{OPENING_MARKS}no\b", re.IGNORECASE)


def _verbs(pattern: re.Pattern, text: str) -> set[str]:
    """The verbs `pattern` (group 1) finds in `text`, less `_NOT_VERBS`, as `tokenize` stems them."""
    words = {m.group(1).lower() for m in pattern.finditer(text)} - _NOT_VERBS
    return {stem for word in words for stem in tokenize(word)}


def _denied(text: str) -> set[str]:
    """The verbs `text` negates, as `tokenize` stems them."""
    return _verbs(_NEGATED_VERB, text.replace("’", "'").replace("*", ""))


def denies_as_the_passages_do(answer: str, question: str, passages: Iterable[str]) -> bool:
    """`answer` opens with "No" and denies a verb that a passage denies too: "No, we do not ship to the USA." from
    "We do not currently ship to other countries outside the UK, the EU, Switzerland and Norway.". Such a "no" said
    back in the question's words was read in the passages, not guessed (session 49: two right answers of a trial
    were declined as restatements, "No, the courier will not ask you for import VAT when it arrives." beside "... so
    the courier will not ask you for any extra charges on delivery"). English only."""
    if not _NO_OPENING.match(answer) or is_mostly_cjk(answer, 0.5):
        return False
    # What the question itself denies ("if i don't like them") is no reading of the passages, nor are their FAQ
    # questions' words ("Can I return the Aria X2 if I don't like them?", whose answer is yes).
    denied = _denied(CITATION.sub(" ", answer)) - _denied(question)
    return bool(denied) and any(denied & _denied(_without_questions(passage)) for passage in passages)


def _without_questions(passage: str) -> str:
    """`passage` less its lines that are questions (an FAQ entry's question, a heading asking one)."""
    asked = set(question_lines(passage))
    return "\n".join(line for line in passage.splitlines() if line not in asked)


# Any negation: what a "no" needs somewhere in the sentence it opens, unless that sentence says something else.
_NEGATION = re.compile(
    r"\b(?:not|no|never|cannot|none|nothing|neither|nor|without|unable|only)\b|n['’]t", re.IGNORECASE
)
# "No problem, ..." and "No worries" open a yes.
_NO_THEN_REST = re.compile(rf"{OPENING_MARKS}no\b(?!\s+(?:problem|worries)){_REST_OF_FIRST_SENTENCE}", re.IGNORECASE)


def contradicts_its_no(answer: str, question: str) -> bool:
    """`answer` opens with "No" and its first sentence goes on to say the customer's question back as a yes, with no
    negation: "No, your laptop warranty still works." for "if i delete my account does my laptop warranty still work"
    (session 49's trial). Whichever half is right, the customer cannot tell. A "no" followed by something else ("No,
    the memory is soldered.") or by the question denied ("No, we do not ship to the USA.") is left alone. English
    only."""
    opening = _NO_THEN_REST.match(answer)
    rest = opening.group("rest").strip() if opening else ""
    return bool(rest) and not _NEGATION.search(rest) and restates_the_question(rest, question)


# What a yes allows: "you can unplug", "you may still return", "you will be able to collect".
_ALLOWED_VERB = re.compile(
    r"\b(?:can|may|could|will|(?:are|is|be) (?:able|allowed) to)\s+(?:\w+ly\s+)?(?:still\s+)?([a-z]{3,})\b", re.IGNORECASE
)


def yes_the_passages_deny(answer: str, question: str, passages: Iterable[str]) -> set[str]:
    """The verbs (`tokenize`'s stems) that `answer`'s opening "Yes" sentence allows ("you can unplug") and a passage
    sentence denies in the customer's own case ("Do not unplug it while the ring light is spinning white.": it shares a
    word with the `question` that the yes sentence leaves out, "spinning"), while the answer denies none of them itself:
    asked "homehub light spinning white, can i unplug it", the 1.5B answered "Yes, you can unplug the HomeHub when the
    ring light is solid white." (session 49's trial). A denial about another case ("Once the order is packed, we cannot
    change the address." beside "Yes, you can change the address within 60 minutes." to "can i change my delivery
    address") is the passages' exception, not a contradiction. Empty when the answer opens otherwise. English only."""
    if not _YES_OPENING.match(answer):
        return set()
    text = CITATION.sub(" ", answer)
    first = next(iter(sentences(text)), "")
    allowed = _verbs(_ALLOWED_VERB, first) - _denied(text)
    if not allowed:
        return set()
    asked = set(tokenize(question))
    asked_only = asked - set(tokenize(first))  # the customer's words the yes sentence leaves out
    contradicted: set[str] = set()
    for passage in passages:
        for sentence in sentences(CITATION.sub(" ", passage)):
            if not (verbs := allowed & _denied(sentence)):
                continue
            theirs = set(tokenize(sentence)) - verbs
            # The customer's case: a word of the question the yes leaves out, or every other word of the question
            # ("will voltway ask for my card pin" and "Voltway never asks you for your card PIN").
            if asked_only & theirs or (asked - verbs and asked - verbs <= theirs):
                contradicted |= verbs
    return contradicted

