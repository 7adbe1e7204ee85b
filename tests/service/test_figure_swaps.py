"""A passage's figure with the words the passages put with another figure (service/figure_swaps.py)."""

from service.figure_swaps import SwappedFigureCheck, clauses

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


def test_clauses_split_a_sentence_where_each_figure_gets_its_own_words():
    assert clauses("Up to 40 hours with ANC on, up to 55 hours with ANC off. Costs £1,099 / €1,249 – 2 colours") == [
        "Up to 40 hours with ANC on", "up to 55 hours with ANC off.", "Costs £1,099 / €1,249", "2 colours",
    ]
