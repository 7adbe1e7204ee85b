"""An answer that only repeats the customer's question or the passages' headings says nothing (service.echoes)."""

from service.echoes import Echoes, after_echoed_question, contradicts_its_no, denies_as_the_passages_do, question_lines, yes_the_passages_deny

ECHOES = Echoes([
    "bank app shows 2 payments for the same order??",
    "Delivery",
    "When will my order be dispatched?",
    "When will I get my refund?",
    "I lost the phone I use for two-step verification. How do I sign in?",
    "退货需要多长时间？",
])


def test_headings_faq_questions_and_the_question_itself_say_nothing_even_cited_or_in_bold():
    for answer in (
        "[2] When will my order be dispatched? [3] When will I get my refund?",
        "I lost the phone I use for two-step verification. How do I sign in? [1]",
        "You lost the phone you use for two-step verification. How do I sign in? [1]",  # the person swapped
        "[2] Bank app shows 2 payments for the same order?",
        "**When will I get my refund?**",
        "退货需要多长时间？[1]",
        "退货需要多长时间？【1】",
        "[1] [2]",
        "[1, 2] When will I get my refund?",
        "[1] When will I get my refund? > Delivery",  # a passage's label, as the prompt shows it
    ):
        assert ECHOES.says_nothing(answer), answer


def test_an_answer_with_one_sentence_of_its_own_says_something():
    for answer in (
        "When will I get my refund? Refunds take 5 working days [1].",
        "Express shipping to Germany costs €12.99.",
        "标准快递一般 1-3 个工作日送达。",
    ):
        assert not ECHOES.says_nothing(answer), answer


def test_a_short_answer_is_an_answer_and_words_match_whole():
    assert not ECHOES.says_nothing("No. [1]")  # "no" is in "Norway", not an echo
    assert not ECHOES.says_nothing("可以。")
    assert ECHOES.says_nothing("Delivery [1]")  # a whole one-word heading is an echo
    assert not Echoes(["Shipping to Norway"]).says_nothing("Shipping to Nor is slow.")


def test_a_growing_answer_may_become_nothing_until_it_says_something_of_its_own():
    assert ECHOES.may_become_nothing("When will")
    assert ECHOES.may_become_nothing("[2] When will my order be dispatched? [3] When")
    assert not ECHOES.may_become_nothing("When will my order be shipped")
    assert not ECHOES.may_become_nothing("Refunds take")


def test_question_lines_are_the_questions_inside_a_passage():
    passage = "Returns\n**Can I return opened items?**\nYes, within 30 days.\n退货需要多长时间？\n"
    assert question_lines(passage) == ["**Can I return opened items?**", "退货需要多长时间？"]


def test_an_faq_question_repeated_sentence_by_sentence_says_nothing():
    echoes = Echoes(["bank app shows 2 payments for the same order??", "I've been charged twice. What happened?"])
    assert echoes.says_nothing("I've been charged twice. What happened? [1]")
    assert not echoes.says_nothing("I've been charged twice. One entry is a pending authorisation. [1]")
    assert not echoes.says_nothing("No. [1]")



def test_an_answer_that_says_the_question_back_with_a_yes_or_no_restates_it():
    from service.echoes import restates_the_question

    assert restates_the_question("Yes, you can use your UK Voltway gift card on the EU site. [1]",
                                 "can i use my uk voltway gift card on the eu site?")
    assert restates_the_question("[1] 是的，人在成都能选次日达。", "人在成都 能选次日达不 急用")
    assert restates_the_question("不能。", "快递能不能约周末或者晚上送")


def test_an_answer_with_facts_of_its_own_does_not_restate_the_question():
    from service.echoes import restates_the_question

    # A number of its own is a fact (the guard checks it against the passages), whatever words surround it.
    assert not restates_the_question("You have 90 days to correct the typo in the company name on your invoice.",
                                     "typo in the company name on my invoice, how long have i got to fix it")
    assert not restates_the_question("No. Gift cards can only be used on the site they were bought on. [1]",
                                     "can i use my uk voltway gift card on the eu site?")
    assert not restates_the_question("可以，礼品卡支付的商品发货后按商品金额正常开具发票。", "用礼品卡买的东西能开发票吗")
    assert not restates_the_question("", "能退吗")
    # An address of its own says where (session 48).
    assert not restates_the_question("You can forward a dodgy text pretending to be Voltway to security@voltway.example.",
                                     "where do i forward a dodgy text pretending to be voltway")
    assert restates_the_question("You can forward a dodgy text pretending to be Voltway. [1]",
                                 "where do i forward a dodgy text pretending to be voltway")


