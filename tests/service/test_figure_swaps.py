"""A passage's figure with the words the passages put with another figure (service/figure_swaps.py)."""

from service.figure_swaps import SwappedFigureCheck, figure_clauses

SPECS = "Voltway Aria X2 Headphones\n- Battery: up to 40 hours with ANC on, up to 55 hours with ANC off"
FAQ = (
    "How long does the Voltway Aria X2 battery last?\nUp to 40 hours with noise cancellation on and up to 55 hours "
    "with it off. Ten minutes of charging gives about 5 hours of playback; a full charge takes about 2 hours."
)
NAMES = ["Voltway Aria X2", "Aria X2", "Voltway"]


def swapped(answer: str, question: str = "how long does the aria x2 battery last with anc off") -> list[str]:
    return [claim.text for claim in SwappedFigureCheck([SPECS, FAQ], question, NAMES).check(answer).unsupported]


def test_a_figure_given_the_words_the_passages_give_another_figure_is_reported():
    # Session 45, the bundled 1.5B: every figure is a passage's, so the grounding guard passed it.
    assert swapped("The Voltway Aria X2 battery lasts up to 40 hours with ANC off. [1]") == ["40"]
    assert swapped("A full charge takes about 5 hours.") == ["5"]
    assert swapped("Ten minutes of charging gives about 2 hours of playback.") == ["2"]
    assert swapped("A full charge takes about 5 hours; ten minutes give about 2 hours of playback.") == ["5", "2"]


def test_a_passage_clause_that_refers_back_with_a_pronoun_has_the_words_it_refers_to():
    # Session 46, `make run`: "with it off" hid that the FAQ's 55 hours are noise cancellation's too.
    check = SwappedFigureCheck([FAQ], "whats the battery life on the aria x2 with anc off", NAMES)
    assert [c.text for c in check.check("40 hours with noise cancellation off [1]").unsupported] == ["40"]
    assert check.check("Up to 55 hours with noise cancellation off [1]").unsupported == []
    assert check.check("Up to 40 hours with noise cancellation on, 55 hours with it off [1]").unsupported == []


def test_figures_with_their_own_words_pass_however_the_answer_orders_them():
    assert swapped("The Voltway Aria X2 battery lasts up to 55 hours with ANC off. [1]") == []
    assert swapped("Up to 40 hours with noise cancellation on and up to 55 hours with it off.") == []
    assert swapped("With ANC off it lasts up to 55 hours; with it on, 40 hours.") == []
    assert swapped("Ten minutes of charging gives about 5 hours of playback. [2]") == []


def test_what_other_checks_read_is_left_to_them():
    assert swapped("It lasts 70 hours with ANC off.") == []  # in no passage: the grounding guard's
    assert swapped("The box weighs 40 hours off.", "how heavy is the box") == []  # no word of its own clause: figure_context's
    assert swapped("Yes, 40 hours with ANC off.", "do i get 40 hours with anc off") == []  # the customer's figure
    assert swapped("关闭降噪可以用 40 小时。", "aria x2 关闭降噪能用多久") == []  # Chinese: not measured


def test_right_answers_sharing_words_with_clauses_elsewhere_pass():
    # Found by a review: with every clause of every passage competing, two common words were enough.
    assert swapped("The battery gives up to 40 hours of playback with ANC on [1].") == []  # "gives ... playback": 5 hours
    delivery = [
        "Standard delivery (2-4 working days) costs £3.99, free on orders over £50.",
        "Express next-working-day delivery costs £7.99. We require a signature for orders over £250.",
        "Returns are free within 30 days of delivery. We inspect returns within 3 working days of receiving them.",
    ]
    check = SwappedFigureCheck(delivery, "how much is uk delivery", NAMES)
    for answer in [
        "UK standard delivery costs £3.99, or nothing on orders over £50 [1].",
        "You have 30 days after you receive the item to return it [3].",
        "Standard delivery is £3.99 (free on orders of £50 or more) and Express costs £7.99 [1].",
    ]:
        assert check.check(answer).unsupported == [], answer


def test_a_clause_stating_both_figures_compares_them_and_a_figure_is_reported_once():
    assert swapped("It lasts 40 hours with ANC on versus 55 hours with ANC off.") == []
    assert swapped("It lasts 40 hours with ANC off. So: 40 hours with ANC off!") == ["40"]


def test_figure_clauses_give_each_figure_of_a_sentence_its_own_words():
    assert figure_clauses("Up to 40 hours with ANC on, up to 55 hours with ANC off; costs £1,099 / €1,249 – 2 colours") == [
        "Up to 40 hours with ANC on", "up to 55 hours with ANC off", "costs £1,099 / €1,249", "2 colours",
    ]


EU_FAQ = (
    "How much does delivery cost in the EU?\nStandard delivery (3-6 working days) costs €5.99 and is free on orders of "
    "€60 or more. Express delivery (1-3 working days) costs €12.99."
)
EU_TABLE = (
    "Delivery Options > European Union\n| Option | Delivery time | Fee |\n|---|---|---|\n"
    "| Standard | 3–6 working days | €5.99, free on orders of €60 or more |\n| Express | 1–3 working days | €12.99 |\n"
    "| Click & Collect (Amsterdam, Berlin) | Usually ready within 2 hours | Free |"
)


def sibling_swaps(answer: str, question: str = "how much is express shipping to germany and how fast is it") -> list[str]:
    return [claim.text for claim in SwappedFigureCheck([EU_FAQ, EU_TABLE], question, []).check(answer).unsupported]


def test_a_figure_of_a_sibling_sentence_or_table_row_is_reported():
    # Session 49, `make run`: €60 is Standard delivery's threshold; the answer gives it to Express.
    assert sibling_swaps("Express shipping to Germany costs €12.99 and is free on orders of €60 or more. [1]") == ["€60"]
    assert sibling_swaps("Express takes 3-6 working days.") == ["6"]


def test_figures_said_of_their_own_row_or_of_no_sibling_pass():
    assert sibling_swaps("Express shipping to Germany costs €12.99 and takes 1-3 working days. [1]") == []
    assert sibling_swaps("Standard delivery is free on orders of €60 or more, Express costs €12.99.") == []
    assert sibling_swaps("Orders of €60 or more ship free.") == []
    # "Berlin" is in the Click & Collect row's parenthesis, not its subject: a destination, not a sibling.
    assert sibling_swaps("Delivery to Berlin takes 3-6 working days.") == []
    # The customer's own figure is theirs to repeat.
    assert sibling_swaps("Express is not free on orders of €60.", "is express free on orders of €60") == []


def test_a_sentence_without_a_subject_has_no_siblings():
    # Session 49's dev rows: "within" of "Investigations are usually completed within 10 working days." is no sibling
    # of the list line stating 5 working days.
    tracking = (
        "Please contact us if tracking has not changed for:\n - 5 working days for UK deliveries, or\n - 7 working days "
        "for EU deliveries.\n\nInvestigations are usually completed within 10 working days."
    )
    check = SwappedFigureCheck([tracking], "tracking hasnt moved for 3 days, uk order. when should i contact you", [])
    assert check.check("You should contact Voltway within 5 working days of the delivery date.").unsupported == []


def test_a_passage_clause_opening_with_a_verb_has_the_words_of_the_clause_before_it():
    # A review of session 50: "free ... €60" and "Standard delivery ... €5.99" are one subject's, not parallel clauses.
    answer = "No. Express delivery costs €12.99 whatever the order total; the free delivery from €60 applies to Standard only."
    assert sibling_swaps(answer, "do i get free express shipping to spain") == []
