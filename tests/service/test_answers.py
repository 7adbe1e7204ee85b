"""Answers customers can trust, on a scripted backend and retriever: FAQ direct answers, the grounding
guard that never lets an unsupported fact reach the screen, and its extractive fallback."""

from service.assistant import Assistant
from service.backends import GenerationParams, TextChunk
from service.backends.scripted import ScriptedBackend
from service.confidence import ConfidenceFloor
from service.guard import GroundingGuard
from service.model_registry import get_bundled
from service.prompts import CLOSEST_LEAD, EXTRACTIVE_LEAD, EXTRACTIVE_OFFER, NO_ANSWER, OFFER_PERSON
from service.settings import AssistantSettings
from tests.fakes import FAQ_RETURNS, RETURNS, SHIPPING_ZH, WARRANTY, FakePassage, FakeRetriever, scripted_backend


def make(hits=None, answer=None, vocabulary=(), embeds=True, **settings):
    backend = scripted_backend()
    if answer is not None:
        backend.enqueue(answer)
    retriever = FakeRetriever(hits, vocabulary=vocabulary, embeds=embeds)
    # The fakes embed by hashed words, whose cosines run lower than a sentence model's: a lower extractive bar.
    settings = {"extractive_min_similarity": 0.2, **settings}
    return Assistant(backend, retriever, AssistantSettings(company="Voltway", **settings)), backend


def shown_texts(reply) -> list[str]:
    """Everything the customer saw, in order: the reply's text after each step of the stream."""
    return [reply.text for _ in reply]


# --- FAQ direct answers ---


def test_a_close_faq_match_is_answered_with_the_curated_answer_and_no_model_call():
    assistant, backend = make([FAQ_RETURNS, RETURNS])
    reply = assistant.chat("How long do I have to return an item?")
    steps = shown_texts(reply)
    assert reply.status == "faq" and backend.requests == []
    assert reply.text == "You can return most items within 30 days of delivery. Returns are free. [1]"
    assert len(steps) > 3 and steps[-1] == reply.text  # streamed like a generated answer
    assert [s.doc_id for s in reply.sources] == ["faq-returns"]


def test_faq_direct_answers_can_be_switched_off_and_need_a_close_match():
    assistant, backend = make([FAQ_RETURNS, RETURNS])
    assert assistant.chat("How long do I have to return an item?", faq_direct=False).status == "generated"
    loose = FakePassage(**{**FAQ_RETURNS.__dict__, "question_score": 0.6})
    assistant, backend = make([loose, RETURNS], embeds=False)  # hashed words: "send back" is not "return"
    reply = assistant.chat("Can I send back my headphones?")
    reply.collect()
    assert reply.status == "generated" and len(backend.requests) == 1


FAQ_UNPAID_ZH = FakePassage(
    "faq-zh-unpaid-order", "订单提交后多久内要付款？", "/kb/faq_zh.jsonl",
    "订单提交后多久内要付款？\n\n请在 30 分钟内完成支付，超时未支付的订单会自动取消。",
    score=0.95, question="订单提交后多久内要付款？", question_score=0.93,
)


def test_a_chinese_question_is_answered_from_an_faq_entry_only_when_it_shares_the_entry_questions_words():
    # The English-centred embedding model scores these two at 0.90: they share only "多久内要".
    assistant, backend = make([FAQ_UNPAID_ZH, SHIPPING_ZH])
    reply = assistant.chat("签收后才发现屏幕碎了 多久内要找你们")
    reply.collect()
    assert reply.status != "faq" and len(backend.requests) == 1
    assistant, backend = make([FAQ_UNPAID_ZH, SHIPPING_ZH])
    reply = assistant.chat("订单提交后多久内要付款")
    reply.collect()
    assert reply.status == "faq" and backend.requests == []
    assert reply.text.startswith("请在 30 分钟内完成支付")


def test_an_faq_entry_in_another_language_is_not_a_direct_answer():
    assistant, _ = make([FAQ_RETURNS, RETURNS])
    reply = assistant.chat("退货期限是多久？")
    reply.collect()
    assert reply.status != "faq"


# --- the grounding guard ---


def test_a_supported_answer_stands():
    assistant, _ = make(answer="You can return any item within thirty days, for free [1].")
    reply = assistant.chat("How long do I have to return an item?")
    assert shown_texts(reply)[-1] == "You can return any item within thirty days, for free [1]."
    assert reply.status == "generated" and reply.replaced == []


