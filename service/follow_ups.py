"""How a customer's message relates to the question before it in a conversation.

A short message after a question is often a follow-up that means nothing alone ("and to germany?", "那次日达呢"):
it is searched joined with the question before it (`joined_query`), and also alone, because a short message can
be a new question ("can i pay with paypal?" after a delivery question); the passages are the best of both
searches (`merged_hits`). A message in another language than the question before it is a new question: "发票怎么开"
after an English question about delivery, joined, came near no sentence and was declined before the model.

Which of the two readings the passages' sentences are then chosen for (the quote shown in a decline, the
extractive answer, and whether the model is asked at all) is `reads_alone`'s decision. The joined reading's words
pull toward the previous topic: after "how do i reset my homehub", "do gift cards expire" joined was answered with
the HomeHub's reset sentences, and after a question about the Aria X2's battery "how many devices can the homehub
take" joined came near no sentence and was declined before the model was asked.
"""

from __future__ import annotations

from collections.abc import Sequence

from service.language import detect_language, reply_language
from service.sources import passage_key

# A message this short may be a follow-up: Chinese and Japanese by characters, other languages by words.
SHORT_CJK_CHARACTERS = 30
SHORT_WORDS = 8


def joined_query(message: str, previous: str | None) -> str | None:
    """`message` joined after the customer's `previous` message when it may be a follow-up of it (short, and in the
    same language, a message too short to tell taking the previous one's: `reply_language`); None otherwise."""
    if previous is None:
        return None
    if not _short(message, SHORT_WORDS, SHORT_CJK_CHARACTERS):
        return None
    if reply_language(message, previous) != detect_language(previous):
        return None
    return f"{previous} {message}"


# A message this short cannot stand alone ("how much", "and standard?", "银行卡呢"): it was read with the question before
# it, so a follow-up to it follows that question too.
ELLIPTICAL_WORDS = 3
ELLIPTICAL_CJK_CHARACTERS = 8


def asked_before(previous: Sequence[str]) -> str | None:
    """What the customer asked before their new message, from their earlier messages (`previous`, oldest first): the
    last one, joined after the ones before it while it is too short to stand alone (`ELLIPTICAL_WORDS`, two levels at
    most) and a follow-up of them (`joined_query`). After "do you deliver to ireland" and "how much", "how long does it
    take" follows "do you deliver to ireland how much"; joined with "how much" alone it was read as a repair's time
    (session 54). None without earlier messages."""
    if not previous:
        return None
    asked = shortest = previous[-1]
    for earlier in reversed(previous[-3:-1]):
        if not _short(shortest, ELLIPTICAL_WORDS, ELLIPTICAL_CJK_CHARACTERS) or joined_query(shortest, earlier) is None:
            break
        asked, shortest = f"{earlier} {asked}", earlier
    return asked


def _short(message: str, words: int, cjk_characters: int) -> bool:
    """At most `words` words long; a Chinese or Japanese message, at most `cjk_characters` characters."""
    if detect_language(message) in ("zh", "ja"):
        return len(message) <= cjk_characters
    return len(message.split()) <= words


# How much closer the message alone must come to a sentence than joined with the question before it, to be read
# alone. The joined text holds the message: where the passages answer the message's own topic, joined comes near that
# sentence too, a little diluted by the previous question's words, and an elliptical follow-up can come near
# another topic's sentence alone ("how much is it for a laptop?" after "how do i add voltcare+": alone 0.51, the
# laptop's price; joined 0.58). Chosen on 36 conversation pairs (docs/answer-quality.md, session 30): "运费谁出" after
# "我想退货" is 0.13 closer alone, to the delivery fees; the new questions that read alone are 0.17-0.40 closer.
ALONE_MARGIN = 0.15


def reads_alone(alone: float, joined: float, bar: float, margin: float = ALONE_MARGIN) -> bool:
    """Whether a short message after a question is a question of its own, from how close the passages' closest
    sentence comes to the message `alone` and to it `joined` with the question before it
    (`service.extractive.best_similarities`): alone, it must reach the extractive `bar`, and either come `margin`
    closer than joined ("do gift cards expire" after "how do i reset my homehub": 0.75 against 0.51), or joined
    must reach nothing ("how many devices can the homehub take" after a question about headphones: 0.68 against
    0.42). An elliptical follow-up comes near nothing alone ("and with anc off?" 0.15, "and to germany?" 0.38)."""
    return alone >= bar and (alone >= joined + margin or joined < bar)


def merged_hits(joined: Sequence, own: Sequence, k: int) -> list:
    """The `k` best of two searches' hits (a passage both found counts once, at its better score), best first, with
    `own`'s best among them (it replaces the last when it would not be)."""
    best: dict[tuple[str, int], object] = {}
    for hit in [*joined, *own]:
        if passage_key(hit) not in best or hit.score > best[passage_key(hit)].score:
            best[passage_key(hit)] = hit
    merged = sorted(best.values(), key=lambda h: -h.score)[:k]
    if own and k and passage_key(own[0]) not in {passage_key(h) for h in merged}:
        merged[-1:] = [best[passage_key(own[0])]]
    return merged
