"""Where the places customers name are, and the note that says so in an answer's prompt (service/places.py)."""

from service.places import customer_region, for_another_region, places_in, region_note
from service.settings import AssistantSettings
from tests.fakes import FakePassage, plain_retriever
from tests.service.test_assistant import make

EU_FEES = "How much does delivery cost in the EU?\nStandard delivery (3-6 working days) costs €5.99."
UK_FEES = "We deliver to all UK addresses, including Northern Ireland."


def test_places_are_countries_nations_and_large_cities_named_as_whole_words():
    assert [p.name for p in places_in("hi, how much is shipping to germany?")] == ["Germany"]
    assert [(p.name, p.country, p.region) for p in places_in("im in utrecht")] == [("Utrecht", "the Netherlands", "EU")]
    # The longest name wins: Northern Ireland is in the UK, Ireland in the EU.
    assert [(p.name, p.region) for p in places_in("to northern ireland")] == [("Northern Ireland", "UK")]
    assert [p.name for p in places_in("a ukulele, nice weather, reading a split pin")] == []
    assert places_in("寄到德国多少钱") == []


def test_a_note_says_where_a_place_is_when_the_passages_price_its_region_and_never_name_it():
    assert region_note("hi, how much is shipping to germany?", [EU_FEES]) == (
        "Germany is in the European Union (EU), so what the passages say about the EU applies to it."
    )
    assert region_note("ship to holland?", [EU_FEES]).startswith("The Netherlands is in the European Union (EU)")
    assert region_note("how much to belfast", [UK_FEES]).startswith("Belfast (Northern Ireland) is in the United Kingdom")
    # Outside every region the passages name: said of each; nothing where they name the place or no region at all.
    assert region_note("delivery to switzerland?", [EU_FEES]) == "Switzerland is not in the European Union (EU)."
    assert region_note("do you ship to the usa", [EU_FEES, UK_FEES]) == (
        "The United States is not in the European Union (EU) or the United Kingdom (UK)."
    )
    assert region_note("hi, how much is shipping to germany?", [UK_FEES]) == "Germany is not in the United Kingdom (UK)."
    assert region_note("delivery to northern ireland?", [UK_FEES]) == ""
    assert region_note("delivery to ireland?", [UK_FEES, EU_FEES]).startswith("Ireland is in the European Union (EU)")
    assert region_note("how much is shipping?", [EU_FEES]) == ""
    # Only where the customer is or orders to, and nothing that says what the region is already.
    assert region_note("germany shipping, i'm from france", [EU_FEES]) == ""
    assert region_note("how much is delivery to great britain", [EU_FEES, UK_FEES]) == ""
    assert region_note("do you deliver to tenerife, spain?", [EU_FEES]) == ""
    assert region_note("im in ireland but ordering for my uk office, what does delivery cost", [UK_FEES, EU_FEES]) == ""
    assert region_note("hi, how much is shipping to germany?", ["Standard delivery costs €5.99."]) == ""


def test_the_answer_prompt_carries_the_note_after_the_question():
    passage = FakePassage("eu", "Delivery", "faq.csv", EU_FEES)
    assistant, backend, _ = make(retriever=plain_retriever([passage]))
    assistant.chat("hi, how much is shipping to germany?").collect()
    user = backend.requests[-1][0][-1]["content"]
    assert "hi, how much is shipping to germany?\n(Note: Germany is in the European Union (EU)" in user

    assistant, backend, _ = make(retriever=plain_retriever([passage]), region_notes=False)
    assistant.chat("hi, how much is shipping to germany?").collect()
    assert "Note:" not in backend.requests[-1][0][-1]["content"]
    assert AssistantSettings().region_notes