def test_an_unsupported_number_never_reaches_the_screen_and_the_answer_is_replaced_by_the_passages():
    assistant, _ = make(answer="You can return any item within 3 days of delivery, and refunds take 5 working days [1].")
    reply = assistant.chat("How long do I have to return an item?")
    steps = shown_texts(reply)
    assert not [s for s in steps if "3 days" in s]  # not even for a moment
    assert reply.status == "extractive" and reply.replaced == ["3"] and reply.replaced_why == "unsupported"
    assert "within 30 days of delivery" in reply.text and "[1]" in reply.text
    assert reply.text.startswith("Here is what our help centre says: ")
    assert reply.text.endswith(EXTRACTIVE_OFFER["en"])  # the sentences may miss the point: a person is offered
    assert [s.doc_id for s in reply.sources] == ["returns.md", "warranty.md"]  # the numbering of the citations


def test_in_a_language_the_embedder_does_not_choose_sentences_well_the_fallback_is_the_decline_showing_them():
    # The bundled embedders are English-centred: a Chinese answer that fails its check becomes the decline (a person
    # offered) that shows the closest sentences, unless the settings trust extractive answers in Chinese.
    answer = "标准快递一般 5 个工作日送达。[1]"
    assistant, _ = make([SHIPPING_ZH], answer=answer, extractive_min_similarity=-1)
    reply = assistant.chat("快递几天能到？")
    steps = shown_texts(reply)
    assert not [s for s in steps if "5 个工作日" in s]
    assert reply.status == "no_answer" and reply.replaced_why == "unsupported"
    assert reply.text.startswith(CLOSEST_LEAD["zh"]) and "1-3 个工作日" in reply.text and reply.text.endswith(OFFER_PERSON["zh"])
    assistant, _ = make([SHIPPING_ZH], answer=answer, extractive_min_similarity=-1, extractive_languages=["en", "zh"])
    reply = assistant.chat("快递几天能到？")
    reply.collect()
    assert reply.status == "extractive" and reply.text.startswith(EXTRACTIVE_LEAD["zh"]) and "1-3 个工作日" in reply.text


def test_a_product_name_the_passages_never_mention_fails_the_answer():
    answer = "Returns are free within 30 days, and VoltCare+ adds a year [1]."
    assistant, _ = make([RETURNS], answer=answer, vocabulary={"VoltCare+"})
    reply = assistant.chat("How long do I have to return an item?")
    reply.collect()
    assert reply.status == "extractive" and reply.replaced == ["VoltCare+"]
    assistant, _ = make([RETURNS, WARRANTY], answer=answer, vocabulary={"VoltCare+"})
    reply = assistant.chat("How long do I have to return an item?")
    reply.collect()
    assert reply.status == "generated"  # the warranty passage names VoltCare+


def test_an_answer_about_a_name_the_customer_asked_about_and_no_passage_mentions_becomes_the_decline():
    # Asked whether the HomeHub works with HomeKit, passages that never mention HomeKit: a yes (or a no) is made up.
    hub = FakePassage("homehub_zh.md", "HomeHub 常见问题", "/kb/homehub_zh.md", "HomeHub 支持 Matter、Thread 和 Zigbee 3.0 协议。", score=0.7)
    assistant, _ = make([hub], answer="[1] HomeHub 可以接入苹果 HomeKit 或者米家，设置很简单。", extractive_min_similarity=-1)
    reply = assistant.chat("homehub 能接入苹果 HomeKit 或者米家吗")
    steps = shown_texts(reply)
    assert reply.status == "no_answer" and reply.replaced == ["HomeKit"]
    assert not [s for s in steps if "HomeKit" in s] and reply.text.endswith(OFFER_PERSON["zh"])
    assistant, _ = make([hub], answer="[1] HomeHub 支持 Matter 协议。", extractive_min_similarity=-1)
    reply = assistant.chat("homehub 能接入苹果 HomeKit 或者米家吗")
    reply.collect()
    assert reply.status == "generated"  # an answer that keeps to what the passages say stands


def test_an_invented_contact_is_replaced():
    assistant, _ = make(answer="Write to refunds@voltway-help.example and refunds reach you within 5 working days [1].")
    reply = assistant.chat("When do refunds reach me?")
    steps = shown_texts(reply)
    assert reply.status == "extractive" and not [s for s in steps if "@" in s]


