"""Per-client limits, the login lockout and who counts as the client, on a fake clock."""

import threading

import pytest

from service.limits import LOCAL, ClientLimits, LockedOut, LoginThrottle, client_key


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_a_client_over_its_requests_per_minute_is_asked_to_wait_and_others_are_not():
    clock = Clock()
    limits = ClientLimits(per_minute=3, streams=5, clock=clock)
    for _ in range(3):
        with limits.admit("a") as refusal:
            assert refusal is None
    with limits.admit("a") as refusal:
        assert "wait a minute" in refusal
    with limits.admit("b") as refusal:
        assert refusal is None
    clock.now += 61  # the minute has passed
    with limits.admit("a", "zh") as refusal:
        assert refusal is None
    for _ in range(2):
        with limits.admit("a", "zh"):
            pass
    with limits.admit("a", "zh") as refusal:
        assert refusal.startswith("您发送消息的速度过快")


def test_streams_at_once_are_capped_per_client_and_freed_when_the_answer_ends():
    limits = ClientLimits(per_minute=100, streams=2, clock=Clock())
    with limits.admit("a") as first, limits.admit("a") as second:
        assert first is None and second is None
        with limits.admit("a") as third:
            assert "already getting" in third
    with limits.admit("a") as again:
        assert again is None


def test_local_calls_are_never_limited_and_admission_is_thread_safe():
    limits = ClientLimits(per_minute=50, streams=100, clock=Clock())
    assert all(limits.admit(LOCAL).__enter__() is None for _ in range(200))
    admitted = []

    def ask():
        with limits.admit("a") as refusal:
            admitted.append(refusal is None)

    threads = [threading.Thread(target=ask) for _ in range(80)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(admitted) == 50


def test_repeated_wrong_passwords_lock_the_client_out_until_the_lockout_ends():
    clock = Clock()
    logins = LoginThrottle(attempts=3, lockout_s=600, clock=clock)
    for _ in range(3):
        logins.check("a")
        logins.record("a", ok=False)
    with pytest.raises(LockedOut, match="try again in 10 minutes"):
        logins.check("a")
    logins.check("b")  # another client is not locked
    clock.now += 601
    logins.check("a")
    logins.record("a", ok=False)
    logins.record("a", ok=True)  # a right password clears the count
    logins.record("a", ok=False)
    logins.check("a")


def test_the_client_is_the_address_unless_a_trusted_proxy_forwarded_it():
    assert client_key("203.0.113.7", "198.51.100.1", []) == "203.0.113.7"  # nobody trusted: the header is ignored
    assert client_key("10.0.0.2", "198.51.100.1", ["10.0.0.0/8"]) == "198.51.100.1"
    # A client may put anything first in the header; the nearest untrusted hop is what the proxy saw.
    assert client_key("10.0.0.2", "1.2.3.4, 198.51.100.1, 10.0.0.3", ["10.0.0.0/8"]) == "198.51.100.1"
    assert client_key("203.0.113.7", "1.2.3.4", ["10.0.0.0/8"]) == "203.0.113.7"  # not from the proxy