def test_the_customer_region_is_the_one_region_of_every_place_named_and_nobody_else():
    assert customer_region("whats standard delivery to ireland cost") == "EU"
    assert customer_region("im in utrecht, paid with ideal") == "EU"
    assert customer_region("do u deliver to scotland, how much") == "UK"
    assert customer_region("can i use my uk gift card on the eu site? moving to dublin") is None  # two regions
    assert customer_region("im in spain, sending a gift to my mum in london") is None  # someone else's place
    assert customer_region("do you ship to switzerland") is None  # in no region of the table
    assert customer_region("how much is express delivery") is None
    # Review of session 51: comparisons, trips, moves, purchases elsewhere, names and territories say nothing of it.
    assert customer_region("is it cheaper to order from the uk store or the eu store") is None
    assert customer_region("do u ship to the uk from europe") is None
    assert customer_region("going on holiday to france next week, will the headphones arrive by wednesday?") is None
    assert customer_region("I bought the nimbus in our Paris store, can I return it by post?") is None
    assert customer_region("Hi, this is Sofia, how much is standard delivery?") is None
    assert customer_region("I live near Holland Park, how much is delivery") is None
    assert customer_region("delivery cost to nothern ireland?") == "UK"
    assert customer_region("do you deliver to tenerife, spain?") is None
    assert customer_region("ship to new south wales?") is None
    assert customer_region("im in germany, what countries outside the eu do you deliver to?") is None
    # Where the company ships at all is asked wherever the customer is (the FAQ on other countries answers it).
    assert customer_region("im in dublin. which countries do you ship to?") is None
    assert customer_region("i live in germany, where do you ship?") is None
    assert customer_region("ordering for a client in paris, how much is shipping") is None
    assert customer_region("do you have the aria x2 in bordeaux colour?") is None
    assert customer_region("tracking says my parcel is in the leipzig hub since monday") is None


def test_a_heading_about_other_places_is_for_another_region():
    assert for_another_region("United Kingdom", "EU")
    assert for_another_region("How much does delivery cost in the UK?", "EU")
    assert for_another_region("International: Switzerland and Norway", "EU")
    assert not for_another_region("European Union", "EU")
    assert for_another_region("Do you ship outside the UK and EU?", "EU")  # for the customers of neither
    assert for_another_region("Returns from outside the EU", "EU")
    assert not for_another_region("Do you ship outside the EU?", "UK")
    assert not for_another_region("Delivery to addresses outside mainland UK", "UK")  # remote parts of the UK
    assert not for_another_region("Non-EU cards", "EU")  # a card from elsewhere, any customer's
    # Places named before "outside", or after the places it is outside of, are what the heading is about.
    assert not for_another_region("EU addresses outside the EU VAT area", "EU")
    assert not for_another_region("Outside the UK: VAT-free orders for EU businesses", "EU")
    assert not for_another_region("Ireland and Northern Ireland: outside Great Britain", "UK")
    assert not for_another_region("Non-returnable items in the EU", "EU")
    assert not for_another_region("Free delivery thresholds", "EU")  # names no place
    assert not for_another_region("CONTACT US", "EU")
    assert not for_another_region("Customers outside the EU", "UK")


def test_passages_headed_for_another_region_stay_out_of_the_prompt_while_one_is_left():
    uk = FakePassage("uk", "How much does delivery cost in the UK?", "faq.csv", "Standard delivery costs £3.99.")
    eu = FakePassage("eu", "How much does delivery cost in the EU?", "faq.csv", "Standard delivery costs €5.99.")
    assistant, backend, _ = make(retriever=plain_retriever([uk, eu]))
    assistant.chat("whats standard delivery to ireland cost").collect()
    user = backend.requests[-1][0][-1]["content"]
    assert "€5.99" in user and "£3.99" not in user
    assistant.chat("whats standard delivery to scotland cost").collect()
    user = backend.requests[-1][0][-1]["content"]
    assert "£3.99" in user and "€5.99" not in user
    assistant.chat("is standard delivery to the usa possible").collect()  # none left for the US: all stay
    user = backend.requests[-1][0][-1]["content"]
    assert "£3.99" in user and "€5.99" in user

    assistant, backend, _ = make(retriever=plain_retriever([uk, eu]), region_passages=False)
    assistant.chat("whats standard delivery to ireland cost").collect()
    assert "£3.99" in backend.requests[-1][0][-1]["content"]


def test_a_passage_for_the_customers_outside_the_customers_region_stays_out_of_the_prompt():
    # The 1.5B answered "can you ship to germany?" from it: "Yes, we ship to Germany from the EU store for €19.99".
    outside = FakePassage("intl", "Do you ship outside the UK and EU?", "faq.csv",
                          "We ship to Switzerland and Norway from the EU store for €19.99 (5-8 working days).")
    eu = FakePassage("eu", "How much does delivery cost in the EU?", "faq.csv", "Standard delivery costs €5.99.")
    assistant, backend, _ = make(retriever=plain_retriever([outside, eu]))
    assistant.chat("can you ship to germany?").collect()
    user = backend.requests[-1][0][-1]["content"]
    assert "€5.99" in user and "€19.99" not in user
    assistant.chat("do you ship to switzerland?").collect()  # no region of its own: every passage stays
    assert "€19.99" in backend.requests[-1][0][-1]["content"]
