"""The cxlab gRPC client: assignments, personalized content, buffered event
tracking and reports."""

from __future__ import annotations

import logging
import random
import threading
import time
import uuid
from pathlib import Path
from types import TracebackType
from typing import Any, Callable, Iterable, Literal, Mapping, Optional, Sequence, Union

import grpc

from . import _convert
from ._stubs import load_stubs
from .errors import CxlabError
from .models import (
    Assignment,
    Content,
    Event,
    FlushResult,
    Reason,
    RejectedEvent,
    TrackStats,
    Unit,
    UnitLike,
)

_log = logging.getLogger("cxlab")

#: The most events cxlabd takes in one Track call.
MAX_TRACK_BATCH = 10_000

Method = Literal["frequentist", "sequential", "bayesian"]
Correction = Literal["none", "holm", "bh"]
Interceptor = Union[
    grpc.UnaryUnaryClientInterceptor,
    grpc.UnaryStreamClientInterceptor,
    grpc.StreamUnaryClientInterceptor,
    grpc.StreamStreamClientInterceptor,
]


class Client:
    """A connection to cxlabd.

    Example::

        with Client("127.0.0.1:7070", api_key) as c:
            a = c.assign("visitor-42", {"visits": 3, "cart": {"items": 2}})
            print(a["checkout_redesign"].variant)
            c.track(Event("purchase", "visitor-42", value=59.0,
                          properties={"amount": 59.0}))

    Every call sends ``authorization: Bearer <api_key>``; the key's role
    decides what is allowed (``sdk``: assign, content, track; ``reader``:
    reports and stats). Errors raise :class:`CxlabError`.

    Events passed to :meth:`track` are buffered and sent in batches by a
    background thread (started on the first ``track``): when ``flush_size``
    events are waiting, and every ``flush_interval`` seconds. Each event gets
    its id when enqueued, so a batch retried after UNAVAILABLE,
    DEADLINE_EXCEEDED or RESOURCE_EXHAUSTED carries the same ids and the
    server counts every event once. :meth:`close` (or leaving the ``with``
    block) flushes what is left and stops the thread.

    The client is thread-safe.
    """

    def __init__(
        self,
        target: str,
        api_key: str,
        *,
        ca_file: Optional[Union[str, Path]] = None,
        timeout: float = 5.0,
        flush_size: int = 500,
        flush_interval: float = 5.0,
        max_retries: int = 5,
        retry_backoff: float = 0.1,
        max_backoff: float = 2.0,
        max_buffer: int = 100_000,
        on_error: Optional[Callable[[CxlabError], None]] = None,
        channel_options: Sequence[tuple[str, Any]] = (),
        interceptors: Sequence[Interceptor] = (),
    ) -> None:
        """Open a channel to cxlabd (the connection is made lazily).

        Args:
            target: ``HOST:PORT`` of cxlabd.
            api_key: The API key secret.
            ca_file: PEM file of the CA that signed the server's certificate;
                given, the channel uses TLS, else it is plaintext.
            timeout: Deadline of each call in seconds (per attempt).
            flush_size: Send the buffered events once this many wait (1..10,000).
            flush_interval: Also send them every this many seconds.
            max_retries: Retries of a Track batch on UNAVAILABLE,
                DEADLINE_EXCEEDED or RESOURCE_EXHAUSTED.
            retry_backoff: First retry delay in seconds; doubles per retry
                (with jitter) up to ``max_backoff``.
            max_backoff: Longest delay between retries.
            max_buffer: Most events kept while the server cannot be reached;
                beyond it the oldest are dropped (counted in
                :attr:`track_stats`).
            on_error: Called with the error when a background flush fails;
                default: log a warning on the ``cxlab`` logger.
            channel_options: Extra gRPC channel options.
            interceptors: gRPC client interceptors (tracing, tests).

        Raises:
            ValueError: a bad buffering setting.
            OSError: ``ca_file`` cannot be read.
            cxlab.StubsError: the generated stubs are not configured.
        """
        if not 1 <= flush_size <= MAX_TRACK_BATCH:
            raise ValueError(f"flush_size: must be in [1, {MAX_TRACK_BATCH}], got {flush_size}")
        if flush_interval <= 0:
            raise ValueError(f"flush_interval: must be > 0, got {flush_interval}")
        if max_retries < 0:
            raise ValueError(f"max_retries: must be >= 0, got {max_retries}")
        if max_buffer < flush_size:
            raise ValueError(f"max_buffer: must be >= flush_size, got {max_buffer}")
        self._pb = load_stubs()
        self._target = target
        self._metadata = (("authorization", f"Bearer {api_key}"),)
        self._timeout = timeout
        self._flush_size = flush_size
        self._flush_interval = flush_interval
        self._max_retries = max_retries
        self._retry_backoff = retry_backoff
        self._max_backoff = max_backoff
        self._max_buffer = max_buffer
        self._on_error = on_error

        if ca_file is not None:
            credentials = grpc.ssl_channel_credentials(
                root_certificates=Path(ca_file).read_bytes()
            )
            channel = grpc.secure_channel(target, credentials, options=list(channel_options))
        else:
            channel = grpc.insecure_channel(target, options=list(channel_options))
        self._raw_channel = channel
        self._channel: grpc.Channel = (
            grpc.intercept_channel(channel, *interceptors) if interceptors else channel
        )
        pb = self._pb
        self._assignment = pb.assignment_pb2_grpc.AssignmentServiceStub(self._channel)
        self._personalization = pb.personalization_pb2_grpc.PersonalizationServiceStub(
            self._channel
        )
        self._events = pb.events_pb2_grpc.EventServiceStub(self._channel)
        self._reports = pb.reports_pb2_grpc.ReportServiceStub(self._channel)
        self._health_check = self._channel.unary_unary(
            "/grpc.health.v1.Health/Check",
            request_serializer=pb.health_pb2.HealthCheckRequest.SerializeToString,
            response_deserializer=pb.health_pb2.HealthCheckResponse.FromString,
        )

        # Event buffer: guarded by _cond; _flush_lock serializes deliveries.
        self._cond = threading.Condition()
        self._buffer: list[Any] = []  # cxlab.v1.Event messages
        self._flush_lock = threading.Lock()
        self._thread: Optional[threading.Thread] = None
        self._closed = False
        self._stopping = False
        self._pause_until = 0.0
        self._counts = {name: 0 for name in TrackStats.__dataclass_fields__ if name != "pending"}

    # ---- context manager ------------------------------------------------------

    def __enter__(self) -> "Client":
        return self

    def __exit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"<cxlab.Client {self._target} {state}>"

    # ---- calls ------------------------------------------------------------------

    def _call(self, rpc: Callable[..., Any], request: Any, timeout: Optional[float]) -> Any:
        if self._closed:
            raise RuntimeError("cxlab client is closed")
        try:
            return rpc(
                request,
                timeout=self._timeout if timeout is None else timeout,
                metadata=self._metadata,
            )
        except grpc.RpcError as e:
            raise CxlabError.from_rpc_error(e) from None

    def _unit(
        self,
        unit_id: str,
        attributes: Optional[Mapping[str, Any]],
        unit_type: str,
        ids: Optional[Mapping[str, str]],
        what: str,
    ) -> Any:
        if not isinstance(unit_id, str):
            raise TypeError(f"{what}.unit_id: must be a string, got {type(unit_id).__name__}")
        unit = self._pb.assignment_pb2.Unit(unit_id=unit_id, unit_type=unit_type)
        if ids:
            unit.ids.update(ids)
        struct = _convert.to_struct(attributes, f"{what}.attributes")
        if struct is not None:
            unit.attributes.CopyFrom(struct)
        return unit

    def _assignment_of(self, a: Any) -> Assignment:
        try:
            name = self._pb.assignment_pb2.Reason.Name(a.reason)
            reason = Reason(name.removeprefix("REASON_").lower())
        except ValueError:  # a reason newer than this client
            reason = Reason.UNSPECIFIED
        return Assignment(
            experiment=a.experiment_key,
            variant=a.variant_key or None,
            payload=_convert.from_value(a.payload) if a.HasField("payload") else None,
            reason=reason,
            in_experiment=a.in_experiment,
            variant_index=a.variant_index if a.variant_index >= 0 else None,
            used_fallback=a.used_fallback,
        )

    def assign(
        self,
        unit_id: str,
        attributes: Optional[Mapping[str, Any]] = None,
        experiments: Optional[Sequence[str]] = None,
        log_exposure: bool = True,
        *,
        unit_type: str = "",
        ids: Optional[Mapping[str, str]] = None,
        omit_payloads: bool = False,
        timeout: Optional[float] = None,
    ) -> dict[str, Assignment]:
        """Which variant of each experiment a unit sees, and why.

        Args:
            unit_id: The unit's id (non-empty, at most 1,024 bytes).
            attributes: Targeting attributes, e.g. ``{"visits": 3,
                "cart": {"items": 2}}``.
            experiments: Experiment keys to evaluate; None: every running or
                launched experiment. An unknown key is answered with
                ``Reason.UNKNOWN_EXPERIMENT``.
            log_exposure: Record an exposure for each assigned experiment
                (set False for previews the visitor never sees).
            unit_type: ``user`` when empty; ``device``, ``session``...
            ids: Further ids of the visitor by unit type.
            omit_payloads: Leave the payloads out (smaller answers).
            timeout: Deadline in seconds instead of the client's.

        Returns:
            ``{experiment_key: Assignment}`` in the server's order (the
            request order when ``experiments`` is given).

        Raises:
            CxlabError: e.g. INVALID_ARGUMENT ``unit.unit_id: must not be empty``.
        """
        pb = self._pb.assignment_pb2
        request = pb.AssignRequest(
            unit=self._unit(unit_id, attributes, unit_type, ids, "unit"),
            experiment_keys=list(_keys(experiments, "experiments")),
            omit_payloads=omit_payloads,
            log_exposure=log_exposure,
        )
        response = self._call(self._assignment.Assign, request, timeout)
        return {a.experiment_key: self._assignment_of(a) for a in response.assignments}

    def assign_batch(
        self,
        units: Iterable[UnitLike],
        experiments: Optional[Sequence[str]] = None,
        log_exposure: bool = True,
        *,
        omit_payloads: bool = False,
        timeout: Optional[float] = None,
    ) -> list[dict[str, Assignment]]:
        """Assign up to 10,000 units against one config version.

        Args:
            units: Unit ids, or :class:`Unit` objects with attributes.
            experiments, log_exposure, omit_payloads, timeout: As in :meth:`assign`.

        Returns:
            One ``{experiment_key: Assignment}`` per unit, in input order.

        Raises:
            CxlabError: e.g. INVALID_ARGUMENT ``units[3].unit_id: must not be empty``.
        """
        pb = self._pb.assignment_pb2
        messages = []
        for i, u in enumerate(units):
            if isinstance(u, str):
                u = Unit(u)
            if not isinstance(u, Unit):
                raise TypeError(f"units[{i}]: must be a str or cxlab.Unit, got {type(u).__name__}")
            messages.append(self._unit(u.unit_id, u.attributes, u.unit_type, u.ids, f"units[{i}]"))
        request = pb.AssignBatchRequest(
            units=messages,
            experiment_keys=list(_keys(experiments, "experiments")),
            omit_payloads=omit_payloads,
            log_exposure=log_exposure,
        )
        response = self._call(self._assignment.AssignBatch, request, timeout)
        return [
            {a.experiment_key: self._assignment_of(a) for a in r.assignments}
            for r in response.results
        ]

    def get_content(
        self,
        unit_id: str,
        slots: Optional[Sequence[str]] = None,
        attributes: Optional[Mapping[str, Any]] = None,
        *,
        log_exposure: bool = True,
        unit_type: str = "",
        ids: Optional[Mapping[str, str]] = None,
        timeout: Optional[float] = None,
    ) -> dict[str, Content]:
        """The personalized content of each slot for one visitor.

        Args:
            unit_id: The visitor's id.
            slots: Slot keys such as ``"home.hero"``; None: every slot.
            attributes: The visitor's attributes (they decide the persona).
            log_exposure: Record exposures of experiment-backed rules.
            unit_type, ids, timeout: As in :meth:`assign`.

        Returns:
            ``{slot_key: Content}`` in request order (by key when ``slots``
            is None).

        Raises:
            CxlabError: e.g. INVALID_ARGUMENT ``slots[1]: unknown slot 'home.heor'``.
        """
        pb = self._pb.personalization_pb2
        request = pb.GetContentRequest(
            unit=self._unit(unit_id, attributes, unit_type, ids, "unit"),
            slots=list(_keys(slots, "slots")),
            log_exposure=log_exposure,
        )
        response = self._call(self._personalization.GetContent, request, timeout)
        return {
            c.slot: Content(
                slot=c.slot,
                content=_convert.from_value(c.content) if c.HasField("content") else None,
                reason=c.reason,
                rule=c.rule_id or None,
                matched_segments=tuple(c.matched_segments),
                experiment=c.experiment_key or None,
                variant=c.variant_key or None,
                is_default=c.is_default,
            )
            for c in response.contents
        }

    def get_report(
        self,
        experiment_key: str,
        *,
        method: Optional[Method] = None,
        alpha: Optional[float] = None,
        cuped: bool = False,
        correction: Optional[Correction] = None,
        prior: Optional[tuple[float, float]] = None,
        from_day: Optional[str] = None,
        to_day: Optional[str] = None,
        segment: Optional[str] = None,
        by_segment: bool = False,
        target_effect: Optional[float] = None,
        sequential_tuning: Optional[float] = None,
        timeout: Optional[float] = None,
    ) -> Any:
        """The significance report of an experiment (needs a ``reader`` key).

        Args:
            experiment_key: The experiment.
            method: ``"frequentist"`` (default), ``"sequential"`` or ``"bayesian"``.
            alpha: Significance level in (0, 1); default 0.05.
            cuped: Regression-adjust on the pre-exposure covariate.
            correction: ``"none"`` (default), ``"holm"`` or ``"bh"``.
            prior: Bayesian: a proper prior ``(mean, variance)`` on the
                relative lift; None: flat.
            from_day, to_day: Only units first exposed on these UTC days
                (``"YYYY-MM-DD"``, inclusive).
            segment: Only the units that matched this persona segment.
            by_segment: Also report every persona segment separately.
            target_effect: Power: relative effect to plan for (default 0.05).
            sequential_tuning: Sequential: the tuning N* (default 5000).
            timeout: Deadline in seconds instead of the client's.

        Returns:
            The ``cxlab.v1.Report`` message (see api/proto/cxlab/v1/reports.proto):
            ``report.variant_keys``, ``report.units``, ``report.srm``,
            ``report.metrics[i].variants[j].relative.estimate``,
            ``report.verdict``... Undefined numbers are unset optionals
            (check with ``HasField``).

        Raises:
            ValueError: an unknown ``method`` or ``correction``.
            CxlabError: e.g. NOT_FOUND ``experiment_key: experiment 'x' not found``.
        """
        pb = self._pb.reports_pb2
        request = pb.GetReportRequest(
            experiment_key=experiment_key,
            cuped=cuped,
            by_segment=by_segment,
            alpha=alpha or 0.0,
            from_day=from_day or "",
            to_day=to_day or "",
            segment=segment or "",
            target_effect=target_effect or 0.0,
            sequential_tuning=sequential_tuning or 0.0,
        )
        if method is not None:
            request.method = _enum(pb.Method, "METHOD_", method, "method")
        if correction is not None:
            request.correction = _enum(pb.Correction, "CORRECTION_", correction, "correction")
        if prior is not None:
            mean, variance = prior
            request.prior.proper = True
            request.prior.mean = mean
            request.prior.variance = variance
        return self._call(self._reports.GetReport, request, timeout)

    def get_stats(
        self, experiment_key: str, segment: str = "", *, timeout: Optional[float] = None
    ) -> Any:
        """The raw per-variant sufficient statistics of an experiment (reader).

        Returns:
            The ``cxlab.v1.GetStatsResponse`` message: ``stats`` (one
            ``MetricStats`` per variant and metric: ``n``, ``sum``,
            ``sum_sq``...), ``exposed_units`` per variant and
            ``mismatched_units``.
        """
        request = self._pb.events_pb2.GetStatsRequest(
            experiment_key=experiment_key, segment=segment
        )
        return self._call(self._events.GetStats, request, timeout)

    def health(self, *, timeout: Optional[float] = None) -> str:
        """The server's health status name, ``"SERVING"`` when all is well."""
        pb = self._pb.health_pb2
        response = self._call(self._health_check, pb.HealthCheckRequest(), timeout)
        return pb.HealthCheckResponse.ServingStatus.Name(response.status)

    # ---- event tracking ----------------------------------------------------------

    def track(self, event: Event) -> str:
        """Enqueue an event; it is sent in the background (see the class doc).

        Args:
            event: The event. Without ``event_id`` it gets a uuid4 hex id now,
                which every retry of it reuses.

        Returns:
            The event's id.

        Raises:
            TypeError: ``event`` is not an :class:`Event` or its properties
                are not JSON-like.
            RuntimeError: the client is closed.
        """
        if not isinstance(event, Event):
            raise TypeError(f"event: must be a cxlab.Event, got {type(event).__name__}")
        event_id = event.event_id or uuid.uuid4().hex
        message = self._pb.events_pb2.Event(
            event_id=event_id,
            name=event.name,
            unit_id=event.unit_id,
            unit_type=event.unit_type,
            value=float(event.value),
        )
        if event.time is not None:
            message.time.FromDatetime(event.time)
        properties = _convert.to_struct(event.properties, "event.properties")
        if properties is not None:
            message.properties.CopyFrom(properties)

        with self._cond:
            if self._closed or self._stopping:
                raise RuntimeError("cxlab client is closed")
            self._buffer.append(message)
            dropped = len(self._buffer) - self._max_buffer
            if dropped > 0:
                del self._buffer[:dropped]
                _log.warning("cxlab: event buffer full, dropped %d oldest event(s)", dropped)
            self._bump(enqueued=1, dropped=max(dropped, 0))
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="cxlab-flush", daemon=True
                )
                self._thread.start()
            if len(self._buffer) >= self._flush_size:
                self._cond.notify_all()
        return event_id

    def flush(self) -> FlushResult:
        """Send every event buffered now, waiting for the answers.

        Batches that fail with UNAVAILABLE, DEADLINE_EXCEEDED or
        RESOURCE_EXHAUSTED are retried with backoff (same event ids) and,
        when the retries run out, put back at the front of the buffer for a
        later flush. A batch refused with another code is dropped.

        Returns:
            What the server answered for the events sent by this call
            (accepted, duplicates, rejected with reasons).

        Raises:
            CxlabError: a batch failed (after its retries); events delivered
                before it are not undone.
            RuntimeError: the client is closed.
        """
        if self._closed:
            raise RuntimeError("cxlab client is closed")
        return self._flush()

    @property
    def pending(self) -> int:
        """Events waiting in the buffer (a batch being sent is not counted)."""
        with self._cond:
            return len(self._buffer)

    @property
    def track_stats(self) -> TrackStats:
        """Running totals of event delivery."""
        with self._cond:
            return TrackStats(**self._counts, pending=len(self._buffer))

    def close(self) -> None:
        """Flush the remaining events, stop the flush thread, close the channel.

        Idempotent. Raises :class:`CxlabError` when the final flush fails
        (the events not delivered are lost); the channel is closed anyway.
        """
        with self._cond:
            if self._closed:
                return
            self._stopping = True
            self._cond.notify_all()
            thread = self._thread
        try:
            if thread is not None and thread is not threading.current_thread():
                thread.join()
            self._flush()
        finally:
            with self._cond:
                self._closed = True
            self._raw_channel.close()

    # ---- internals ------------------------------------------------------------------

    def _bump(self, **deltas: int) -> None:
        """Add to the counters; the caller holds ``_cond``."""
        for name, delta in deltas.items():
            self._counts[name] += delta

    def _run(self) -> None:
        """Background loop: flush by size or interval until close()."""
        while True:
            with self._cond:
                deadline = time.monotonic() + self._flush_interval
                while not self._stopping:
                    now = time.monotonic()
                    if now >= deadline:
                        break
                    if len(self._buffer) >= self._flush_size and now >= self._pause_until:
                        break
                    wait = deadline - now
                    if now < self._pause_until:
                        wait = min(wait, self._pause_until - now)
                    self._cond.wait(wait)
                if self._stopping:
                    return
            try:
                self._flush()
            except CxlabError as e:
                # After a failure, wait an interval before the size trigger fires again.
                with self._cond:
                    self._pause_until = time.monotonic() + self._flush_interval
                if self._on_error is not None:
                    try:
                        self._on_error(e)
                    except Exception:  # a broken callback must not kill the thread
                        _log.exception("cxlab: on_error callback raised")
                else:
                    _log.warning("cxlab: background flush failed: %s", e)
            except Exception:
                _log.exception("cxlab: background flush crashed")

    def _flush(self) -> FlushResult:
        result = FlushResult()
        with self._flush_lock:
            with self._cond:
                remaining = len(self._buffer)
            while remaining > 0:
                with self._cond:
                    take = min(remaining, MAX_TRACK_BATCH, len(self._buffer))
                    if take == 0:
                        break
                    batch = self._buffer[:take]
                    del self._buffer[:take]
                remaining -= take
                try:
                    response = self._send(batch)
                except CxlabError as e:
                    with self._cond:
                        if e.retryable:
                            self._buffer[0:0] = batch  # same ids on the next flush
                            overflow = len(self._buffer) - self._max_buffer
                            if overflow > 0:
                                del self._buffer[:overflow]
                            self._bump(failed_flushes=1, dropped=max(overflow, 0))
                        else:
                            self._bump(failed_flushes=1, dropped=len(batch))
                    raise
                rejected = [
                    RejectedEvent(
                        event_id=batch[err.index].event_id if 0 <= err.index < len(batch) else "",
                        message=err.message,
                    )
                    for err in response.errors
                ]
                for r in rejected:
                    _log.warning("cxlab: event %s rejected: %s", r.event_id, r.message)
                result.accepted += response.accepted
                result.duplicates += response.duplicates
                result.rejected.extend(rejected)
                with self._cond:
                    self._bump(
                        accepted=response.accepted,
                        duplicates=response.duplicates,
                        rejected=len(rejected),
                    )
        return result

    def _send(self, batch: list[Any]) -> Any:
        """One Track call with retries; every attempt sends the same request."""
        request = self._pb.events_pb2.TrackRequest(events=batch)
        attempt = 0
        while True:
            try:
                return self._events.Track(
                    request, timeout=self._timeout, metadata=self._metadata
                )
            except grpc.RpcError as e:
                error = CxlabError.from_rpc_error(e)
            if not error.retryable or attempt >= self._max_retries:
                raise error
            delay = min(self._max_backoff, self._retry_backoff * 2**attempt)
            time.sleep(delay * random.uniform(0.5, 1.0))
            attempt += 1


def _keys(keys: Optional[Sequence[str]], what: str) -> Sequence[str]:
    if keys is None:
        return ()
    if isinstance(keys, str):
        raise TypeError(f"{what}: must be a sequence of keys, not a single string")
    return keys


def _enum(enum_type: Any, prefix: str, value: str, what: str) -> int:
    name = prefix + str(value).upper()
    if name not in enum_type.keys() or name.endswith("_UNSPECIFIED"):
        names = [k for k in enum_type.keys() if not k.endswith("_UNSPECIFIED")]
        choices = ", ".join(k.removeprefix(prefix).lower() for k in names)
        raise ValueError(f"{what}: must be one of {choices}, got {value!r}")
    return int(enum_type.Value(name))
