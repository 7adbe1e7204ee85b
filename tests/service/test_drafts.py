"""Drafts checked against their facts (`service.drafts`): what the passages and the brief do not state is marked
where it stands, never replaced."""

from service.drafts import DraftCheck

PASSAGES = [
    "Voltway Aria X2 headphones have a 2-year warranty. Replacement cushions cost £19 / €22.",
    "The Voltway Nimbus 14 costs £1,099. Repairs take 5–7 working days.",
]
VOCABULARY = ["Voltway", "Aria X2", "Nimbus 14"]


def test_what_the_passages_state_stands_unmarked():
    check = DraftCheck(PASSAGES, "Is my Aria X2 still under warranty?", VOCABULARY)
    draft = "Your Voltway Aria X2 has a 2-year warranty; the Nimbus 14 costs £1,099 and repairs take 5-7 working days."
    assert check.marked(draft) == (draft, [])


def test_an_invented_figure_is_marked_with_its_unit_and_listed():
    check = DraftCheck(PASSAGES, "Do you sell cases?", VOCABULARY)
    text, unchecked = check.marked("A case costs £25 and ships in 3-5 working days. Call 0800 123 4567.")
    assert text == "A case costs [check: £25] and ships in [check: 3-5 working days]. Call [check: 0800 123 4567]."
    assert unchecked == ["£25", "3-5 working days", "0800 123 4567"]


def test_the_customers_figure_given_as_the_policy_is_marked():
    # The bundled 1.5B's reply e-mail: the customer's "14 months" as the warranty, which is 2 years.
    check = DraftCheck(PASSAGES, "My Aria X2 stopped charging after 14 months. Is it under warranty?", VOCABULARY)
    text, unchecked = check.marked("The warranty period for this model is 14 months.")
    assert text == "The warranty period for this model is [check: 14 months]." and unchecked == ["14 months"]
    # Said back beside the passages' own figure, it is the customer's premise, not a claim.
    assert check.marked("After 14 months you are still within the 2-year warranty.")[1] == []


def test_the_customers_figure_is_judged_in_its_own_sentence_not_beside_any_figure_further_down():
    # A reply e-mail of the 1.5B: the list of exclusions further down states a passage's duration ("6 months"), which
    # read with the whole e-mail made the customer's "14 months" look like a premise said back beside it.
    check = DraftCheck(PASSAGES + ["Ear cushions are covered for the first 6 months."],
                       "Reply to: my aria x2 wont charge, bought it 14 months ago. still under warranty?", VOCABULARY)
    draft = ("The warranty for this product is valid for 14 months from the date of purchase.\n\n"
             "Not covered:\n- Ear cushions after the first 6 months.")
    text, unchecked = check.marked(draft)
    assert text.startswith("The warranty for this product is valid for [check: 14 months] from") and unchecked == ["14 months"]
    assert "first 6 months." in text  # the passages' own figure stands
    # The customer's situation said back in the customer's words is no claim of the company's.
    assert check.marked("Since you bought it 14 months ago, let us look at it.")[1] == []
    # In one sentence with the passages' figure, it is still the customer's premise.
    assert check.marked("After 14 months you are still within the 2-year warranty. Cushions: 6 months.")[1] == []


def test_a_passage_figure_given_another_figures_words_is_marked_in_its_sentence():
    check = DraftCheck(["Battery: up to 40 hours with ANC on, up to 55 hours with ANC off."], "Aria X2 battery", VOCABULARY)
    text, unchecked = check.marked("Enjoy up to 40 hours with ANC on. Switch ANC off and get up to 40 hours with ANC off.")
    assert text == "Enjoy up to 40 hours with ANC on. Switch ANC off and get up to [check: 40 hours] with ANC off."
    assert unchecked == ["40 hours"]


def test_a_number_is_marked_only_where_it_stands_alone_and_every_time():
    check = DraftCheck(PASSAGES, "Tell me about the Nimbus 14", VOCABULARY)
    text, unchecked = check.marked("The Nimbus 14 lasts 14 hours. Yes, 14 hours!")
    assert text == "The Nimbus 14 lasts [check: 14 hours]. Yes, [check: 14 hours]!" and unchecked == ["14 hours"]


def test_chinese_figures_and_the_company_name_it_signs_with():
    check = DraftCheck(["退货运费由 Voltway 承担，30 天内可以退。"], "退货运费谁出？", ["Voltway"], company="Voltway 客服团队")
    text, unchecked = check.marked("30 天内可以退，运费 ¥15。\n\nVoltway 客服团队")
    assert text == "30 天内可以退，运费 [check: ¥15]。\n\nVoltway 客服团队" and unchecked == ["¥15"]


def test_a_hashtag_spelling_a_stated_name_is_that_name():
    # The bundled 1.5B's social post about the Aria X2 ended "#[check: AriaX2]": a code no passage states.
    vocabulary = [*VOCABULARY, "Voltway Aria X2", "HomeHub"]  # as the sample base's vocabulary has them
    check = DraftCheck(PASSAGES[:1], "Aria X2 headphones, 2-year warranty", vocabulary, company="Voltway")
    text, unchecked = check.marked("Meet the Aria X2! #AriaX2 #Voltway #VoltwayAriaX2 #Nimbus14 #HomeHub")
    assert text == "Meet the Aria X2! #AriaX2 #Voltway #VoltwayAriaX2 #[check: Nimbus14] #[check: HomeHub]"
    assert unchecked == ["Nimbus14", "HomeHub"]  # names the passages do not state, in this post about the Aria X2
    assert check.marked("The AriaX2 is new. #AriaX2")[1] == ["AriaX2"]  # written so outside a hashtag: a code


def test_a_number_inside_a_name_is_not_marked_where_the_same_number_elsewhere_is():
    # A Chinese product description of the Nimbus 14 from passages that never give its screen size.
    check = DraftCheck(["以旧换新支持回收您的旧手机。"], "Voltway Nimbus 14 笔记本电脑", VOCABULARY, company="Voltway")
    text, unchecked = check.marked("Voltway Nimbus 14 笔记本电脑配备 14 英寸大屏幕。")
    assert text == "Voltway Nimbus 14 笔记本电脑配备 [check: 14] 英寸大屏幕。" and unchecked == ["14"]


def test_a_sentence_using_the_worked_examples_made_up_programme_is_marked_whole():
    # Asked "can i turn my points into cash?" with no passage on points, the 1.5B copied the example's reply.
    terms = ("points", "Gold member", "积分")
    check = DraftCheck(PASSAGES, "hi, do you have a loyalty programme? can i turn my points into cash?", VOCABULARY,
                       company="Voltway", example_terms=terms)
    text, unchecked = check.marked("Hello, thanks for asking. Points can't be exchanged for cash. Best regards")
    assert text == "Hello, thanks for asking. [check: Points can't be exchanged for cash.] Best regards"
    assert unchecked == ["Points can't be exchanged for cash."]
    # A knowledge base that has a points programme states it: nothing to mark.
    check = DraftCheck(["Members earn points on every order."], "points?", example_terms=terms)
    assert check.marked("You earn points on every order.") == ("You earn points on every order.", [])
