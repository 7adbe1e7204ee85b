"""An answer without the figure the customer asked for (service/asked_figures.py)."""

from service.asked_figures import AskedFigureCheck
from service.prompts import CLOSEST_LEAD, OFFER_PERSON
from tests.fakes import RETURNS
from tests.service.test_answers import make


def test_a_how_long_question_answered_without_a_duration_does_not_answer_it():
    # Session 47, `make run`: a percentage for how long replaced parts are covered.
    assert AskedFigureCheck("维修换的零件保多久").verdict("电池容量低于 80% 可免费更换。") == (
        "an answer to how long that states no duration"
    )
    assert AskedFigureCheck("how long do refunds take").verdict("Refunds go back to your card. [1]") is not None
    for question, answer in [
        ("维修换的零件保多久", "维修更换的部件享受 90 天保修。"),
        ("寄新疆要几天", "一般需要 3–7 天。"),
        ("how long is the warranty", "Two years."),
        ("how long until my gift card refund shows up", "It goes back to the gift card immediately."),
        ("多久能发货", "16:00 前付款当天发货。"),
        ("how long after ordering can i change the address", "Within an hour of ordering. [1]"),  # a word for the number
        ("how long do gift cards last", "They never expire."),
        ("how long is the charging cable", "It is 1 m long."),
        ("how long does my new password have to be", "At least 10 characters. [3]"),  # session 48: a length
    ]:
        assert AskedFigureCheck(question).verdict(answer) is None, answer


def test_a_price_question_answered_without_an_amount_does_not_answer_it():
    # Session 47, `make run`: the memory for the price.
    check = AskedFigureCheck("nimbus 14 32gb how much")
    assert check.verdict("The Voltway Nimbus 14 (32 GB) has a 32 GB LPDDR5X (soldered) memory. [1]") == (
        "an answer to what it costs that states no amount"
    )
    assert check.verdict("The 32 GB model costs £1,399. [1]") is None
    assert AskedFigureCheck("aria x2 多少钱").verdict("¥1,999 [1]") is None
    assert AskedFigureCheck("how much is click and collect").verdict("Click & Collect is free. [1]") is None
    assert AskedFigureCheck("运费多少").verdict("订单满 ¥99 包邮。") is None
    assert AskedFigureCheck("how much is it").verdict("We don't charge for Click & Collect.") is None
    assert AskedFigureCheck("how much is express").verdict("Express is not free.") is not None  # "not free" is no amount


def test_a_what_time_question_answered_without_a_time_does_not_answer_it():
    # Session 48: the phone number for the latest time to call.
    check = AskedFigureCheck("whats the latest i can call support on a weekday")
    assert check.verdict("The latest you can call support on a weekday is +44 20 0000 0000. [1]") == (
        "an answer to what time that states no time"
    )
    assert check.verdict("Until 8pm, Monday to Friday. [1]") is None
    for question, answer in [
        ("what time does the berlin store close on sundays", "It closes at 17:00 on Sundays. [1]"),
        ("what time does your phone line open on a saturday", "It is closed on Saturdays."),
        ("门店几点关门", "门店营业时间为每天 10:00–22:00。"),
        ("你们客服晚上几点下班", "晚上九点。"),
    ]:
        assert AskedFigureCheck(question).verdict(answer) is None, answer
    # Found by a review: questions that ask for no clock time, and clock times in words.
    for question, answer in [
        ("whats the latest i can return it", "Within 30 days of delivery."),
        ("what time frame do i have to return", "You have 30 days."),
        ("what time zone are your hours in", "UK time."),
        ("what time will i get my refund", "In 3-5 working days."),
        ("what time is my order ready for collection", "If you order after closing, it's ready the next morning."),
        ("退货有几点要求", "需在 30 天内申请。"),
        ("what time does the store open on sunday", "It opens at 11."),
        ("what time does the store open on sunday", "At noon."),
        ("whats the latest i can call support on a weekday", "Until eight."),
        ("what are your opening times", "Monday to Saturday, ten till eight."),
        ("门店几点开门", "十点开门。"),
    ]:
        assert AskedFigureCheck(question).verdict(answer) is None, (question, answer)


def test_questions_that_ask_for_no_figure_are_not_read():
    assert AskedFigureCheck("how much storage does the 32gb nimbus have").verdict("1 TB [1]") is None
    assert AskedFigureCheck("do u charge extra if i pay with amex").verdict("No, we never add a surcharge. [1]") is None
    assert AskedFigureCheck("can i return opened headphones").verdict("Yes. [1]") is None
    # Found by a review: a weight, a few days or months ago, a yes/no question about prices.
    assert AskedFigureCheck("how much does the nimbus 14 weigh").verdict("It weighs 1.29 kg.") is None
    assert AskedFigureCheck("前几天买的耳机能退吗").verdict("可以。") is None
    assert AskedFigureCheck("用了几个月坏了能保修吗").verdict("可以。") is None
    assert AskedFigureCheck("有价格保护吗").verdict("有，签收后 7 天内降价可申请补差价。") is None
    assert AskedFigureCheck("What are the delivery options and how is the fee decided?").verdict("Standard or express.") is None


def test_the_assistant_declines_such_an_answer_showing_the_closest_sentences():
    assistant, _ = make([RETURNS], answer="Refunds go back to the card you paid with. [1]")
    reply = assistant.chat("how long do refunds take")
    reply.collect()
    assert reply.status == "no_answer" and reply.replaced == ["an answer to how long that states no duration"]
    assert reply.text.startswith(CLOSEST_LEAD["en"]) and OFFER_PERSON["en"] in reply.text