def test_a_yes_that_only_says_the_question_back_is_an_echoed_verdict():
    from service.echoes import echoes_a_yes

    # The first sentence runs past the dots of an address: "support@voltway.example" is something of its own.
    assert not echoes_a_yes("Yes, you can contact Voltway support by email at support@voltway.example.",
                            "can i contact voltway support by email")

    question = "can i use klarna for a £25 order on the uk site"
    assert echoes_a_yes("Yes, you can use Klarna for a £25 order on the UK site. Klarna: orders £30–£1,500. [2]", question)
    assert echoes_a_yes("[1] Yes, you can use Klarna for a £25 order on the UK site. Pay in 3 instalments.", question)
    # Nothing more than the question said back is the restatement check's (a decline), not this one's.
    assert not echoes_a_yes("[1] Yes, you can use Klarna for a £25 order on the UK site.", question)
    # A "no", a yes with facts of its own, and a first sentence of other words are not echoes.
    assert not echoes_a_yes("No, you cannot use Klarna for a £25 order on the UK site.", question)
    assert not echoes_a_yes("Yes, Klarna takes orders from £30 to £1,500. [2]", question)
    assert not echoes_a_yes("Yes, the Voltway Pulse 7 supports dual SIM and eSIM.", "can i have 2 numbers on the pulse 7? work + personal")
    assert not echoes_a_yes("Yesterday's orders ship today.", "do yesterday's orders ship today")
    assert not echoes_a_yes("Yes.", question)


def test_a_restatement_the_passages_state_themselves_is_their_answer():
    from service.echoes import Echoes, restates_the_question, stated_by

    passages = Echoes(["Click & Collect is free. Choose it at checkout.", "Gift cards are not refundable.",
                       "回收的设备会经过专业数据清除。回收款不以现金形式支付。"])
    question = "is click and collect free or do i pay something"
    assert restates_the_question("Click & Collect is free. [3]", question)
    assert stated_by("Click & Collect is free. [3]", passages)
    assert stated_by("Yes, Click & Collect is free.", passages)
    assert stated_by("[1] 是的，回收款不以现金形式支付。", passages)
    # Words the passages run otherwise ("not" between them), a sentence they lack, and a bare verdict are not stated.
    assert not stated_by("Yes, gift cards are refundable.", passages)
    assert not stated_by("Click & Collect is free. It is open on Sundays.", passages)
    assert not stated_by("Yes.", passages)
    assert not stated_by("[1] 不能。", passages)


def test_a_no_that_denies_what_a_passage_denies_was_read_there():
    # Session 49's trial: two right answers, said back in the question's words, were declined as guessed verdicts.
    passages = [
        "We do not currently ship to other countries outside the UK, the EU, Switzerland and Norway.",
        "Import VAT and duties are paid at checkout, so the courier will not ask you for any extra charges on delivery.",
    ]
    assert denies_as_the_passages_do("No, we do not ship to the USA. [1]", "do you ship to the usa", passages)
    assert denies_as_the_passages_do(
        "[2] No, the courier won't ask you for import VAT when it arrives.", "will the courier ask me for import vat", passages
    )
    # A verb no passage denies, a "no" about having to, a yes, and no passages: guesses as before.
    assert not denies_as_the_passages_do("No, you cannot plug the HomeHub into the router. [1]", "can i plug it in", passages)
    assert not denies_as_the_passages_do("No, you do not have to pay. [1]", "do i have to pay", passages)
    assert not denies_as_the_passages_do("Yes, we do not ship to the USA. [1]", "do you ship to the usa", passages)
    assert not denies_as_the_passages_do("No, we do not ship to the USA.", "do you ship to the usa", [])


