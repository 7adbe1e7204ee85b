"""Transcript loading and cleaning: formats, speaker mapping, malformed records, PII, dedupe, split."""

import json
from collections import Counter

import pytest

from finetune.data import clean, load_transcripts, map_speaker, redact, split
from finetune.errors import FinetuneError
from service.prompts import customer_service_system_prompt

EXPECTED = [
    {"role": "user", "content": "Where is my order?"},
    {"role": "assistant", "content": "It ships tomorrow."},
    {"role": "user", "content": "Thanks"},
    {"role": "assistant", "content": "You are welcome."},
]


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_speaker_mapping():
    assert [map_speaker(s) for s in ["Customer", "user", "CLIENT", "Customer 2"]] == ["user"] * 4
    assert [map_speaker(s) for s in ["Agent", "support", "Helpdesk", "assistant", "Support (Tom)"]] == ["assistant"] * 5
    assert map_speaker("Narrator") is None
    assert map_speaker(None) is None


def test_all_four_formats_give_the_same_conversation(tmp_path):
    openai = write(tmp_path / "a.jsonl", json.dumps({"messages": EXPECTED}) + "\n")
    sharegpt_turns = [{"from": {"user": "human", "assistant": "gpt"}[m["role"]], "value": m["content"]} for m in EXPECTED]
    sharegpt = write(tmp_path / "b.jsonl", json.dumps({"conversations": sharegpt_turns}) + "\n")
    csv_file = write(
        tmp_path / "c.csv",
        "conversation_id,speaker,text\n"
        "7,Client,Where is my order?\n7,Helpdesk,It ships tomorrow.\n7,client,Thanks\n7,Support,You are welcome.\n",
    )
    text = write(
        tmp_path / "d.txt",
        "Customer: Where is my order?\nAgent: It ships tomorrow.\nCustomer: Thanks\nAgent: You are welcome.\n",
    )
    for path in (openai, sharegpt, csv_file, text):
        result = load_transcripts([path])
        assert [c.messages for c in result.conversations] == [EXPECTED], path.name
        assert result.problems == []


def test_text_format_blocks_continuations_and_merged_turns(tmp_path):
    path = write(
        tmp_path / "t.txt",
        "Customer: My parcel is late.\nAgent: Sorry to hear that.\nAgent: Could you send the order number?\n"
        "It is on the receipt.\n\n\nCustomer: Hello\nSupport: Hi, how can I help?\n",
    )
    conversations = load_transcripts([path]).conversations
    assert len(conversations) == 2
    assert conversations[0].messages[1] == {
        "role": "assistant",
        "content": "Sorry to hear that.\nCould you send the order number?\nIt is on the receipt.",
    }
    assert conversations[1].source.endswith("t.txt:7")


def test_malformed_records_are_reported_with_line_numbers_and_skipped(tmp_path):
    good = json.dumps({"messages": EXPECTED})
    jsonl = write(
        tmp_path / "m.jsonl",
        "\n".join([good, "{not json", json.dumps({"messages": [{"role": "wizard", "content": "x"}]}), "[1, 2]", good])
        + "\n",
    )
    result = load_transcripts([jsonl])
    assert len(result.conversations) == 2
    assert [(p.line, p.reason.split(" ")[0]) for p in result.problems] == [(2, "not"), (3, "turn"), (4, "a")]
    assert "unknown speaker 'wizard'" in str(result.problems[1])
    assert str(result.problems[0]).startswith(f"{jsonl}:2:")

    csv_file = write(tmp_path / "m.csv", "id,role,message\n1,customer,hi\n1,ghost,boo\n1,agent,hello\n2,agent,\n")
    result = load_transcripts([csv_file])
    assert [(p.line, p.reason) for p in result.problems] == [(3, "unknown speaker 'ghost'"), (5, "the row has no text")]
    assert result.conversations[0].messages == [
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": "hello"},
    ]

    text = write(tmp_path / "m.txt", "Customer: hi\nAgent: hello\n\nCustmer: typo\nAgent: ok\n\nno speaker here\n")
    result = load_transcripts([text])
    assert len(result.conversations) == 1
    assert [(p.line, p.reason) for p in result.problems] == [
        (4, "unknown speaker 'Custmer'"),
        (7, "the conversation does not start with 'Speaker:'"),
    ]