def test_an_answer_of_nothing_but_citations_is_replaced_and_never_shown():
    assistant, _ = make(answer="[1] [2]")
    reply = assistant.chat("How long do I have to return an item?")
    steps = shown_texts(reply)
    assert reply.status == "extractive" and reply.replaced == ["an answer with nothing but citations"]
    assert "within 30 days of delivery" in reply.text and not [s for s in steps if s.startswith("[1]")]
    # A figure with its unit or currency says something ("13% or 9% VAT?"); a bare number does not.
    for figure in ("[1] 13%", "[1] £5.99", "[1] ¥10"):
        assert GroundingGuard([]).final(figure) == []
    assert GroundingGuard([]).final("[1] 1.") == ["an answer with nothing but citations"]


def test_an_answer_that_only_repeats_headings_or_the_question_is_replaced_and_never_shown():
    for answer in ("[1] Returns and refunds? [2] Warranty", "When do refunds reach me? [1]"):
        assistant, _ = make(answer=answer)
        reply = assistant.chat("When do refunds reach me?")
        steps = shown_texts(reply)
        assert reply.status == "extractive", answer
        assert reply.replaced == ["an answer that only repeats the question or the passages' headings"]
        assert "5 working days" in reply.text and not [s for s in steps if "?" in s or "Warranty [" in s]


def test_an_answer_that_pastes_the_passages_as_the_prompt_labels_them_is_replaced_and_never_shown():
    # The 1.5B sometimes answers by copying its prompt's passage block, label and all.
    pasted = "[1] Returns and refunds > Returns\nYou can return any item within 30 days of delivery for free. [2] Warranty"
    assistant, _ = make(answer=pasted)
    reply = assistant.chat("How long do I have to return an item?")
    steps = shown_texts(reply)
    assert reply.status == "extractive" and reply.replaced == ["an answer that pastes the passages as the prompt shows them"]
    assert not [s for s in steps if s.startswith("[1]")]
    # A label the model shortened, on a line of its own with text after it, is a paste too.
    assistant, _ = make(answer="[1] Returns > Returns\n\nYou can return any item within 30 days of delivery for free.")
    reply = assistant.chat("How long do I have to return an item?")
    reply.collect()
    assert reply.status == "extractive" and reply.replaced == ["an answer that pastes the passages as the prompt shows them"]
    # A menu path after a citation is not a label.
    assistant, _ = make(answer="[1] Go to My Account > Orders\nand choose Return within 30 days of delivery.")
    reply = assistant.chat("How long do I have to return an item?")
    reply.collect()
    assert reply.status == "generated"
    # A citation followed by the passage's own words is an answer, not a paste.
    assistant, _ = make(answer="[1] You can return any item within 30 days of delivery for free.")
    reply = assistant.chat("How long do I have to return an item?")
    reply.collect()
    assert reply.status == "generated"


def test_an_answer_that_starts_like_a_heading_streams_once_it_says_more():
    assistant, _ = make(answer="Returns and refunds are free within 30 days of delivery [1].")
    reply = assistant.chat("How long do I have to return an item?")
    steps = shown_texts(reply)
    assert reply.status == "generated" and steps[-1] == "Returns and refunds are free within 30 days of delivery [1]."
    assert len(steps) > 3 and steps[0].startswith("Returns and refunds are")


def test_an_answer_that_takes_the_customers_amount_for_the_passages_is_replaced():
    klarna = FakePassage("pay.md", "Payment", "/kb/pay.md", "Klarna is available for orders from £30 to £1,500.")
    assistant, _ = make([klarna], answer="Yes, you can use Klarna for a £25 order [1].")
    reply = assistant.chat("can i use klarna for a £25 order")
    reply.collect()
    assert reply.status == "extractive" and reply.replaced == ["£25 (the customer's figure, not the passages')"]
    assert "£30" in reply.text


def test_an_answer_giving_a_passage_figure_another_figures_words_is_replaced():
    battery = FakePassage(
        "aria.md", "Aria X2", "/kb/aria.md", "Battery: up to 40 hours with ANC on, up to 55 hours with ANC off.",
    )
    assistant, _ = make([battery], answer="The battery lasts up to 40 hours with ANC off [1].")
    reply = assistant.chat("how long does the battery last with anc off")
    reply.collect()
    assert reply.status == "extractive" and reply.replaced == ["40 (another figure's words)"]
    assert "55 hours with ANC off" in reply.text


