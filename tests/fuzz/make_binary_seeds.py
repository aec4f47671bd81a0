#!/usr/bin/env python3
"""Writes the binary seeds of tests/fuzz/corpus/{storage_decode,report}.

The text seeds of the other targets are written by hand; these two targets
read binary input, so their seeds are encoded here, each a small meaningful
case. Run from anywhere: python3 tests/fuzz/make_binary_seeds.py
"""
import json
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(bytes(data))


# --- storage_decode: the RocksDB value and key formats -------------------

def stats(n, *d):
    """engine::SufficientStats::Encode()."""
    d = list(d) + [0.0] * (8 - len(d))
    return bytes([1]) + struct.pack("<q", n) + struct.pack("<8d", *d)


def unit_metric_state(counted, retained, events, s, den, pre):
    """engine::UnitMetricState::Encode()."""
    flags = (1 if counted else 0) | (2 if retained else 0)
    return (bytes([1, flags]) + struct.pack("<q", events) +
            struct.pack("<3d", s, den, pre))


def varint(v):
    out = b""
    while v >= 0x80:
        out += bytes([(v & 0x7f) | 0x80])
        v >>= 7
    return out + bytes([v])


def lp(b):
    if isinstance(b, str):
        b = b.encode()
    return varint(len(b)) + b


def storage_seeds():
    w = lambda name, data: write("storage_decode", name, data)
    # Merges: a cell plus unit deltas (an exposure, a purchase, a retraction).
    w("merge_existing", b"M\x01" + stats(100, 12, 12, 0, 0, 0, 30.5, 40.25, 5)
      + stats(1) + stats(0, 1, 1) + stats(-1, -1, -1))
    w("merge_ratio_no_existing", b"M\x00"
      + stats(1, 59.9, 3588.01, 2, 4, 119.8)
      + stats(1, 20, 400, 1, 1, 20, 3, 9, 60))
    w("merge_bad_version", b"M\x00" + bytes([2]) + stats(1)[1:] + stats(1))
    w("merge_short_operand", b"M\x01" + stats(5, 1) + stats(1)[:40])
    # Unit states.
    w("unit_metric_state", b"S" + unit_metric_state(True, True, 3, 89.7, 2,
                                                    12.5))
    w("unit_states", b"U" + bytes([1]) + varint(3)
      + lp("checkout") + lp("conversion")
      + lp(unit_metric_state(True, False, 1, 1, 0, 0))
      + lp("checkout") + lp("revenue")
      + lp(unit_metric_state(True, False, 2, 120.5, 0, 30))
      + lp("homepage") + lp("nps")
      + lp(unit_metric_state(True, False, 1, 1, 0, 0)))
    w("unit_states_unsorted", b"U" + bytes([1]) + varint(2)
      + lp("b") + lp("m") + lp(unit_metric_state(True, False, 0, 0, 0, 0))
      + lp("a") + lp("m") + lp(unit_metric_state(False, False, 0, 0, 0, 0)))
    # Bandit state.
    ctx = [{"segment": "", "weights": [0.3, 0.7], "units": [100, 120],
            "conversions": [10, 18]},
           {"segment": "runners", "weights": [0.5, 0.5], "units": [0, 0],
            "conversions": [0, 0]}]
    w("bandit", b"B" + bytes([1]) + json.dumps(
        {"version": 3, "updated_at": 1780000000000000, "contexts": ctx,
         "history": [{"version": 2, "time": 1779990000000000,
                      "contexts": ctx[:1]}]}).encode())
    # Keys (storage/keys.h).
    w("key_object", b"Kobj/experiment/checkout")
    w("key_audit", b"K" + struct.pack(">q", 12345))
    w("key_exposure", b"Kuser\x00visitor-42\x00checkout")
    w("key_event", b"Kuser\x00visitor-42\x00"
      + struct.pack(">q", 1780000000000000) + b"e-1")
    w("key_aggregate", b"Kcheckout\x00" + struct.pack(">I", 1)
      + b"\x00revenue\x00" + struct.pack(">i", 20574) + b"runners")
    w("key_aggregate_negative_day", b"Kcheckout\x00" + struct.pack(">I", 0)
      + b"\x00$units\x00" + struct.pack(">i", -1))
    # Coding script: 8 op bytes, then the data they decode.
    w("coding", b"C" + bytes([0, 1, 2, 0, 2, 1, 0, 0]) + varint(300)
      + struct.pack(">Q", 2**63 + 5) + lp("checkout") + varint(2**64 - 1)
      + lp(b"") + b"\xff" * 11)


