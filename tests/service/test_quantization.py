"""The calibration text of the W8A8 checkpoint: support conversations in the app's prompt format, from the
shared data (never the sample knowledge base's dev set). Quantizing itself needs llm-compressor's own
environment (`make quantized`), which the tests do not build."""

from service import prompts
from service.quantization import calibration_conversations, main
from tests.conftest import SHARED_DATA


def test_calibration_is_english_faq_prompts_and_chinese_support_dialogues():
    chats = calibration_conversations(SHARED_DATA, count=16)
    assert len(chats) == 16
    english, chinese = chats[:12], chats[12:]
    system = prompts.customer_service_system_prompt("Voltway")
    assert all(c[0] == {"role": "system", "content": system} for c in chats)
    assert all(c[1]["content"].startswith(prompts.GROUNDED_QUESTION.split("{passages}")[0]) for c in english)
    assert all(c[-1]["role"] == "assistant" and c[-1]["content"].endswith("[1]") for c in english)
    assert all(any("\u4e00" <= ch <= "\u9fff" for m in c[1:] for ch in m["content"]) for c in chinese)
    assert calibration_conversations(SHARED_DATA, count=16) == chats  # seeded


def test_bad_paths_are_one_sentence(tmp_path, capsys):
    assert main(["--model", str(tmp_path), "--output", str(tmp_path / "out")]) == 1
    assert "not a model checkpoint" in capsys.readouterr().err


def test_only_w4a16_can_be_made_without_calibration(tmp_path, capsys):
    (tmp_path / "config.json").write_text("{}")
    assert main(["--model", str(tmp_path), "--output", str(tmp_path / "out"), "--data-free"]) == 1
    assert "W8A8 needs calibration text" in capsys.readouterr().err
