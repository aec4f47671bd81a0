"""Typed results and inputs of the cxlab client (plain dataclasses)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Mapping, Optional, Sequence, Union


class Reason(str, enum.Enum):
    """Why a unit got (or did not get) a variant (``cxlab.v1.Reason``).

    Members compare equal to their lower-case names, the words the ``cxlab``
    CLI prints: ``Reason.ASSIGNED == "assigned"``.
    """

    UNSPECIFIED = "unspecified"
    ASSIGNED = "assigned"
    NOT_RUNNING = "not_running"
    NOT_TARGETED = "not_targeted"
    NOT_IN_COVERAGE = "not_in_coverage"
    LAYER_EXCLUDED = "layer_excluded"
    HOLDOUT = "holdout"
    FORCED = "forced"
    OUTSIDE_SCHEDULE = "outside_schedule"
    LAUNCHED = "launched"
    MISSING_UNIT_ID = "missing_unit_id"
    UNKNOWN_EXPERIMENT = "unknown_experiment"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Assignment:
    """One experiment's answer for one unit.

    Attributes:
        experiment: The experiment key.
        variant: The variant key the unit sees, or None.
        payload: The variant's JSON payload as Python values (dict, list,
            str, float/int, bool), or None.
        reason: Why (see :class:`Reason`).
        in_experiment: True when the unit sees a variant (assigned, forced
            or launched).
        variant_index: Index of the variant in the experiment, or None.
        used_fallback: True when the experiment's fallback attribute was hashed.
    """

    experiment: str
    variant: Optional[str]
    payload: Any
    reason: Reason
    in_experiment: bool
    variant_index: Optional[int] = None
    used_fallback: bool = False


@dataclass(frozen=True)
class Unit:
    """A unit for :meth:`cxlab.Client.assign_batch`.

    Attributes:
        unit_id: The unit's id (required, at most 1,024 bytes).
        attributes: Targeting attributes (a JSON-like mapping).
        unit_type: ``user`` (the server's default when empty), ``device``...
        ids: Further ids of the same visitor by unit type, e.g.
            ``{"device": "d-9"}``.
    """

    unit_id: str
    attributes: Optional[Mapping[str, Any]] = None
    unit_type: str = ""
    ids: Optional[Mapping[str, str]] = None


@dataclass(frozen=True)
class Content:
    """The content chosen for one personalization slot.

    Attributes:
        slot: The slot key, e.g. ``"home.hero"``.
        content: The JSON content to render, as Python values.
        reason: ``"rule"``, ``"experiment_variant"``,
            ``"experiment_control_default"`` or ``"default"``.
        rule: The key of the rule that matched, or None for the default.
        matched_segments: The visitor's persona segments the rule matched on.
        experiment: For an experiment-backed rule, the experiment, else None.
        variant: The unit's variant of that experiment, else None.
        is_default: True when no rule matched and the default was served.
    """

    slot: str
    content: Any
    reason: str
    rule: Optional[str] = None
    matched_segments: tuple[str, ...] = ()
    experiment: Optional[str] = None
    variant: Optional[str] = None
    is_default: bool = False


@dataclass(frozen=True)
class Event:
    """An event to :meth:`cxlab.Client.track` (``cxlab.v1.Event``).

    Attributes:
        name: Event name, e.g. ``"purchase"``, ``"survey_nps"``.
        unit_id: The unit it belongs to.
        value: The numeric value (revenue, score, seconds); finite.
        properties: Further properties (JSON-like mapping) for metric
            filters and value properties, e.g. ``{"amount": 49.9}``.
        time: When it happened (a timezone-aware datetime; naive means UTC).
            None: the time the server receives it.
        unit_type: ``user`` (the server's default when empty), ``device``...
        event_id: The idempotency key. None: the client assigns a uuid4 hex
            when the event is enqueued, and every retry reuses it.
    """

    name: str
    unit_id: str
    value: float = 0.0
    properties: Optional[Mapping[str, Any]] = None
    time: Optional[datetime] = None
    unit_type: str = ""
    event_id: Optional[str] = None


@dataclass(frozen=True)
class RejectedEvent:
    """An event the server refused (it is not retried).

    Attributes:
        event_id: The event's id.
        message: The rule it broke, e.g. ``"events[3].value: must be a
            finite number, got nan"`` (the index is within the sent batch).
    """

    event_id: str
    message: str


@dataclass
class FlushResult:
    """What one :meth:`cxlab.Client.flush` delivered.

    Attributes:
        accepted: Events stored and counted.
        duplicates: Events the server had already seen (same event id),
            counted once — e.g. a batch resent after a lost response.
        rejected: Events refused, with the reason.
    """

    accepted: int = 0
    duplicates: int = 0
    rejected: list[RejectedEvent] = field(default_factory=list)


@dataclass(frozen=True)
class TrackStats:
    """Running totals of a client's event delivery (:attr:`Client.track_stats`).

    Attributes:
        enqueued: Events passed to ``track``.
        accepted, duplicates, rejected: As the server answered.
        dropped: Events given up: the buffer overflowed (oldest first) or
            the server refused a whole batch with a non-retryable error.
        failed_flushes: Flushes that ended in an error.
        pending: Events still buffered.
    """

    enqueued: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    dropped: int = 0
    failed_flushes: int = 0
    pending: int = 0


#: Anything :meth:`cxlab.Client.assign_batch` accepts as a unit.
UnitLike = Union[str, Unit]
#: A JSON-like attribute mapping.
Attributes = Mapping[str, Any]
#: Experiment keys.
Keys = Sequence[str]