def test_files_without_usable_records_are_clear_errors(tmp_path):
    with pytest.raises(FinetuneError, match=r"No usable conversation in .*bad.jsonl .*:1: not valid JSON"):
        load_transcripts([write(tmp_path / "bad.jsonl", "oops\n")])
    with pytest.raises(FinetuneError, match="does not exist"):
        load_transcripts([tmp_path / "missing.jsonl"])
    with pytest.raises(FinetuneError, match="has no speaker column"):
        load_transcripts([write(tmp_path / "x.csv", "conversation_id,who,text\n1,agent,hi\n")])


@pytest.mark.parametrize(
    "text, expected, kind",
    [
        ("write to jane.doe+shop@example.co.uk today", "write to [EMAIL] today", "email"),
        ("call me on +1 (415) 555-0132 please", "call me on [PHONE] please", "phone"),
        ("my mobile is 138 0013 8000", "my mobile is [PHONE]", "phone"),
        ("card 4111 1111 1111 1111 was charged", "card [CARD_NUMBER] was charged", "card"),
        ("card 4111-1111-1111-1111", "card [CARD_NUMBER]", "card"),
        ("SSN 123-45-6789", "SSN [ID_NUMBER]", "id"),
        ("passport no. X1234567 expired", "passport no. [ID_NUMBER] expired", "id"),
        ("ID number: 11010519491231002X", "ID number: [ID_NUMBER]", "id"),
    ],
)
def test_personal_data_is_redacted(text, expected, kind):
    counts = Counter()
    assert redact(text, counts) == expected
    assert counts == {kind: 1}


@pytest.mark.parametrize(
    "text", ["paid 50 yuan on 2013-06-01 at 10:30", "order 12345 arrived", "I have 3 ideas", "version 2.1.4"]
)
def test_ordinary_numbers_are_kept(text):
    assert redact(text) == text


def convo(*turns):
    from finetune.data import Conversation

    return Conversation([{"role": r, "content": c} for r, c in turns], "test")


def test_clean_redacts_dedupes_drops_and_sets_the_app_system_prompt():
    prompt = customer_service_system_prompt()
    conversations, stats = clean(
        [
            convo(("system", "old prompt"), ("user", "Mail me: a@b.com"), ("assistant", "Done."), ("user", "bye")),
            convo(("user", "mail me:   A@B.com"), ("assistant", "done.")),  # duplicate after redaction
            convo(("user", "Anyone there?")),  # no assistant turn
            convo(("user", "Hi"), ("assistant", "Hello!")),
        ],
        prompt,
    )
    assert [c.messages for c in conversations] == [
        [
            {"role": "system", "content": prompt},
            {"role": "user", "content": "Mail me: [EMAIL]"},
            {"role": "assistant", "content": "Done."},
        ],
        [{"role": "system", "content": prompt}, {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}],
    ]
    assert (stats.input, stats.kept, stats.duplicates, stats.without_assistant) == (4, 2, 1, 1)
    assert stats.redactions == {"email": 2}


def test_split_is_seeded_disjoint_and_never_empty():
    items = [convo(("user", f"q{i}"), ("assistant", f"a{i}")) for i in range(20)]
    train, held_out = split(items, 0.2, seed=1)
    assert len(held_out) == 4 and len(train) == 16
    assert {id(c) for c in train}.isdisjoint({id(c) for c in held_out})
    again, held_again = split(items, 0.2, seed=1)
    assert [id(c) for c in held_again] == [id(c) for c in held_out]
    assert [id(c) for c in split(items, 0.2, seed=2)[1]] != [id(c) for c in held_out]
    assert [len(part) for part in split(items[:2], 0.01, seed=0)] == [1, 1]
    with pytest.raises(FinetuneError, match="at least 2"):
        split(items[:1], 0.1, seed=0)
    with pytest.raises(FinetuneError, match="--eval-fraction"):
        split(items, 1.0, seed=0)
