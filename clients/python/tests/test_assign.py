"""Assign and AssignBatch against a real cxlabd with experiments/ applied."""

from __future__ import annotations

import json
import time

import pytest
from conftest import Server

import cxlab
from cxlab import Reason, Unit

RETURNING_WITH_CART = {"visits": 3, "last_visit_days": 2, "cart": {"items": 2}}


def test_assign_is_deterministic_and_matches_the_cli(server: Server, client: cxlab.Client) -> None:
    for unit in ("visitor-42", "visitor-43", "u-\u00e9t\u00e9"):
        first = client.assign(unit, RETURNING_WITH_CART)
        again = client.assign(unit, RETURNING_WITH_CART, log_exposure=False)
        assert first == again
        cli = json.loads(server.cxlab(
            "assign", "--unit", unit, "--attributes", json.dumps(RETURNING_WITH_CART),
            "--output", "json"))
        from_cli = {a["experimentKey"]: a.get("variantKey") for a in cli["assignments"]}
        assert {k: a.variant for k, a in first.items()} == from_cli
        assert {k: a.reason.name for k, a in first.items()} == {
            a["experimentKey"]: a["reason"].removeprefix("REASON_") for a in cli["assignments"]}


def test_assignment_fields(client: cxlab.Client) -> None:
    # Find a unit assigned to checkout_redesign (some are in the global holdout).
    for i in range(50):
        a = client.assign(f"fields-{i}", RETURNING_WITH_CART, ["checkout_redesign"])
        if a["checkout_redesign"].reason == Reason.ASSIGNED:
            break
    got = a["checkout_redesign"]
    assert list(a) == ["checkout_redesign"]
    assert got.in_experiment
    assert got.variant in ("control", "one_page", "one_page_chat")
    assert got.variant_index == ["control", "one_page", "one_page_chat"].index(got.variant)
    assert got.payload["layout"] in ("steps", "single_page")
    assert isinstance(got.payload["steps"], int)

    slim = client.assign(f"fields-{i}", RETURNING_WITH_CART, ["checkout_redesign"],
                         omit_payloads=True)["checkout_redesign"]
    assert slim.variant == got.variant and slim.payload is None


def test_reasons(client: cxlab.Client) -> None:
    a = client.assign("visitor-1", None, ["no_such_experiment", "checkout_redesign",
                                          "homepage_recommendations"])
    assert list(a) == ["no_such_experiment", "checkout_redesign", "homepage_recommendations"]
    unknown = a["no_such_experiment"]
    assert unknown.reason == Reason.UNKNOWN_EXPERIMENT
    assert unknown.variant is None and not unknown.in_experiment and unknown.payload is None
    assert a["checkout_redesign"].reason == Reason.NOT_TARGETED  # no attributes
    assert a["homepage_recommendations"].reason == Reason.NOT_RUNNING  # a draft
    forced = client.assign("qa-user-2", RETURNING_WITH_CART, ["checkout_redesign"])
    assert forced["checkout_redesign"].reason == Reason.FORCED
    assert forced["checkout_redesign"].variant == "one_page_chat"
    launched = client.assign("m-1", {"device": {"type": "mobile"}}, ["express_checkout_button"])
    assert launched["express_checkout_button"].reason == Reason.LAUNCHED
    assert launched["express_checkout_button"].variant == "wallet_button"


def test_bad_input_raises_invalid_argument_naming_the_field(client: cxlab.Client) -> None:
    with pytest.raises(cxlab.CxlabError) as e:
        client.assign("")
    assert e.value.code == "INVALID_ARGUMENT"
    assert e.value.message.startswith("unit.unit_id: ")
    with pytest.raises(cxlab.CxlabError) as e:
        client.assign("x" * 1025)
    assert e.value.code == "INVALID_ARGUMENT" and "unit.unit_id" in e.value.message
    with pytest.raises(TypeError, match="experiments"):
        client.assign("u", None, "checkout_redesign")  # type: ignore[arg-type]


def test_assign_batch(client: cxlab.Client) -> None:
    units = ["b-1", Unit("b-2", RETURNING_WITH_CART), Unit("b-3", {"household": {"children": 2},
                                                                     "age": 35})]
    results = client.assign_batch(units, log_exposure=False)
    assert len(results) == 3
    for u, got in zip(units, results):
        unit = u if isinstance(u, Unit) else Unit(u)
        assert got == client.assign(unit.unit_id, unit.attributes, log_exposure=False)

    with pytest.raises(cxlab.CxlabError) as e:
        client.assign_batch(["ok-1", Unit("")])
    assert e.value.code == "INVALID_ARGUMENT"
    assert e.value.message.startswith("units[1].unit_id: ")
    with pytest.raises(cxlab.CxlabError) as e:
        client.assign_batch([])
    assert e.value.code == "INVALID_ARGUMENT"


def test_auth_and_roles(server: Server) -> None:
    with server.client("not-a-key") as c:
        with pytest.raises(cxlab.CxlabError) as e:
            c.assign("u-1")
        assert e.value.code == "UNAUTHENTICATED"
    with server.client(server.create_key("sdk")) as sdk:
        assert sdk.assign("u-1", None, ["aa_randomization_check"])
        with pytest.raises(cxlab.CxlabError) as e:
            sdk.get_report("aa_randomization_check")
        assert e.value.code == "PERMISSION_DENIED"


def test_health_and_unreachable_server(client: cxlab.Client) -> None:
    assert client.health() == "SERVING"
    with cxlab.Client("127.0.0.1:1", "k", timeout=1.0) as down:
        t0 = time.monotonic()
        with pytest.raises(cxlab.CxlabError) as e:
            down.assign("u")
        assert e.value.code in ("UNAVAILABLE", "DEADLINE_EXCEEDED")
        assert e.value.retryable
        assert time.monotonic() - t0 < 5


def test_closed_client(server: Server) -> None:
    c = server.client()
    c.close()
    c.close()  # idempotent
    with pytest.raises(RuntimeError, match="closed"):
        c.assign("u")
    with pytest.raises(RuntimeError, match="closed"):
        c.track(cxlab.Event("purchase", "u"))