# --- report: what FuzzInput (tests/fuzz/fuzz_util.h) reads back ----------

class Enc:
    def __init__(self):
        self.b = bytearray()

    def byte(self, v):
        self.b.append(v & 0xff)

    def bool(self, v):
        self.byte(1 if v else 0)

    def int_in_range(self, lo, hi, v):
        span, x = hi - lo + 1, v - lo
        assert 0 <= x < span, (lo, hi, v)
        if span > 65536:
            self.b += struct.pack(">I", x)
        elif span > 256:
            self.b += struct.pack(">H", x)
        else:
            self.byte(x)

    def double_int(self, v):  # Double(): a small integer
        self.byte(0)
        self.int_in_range(-8, 120, v)

    def double_frac(self, v):  # Double(): k / 64
        self.byte(3)
        self.int_in_range(-1000, 1000, int(round(v * 64)))

    def double_big(self, v):  # Double(): an integer in [0, 10^6]
        self.byte(6)
        self.int_in_range(0, 1000000, v)

    def prob(self, mode, k=None):  # DrawProbabilityOption
        self.byte(mode)
        if mode == 2:
            self.int_in_range(1, 999, k)


def cell(n, binomial=None, mean=None, var=None, small=False, pre=None,
         ratio=None):
    """DrawStats in its consistent mode."""
    def enc(e):
        if small:
            e.byte(1)
            e.int_in_range(0, 50, n)
        else:
            e.byte(2)
            e.int_in_range(0, 10000000, n)
        if binomial is not None:
            e.int_in_range(0, 255, binomial)
        else:
            mean(e)
            var(e)
        for f in ratio or []:
            f(e)
        e.bool(pre is not None)
        for f in pre or []:
            f(e)
    return enc


TYPES = ["binomial", "count", "mean", "ratio", "nps", "csat", "ces", "score",
         "duration", "retention"]


def analysis(name, k, metrics, units, method=0, alpha=(0,), cuped=False,
             correction=0, tuning=None, prior=None, srm=None, weights=None):
    e = Enc()
    e.byte(0)
    e.int_in_range(2, 5, k)
    e.int_in_range(1, 3, len(metrics))
    e.int_in_range(0, 2, method)
    e.prob(*alpha)
    e.bool(cuped)
    e.int_in_range(0, 2, correction)
    e.bool(tuning is not None)
    if tuning:
        tuning(e)
    e.bool(prior is not None)
    if prior:
        prior[0](e)
        prior[1](e)
    e.bool(srm is not None)
    if srm:
        e.prob(*srm)
    e.bool(weights is None)
    for v in range(k):
        if weights:
            weights[v](e)
        e.bool(True)
        e.int_in_range(0, 100000, units[v])
    for (t, higher, guardrail, arms) in metrics:
        e.int_in_range(0, 9, TYPES.index(t))
        e.bool(higher)
        e.bool(guardrail)
        for arm in arms:
            arm(e)
    write("report", name, e.b)


METRIC_KEYS = ["conversion", "orders", "revenue", "aov", "nps", "csat", "ces",
               "score", "ttr", "returned", "errors", "$units",
               "unknown_metric"]
SEGMENTS = {"runners": 0, "$none": 1, "gone": 2, "": 3}


