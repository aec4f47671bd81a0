"""GetContent against the slots of experiments/slots.yaml."""

from __future__ import annotations

import pytest

import cxlab

RUNNER = {"interests": ["running"], "visits": 5}


def test_persona_rule_content(client: cxlab.Client) -> None:
    got = client.get_content("runner-1", ["home.hero"], RUNNER)
    assert list(got) == ["home.hero"]
    hero = got["home.hero"]
    assert hero.reason == "rule" and hero.rule == "runners" and not hero.is_default
    assert hero.matched_segments == ("runners",)
    assert hero.content == {
        "headline": "Your next personal best starts here",
        "image": "/img/hero/runner-dawn.jpg",
        "cta": {"text": "Shop running", "href": "/running"},
    }


def test_default_content_and_slot_order(client: cxlab.Client) -> None:
    got = client.get_content("nobody-1", ["checkout.hint", "home.hero"], {"visits": 5})
    assert list(got) == ["checkout.hint", "home.hero"]
    hint = got["checkout.hint"]
    assert hint.is_default and hint.reason == "default" and hint.rule is None
    assert hint.content == {"text": "Free returns within 30 days", "icon": "returns"}
    assert got["home.hero"].content["headline"] == "Gear for every adventure"

    every = client.get_content("nobody-1", None, {"visits": 5})
    assert list(every) == sorted(every) == ["checkout.hint", "home.hero", "home.recommendations"]


def test_condition_rule(client: cxlab.Client) -> None:
    got = client.get_content("phone-1", ["checkout.hint"],
                             {"device": {"type": "mobile"}, "cart": {"items": 1}, "visits": 4})
    assert got["checkout.hint"].rule == "express_checkout"
    assert got["checkout.hint"].content["icon"] == "wallet"


def test_experiment_backed_slot_agrees_with_assign(client: cxlab.Client) -> None:
    for i in range(5):
        unit = f"reco-{i}"
        block = client.get_content(unit, ["home.recommendations"])["home.recommendations"]
        variant = client.assign(unit, None, ["recommendation_block_bandit"])[
            "recommendation_block_bandit"].variant
        assert block.experiment == "recommendation_block_bandit"
        assert block.rule == "recommendation_bandit"
        assert block.variant == variant  # sticky: the same variant as Assign
        if variant == "bestsellers":  # the control has no payload: slot default
            assert block.reason == "experiment_control_default"
            assert block.content["block"] == "bestsellers"
        else:
            assert block.reason == "experiment_variant"
            assert block.content["block"] == variant


def test_unknown_slot_names_it(client: cxlab.Client) -> None:
    with pytest.raises(cxlab.CxlabError) as e:
        client.get_content("u-1", ["home.hero", "home.heor"])
    assert e.value.code == "INVALID_ARGUMENT"
    assert e.value.message.startswith("slots[1]")
    assert "home.heor" in e.value.message
    with pytest.raises(cxlab.CxlabError) as e:
        client.get_content("", ["home.hero"])
    assert e.value.code == "INVALID_ARGUMENT" and "unit.unit_id" in e.value.message
