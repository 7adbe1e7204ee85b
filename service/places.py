"""Where the places customers name are: a country, a UK nation or a large city, its country, the region a knowledge
base may price it under (the EU, the UK, the US) and the currency paid there.

Asked "hi, how much is shipping to germany?", the 1.5B answered "I do not know." twice from passages headed "How much
does delivery cost in the EU?": nothing in them says Germany is in the EU, and a small model reading "from the passages
only" does not supply it. A person at a help desk would. `region_note` says it, in the question's frame, when the
passages name the region and not the place:

    region_note("hi, how much is shipping to germany?", ["How much does delivery cost in the EU? ..."])
    # -> "Germany is in the European Union (EU), so what the passages say about the EU applies to it."

Contract: `places_in(text)` is every place of `PLACES` the text names, longest name first where two overlap ("Northern
Ireland" is not Ireland), in the order of the text; English names only (Chinese questions are left alone: the sample
Chinese documents price mainland China alone). `customer_places(question)` are those the customer is in or orders to:
after "in", "to" or "into", in a message that tells of no trip, move or purchase elsewhere, names no one else and no
territory outside its country's delivery area ("tenerife, spain"). `region_note(question, passages)` is one sentence
per such place whose name no passage has: that it is in its region, where a passage names the region, or else that it
is in none of the regions the passages name; "" when there is none. Words that are also common English words or first
names are left out ("Nice", "Split", "Reading", "Sofia").

`customer_region(question)` is the region of the customer's places, when they share one and the question mentions no
place or region outside it; the assistant then leaves out of the prompt the passages whose heading is about other
places (`for_another_region`: the UK's fee table for a customer in Ireland), while one is left. Read with the
note, the 1.5B answered 26 of 40 place questions right (20 written for it, two seeds) against 17 without either.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from knowledge_base.text import reads_as_chinese


@dataclass(frozen=True)
class Place:
    name: str  # as the text names it: "Germany", "Holland", "Utrecht"
    country: str  # "Germany", "the Netherlands"
    region: str | None  # "EU", "UK", "US" or None
    currency: str | None  # "€", "£", "$", "¥", or None where this table does not say
    city: bool = False

    @property
    def described(self) -> str:
        """The place as a note's subject: "Utrecht (the Netherlands)", "The Netherlands" (for "holland" too)."""
        if self.city:
            return f"{self.name} ({self.country})"
        return self.country[0].upper() + self.country[1:]


@dataclass(frozen=True)
class Region:
    country: str  # the country a region's name is, if any: "the United Kingdom"
    short: str  # "EU", "UK", "USA"
    pattern: re.Pattern  # how passages name it

    @property
    def named(self) -> str:
        """How a note names it: "the European Union (EU)"."""
        return f"{self.country} ({self.short})"


# "US" alone is no name of the United States in a heading ("CONTACT US").
REGIONS = {
    "EU": Region("the European Union", "EU", re.compile(r"\bEU\b|\bEuropean Union\b")),
    "UK": Region("the United Kingdom", "UK", re.compile(r"\bUK\b|\bUnited Kingdom\b|\bGreat Britain\b")),
    "US": Region("the United States", "USA", re.compile(r"\bUSA\b|\bU\.S\.(?:A\.)?|\bUnited States\b")),
}
# A question names the EU in any case ("the eu site"), or as Europe.
_EU_IN_QUESTION = re.compile(r"\beu\b|\beuropean? union\b|\beurope\b", re.IGNORECASE)

# country | region | currency | its other names ("=") and large cities (capitals and a few more), "|" between. Left
# out: cities that are common words or first names ("Nice", "Split", "Reading", "Sofia", "Milan").
_COUNTRIES = """
Austria|EU|€||Vienna|Graz|Salzburg|Innsbruck|Linz
Belgium|EU|€||Brussels|Antwerp|Ghent|Bruges|Liège|Liege
Bulgaria|EU|€||Plovdiv|Varna
Croatia|EU|€||Zagreb|Dubrovnik
Cyprus|EU|€||Nicosia|Limassol
the Czech Republic|EU||=Czechia|Prague|Brno
Denmark|EU|||Copenhagen|Aarhus
Estonia|EU|€||Tallinn
Finland|EU|€||Helsinki|Tampere
France|EU|€||Paris|Lyon|Marseille|Toulouse|Bordeaux|Lille|Strasbourg|Nantes
Germany|EU|€||Berlin|Munich|München|Hamburg|Frankfurt|Cologne|Köln|Stuttgart|Düsseldorf|Dusseldorf|Leipzig|Dresden
Greece|EU|€||Athens|Thessaloniki
Hungary|EU|||Budapest
Ireland|EU|€||Dublin|Galway|Limerick
Italy|EU|€||Rome|Naples|Turin|Venice|Bologna|Genoa|Palermo
Latvia|EU|€||Riga
Lithuania|EU|€||Vilnius|Kaunas
Luxembourg|EU|€||
Malta|EU|€||Valletta
the Netherlands|EU|€|=Netherlands|=Holland|Amsterdam|Rotterdam|The Hague|Utrecht|Eindhoven|Groningen
Poland|EU|||Warsaw|Krakow|Kraków|Wroclaw|Wrocław|Gdansk|Gdańsk|Poznan|Poznań
Portugal|EU|€||Lisbon|Porto
Romania|EU|||Bucharest|Cluj
Slovakia|EU|€||Bratislava
Slovenia|EU|€||Ljubljana
Spain|EU|€||Madrid|Barcelona|Valencia|Seville|Sevilla|Bilbao|Malaga|Málaga
Sweden|EU|||Stockholm|Gothenburg|Malmo|Malmö
the United Kingdom|UK|£|=UK|=U.K.|=Britain|=Great Britain|London|Birmingham|Manchester|Liverpool|Leeds|Bristol|Sheffield
England|UK|£||
Scotland|UK|£||Glasgow|Edinburgh|Aberdeen|Dundee
Wales|UK|£||Cardiff|Swansea
Northern Ireland|UK|£|=N. Ireland|=N Ireland|=Nothern Ireland|=Northen Ireland|Belfast
Switzerland||||Zurich|Zürich|Geneva|Basel|Bern|Lausanne
Norway||||Oslo|Bergen
Iceland||||Reykjavik
the United States|US|$|=USA|=U.S.|=U.S.A.|=United States|=America|New York|Los Angeles|Chicago|San Francisco|Seattle|Boston
China||¥||
"""


