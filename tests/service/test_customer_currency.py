"""Prices in another currency than the customer's region pays in (service/customer_currency.py)."""

from service.customer_currency import CustomerCurrencyCheck, customer_currency
from service.guard import GroundingGuard

FEES = [
    "United Kingdom\n| Standard | 2–4 working days | £3.99, free on orders of £50 or more |",
    "European Union\n| Standard | 3–6 working days | €5.99, free on orders of €60 or more |",
]
IRELAND = "whats standard delivery to ireland cost and how much do i need to spend for it to be free"


def wrong(answer: str, question: str = IRELAND, passages: list[str] = FEES) -> list[str]:
    return [claim.text for claim in CustomerCurrencyCheck(passages, question).check(answer).unsupported]


def test_the_customer_currency_is_the_one_their_places_and_currency_words_name():
    assert customer_currency(IRELAND) == "€"
    assert customer_currency("do u deliver to northern ireland") == "£"
    assert customer_currency("how much is it in euros") == "€"
    assert customer_currency("ship to the united states?") == "$"
    assert customer_currency("hi im in utrecht, how much is delivery") == "€"  # a city (service.places)
    # Two currencies, none named, or a language's and a card's names: no customer's currency.
    assert customer_currency("im in ireland with a uk bank card, what currency will i pay in") is None
    assert customer_currency("how much is express delivery") is None
    assert customer_currency("does the nimbus 14 come with a german keyboard") is None
    assert customer_currency("can i pay with american express") is None
    assert customer_currency("寄到爱尔兰多少钱") is None
    # Where it is made, where the customer is from, or someone else's place: not where the customer pays.
    assert customer_currency("how much is the nimbus 14, is it made in china") is None
    assert customer_currency("i'm from france, how much is delivery") is None
    assert customer_currency("im in spain and want to send a gift to my mum in london, how much is delivery") is None


def test_prices_only_in_another_currency_are_reported():
    # Session 49's dev run, the bundled 1.5B: Ireland pays the EU's fees in euros.
    answer = "The standard delivery to Ireland costs £3.99. To make it free, you need to spend £50 or more on the order. [1]"
    assert wrong(answer) == ["£3.99", "£50"]
    assert wrong("Standard delivery costs €5.99.", "how much is standard delivery to the uk") == ["€5.99"]


def test_the_customer_price_given_or_no_price_or_none_to_give_passes():
    assert wrong("Standard delivery to Ireland costs €5.99 and is free on orders of €60 or more. [2]") == []
    assert wrong("£3.99 in the UK and €5.99 in Ireland.") == []
    assert wrong("Standard delivery takes 3-6 working days. [2]") == []
    # The passages state no price in Swiss francs: the euro price is the one they give.
    assert wrong("Delivery costs €19.99.", "how much to ship to switzerland", ["Switzerland: €19.99 per order."]) == []
    assert wrong("Delivery costs £3.99.", IRELAND, [FEES[0]]) == []
    # An example given only in pounds has no euro price beside it: it is the example the passages give.
    trade_in = ["Take store credit and get 10% extra: for example, a £200 quote becomes £220.", FEES[1]]
    assert wrong("A £200 quote becomes £220 of store credit.", "im in ireland how does the trade in bonus work", trade_in) == []


def test_the_guard_replaces_an_answer_in_another_currency():
    guard = GroundingGuard.for_answer(FEES, IRELAND)
    assert guard.final("Standard delivery to Ireland costs £3.99. [1]") == ["£3.99 (another region's currency)"]
    assert GroundingGuard.for_answer(FEES, IRELAND).final("Standard delivery to Ireland costs €5.99. [2]") == []