def test_passages_without_a_sentence_near_the_question_are_declined_before_the_model_is_asked():
    # On topic (retrieval found them relevant) but no sentence answers: a small model would answer anyway.
    gift = FakePassage("gift.md", "Gift cards", "/kb/gift.md", "Gift cards are sold in stores and online.", score=0.9)
    assistant, backend = make([gift], answer="Yes, we gift-wrap every order [1].")
    reply = assistant.chat("Do you offer a loyalty points scheme?")
    assert reply.collect() == NO_ANSWER["en"] and reply.status == "no_answer" and backend.requests == []
    # The guard off (the model alone), the model is asked.
    reply = assistant.chat("Do you offer a loyalty points scheme?", guard=False)
    assert reply.collect() == "Yes, we gift-wrap every order [1]." and len(backend.requests) == 1


def test_a_passage_whose_section_heading_matches_the_question_is_not_declined_before_the_model():
    # The fix's words are not the customer's ("Press Fn + F4"), the heading's are: the model is asked.
    backlight = FakePassage(
        "nimbus.md", "Nimbus 14 FAQ", "/kb/nimbus.md", "Press Fn + F4 to cycle between off, low and high.",
        heading="Nimbus 14 FAQ > The keyboard backlight does not turn on",
    )
    assistant, backend = make([backlight], answer="Press Fn + F4 [1].")
    reply = assistant.chat("My keyboard backlight does not turn on")
    assert reply.collect() == "Press Fn + F4 [1]." and reply.status == "generated" and len(backend.requests) == 1
    # Without the heading, no sentence comes near the question: declined before the model, as before.
    assistant, backend = make([FakePassage(**{**backlight.__dict__, "heading": ""})], answer="Press Fn + F4 [1].")
    reply = assistant.chat("My keyboard backlight does not turn on")
    assert reply.status == "no_answer" and backend.requests == []


def test_a_short_follow_up_is_compared_with_the_passages_together_with_the_question_before_it():
    assistant, backend = make([RETURNS], answer="Yes, returns are free [1].")
    history = [{"role": "user", "content": "How long do I have to return an item?"},
               {"role": "assistant", "content": "Within 30 days of delivery [1]."}]
    reply = assistant.chat("and is it free?", history)
    assert reply.collect() == "Yes, returns are free [1]." and reply.status == "generated"
    reply = assistant.chat("and is it free?")  # alone, no sentence comes near it
    assert reply.collect() == NO_ANSWER["en"] and len(backend.requests) == 1


def test_without_the_guard_the_model_answer_is_shown_as_it_is():
    assistant, _ = make(answer="You can return any item within 3 days [1].")
    reply = assistant.chat("How long do I have to return an item?", guard=False)
    assert reply.collect() == "You can return any item within 3 days [1]." and reply.status == "generated"


# --- the confidence floor (service.confidence) ---


class UnsureBackend(ScriptedBackend):
    """Scripted answers whose every word comes with log-probability `logprob`, when asked for them."""

    def __init__(self, logprob: float | list[float], name: str = "scripted"):
        super().__init__(default="You can return any item within thirty days, for free [1].")
        self.logprobs = logprob if isinstance(logprob, list) else [logprob]  # one per answer; the last one repeats
        self.name = name

    def stream(self, messages, params=GenerationParams()):
        logprob = self.logprobs.pop(0) if len(self.logprobs) > 1 else self.logprobs[0]
        for chunk in super().stream(messages, params):
            yield TextChunk(chunk, [logprob]) if params.logprobs else chunk


def confident(logprob, name: str = "scripted", hits=None, **settings) -> tuple[Assistant, UnsureBackend]:
    backend = UnsureBackend(logprob, name)
    settings = {"extractive_min_similarity": 0.2, **settings}
    return Assistant(backend, FakeRetriever(hits), AssistantSettings(company="Voltway", **settings)), backend


def test_outside_the_extractive_languages_an_answer_the_model_was_unsure_of_gets_a_second_look_before_a_decline():
    # In Chinese the fallback would be the decline: the model first looks again at the closest sentences alone.
    assistant, backend = confident([-1.0, -0.1], hits=[SHIPPING_ZH], min_answer_logprob=-0.45)
    backend.enqueue("快递大概一到三天吧 [1]。", "标准快递一般 1-3 个工作日送达。[1]")
    reply = assistant.chat("快递几天能到？")
    reply.collect()
    assert reply.looked_again and reply.status == "generated" and reply.text == "标准快递一般 1-3 个工作日送达。[1]"
    assert len(backend.requests) == 2 and "标准快递一般 1-3 个工作日送达。" in backend.requests[1][0][-1]["content"]
    # Unsure again: the decline, showing the sentences.
    assistant, backend = confident([-1.0, -1.0], hits=[SHIPPING_ZH], min_answer_logprob=-0.45)
    backend.enqueue("快递大概一到三天吧 [1]。", "标准快递一般 1-3 个工作日送达。[1]")
    reply = assistant.chat("快递几天能到？")
    reply.collect()
    assert reply.looked_again and reply.status == "no_answer" and reply.replaced_why == "unsure"
    assert reply.text.startswith(CLOSEST_LEAD["zh"])
    # In English the fallback is the passages' own sentences, an answer: no second look.
    assistant, backend = confident(-1.0, min_answer_logprob=-0.45)
    reply = assistant.chat("How long do I have to return an item?")
    reply.collect()
    assert reply.status == "extractive" and not reply.looked_again and len(backend.requests) == 1


