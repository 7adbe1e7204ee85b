"""The knowledge-gap report over a real store, grouped with the hash embedder (same words, same group)."""

from datetime import UTC, datetime, timedelta

import numpy as np
import sqlalchemy as sa

from knowledge_base.embeddings import HashEmbedder
from support.gaps import knowledge_gaps
from support.store import ConversationStore, TurnRecord, sqlite_url


def test_unanswered_quoted_handed_over_and_disliked_questions_grouped_newest_first(tmp_path):
    store = ConversationStore.open(sqlite_url(tmp_path))

    def ask(question, status="no_answer", channel="api"):
        cid = store.new_conversation(channel)
        store.add_turn(cid, TurnRecord(channel=channel, scenario="chat", question=question, answer="...", status=status))
        return cid

    ask("does voltcare cover water damage")
    ask("does voltcare cover water damage on my laptop")
    ask("evaluation question about voltcare water damage", channel="eval")
    disliked = ask("how long do refunds take to arrive", status="generated")
    store.add_feedback(disliked, 1, "down", reason="wrong")
    liked = ask("what are your opening hours", status="generated")
    store.add_feedback(liked, 1, "up")
    ask("can i add my wife as a second user on my account", status="extractive")  # the passages quoted instead
    handed = ask("can i pay with crypto")
    store.open_ticket(handed, "no_answer", note="can i pay with crypto or bitcoin")

    embed = HashEmbedder().embed
    gaps = knowledge_gaps(store, embed, similarity=0.5)
    by_question = {g.question: g for g in gaps}
    voltcare = next(g for g in gaps if "voltcare" in g.question)
    assert voltcare.count == 2 and dict(voltcare.reasons) == {"no_answer": 2}  # the eval turn is left out
    assert set(voltcare.examples) == {"does voltcare cover water damage", "does voltcare cover water damage on my laptop"}
    crypto = next(g for g in gaps if "crypto" in g.question)
    assert dict(crypto.reasons) == {"no_answer": 1, "handed_over": 1}
    assert by_question["how long do refunds take to arrive"].reasons == {"thumbs_down": 1}
    assert by_question["can i add my wife as a second user on my account"].reasons == {"quoted": 1}
    assert not any("opening hours" in g.question for g in gaps)
    times = [g.last_asked for g in gaps]
    assert times == sorted(times, reverse=True)

    with store.engine.begin() as conn:  # an old signal drops out with --since
        conn.execute(sa.text("UPDATE turns SET created_at = :t WHERE question LIKE 'does voltcare%'"),
                     {"t": datetime(2025, 1, 1, tzinfo=UTC)})
    recent = knowledge_gaps(store, embed, since=datetime.now(UTC) - timedelta(days=1), similarity=0.5)
    assert not any("voltcare" in g.question for g in recent) and any("crypto" in g.question for g in recent)


def test_a_question_in_traditional_characters_joins_the_same_question_in_simplified_ones(tmp_path):
    store = ConversationStore.open(sqlite_url(tmp_path))
    for question in ("退货运费谁出", "退貨運費誰出", "可以寄到香港吗"):
        store.add_turn(store.new_conversation("api"), TurnRecord(channel="api", scenario="chat", question=question,
                                                                  answer="...", status="no_answer"))

    def same_text_same_vector(texts):  # only texts written the same come close
        index = {t: i for i, t in enumerate(dict.fromkeys(texts))}
        return np.eye(len(index))[[index[t] for t in texts]]

    gaps = knowledge_gaps(store, same_text_same_vector, similarity=0.9)
    assert sorted(g.count for g in gaps) == [1, 2]
    freight = next(g for g in gaps if g.count == 2)
    assert set(freight.examples) == {"退货运费谁出", "退貨運費誰出"}
    store.close()