def test_a_no_that_goes_on_to_say_the_question_back_as_a_yes_contradicts_itself():
    question = "if i delete my account does my laptop warranty still work"
    assert contradicts_its_no("No, your laptop warranty still works. [3]", question)  # session 49's trial
    assert contradicts_its_no("[1] No. Your laptop warranty still works.", question)
    assert not contradicts_its_no("No, your laptop warranty does not work any more. [3]", question)  # denied
    assert not contradicts_its_no("No, the memory is soldered. [1]", "can i add more ram to the nimbus 14 later on")
    assert not contradicts_its_no("No. [1]", question)
    assert not contradicts_its_no("Yes, your laptop warranty still works. [3]", question)


def test_a_yes_that_allows_what_a_passage_denies_in_the_customers_case():
    passages = ["The HomeHub installs the latest firmware. Do not unplug it while the ring light is spinning white."]
    # Session 49's trial: "homehub light spinning white, can i unplug it".
    question = "homehub light spinning white, can i unplug it"
    answer = "Yes, you can unplug the HomeHub when the ring light is solid white. [1]"
    assert yes_the_passages_deny(answer, question, passages) == {"unplug"}
    assert yes_the_passages_deny("Yes, you can restart it. [1]", question, passages) == set()  # nothing denied
    assert yes_the_passages_deny(
        "Yes, but do not unplug it until it is solid white; then you can unplug it.", question, passages
    ) == set()
    assert yes_the_passages_deny("No, you can’t unplug it now. [1]", question, passages) == set()  # not a yes
    # The passages' exception for another case than the customer's (found by a review).
    address = ["You can change the address within 60 minutes. Once the order is packed, we cannot change the address."]
    yes = "Yes, you can change your delivery address within 60 minutes of ordering. [1]"
    assert yes_the_passages_deny(yes, "can i change my delivery address", address) == set()


def test_a_curly_apostrophe_negates_too():
    assert not contradicts_its_no("No, you don’t need to pay for the return. [1]", "do i need to pay for the return")


def test_what_the_question_or_an_faq_question_denies_is_no_reading_of_the_passages():
    # Found by a review: the heading's "don't like" is a question whose answer is yes.
    aria = ["## Can I return the Aria X2 if I don't like them?\nYes. Over-ear headphones can be returned within 30 days."]
    question = "can i return the aria x2 if i don't like them"
    assert not denies_as_the_passages_do("No, you cannot return the Aria X2 if you don't like them.", question, aria)
    # A negation in bold is a negation.
    assert denies_as_the_passages_do("No, Voltway does not ask for your PIN.", "will you ask for my pin",
                                     ["Voltway will **never** ask for your PIN."])


def test_a_no_with_only_or_no_problem_is_no_contradiction():
    assert not contradicts_its_no("No, you can only return it within 30 days. [1]", "can i return it after 30 days")
    assert not contradicts_its_no("No problem, you can cancel your order. [1]", "can i cancel my order")


def test_a_yes_that_repeats_the_whole_question_against_a_denial_of_it():
    # Found by a review: every word of the question is in the denying sentence.
    payments = ["Voltway never asks you for your card PIN or for a one-time code by phone, e-mail or chat."]
    yes = "Yes, Voltway will ask for your card PIN to verify you. [1]"
    assert yes_the_passages_deny(yes, "will voltway ask for my card pin", payments) == {"ask"}
    hub = ["Do not unplug it while the ring light is spinning white."]
    assert yes_the_passages_deny("Yes, you can unplug it once the ring light is solid white.", "can i unplug the homehub", hub) == set()


def test_a_first_line_that_says_the_question_back_is_skipped_once_the_answer_goes_on():
    question = "耳机用了两年半 坏了 没买延保 还在保修期吗"
    answer = f"{question} [2]\n\n耳机用了两年半，但没有买延保，所以不在保修期内。"
    assert answer[after_echoed_question(answer, question):] == "耳机用了两年半，但没有买延保，所以不在保修期内。"
    # Not yet: the line alone, or nothing after its break; not a line of the answer's own, nor an echo without a break.
    assert after_echoed_question(f"{question} [2]", question) == 0
    assert after_echoed_question(f"{question} [2]\n\n", question) == 0
    assert after_echoed_question("不在保修期内。\n\n耳机用了两年半 [2]", question) == 0
    english = "i think i typed my password into a fake voltway site from a text, what do i do now"
    assert after_echoed_question("You typed your password into a fake Voltway site from a text. Change it now.", english) == 0
