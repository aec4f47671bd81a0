"""GetReport after assigning and tracking through the client."""

from __future__ import annotations

import math

import pytest
from conftest import Server

import cxlab
from cxlab import Event, Reason

EXPERIMENT = "aa_randomization_check"  # all traffic, exempt from the holdout


@pytest.fixture(scope="module")
def traffic(server: Server) -> dict[str, list[str]]:
    """40 units exposed to the A/A test; every third one buys for 20."""
    by_variant: dict[str, list[str]] = {"a": [], "b": []}
    with server.client(flush_size=1000) as c:
        for i, assigned in enumerate(c.assign_batch([f"rep-{i}" for i in range(40)],
                                                    [EXPERIMENT])):
            got = assigned[EXPERIMENT]
            assert got.reason == Reason.ASSIGNED and got.variant is not None
            by_variant[got.variant].append(f"rep-{i}")
        c.get_stats(EXPERIMENT)  # records the queued exposures before the events
        for i in range(0, 40, 3):
            c.track(Event("purchase", f"rep-{i}", value=20.0, properties={"amount": 20.0}))
        assert c.flush().accepted == 14
    return by_variant


def test_report_counts_the_tracked_events(server: Server, traffic: dict[str, list[str]]) -> None:
    with server.client(server.create_key("reader")) as reader:
        report = reader.get_report(EXPERIMENT)
        stats = reader.get_stats(EXPERIMENT)
    assert report.experiment_key == EXPERIMENT
    assert list(report.variant_keys) == ["a", "b"]
    assert list(report.units) == [len(traffic["a"]), len(traffic["b"])]
    assert list(stats.exposed_units) == list(report.units)
    assert report.verdict

    metrics = {m.metric_key: m for m in report.metrics}
    conversion = metrics["conversion"]
    assert conversion.primary and conversion.type == "binomial"
    buyers = {f"rep-{i}" for i in range(0, 40, 3)}
    for v in conversion.variants:
        units = traffic[v.variant_key]
        assert v.units == len(units)
        assert math.isclose(v.value, len(buyers.intersection(units)) / len(units))
    treatment = conversion.variants[1]
    assert treatment.HasField("relative") and treatment.relative.HasField("p_value")

    revenue = {v.variant_key: v for v in metrics["revenue"].variants}
    cells = {(s.variant_key, s.metric_key): s for s in stats.stats}
    for key, units in traffic.items():
        expected = 20.0 * len(buyers.intersection(units))
        assert cells[(key, "revenue")].sum == expected
        assert math.isclose(revenue[key].value, expected / len(units))


def test_report_options(client: cxlab.Client, traffic: dict[str, list[str]]) -> None:
    pb = cxlab.load_stubs().reports_pb2
    bayes = client.get_report(EXPERIMENT, method="bayesian", prior=(0.0, 0.3))
    assert bayes.method == pb.METHOD_BAYESIAN
    treatment = bayes.metrics[0].variants[1]
    assert treatment.relative.HasField("chance_to_win")
    assert 0.0 <= treatment.relative.chance_to_win <= 1.0

    holm = client.get_report(EXPERIMENT, correction="holm", alpha=0.1)
    assert holm.correction == pb.CORRECTION_HOLM
    assert math.isclose(holm.alpha, 0.1)
    assert client.get_report(EXPERIMENT, method="sequential").method == pb.METHOD_SEQUENTIAL

    with pytest.raises(ValueError, match="method: must be one of frequentist, sequential"):
        client.get_report(EXPERIMENT, method="magic")  # type: ignore[arg-type]


def test_report_errors(client: cxlab.Client) -> None:
    with pytest.raises(cxlab.CxlabError) as e:
        client.get_report("no_such_experiment")
    assert e.value.code == "NOT_FOUND"
    assert e.value.message.startswith("experiment_key: ")
    with pytest.raises(cxlab.CxlabError) as e:
        client.get_report(EXPERIMENT, alpha=2.0)
    assert e.value.code == "INVALID_ARGUMENT" and "alpha" in e.value.message
