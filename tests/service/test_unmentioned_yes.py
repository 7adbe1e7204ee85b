"""A Chinese yes about a thing no passage mentions (service/unmentioned_yes.py)."""

from service.guard import GroundingGuard
from service.unmentioned_yes import UnmentionedYesCheck

NIMBUS = (
    "Voltway Nimbus 14 Laptop > Configurations and specifications\nBoth models have a 14-inch 2.8K (2880 × 1800) 90 Hz "
    "display, a 70 Wh battery, a fingerprint reader in the power button, Wi-Fi 6E and Bluetooth 5.3."
)
WARRANTY_ZH = "Voltway 自有品牌商品（如 Voltway Nimbus 14 笔记本电脑、Voltway HomeHub）：自签收之日起享受 2 年免费保修。"
TRADE_IN_ZH = "旧手机屏幕碎裂或有其他损坏的设备也可以回收，但估价会相应降低。购买新机时先获得估价，收到新机后 14 天内寄出旧机即可。"
HUB_ZH = "HomeHub 支持 Wi-Fi 和蓝牙连接。自动化规则在本地运行。"


def unmentioned(passages: list[str], question: str, answer: str, vocabulary=()) -> list[str]:
    return [claim.text for claim in UnmentionedYesCheck(passages, question, vocabulary).check(answer).unsupported]


def test_a_yes_about_a_thing_no_passage_mentions_is_reported():
    # Session 47, `make run`: the passages never speak of a touchscreen.
    assert unmentioned([NIMBUS, WARRANTY_ZH], "笔记本有触摸屏吗", "是的，笔记本电脑有触摸屏。") == ["触摸屏"]
    assert unmentioned([NIMBUS, WARRANTY_ZH], "笔记本有触摸屏吗", "[1] 有，笔记本配备触摸屏和指纹识别。") == ["触摸屏"]


def test_a_yes_to_a_question_naming_in_latin_letters_what_no_passage_holds_is_reported_however_it_is_worded():
    # Session 58: the answer translated the customer's "touch", so no repeated name gave it away.
    passages = [NIMBUS, WARRANTY_ZH, "摔落、屏幕碎裂等意外损坏不在免费保修范围内。"]
    assert unmentioned(passages, "nimbus 14 屏幕是 touch 的吗", "是的，Voltway Nimbus 14 的屏幕是触摸的。 [1]") == ["touch"]
    # Names the passages hold, compared without case, spaces or hyphens ("wifi" is in "Wi-Fi"), are not reported; nor
    # is a no, which may be the passages' own inference.
    assert unmentioned([HUB_ZH], "homehub 连 wifi 能用蓝牙吗", "是的，HomeHub 支持 Wi-Fi 和蓝牙连接。 [1]") == []
    assert unmentioned([NIMBUS], "nimbus 14 屏幕是 touch 的吗", "不是，屏幕不支持触摸。 [1]") == []


def test_a_yes_about_what_the_passages_speak_of_passes():
    assert unmentioned([HUB_ZH], "homehub支持蓝牙吗", "是的，HomeHub 支持蓝牙连接。 [1]") == []
    assert unmentioned([TRADE_IN_ZH], "以旧换新是先收新机再寄旧机吗", "[1] 是的，收到新机后 14 天内寄出旧机即可。") == []
    # The knowledge base's vocabulary counts as mentioned.
    assert unmentioned(["支持三种配送方式。"], "次日达能送到杭州吗", "可以，次日达支持杭州。", vocabulary=["次日达", "杭州"]) == []


def test_a_customers_own_verbs_and_everyday_words_are_not_read():
    # Right answers say them back: verbs ("摔裂", "想要") and everyday nouns ("东西", "今天", "明天").
    assert unmentioned([TRADE_IN_ZH], "旧手机屏幕摔裂了 还能拿来回收吗", "[1] 是的，旧手机屏幕摔裂了也可以回收，但估价会降低。") == []
    assert unmentioned(["签收后 7 天内可无理由退货。"], "东西不想要了能退吗", "可以，东西不想要了可以在签收后 7 天内退货。") == []
    assert unmentioned(["16:00 前付款，次日送达。"], "今天下单明天能到吗", "能，今天下单明天可到，16:00 前付款即可。") == []


def test_only_an_opening_chinese_yes_is_read():
    # A "no" may be the passages' own inference; a sentence after the first is not the verdict's.
    assert unmentioned([WARRANTY_ZH], "笔记本有触摸屏吗", "不支持触摸屏。") == []
    assert unmentioned([WARRANTY_ZH], "笔记本有触摸屏吗", "保修 2 年。是的，有触摸屏。") == []
    # A verb with no mark right after it starts a sentence; it is no bare yes.
    assert unmentioned([WARRANTY_ZH], "笔记本有触摸屏吗", "有 触摸屏。") == []
    assert unmentioned([WARRANTY_ZH], "笔记本有触摸屏吗", "可以使用触摸屏。") == []
    # English answers are the restatement checks' (`echoes_a_yes`).
    assert unmentioned([NIMBUS], "does the nimbus 14 have a touchscreen", "Yes, the 2.8K display is a touchscreen.") == []


def test_the_guard_replaces_such_an_answer():
    guard = GroundingGuard.for_answer([NIMBUS, WARRANTY_ZH], "笔记本有触摸屏吗")
    assert guard.final("是的，笔记本电脑有触摸屏。 [1]") == ["触摸屏 (a yes about what no passage mentions)"]
    assert guard.final("Nimbus 14 保修 2 年。 [1]") == []