def _table() -> list[Place]:
    places = []
    for line in _COUNTRIES.strip().splitlines():
        country, region, currency, *names = line.split("|")
        region, currency = region or None, currency or None
        places.append(Place(country.removeprefix("the "), country, region, currency))
        places += [
            Place(name.removeprefix("="), country, region, currency, city=not name.startswith("="))
            for name in names if name
        ]
    return places


PLACES: tuple[Place, ...] = tuple(_table())
_BY_NAME = {p.name.lower(): p for p in PLACES}
# Longest first, so that "northern ireland" wins over "ireland" and "great britain" over "britain"; a place's name
# is a whole word ("UK" not in "ukulele", "U.S." not in "u.s.b"), any case ("germany").
# Not the inner word of another place ("New South Wales", "New England", "Latin America"), a street ("Holland Park")
# or a product's name ("in bordeaux colour").
_ANY = re.compile(
    r"(?<![\w.])(?<!new )(?<!south )(?<!north )(?<!latin )(?<!central )("
    + "|".join(re.escape(n) for n in sorted(_BY_NAME, key=len, reverse=True))
    + r")(?![\w])(?!\s+(?:park|road|street|st\b|avenue|lane|colou?r|edition|speaker))",
    re.IGNORECASE,
)
# Where the customer is or orders to: a place after "in", "to" or "into" ("from france", "made in china" say nothing of
# it), in a message about no trip or move ("going on holiday to france", "we just moved from amsterdam", "bought it in
# the paris store", "i'll be in berlin next month") nor a parcel's stop ("stuck in the leipzig hub"), and no territory
# outside the EU's delivery area however its country is ("tenerife, spain").
_AFTER = re.compile(
    r"(?<!made )(?<!manufactured )(?<!produced )(?<!assembled )(?<!designed )(?<!built )"
    r"\b(?:in|to|into)\s+(?:the\s+)?$",
    re.IGNORECASE,
)
_TRIP_OR_MOVE = re.compile(
    r"\b(?:holiday|holidays|vacation|trip|travel\w*|flying|fly|visit\w*|moving|moved|move|used to|bought|"
    r"will be|'ll be|hub|depot|facility|sorting)\b",
    re.IGNORECASE,
)
_TERRITORIES = re.compile(
    r"\b(?:canar\w*|tenerife|lanzarote|fuerteventura|gran canaria|madeira|azores|guadeloupe|martinique|r[ée]union|"
    r"mayotte|guiana|ceuta|melilla|[aå]land|northern cyprus)\b",
    re.IGNORECASE,
)

# A question about other places than the customer's own ("what countries outside the eu do you deliver to?"), and a
# heading for the customers of other regions ("Customers outside the EU").
_ELSEWHERE = re.compile(
    r"\boutside\b|\babroad\b|\binternational\w*|\bother countr\w*|\boverseas\b|\b(?:which|what) countr\w*"
    r"|\bwhere (?:else )?(?:do|can|will|does) (?:you|u|voltway) (?:ship|deliver|send|post)", re.IGNORECASE,
)
_OUTSIDE = re.compile(r"\boutside\b|\bnon-|\bother than\b", re.IGNORECASE)
# A heading for the customers outside the regions it names ("Do you ship outside the UK and EU?"), not for remote parts
# of one ("outside mainland UK") or for things from elsewhere ("Non-EU cards").
_FOR_OUTSIDERS = re.compile(r"\boutside\s+(?:of\s+)?(?:the\s+)?(?!mainland\b)", re.IGNORECASE)
# Where the places "outside" names end: "Outside the UK: VAT-free orders for EU businesses" is outside the UK only.
_PHRASE_END = re.compile(r"[:?!,;()]")
# Someone else who receives or orders: where they are decides, and the question may not say where they are.
SOMEONE_ELSE = re.compile(
    r"\b(?:mum|mom|mother|dad|father|parents?|brother|sister|son|daughter|wife|husband|partner|girlfriend|boyfriend|"
    r"friend|family|aunt|uncle|cousin|niece|nephew|nan|nana|gran|granny|grand\w*|colleague|boss|client|someone|"
    r"somebody|gift|present)s?\b", re.IGNORECASE,
)


