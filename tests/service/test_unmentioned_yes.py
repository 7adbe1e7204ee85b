"""A yes about a word of the question that no passage holds (service/unmentioned_yes.py)."""

from service.guard import GroundingGuard
from service.unmentioned_yes import UnmentionedYesCheck

NIMBUS = (
    "Voltway Nimbus 14 Laptop > Configurations and specifications\nBoth models have a 14-inch 2.8K (2880 × 1800) 90 Hz display, a 70 Wh battery, a 1080p webcam with privacy "
    "shutter, a fingerprint reader in the power button, Wi-Fi 6E and Bluetooth 5.3. Weight: 1.29 kg."
)
WARRANTY_ZH = "Voltway 自有品牌商品（如 Voltway Nimbus 14 笔记本电脑、Voltway HomeHub）：自签收之日起享受 2 年免费保修。"
TRADE_IN_ZH = "旧手机屏幕碎裂或有其他损坏的设备也可以回收，但估价会相应降低。购买新机时先获得估价，收到新机后 14 天内寄出旧机即可。"


def unmentioned(passages: list[str], question: str, answer: str) -> list[str]:
    return [claim.text for claim in UnmentionedYesCheck(passages, question).check(answer).unsupported]


def test_a_yes_about_what_no_passage_mentions_is_reported():
    # Session 47, `make run`: the passages never speak of a touchscreen.
    assert unmentioned([NIMBUS, WARRANTY_ZH], "笔记本有触摸屏吗", "是的，笔记本电脑有触摸屏。") == ["触摸屏"]
    assert unmentioned([NIMBUS], "does the nimbus 14 have a touchscreen", "Yes, the 2.8K display is a touchscreen. [1]") == [
        "touchscreen"
    ]
    assert unmentioned([TRADE_IN_ZH], "旧手机屏幕摔裂了 还能拿来回收吗", "[1] 是的，旧手机屏幕摔裂了还可以回收。") == ["摔裂"]


def test_a_yes_the_passages_speak_of_passes():
    assert unmentioned([NIMBUS], "does the nimbus 14 have a fingerprint reader",
                       "Yes, the Nimbus 14 has a fingerprint reader in the power button. [1]") == []
    assert unmentioned([NIMBUS], "do the nimbus laptops come with fingerprint readers", "Yes: fingerprint reader. [1]") == []
    # The knowledge base's vocabulary counts as mentioned (a name is the grounding guard's to check).
    check = UnmentionedYesCheck(["Both models have a fingerprint reader."], "does the pulse 7 have one too", ["Pulse 7"])
    assert check.check("Yes, the Pulse 7 has one too.").unsupported == []
    assert unmentioned([TRADE_IN_ZH], "以旧换新是先收新机再寄旧机吗 有时间限制没",
                       "[1] 是的，购买新机时先获得估价，收到新机后 14 天内寄出旧机即可。") == []


def test_the_question_said_back_is_left_to_the_restatement_checks():
    assert unmentioned([NIMBUS], "does the nimbus 14 have a touchscreen", "Yes, the Nimbus 14 has a touchscreen. [1]") == []
    guard = GroundingGuard.for_answer([NIMBUS], "does the nimbus 14 have a touchscreen")
    assert guard.final("Yes, the Nimbus 14 has a touchscreen. [1]") == ["an answer whose yes only says the question back"]


def test_only_an_opening_yes_is_read():
    # A "no" may be the passages' own inference; a sentence after the first is not the verdict's.
    assert unmentioned([NIMBUS], "does the nimbus 14 have a touchscreen", "No, the Nimbus 14 has no touchscreen.") == []
    assert unmentioned([NIMBUS], "does the nimbus 14 have a touchscreen", "The display is 2.8K. Yes, touchscreen.") == []
    assert unmentioned([WARRANTY_ZH], "笔记本有触摸屏吗", "不支持触摸屏。") == []
    # "可以" with no mark after it is the start of a sentence, not a bare yes.
    assert unmentioned([TRADE_IN_ZH], "摔裂的手机能回收吗", "可以摔裂回收") == []
    assert unmentioned([TRADE_IN_ZH], "摔裂的手机能回收吗", "可以，摔裂的也行。") == ["摔裂"]


def test_the_guard_replaces_such_an_answer():
    guard = GroundingGuard.for_answer([NIMBUS], "does the nimbus 14 have a touchscreen")
    assert guard.final("Yes, the 2.8K display is a touchscreen. [1]") == ["touchscreen (a yes about what no passage mentions)"]
    assert guard.final("The Nimbus 14 weighs 1.29 kg. [1]") == []
