"""bench/drafts.py's reading of who a reply e-mail speaks as (drafts the bundled 1.5B wrote, session 60)."""

from bench.drafts import speaks_as_customer


def test_a_draft_telling_the_customers_story_or_writing_to_the_company_speaks_as_the_customer():
    assert speaks_as_customer("Thank you for reaching out to Voltway. I opened my Voltway Aria X2 headphones last week "
                              "and I am not satisfied with the sound quality.")
    assert speaks_as_customer("I wanted to confirm if Voltway ships to Switzerland and, if so, what the delivery cost is.")
    assert speaks_as_customer("尊敬的 Voltway支持团队，\n\n您好！我上周买的耳机不喜欢，能退吗？")
    assert speaks_as_customer("退货运费是由 Voltway 承担的。\n\n此致，\n[您的名字]\n[您的职位]")


def test_the_support_teams_reply_does_not():
    assert not speaks_as_customer("Hello,\n\nThank you for contacting Voltway. Points can't be exchanged for cash. "
                                  "\n\nBest regards,\nThe Voltway support team")
    assert not speaks_as_customer("Additionally, I would like to know if you have tried restarting the HomeHub.")
    assert not speaks_as_customer("您好！\n\n感谢您联系 Voltway。耳机是您上周购买的，您提到不喜欢。\n\n祝好！\nVoltway 客服团队")
