"""The company's allow-list of contact points: the only links, e-mail addresses and phone numbers an answer
may give a customer.

    allow = ContactAllowList.build(["voltway.example", "+44 20 7946 0000"], trusted_texts)
    allow.disallowed("Visit http://evil.example/refund or call 0800 000 0000.")   # -> [Claim(url ...), Claim(phone ...)]
    allow.defang("see http://evil.example/refund")                               # -> "see hxxp://evil[.]example/refund"

Why: the knowledge base holds documents anyone may have written (a forum post, a supplier's sheet, a
planted FAQ entry). The grounding guard lets an answer repeat what its passages say, so a planted "visit
http://evil.example to get your refund" would pass it. The allow-list is the second key: a contact point
reaches a customer only when the company configured it (`ASSISTANT_ALLOWED_CONTACTS`) or it appears in a
document the admin marked trusted (`ASSISTANT_TRUSTED_DOCUMENTS`), or the customer wrote it.

Contract: contacts are read with `service.claims` (URLs and bare domains, e-mail addresses, phone
numbers). A URL or an e-mail address is allowed when its host is an allowed domain or a subdomain of one
(an allowed e-mail address allows its own domain only for that address); a phone number when its digits
match an allowed one (a country code or trunk 0 may be written on one side only). An empty allow-list
allows nothing: every contact point is withheld until the company names its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from service.claims import Claim, extract_claims, same_phone, url_key

CONTACT_KINDS = ("url", "email", "phone")


@dataclass(frozen=True)
class ContactCheck:
    """What the grounding guard needs of a checker: `check(text).unsupported`."""

    unsupported: list[Claim]


@dataclass
class ContactAllowList:
    domains: set[str] = field(default_factory=set)
    emails: set[str] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)  # digits, without a leading trunk 0

    @classmethod
    def build(cls, entries: Iterable[str] = (), trusted_texts: Iterable[str] = ()) -> ContactAllowList:
        """The allow-list of the configured `entries` (domains, URLs, e-mail addresses, phone numbers) and
        of every contact point the trusted documents' texts state."""
        allow = cls()
        for entry in entries:
            entry = entry.strip()
            if re.fullmatch(r"[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9\-]+)+", entry):
                allow.domains.add(_host(entry.lower()))  # a bare domain ("voltway.example")
                continue
            claims = contact_claims(entry)
            if not claims:
                raise ValueError(f"{entry!r} is neither a domain, a URL, an e-mail address nor a phone number.")
            allow.add(claims)
        for text in trusted_texts:
            allow.add(contact_claims(text))
        return allow

    def add(self, claims: Iterable[Claim]) -> None:
        for c in claims:
            if c.kind == "url":
                self.domains.add(_host(c.key))
            elif c.kind == "email":
                self.emails.add(c.key)
            elif c.kind == "phone":
                self.phones.add(c.key.lstrip("0"))

    def allows(self, claim: Claim) -> bool:
        if claim.kind == "url":
            return self._domain_allowed(_host(claim.key))
        if claim.kind == "email":
            return claim.key in self.emails or self._domain_allowed(claim.key.rsplit("@", 1)[-1])
        if claim.kind == "phone":
            digits = claim.key.lstrip("0")
            return any(same_phone(d, digits) for d in self.phones)
        return True

    def _domain_allowed(self, host: str) -> bool:
        return any(host == d or host.endswith("." + d) for d in self.domains)

    def disallowed(self, text: str, *, question: str = "") -> list[Claim]:
        """The contact points of `text` the allow-list does not allow (those the customer wrote are fine)."""
        asked = {(c.kind, c.key) for c in contact_claims(question)} if question else set()
        return [c for c in contact_claims(text) if (c.kind, c.key) not in asked and not self.allows(c)]

    def checker(self, question: str = "") -> ContactChecker:
        return ContactChecker(self, question)

    def defang(self, text: str) -> str:
        """`text` with every contact point not allowed made inert: no Markdown renderer links
        "hxxp://evil[.]example" or "name[at]evil[.]example", and a reader still sees what it was."""
        for claim in self.disallowed(text):
            text = text.replace(claim.text, _defanged(claim))
        return text


@dataclass(frozen=True)
class ContactChecker:
    """The allow-list as a grounding-guard checker for one question."""

    allow: ContactAllowList
    question: str = ""

    def check(self, text: str) -> ContactCheck:
        return ContactCheck(self.allow.disallowed(text, question=self.question))


def contact_claims(text: str) -> list[Claim]:
    return [c for c in extract_claims(text) if c.kind in CONTACT_KINDS]


def _host(key: str) -> str:
    """The host of a URL key ('voltway.example/returns' -> 'voltway.example'), without a port."""
    host = url_key(key).split("/", 1)[0].split("?", 1)[0]
    return host.rsplit("@", 1)[-1].split(":", 1)[0]


def _defanged(claim: Claim) -> str:
    if claim.kind == "phone":
        return claim.text  # a phone number in text is not a link
    text = re.sub(r"^(?i:http)", "hxxp", claim.text)
    return text.replace("@", "[at]").replace(".", "[.]")


class KnowledgeBaseContacts:
    """The allow-list of the configured `entries` and of the knowledge base's trusted documents (glob
    `patterns` over document ids, source paths and file names), rebuilt after the base changes."""

    def __init__(self, entries: Iterable[str] = (), patterns: Iterable[str] = (), kb=None):
        self.entries, self.patterns, self.kb = list(entries), list(patterns), kb
        self._revision: object = None
        self._allow = ContactAllowList.build(self.entries)

    def current(self) -> ContactAllowList:
        if self.kb is None or not self.patterns:
            return self._allow
        revision = self.kb.revision
        if revision is not self._revision:
            self._allow = ContactAllowList.build(self.entries, self.kb.texts_of(self.patterns))
            self._revision = revision
        return self._allow