def report(name, cells, method=0, segment_mode=0, from_day=False,
           to_day=False, cuped=False, correction=0):
    e = Enc()
    e.byte(1)
    e.int_in_range(0, 3, method)
    e.bool(False)  # alpha
    e.bool(cuped)
    e.int_in_range(0, 3, correction)
    e.bool(False)  # prior
    e.byte(segment_mode)
    e.bool(from_day)
    e.bool(to_day)
    e.bool(False)  # target_effect
    e.bool(False)  # sequential_tuning
    e.int_in_range(0, 64, len(cells))
    for (variant, metric, day, segment, stats_enc) in cells:
        e.int_in_range(-1, 3, variant)
        e.int_in_range(0, len(METRIC_KEYS) - 1, METRIC_KEYS.index(metric))
        e.bool(True)
        e.int_in_range(-3, 40, day)
        e.byte(SEGMENTS[segment])
        stats_enc(e)
    write("report", name, e.b)


def report_seeds():
    i = lambda v: (lambda e: e.double_int(v))
    f = lambda v: (lambda e: e.double_frac(v))
    big = lambda v: (lambda e: e.double_big(v))
    # Binomial A/B: about 10% vs 12% of 10,000 units.
    analysis("binomial_ab", 2,
             [("binomial", True, False,
               [cell(10000, binomial=25), cell(10000, binomial=31)])],
             units=[10000, 10000])
    # Revenue with CUPED over three arms and an NPS guardrail, Bayesian with
    # a proper prior.
    analysis("mean_cuped_bayes", 3,
             [("mean", True, False,
               [cell(5000 + v, mean=f(3.5 + v / 8), var=i(40),
                     pre=[f(3.0), i(30), big(60000)]) for v in range(3)]),
              ("nps", True, True,
               [cell(800, mean=f(0.25), var=f(0.5)) for _ in range(3)])],
             units=[5000, 5001, 5002], method=2, cuped=True,
             prior=(i(0), f(0.25)))
    # Ratio, duration and retention; sequential with Holm and a tuning.
    analysis("ratio_sequential_holm", 2,
             [("ratio", True, False,
               [cell(3000, mean=i(60), var=i(100),
                     ratio=[i(2), i(1), big(130)]) for _ in range(2)]),
              ("duration", False, False,
               [cell(120, mean=i(90), var=big(2000)) for _ in range(2)]),
              ("retention", True, True,
               [cell(4000, binomial=80), cell(3900, binomial=90)])],
             units=[4000, 3900], method=1, correction=1, alpha=(2, 10),
             tuning=big(10000))
    # Degenerate arms (no units, one unit, zero variance, no conversions)
    # and an SRM check with a weight of 0.
    analysis("degenerate", 4,
             [("csat", True, False,
               [cell(0, small=True, mean=i(1), var=i(0)),
                cell(1, small=True, mean=i(1), var=i(0)),
                cell(40, small=True, mean=i(1), var=i(0)),
                cell(50, small=True, binomial=0)])],
             units=[0, 1, 40, 50], srm=(2, 500),
             weights=[i(1), i(1), i(0), i(2)])
    # The report builder over three days of cells, by segment.
    cells = []
    for day in range(3):
        for v in range(3):
            cells.append((v, "$units", day, "", cell(1000, binomial=255)))
            cells.append((v, "conversion", day, "",
                          cell(1000, binomial=25 + v)))
            cells.append((v, "revenue", day, "",
                          cell(1000, mean=i(7), var=i(100))))
            cells.append((v, "conversion", day, "runners",
                          cell(200, binomial=30)))
    report("report_three_days", cells[:36], segment_mode=2, from_day=True)
    report("report_sequential_segment", [
        (0, "$units", 0, "runners", cell(300, binomial=255)),
        (1, "$units", 0, "runners", cell(280, binomial=255)),
        (0, "aov", 0, "runners",
         cell(300, mean=i(60), var=i(90), ratio=[i(2), i(1), i(110)])),
        (1, "aov", 0, "runners",
         cell(280, mean=i(62), var=i(90), ratio=[i(2), i(1), i(112)])),
        (3, "errors", 1, "gone", cell(5, small=True, mean=i(0), var=i(0))),
        (-1, "unknown_metric", 40, "$none", cell(5, small=True, binomial=3)),
    ], method=1, segment_mode=1, cuped=True, correction=2)
    report("report_empty", [])


if __name__ == "__main__":
    storage_seeds()
    report_seeds()