def places_in(text: str) -> list[Place]:
    """The places `text` names, in its order, each once; none in a text mostly in Chinese."""
    if not text or reads_as_chinese(text, 0.5):
        return []
    found: dict[str, Place] = {}
    for m in _ANY.finditer(text):
        place = _BY_NAME[m.group(1).lower()]
        found.setdefault(place.name, place)
    return list(found.values())


def customer_places(question: str) -> list[Place]:
    """The places the question puts the customer in or orders to (after "in", "to" or "into"); none where it tells of a
    trip, a move or a purchase elsewhere, or names a territory the table does not place or someone else."""
    if (
        not question or reads_as_chinese(question, 0.5) or SOMEONE_ELSE.search(question)
        or _TRIP_OR_MOVE.search(question) or _TERRITORIES.search(question)
    ):
        return []
    found: dict[str, Place] = {}
    for m in _ANY.finditer(question):
        if _AFTER.search(question[: m.start()]):
            place = _BY_NAME[m.group(1).lower()]
            found.setdefault(place.name, place)
    return list(found.values())


def customer_region(question: str) -> str | None:
    """The region ("EU", "UK", "US") of the places the customer is in or orders to (`customer_places`), when they share
    one and the question mentions no place or region outside it; None otherwise."""
    places = _one_region_places(question)
    return places[0].region if places else None


def _one_region_places(question: str) -> list[Place]:
    """`customer_places`, when they share one region (or none, as Switzerland) and the question mentions no place or
    region outside it ("can i use my uk gift card on the eu site? moving to dublin", "im in ireland but ordering for my
    uk office", "im in germany, what countries outside the eu do you deliver to?"); else none."""
    places = customer_places(question)
    regions = {place.region for place in places}
    if len(regions) != 1 or _ELSEWHERE.search(question):
        return []
    mentioned = {place.region for place in places_in(question)} | regions_named(question)
    mentioned |= {"EU"} if _EU_IN_QUESTION.search(question) else set()
    return places if mentioned == regions else []


def regions_named(text: str) -> set[str]:
    """The regions a text names by their own names ("How much does delivery cost in the UK?" -> {"UK"})."""
    return {key for key, region in REGIONS.items() if region.pattern.search(text)}


def for_another_region(heading: str, region: str) -> bool:
    """Whether a passage's `heading` is about places outside `region`: it names regions or places ("United Kingdom",
    "International: Switzerland and Norway") and none of them is, or is in, `region`; or it is for those outside the
    regions it names ("Do you ship outside the UK and EU?", "Returns from outside the EU": no place named before
    "outside") and `region` is one of them. Other headings saying "outside", "non-" or "other than" are kept
    ("Delivery outside mainland UK", "Non-EU cards", "EU addresses outside the EU VAT area")."""
    if _OUTSIDE.search(heading):
        # Its answer is for the customers of other regions: to "can you ship to germany?" the 1.5B answered from
        # "Do you ship outside the UK and EU?" that Germany is served for Switzerland's and Norway's €19.99.
        outside = _FOR_OUTSIDERS.search(heading)
        if outside is None or _named(heading[: outside.start()]):
            return False
        return region in _named(_PHRASE_END.split(heading[outside.end():], maxsplit=1)[0])
    named = _named(heading)
    return bool(named) and region not in named


def _named(text: str) -> set[str]:
    """The regions `text` names, and the regions (or, outside every region, the countries) of the places it names."""
    return regions_named(text) | {place.region or place.country for place in places_in(text)}


def region_note(question: str, passages: Sequence[str]) -> str:
    """What the passages take for granted about where the customer is (`customer_places`, all in one region and no
    other mentioned): "Germany is in the European Union (EU), so what the passages say about the EU applies to it."
    where they price the EU and never name Germany; "Switzerland is not in the European Union (EU) or the United
    Kingdom (UK)." where they name those and not Switzerland. One sentence per place; "" when there is nothing to
    add."""
    joined = "\n".join(passages)
    named = [key for key in REGIONS if key in regions_named(joined)]
    mentioned = {place.name for place in places_in(joined)}  # "Northern Ireland" does not name Ireland
    notes = []
    for place in _one_region_places(question):
        if place.name in mentioned:
            continue
        if place.region in named:
            region = REGIONS[place.region]
            if region.country == place.country:
                continue  # the region itself ("The United Kingdom is in the United Kingdom")
            applies = f"so what the passages say about the {region.short} applies to it"
            notes.append(f"{place.described} is in {region.named}, {applies}.")
        elif named:
            notes.append(f"{place.described} is not in {' or '.join(REGIONS[key].named for key in named)}.")
    return " ".join(notes)