def test_an_answer_the_model_was_unsure_of_is_replaced_by_the_passages():
    assistant, backend = confident(-1.0, min_answer_logprob=-0.45)
    reply = assistant.chat("How long do I have to return an item?")
    reply.collect()
    assert backend.requests[-1][1].logprobs is True
    assert reply.status == "extractive" and "within 30 days of delivery" in reply.text
    assert reply.replaced == ["low confidence (mean token log-probability -1.00 < -0.45)"] and reply.replaced_why == "unsure"
    assert reply.generated == "You can return any item within thirty days, for free [1]." and reply.mean_logprob == -1.0


def test_an_answer_the_model_was_sure_of_stands():
    assistant, _ = confident(-0.1, min_answer_logprob=-0.45)
    reply = assistant.chat("How long do I have to return an item?")
    assert reply.collect() == "You can return any item within thirty days, for free [1]." and reply.status == "generated"


def test_a_floor_no_answer_falls_below_gets_the_log_probabilities_for_calibration_and_holds_nothing_back():
    assistant, _ = confident(-5.0, name="someone/else-7b", min_answer_logprob=-100)
    reply = assistant.chat("How long do I have to return an item?")
    reply.collect()
    assert reply.status == "generated" and reply.mean_logprob == -5.0


def test_the_bundled_models_floor_judges_its_own_answers_and_a_floor_set_judges_every_models():
    bundled = get_bundled("qwen2.5-coder-1.5b-instruct")
    assistant, _ = confident(-1.0, name=bundled.name)
    assert assistant.confidence_floor(assistant.params()) == ConfidenceFloor(bundled.min_answer_logprob)
    assert assistant.confidence_floor(assistant.params(model="support")) is None  # an adapter's probabilities
    assert confident(-1.0, name="someone/else-7b")[0].confidence_floor(assistant.params()) is None  # not calibrated
    off, _ = confident(-1.0, name=bundled.name, answer_confidence=False)
    assert off.confidence_floor(off.params()) is None
    mine, _ = confident(-1.0, name="someone/else-7b", min_answer_logprob=-2.0)
    assert mine.confidence_floor(mine.params()) == ConfidenceFloor(-2.0)
    # A floor set applies to whichever model answers: that is how an adapter is calibrated (bench/confidence.py).
    assert mine.confidence_floor(mine.params(model="support")) == ConfidenceFloor(-2.0)


def test_without_the_guard_or_without_log_probabilities_nothing_is_judged_by_confidence():
    assistant, backend = confident(-5.0, min_answer_logprob=-0.45)
    reply = assistant.chat("How long do I have to return an item?", guard=False)
    reply.collect()
    assert reply.status == "generated" and backend.requests[-1][1].logprobs is False
    plain, _ = make(answer="You can return any item within thirty days, for free [1].", min_answer_logprob=-0.45)
    reply = plain.chat("How long do I have to return an item?")
    reply.collect()
    assert reply.status == "generated" and reply.mean_logprob is None


def test_when_no_passage_sentence_answers_the_fallback_is_the_honest_no_answer():
    unrelated = FakePassage("x.md", "Gift cards", "/kb/x.md", "Gift cards are sold in stores.", score=0.9)
    assistant, _ = make([unrelated], answer="Delivery takes 4 days [1].")
    reply = assistant.chat("How long does delivery to Norway take?")
    reply.collect()
    assert reply.status == "no_answer" and "person" in reply.text and reply.sources == []


def test_the_streamed_text_only_grows_until_a_replacement():
    assistant, _ = make(answer="Returns are free within 30 days of delivery [1].")
    reply = assistant.chat("How long do I have to return an item?")
    steps = shown_texts(reply)
    assert all(b.startswith(a) for a, b in zip(steps, steps[1:])) and len(steps) > 3


