"""A short message after a question: joined with it or read alone (`service.follow_ups`), for the search and for
the passages' sentences the assistant quotes."""

from service.assistant import Assistant
from service.extractive import best_similarities
from service.follow_ups import asked_before, joined_query, merged_hits, reads_alone
from service.settings import AssistantSettings
from tests.fakes import FakePassage, FakeRetriever, scripted_backend


def test_a_short_message_in_the_language_of_the_question_before_is_joined_to_it():
    assert joined_query("and to germany?", "how much is express delivery in the uk") == (
        "how much is express delivery in the uk and to germany?")
    assert joined_query("那次日达呢", "标准快递运费多少") == "标准快递运费多少 那次日达呢"
    assert joined_query("VoltCare+?", "保修多久") == "保修多久 VoltCare+?"  # too short to tell: the question's language
    assert joined_query("and to germany?", None) is None
    assert joined_query("what payment methods do you accept for orders placed in the EU store?", "hi there") is None


def test_a_message_in_another_language_is_a_new_question():
    assert joined_query("发票怎么开", "how long does delivery to france take") is None
    assert joined_query("can i return opened headphones?", "退货要自己出运费吗") is None


def test_a_message_reads_alone_only_when_it_comes_clearly_closer_to_a_sentence_alone():
    bar = 0.45
    # Measured with the sample knowledge base (docs/answer-quality.md, session 30): (alone, joined).
    assert reads_alone(0.75, 0.51, bar)  # "do gift cards expire" after resetting a HomeHub
    assert reads_alone(0.68, 0.42, bar)  # "how many devices can the homehub take": joined comes near nothing
    assert not reads_alone(0.15, 0.58, bar)  # "and with anc off?" after the Aria X2's battery life
    assert not reads_alone(0.38, 0.70, bar)  # "and to germany?" after express delivery in the UK
    assert not reads_alone(0.51, 0.58, bar)  # "how much is it for a laptop?" after adding VoltCare+: not the laptop's price
    assert not reads_alone(0.91, 0.78, bar)  # "运费谁出" after "我想退货": the return's shipping, not delivery fees
    assert not reads_alone(0.40, 0.30, bar)  # nothing comes near it alone: the joined reading stays


def test_best_similarities_score_each_reading_against_the_same_sentences():
    retriever = FakeRetriever()
    passages = ["Gift cards are valid for 5 years.", "Hold the reset button of the hub for 10 seconds."]
    gift, reset, neither = best_similarities(["gift cards valid years", "reset button hub", "zebra"], passages, retriever.embed)
    assert gift > neither and reset > neither
    assert best_similarities(["anything"], ["What is this?"], retriever.embed) == [-1.0]  # only a question: no sentence


def test_merged_hits_keep_each_passage_once_at_its_better_score():
    a, b, c = (FakePassage(f"{n}.md", n, f"/kb/{n}.md", n, score=s) for n, s in (("a", 0.9), ("b", 0.5), ("c", 0.4)))
    again = FakePassage("b.md", "b", "/kb/b.md", "b", score=0.7)
    assert [h.score for h in merged_hits([a, b], [again, c], 3)] == [0.9, 0.7, 0.4]
    assert merged_hits([a, b], [c], 2) == [a, c]  # the message's own best is kept, in the last place
    assert merged_hits([a], [], 1) == [a]


def _gift_and_hub(answer: str):
    hub = FakePassage("hub.md", "HomeHub", "/kb/hub.md",
                      "To reset my homehub do hold the reset button for 10 seconds.", score=0.8)
    gift = FakePassage("gift.md", "Gift cards", "/kb/gift.md", "Gift cards expire: gift cards expire 5 years after purchase.", score=0.7)
    retriever = FakeRetriever(by_keyword={"homehub": [hub, gift], "gift": [gift, hub]})
    backend = scripted_backend(default=answer)
    settings = AssistantSettings(company="Voltway", extractive_min_similarity=0.3, answer_confidence=False, second_look=False)
    return Assistant(backend, retriever, settings, context_window=2048), retriever


def test_a_new_short_question_after_another_topic_is_quoted_for_itself():
    # The model's answer fails the guard (a figure no passage states): the extractive answer replaces it, and
    # its sentences are the gift cards', not the HomeHub's the joined reading would pull in.
    assistant, _ = _gift_and_hub("Gift cards expire after 99 years [1].")
    history = [{"role": "user", "content": "how do i reset my homehub"}, {"role": "assistant", "content": "Hold it. [1]"}]
    reply = assistant.chat("do gift cards expire", history)
    text = reply.collect()
    assert reply.status == "extractive"
    assert "5 years after purchase" in text and "reset button" not in text


def test_a_question_in_another_language_is_searched_alone():
    assistant, retriever = _gift_and_hub("[1]")
    history = [{"role": "user", "content": "how do i reset my homehub"}, {"role": "assistant", "content": "Hold it. [1]"}]
    assistant.chat("礼品卡 gift 会过期吗", history).collect()
    assert [q for q, _ in retriever.queries] == ["礼品卡 gift 会过期吗"]


def test_a_follow_up_of_a_follow_up_follows_the_question_they_both_follow():
    # "how much" cannot stand alone: it followed "do you deliver to ireland", and so does the message after it.
    assert asked_before(["do you deliver to ireland", "how much"]) == "do you deliver to ireland how much"
    assert asked_before(["退款多久到账", "用支付宝付的", "银行卡呢"]) == "退款多久到账 用支付宝付的 银行卡呢"
    # A message that stands alone, one in another language, or none: the chain stops there.
    assert asked_before(["how much is express delivery in the uk", "is click and collect free"]) == "is click and collect free"
    assert asked_before(["how much is express delivery in the uk", "发票怎么开"]) == "发票怎么开"
    assert asked_before(["do you deliver to ireland"]) == "do you deliver to ireland" and asked_before([]) is None
    assert asked_before(["one", "two", "three", "four"]) == "two three four"  # two levels at most


def test_a_follow_up_of_a_follow_up_is_searched_with_the_question_before_both():
    assistant, retriever = _gift_and_hub("[1]")
    history = [
        {"role": "user", "content": "how do i reset my homehub"}, {"role": "assistant", "content": "Hold it. [1]"},
        {"role": "user", "content": "how long"}, {"role": "assistant", "content": "10 seconds. [1]"},
    ]
    assistant.chat("and then?", history).collect()
    assert [q for q, _ in retriever.queries][0] == "how do i reset my homehub how long and then?"
