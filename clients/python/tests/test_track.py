"""Buffered event tracking: flush by size and interval, close, retries."""

from __future__ import annotations

import re
import threading
import time
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

import grpc
import pytest
from conftest import Server, wait_until

import cxlab
from cxlab import Event, Reason

RETURNING_WITH_CART = {"visits": 3, "last_visit_days": 2, "cart": {"items": 2}}


class InjectedError(grpc.RpcError):
    """What a failed call raises, as grpcio's errors do: code() and details()."""

    def __init__(self, code: grpc.StatusCode) -> None:
        super().__init__(code.name)
        self._code = code

    def code(self) -> grpc.StatusCode:
        return self._code

    def details(self) -> str:
        return f"injected {self._code.name}"


class FlakyTrack(grpc.UnaryUnaryClientInterceptor):  # type: ignore[misc]
    """Records the event ids of every Track attempt; fails the first
    ``failures`` attempts with ``code``. With ``deliver``, a failed attempt
    still reaches the server first (the answer is lost on the way back)."""

    def __init__(self, failures: int, code: grpc.StatusCode = grpc.StatusCode.UNAVAILABLE,
                 deliver: bool = False) -> None:
        self.failures = failures
        self.code = code
        self.deliver = deliver
        self.attempts: list[list[str]] = []
        self.lock = threading.Lock()

    def intercept_unary_unary(self, continuation: Callable[..., Any], details: Any,
                              request: Any) -> Any:
        method = details.method.decode() if isinstance(details.method, bytes) else details.method
        if method == "/cxlab.v1.EventService/Track":
            with self.lock:
                self.attempts.append([e.event_id for e in request.events])
                fail = self.failures > 0
                if fail:
                    self.failures -= 1
            if fail:
                if self.deliver:
                    continuation(details, request).result()
                raise InjectedError(self.code)
        return continuation(details, request)


def exposed_unit(client: cxlab.Client, prefix: str) -> tuple[str, str]:
    """A unit assigned to checkout_redesign, its exposure recorded."""
    for i in range(100):
        unit = f"{prefix}-{i}"
        a = client.assign(unit, RETURNING_WITH_CART, ["checkout_redesign"])["checkout_redesign"]
        if a.reason == Reason.ASSIGNED:
            client.get_stats("checkout_redesign")  # records the queued exposures
            assert a.variant is not None
            return unit, a.variant
    raise AssertionError("no unit assigned to checkout_redesign")


def checkout_errors(client: cxlab.Client) -> float:
    stats = client.get_stats("checkout_redesign")
    return sum(s.sum for s in stats.stats if s.metric_key == "checkout_errors")


def test_track_assigns_uuid_ids_and_flush_reports(client: cxlab.Client) -> None:
    eid = client.track(Event("add_to_cart", "t-1"))
    assert re.fullmatch(r"[0-9a-f]{32}", eid)
    assert client.track(Event("add_to_cart", "t-1", event_id="fixed-1")) == "fixed-1"
    assert client.pending == 2
    result = client.flush()
    assert (result.accepted, result.duplicates, result.rejected) == (2, 0, [])
    assert client.pending == 0
    # The same ids again: counted once by the server.
    client.track(Event("add_to_cart", "t-1", event_id=eid))
    client.track(Event("add_to_cart", "t-1", event_id="fixed-1"))
    assert client.flush().duplicates == 2
    stats = client.track_stats
    assert (stats.enqueued, stats.accepted, stats.duplicates, stats.pending) == (4, 2, 2, 0)


def test_rejected_events_name_the_field(client: cxlab.Client) -> None:
    ok = client.track(Event("purchase", "t-2", value=5.0, properties={"amount": 5.0}))
    bad_name = client.track(Event("", "t-2"))
    bad_value = client.track(Event("purchase", "t-2", value=float("nan")))
    result = client.flush()
    assert result.accepted == 1
    assert {r.event_id for r in result.rejected} == {bad_name, bad_value}
    messages = {r.event_id: r.message for r in result.rejected}
    assert messages[bad_name].startswith("events[1].name: ")
    assert messages[bad_value].startswith("events[2].value: ")
    assert ok not in messages
    assert client.track_stats.rejected == 2


def test_flush_by_size(server: Server) -> None:
    with server.client(flush_size=5, flush_interval=60) as c:
        for _ in range(4):
            c.track(Event("add_to_cart", "size-1"))
        time.sleep(0.3)
        assert c.pending == 4  # below flush_size, interval far away
        c.track(Event("add_to_cart", "size-1"))
        assert wait_until(lambda: c.track_stats.accepted == 5, timeout=10)
        assert c.pending == 0


def test_flush_by_interval(server: Server) -> None:
    with server.client(flush_size=1000, flush_interval=0.3) as c:
        t0 = time.monotonic()
        for _ in range(3):
            c.track(Event("add_to_cart", "interval-1"))
        assert wait_until(lambda: c.track_stats.accepted == 3, timeout=10)
        assert time.monotonic() - t0 >= 0.2
        # And again on the next tick.
        c.track(Event("add_to_cart", "interval-1"))
        assert wait_until(lambda: c.track_stats.accepted == 4, timeout=10)