def test_a_number_at_the_end_of_the_stream_waits_for_its_unit():
    assistant, _ = make([RETURNS, WARRANTY], answer="You can return any item within 3 days of delivery [1].")
    reply = assistant.chat("How long do I have to return an item?")
    steps = shown_texts(reply)
    # "3" alone is in a passage ("3 years"), "3 days" is not: "within 3" is never shown on its own either.
    assert not [s for s in steps if s.rstrip().endswith("3")] and reply.status == "extractive"


def test_chinese_answers_stream_without_spaces_and_hold_back_numbers():
    passage = FakePassage("zh.md", "退货", "/kb/zh.md", "大部分商品自签收次日起 30 天内可申请无理由退货，运费由 Voltway 承担。")
    # Hashed words cannot compare Chinese sentences (no spaces): the sentence floor off.
    assistant, _ = make([passage], answer="您可以在签收后 30 天内申请无理由退货，运费由 Voltway 承担。", embeds=False)
    reply = assistant.chat("退货期限是多久？")
    steps = shown_texts(reply)
    assert reply.status == "generated" and steps[-1].endswith("承担。 [1]")  # uncited: its passage's mark added
    assert len(steps) > 2 and not [s for s in steps if s.rstrip().endswith("3")]


def test_an_answer_citing_a_passage_in_words_shows_its_mark_once():
    answer = "You can return any item within 30 days of delivery. This can be found in the first passage."
    assistant, _ = make([RETURNS, WARRANTY], answer=answer, embeds=False)
    reply = assistant.chat("How long do I have to return an item?", guard=False)
    reply.collect()
    assert reply.text.rstrip() == "You can return any item within 30 days of delivery. [1]"


def test_guard_release_points():
    from service.guard import _last_boundary

    assert _last_boundary("Returns are free within 3") == len("Returns are free within ")
    assert _last_boundary("Returns are free within 30 ") == len("Returns are free within ")
    assert _last_boundary("It costs £4.99 for") == len("It costs ")  # "for" may be "fortnight"
    assert _last_boundary("It costs £4.99 for a") == len("It costs £4.99 for ")
    assert _last_boundary("within thirty ") == len("within ")
    assert _last_boundary("退货期为三") == len("退货期为")
    assert _last_boundary("退货期为三十天") == len("退货期为三十天")


# --- the closest sentences instead of whole passages (prompt_sentences) ---


LOCKER = FakePassage(
    "shipping.md", "Shipping", "/kb/shipping.md",
    "**Can my parcel go in a parcel locker?** Orders over £2,000 need a signature, so they cannot go in a locker. "
    "Lockers keep parcels for 3 days.\n\n**Do you deliver on Sundays?** No, we deliver Monday to Saturday.",
    heading="Shipping > Delivery",
)


def test_with_prompt_sentences_the_model_reads_the_closest_sentences_after_the_question_they_answer():
    assistant, backend = make([LOCKER], answer="No, orders over £2,000 cannot go in a locker [1].", prompt_sentences=1)
    reply = assistant.chat("can my £2,000 laptop go in a parcel locker?")
    assert reply.collect() == "No, orders over £2,000 cannot go in a locker [1]." and reply.status == "generated"
    prompt = backend.requests[0][0][-1]["content"]
    # The passage's label once (its heading path already starts with its title), the FAQ question, the one sentence.
    assert "[1] Shipping > Delivery\nCan my parcel go in a parcel locker? Orders over £2,000 need a signature" in prompt
    assert "Sundays" not in prompt and "Lockers keep parcels" not in prompt
    # Whole passages by default.
    assistant, backend = make([LOCKER], answer="No [1].")
    assistant.chat("can my £2,000 laptop go in a parcel locker?").collect()
    assert "Sundays" in backend.requests[0][0][-1]["content"]


def test_with_prompt_sentences_and_no_way_to_embed_the_model_reads_whole_passages():
    assistant, backend = make([LOCKER], answer="No [1].", embeds=False, prompt_sentences=1)
    assistant.chat("can my £2,000 laptop go in a parcel locker?").collect()
    assert "Sundays" in backend.requests[0][0][-1]["content"]


