"""The chat's Stop: the answer that was still coming is marked as stopped where the customer reads it, and nothing
else is (ui.chat.mark_stopped)."""

from ui.chat import STOPPED_NOTE, add_user_turn, drop_last_exchange, mark_stopped

QUESTION = {"role": "user", "content": "Tell me everything about returns"}


def test_an_answer_still_coming_ends_with_the_note_as_text_or_as_the_browser_sends_it_back():
    partial = {"role": "assistant", "content": "Returns are free"}
    assert mark_stopped([QUESTION, partial], True) == (
        [QUESTION, {"role": "assistant", "content": f"Returns are free\n\n{STOPPED_NOTE}"}], False)
    sent_back = {"role": "assistant", "metadata": None, "content": [{"type": "text", "text": "Returns are free"}]}
    [_, marked], coming = mark_stopped([QUESTION, sent_back], True)
    assert marked["content"] == [{"type": "text", "text": f"Returns are free\n\n{STOPPED_NOTE}"}] and not coming
    # Stopped before any of it was shown: the note alone.
    assert mark_stopped([QUESTION], True) == ([QUESTION, {"role": "assistant", "content": STOPPED_NOTE}], False)


def test_a_whole_answer_is_never_marked_and_only_a_sent_question_or_a_regeneration_starts_one():
    whole = [QUESTION, {"role": "assistant", "content": "Returns are free within 30 days. [1]"}]
    assert mark_stopped(whole, False) == (whole, False)
    assert add_user_turn("  ", [])[-1] is False and add_user_turn("hi", [])[-1] is True
    assert drop_last_exchange(whole, [], "")[-1] is False
    assert drop_last_exchange(whole, [], QUESTION["content"]) == ([QUESTION], [], QUESTION["content"], True)