def test_close_flushes(server: Server) -> None:
    c = server.client(flush_size=1000, flush_interval=60)
    ids = [c.track(Event("add_to_cart", "close-1")) for _ in range(3)]
    with c:
        pass  # __exit__ closes
    assert c.track_stats.accepted == 3 and c.track_stats.pending == 0
    # The server has them: resending the same ids gives duplicates only.
    with server.client() as again:
        for eid in ids:
            again.track(Event("add_to_cart", "close-1", event_id=eid))
        assert again.flush().duplicates == 3


def test_retry_after_a_lost_answer_reuses_the_ids(server: Server) -> None:
    flaky = FlakyTrack(failures=1, deliver=True)
    with server.client(interceptors=[flaky], retry_backoff=0.01) as c:
        unit, _ = exposed_unit(c, "retry")
        before = checkout_errors(c)
        ids = [c.track(Event("checkout_error", unit)) for _ in range(3)]
        result = c.flush()
        # The first attempt was stored; the retry carried the same ids.
        assert flaky.attempts == [ids, ids]
        assert (result.accepted, result.duplicates) == (0, 3)
        # Counted once: three checkout errors, not six.
        assert wait_until(lambda: checkout_errors(c) - before == 3)
        time.sleep(0.1)
        assert checkout_errors(c) - before == 3


@pytest.mark.parametrize("code", [grpc.StatusCode.UNAVAILABLE,
                                  grpc.StatusCode.DEADLINE_EXCEEDED,
                                  grpc.StatusCode.RESOURCE_EXHAUSTED])
def test_retryable_failures_keep_the_events_and_their_ids(server: Server,
                                                          code: grpc.StatusCode) -> None:
    flaky = FlakyTrack(failures=3, code=code)
    with server.client(interceptors=[flaky], max_retries=1, retry_backoff=0.01,
                       flush_interval=60) as c:
        ids = [c.track(Event("add_to_cart", "keep-1")) for _ in range(2)]
        with pytest.raises(cxlab.CxlabError) as e:
            c.flush()  # attempt + 1 retry both fail
        assert e.value.code == code.name
        assert c.pending == 2  # back in the buffer
        later = c.track(Event("add_to_cart", "keep-1"))
        result = c.flush()  # third attempt fails, its retry succeeds
        assert result.accepted == 3
        assert flaky.attempts == [ids, ids, ids + [later], ids + [later]]
        assert c.track_stats.failed_flushes == 1


def test_non_retryable_failure_drops_the_batch(server: Server) -> None:
    flaky = FlakyTrack(failures=1, code=grpc.StatusCode.PERMISSION_DENIED)
    with server.client(interceptors=[flaky], retry_backoff=0.01) as c:
        c.track(Event("add_to_cart", "drop-1"))
        with pytest.raises(cxlab.CxlabError) as e:
            c.flush()
        assert e.value.code == "PERMISSION_DENIED"
        assert len(flaky.attempts) == 1  # not retried
        assert c.pending == 0 and c.track_stats.dropped == 1


def test_background_failures_reach_on_error(server: Server) -> None:
    errors: list[cxlab.CxlabError] = []
    c = server.client("wrong-key", flush_size=1, flush_interval=60, on_error=errors.append)
    c.track(Event("add_to_cart", "bg-1"))
    assert wait_until(lambda: errors, timeout=10)
    assert errors[0].code == "UNAUTHENTICATED"
    assert c.track_stats.dropped == 1
    c.close()  # nothing left to flush: no error


def test_buffer_overflow_drops_the_oldest(server: Server) -> None:
    with server.client(flush_size=2, max_buffer=3, flush_interval=60,
                       interceptors=[FlakyTrack(failures=100)], max_retries=0) as c:
        # The size trigger fires and fails; the buffer keeps only 3 events.
        for _ in range(5):
            c.track(Event("add_to_cart", "ovf-1"))
        assert wait_until(lambda: c.track_stats.failed_flushes >= 1, timeout=10)
        assert c.pending <= 3
        assert c.track_stats.dropped == 5 - c.pending
        with pytest.raises(cxlab.CxlabError):
            c.close()  # the final flush fails too; reported, not swallowed


def test_concurrent_tracking(server: Server) -> None:
    with server.client(flush_size=50, flush_interval=0.2) as c:
        def worker(n: int) -> None:
            for i in range(100):
                c.track(Event("add_to_cart", f"conc-{n}-{i % 7}"))

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert c.track_stats.accepted == 400
    assert c.track_stats.duplicates == 0


def test_event_time_and_properties(client: cxlab.Client) -> None:
    now = datetime.now(timezone.utc)
    ok = client.track(Event("purchase", "time-1", value=12.5, time=now - timedelta(minutes=5),
                            properties={"amount": 12.5, "items": ["shoe"]}))
    late = client.track(Event("purchase", "time-1", time=now + timedelta(days=3)))
    result = client.flush()
    assert result.accepted == 1
    assert [r.event_id for r in result.rejected] == [late]
    assert result.rejected[0].message.startswith("events[1].time: ")
    assert ok not in {r.event_id for r in result.rejected}
    with pytest.raises(TypeError, match=r"event\.properties\.at: datetime"):
        client.track(Event("purchase", "time-1", properties={"at": now}))
    with pytest.raises(TypeError, match="cxlab.Event"):
        client.track({"name": "purchase"})  # type: ignore[arg-type]