def test_with_prompt_sentences_a_follow_up_reads_the_sentences_closest_to_what_was_searched():
    # A short follow-up is searched, gated and quoted joined with the question before it; the sentences the model
    # reads are chosen for the same text, so they are the ones the gate found close enough.
    history = [
        {"role": "user", "content": "how long do lockers keep parcels?"},
        {"role": "assistant", "content": "Parcels stay in a locker for 3 days [1]."},
    ]
    assistant, backend = make([LOCKER], answer="Lockers keep parcels for 3 days [1].", prompt_sentences=1)
    reply = assistant.chat("and on sundays?", history)
    reply.collect()
    passages = backend.requests[0][0][-1]["content"].split("<passages>")[1].split("</passages>")[0]
    assert reply.status == "generated" and "Lockers keep parcels for 3 days." in passages
    assert "Sundays" not in passages  # the sentence the follow-up alone would have been given (no closer one)


def test_an_answer_that_only_says_you_do_not_know_is_the_models_decline_and_never_shown():
    # The prompt's "say that you do not know", repeated word for word by a model sure of it (-0.1, above the floor):
    # its decline. It looks again at the closest sentences alone, and its answer then stands.
    assistant, backend = confident(-0.1, min_answer_logprob=-0.45)
    backend.enqueue("You do not know.", "You have 30 days from delivery to return it. [1]")
    reply = assistant.chat("How long do I have to return an item?")
    shown = list(reply)
    assert reply.looked_again and reply.status == "generated" and reply.text.startswith("You have 30 days")
    assert not any("You do not know" in chunk for chunk in shown)
    # Said again (without a confidence floor too): the decline, which shows the closest sentences and offers a person.
    assistant, backend = confident(-0.1, answer_confidence=False)
    backend.enqueue("You do not know. [1]", "You do not know.")
    reply = assistant.chat("How long do I have to return an item?")
    reply.collect()
    assert reply.status == "no_answer" and reply.replaced_why == "declined" and "You do not know" not in reply.text
    assert "within 30 days of delivery" in reply.text


def test_a_decline_that_names_something_the_passages_do_not_is_still_the_models_decline():
    # The sentence that declines names the customer's iPad, which no passage does: still a decline (with its second
    # look), not an unsupported answer to replace with the passages' sentences as if they answered.
    assistant, backend = make(vocabulary=("iPad",), second_look=False)
    backend.enqueue("The passages do not say how to post your old iPad to us. [1]")
    reply = assistant.chat("How long do I have to return an item?")
    reply.collect()
    assert reply.status == "no_answer" and reply.replaced_why == "declined"


def test_an_answer_copied_from_an_faq_entry_for_another_question_becomes_the_decline():
    shipping = FakePassage(
        "faq-returns-cost", "Do I have to pay for return shipping?", "/kb/faq.csv",
        "Do I have to pay for return shipping?\n\nNo. Returns within 30 days are free: print the prepaid label from "
        "My Account > Orders > Return items.",
        score=0.6, question="Do I have to pay for return shipping?", question_score=0.48,
    )
    card = FakePassage("payments.md", "Payments", "/kb/payments.md", "We accept Visa, Mastercard and American Express.", score=0.55)
    copy = "No. Returns within 30 days are free: print the prepaid label from My Account > Orders > Return items. [1]"
    assistant, _ = make([shipping, card], answer=copy)
    reply = assistant.chat("do you charge extra if i pay with american express")
    reply.collect()
    assert reply.status == "no_answer" and reply.replaced_why == "declined"
    assert "Do I have to pay for return shipping?" in reply.replaced[0]
    assert OFFER_PERSON["en"] in reply.text and "prepaid label" not in reply.text
    # Off, or with the guard off, the copy stands.
    for settings, options in (({"faq_copy_min_similarity": None}, {}), ({}, {"guard": False})):
        assistant, _ = make([shipping, card], answer=copy, **settings)
        reply = assistant.chat("do you charge extra if i pay with american express", **options)
        reply.collect()
        assert reply.status == "generated" and reply.text == copy


def test_an_answer_pasting_another_question_of_the_passages_becomes_the_decline():
    invoices = FakePassage(
        "invoices_zh.md", "发票", "/kb/invoices_zh.md",
        "可以开具“办公用品”等其他品名吗？不可以。发票品名须与实际购买的商品一致，例如“Nimbus 14 笔记本电脑”。", score=0.6,
    )
    pasted = "nimbus 14 用的啥处理器 [1]\n\n可以开具“办公用品”等其他品名吗？不可以。发票品名须与实际购买的商品一致。"
    assistant, _ = make([invoices], answer=pasted, extractive_min_similarity=-1)
    reply = assistant.chat("nimbus 14 用的啥处理器")
    reply.collect()
    assert reply.status == "no_answer" and reply.replaced_why == "declined"
    assert "可以开具“办公用品”等其他品名吗？" in reply.replaced[0]
    assert reply.text.startswith(CLOSEST_LEAD["zh"]) and reply.text.endswith(OFFER_PERSON["zh"])


def test_an_answer_that_only_says_the_question_back_with_a_verdict_becomes_the_decline_showing_the_passages():
    assistant, _ = make(answer="Yes, you can return any item you opened for free. [1]")
    reply = assistant.chat("can i return any item i opened for free")
    reply.collect()
    assert reply.status == "no_answer" and reply.replaced_why == "declined"
    assert reply.replaced == ["an answer that only says the question back, with a yes or no"]
    assert reply.text.startswith(CLOSEST_LEAD["en"]) and "30 days" in reply.text and OFFER_PERSON["en"] in reply.text
    assistant, _ = make(answer="Yes, you can return any item you opened for free. [1]")
    reply = assistant.chat("can i return any item i opened for free", guard=False)
    reply.collect()
    assert reply.status == "generated"
    # Read as the customer reads it: talk about the passages does not make it say more (session 48).
    assistant, _ = make(answer="No, you cannot return any item you opened for free. The information is found in passage [1].")
    reply = assistant.chat("can i return any item i opened for free")
    reply.collect()
    assert reply.status == "no_answer" and reply.replaced == ["an answer that only says the question back, with a yes or no"]


def test_a_restatement_the_passages_state_word_for_word_stands():
    # "is click and collect free or do i pay something" -> "Click & Collect is free." (session 29): the passages' own
    # sentence, not a guess, though every word of it is the question's.
    assistant, _ = make(answer="Yes, you can return any item within 30 days of delivery for free. [1]")
    reply = assistant.chat("can i return any item within 30 days of delivery for free")
    reply.collect()
    assert reply.status == "generated" and reply.text.startswith("Yes, you can return any item")
    # The echoed yes of session 23, when the passage says it word for word, stands too.
    answer = "Yes, you can return any item within 30 days of delivery for free. Refunds reach you within 5 working days. [1]"
    assistant, _ = make(answer=answer)
    reply = assistant.chat("can i return any item within 30 days of delivery for free")
    reply.collect()
    assert reply.status == "generated" and reply.text == answer


def test_a_yes_that_only_says_the_question_back_is_replaced_by_the_passages_own_words():
    # The 1.5B's "Yes, <the question>" to a yes/no question whose passages say otherwise (session 23).
    answer = "Yes, you can return any item you opened. Returns are free within 30 days. [1]"
    assistant, _ = make(answer=answer)
    reply = assistant.chat("can i return any item i opened")
    reply.collect()
    assert reply.status == "extractive" and reply.replaced == ["an answer whose yes only says the question back"]
    assert "within 30 days of delivery" in reply.text and not reply.text.startswith("Yes")
    # A "No" that says the question back, and the same yes with the guard off, stand.
    for text, options in (("No, you cannot return any item you opened after 30 days. [1]", {}), (answer, {"guard": False})):
        assistant, _ = make(answer=text)
        reply = assistant.chat("can i return any item i opened", **options)
        reply.collect()
        assert reply.status == "generated" and reply.text == text


def test_an_answer_stating_a_passages_figure_about_something_else_becomes_the_decline():
    # "how much is the pulse 7 phone": the knowledge base has no phone prices, only the repair price (session 23).
    prices = FakePassage(
        "repairs.md", "Repairs", "/kb/repairs.md",
        "Typical out-of-warranty prices: Voltway Aria X2 ear cushion replacement £19 / €22; Voltway Pulse 7 screen "
        "replacement £149 / €169.", score=0.6,
    )
    answer = "The Voltway Pulse 7 phone costs £149 / €169. [1]"
    assistant, _ = make([prices], answer=answer, vocabulary=["Voltway Pulse 7", "Voltway Aria X2"])
    reply = assistant.chat("how much is the pulse 7 phone")
    reply.collect()
    assert reply.status == "no_answer" and reply.replaced_why == "declined" and reply.replaced[0].startswith("£149")
    assert OFFER_PERSON["en"] in reply.text and "phone costs" not in reply.text
    reply = make([prices], answer=answer, vocabulary=["Voltway Pulse 7"])[0].chat("how much is the pulse 7 phone", guard=False)
    reply.collect()
    assert reply.status == "generated" and reply.text == answer
