#!/usr/bin/python3
# Copyright 2026 The cxlab Authors.
"""Generates tests/stats/scipy_vectors.json, the scipy oracle of engine/stats.

Draws random per-unit data for every metric type, reduces it to the
SufficientStats a cxlab cell holds (n, sum, sum_sq, den_sum, den_sum_sq,
cross_sum, pre_sum, pre_sum_sq, pre_cross_sum), and computes the expected
outputs from the *raw unit data* with numpy and scipy: moments with
numpy's two-pass var/cov, CUPED on explicitly adjusted unit values, the
ratio delta method on linearised unit values, Welch's test with
scipy.stats.ttest_ind_from_stats(equal_var=False), quantiles from
scipy.stats.t (polished by Newton steps on t.sf, see t_isf) and norm, one-sided sequential p-values by root finding
(scipy.optimize.brentq), Bayesian risks from scipy.stats.truncnorm, SRM from
scipy.stats.chisquare, Holm and Benjamini-Hochberg by their textbook
definitions. None of it shares code with the C++ implementation; the C++
test (scipy_vectors_test.cc) must agree to 1e-9 relative.

Run with Debian's interpreter (python3-numpy, python3-scipy; no pip):

  /usr/bin/python3 tests/stats/gen_fixtures.py                # rewrite
  /usr/bin/python3 tests/stats/gen_fixtures.py --check FILE   # verify

--check regenerates in memory with the same seed and compares with FILE
(structure exactly, numbers to 1e-12 relative), so the committed vectors
stay what scipy says.
"""

import argparse
import json
import math
import os
import sys

import numpy as np
import scipy
from scipy import optimize, stats

SEED = 20260501
WELCH_CASES_PER_TYPE = 20
SRM_CASES = 40
CORRECTION_CASES = 40
POWER_CASES = 40

TYPES = ["binomial", "count", "mean", "ratio", "nps", "csat", "ces",
         "score", "duration", "retention"]


# ---------------------------------------------------------------- unit data


def draw_units(rng, metric_type, n, shift):
    """Per-unit (Y, D, X) for one arm; `shift` scales the treatment effect."""
    z = rng.standard_normal(n)  # latent trait shared by Y and X
    d = np.zeros(n)
    if metric_type in ("binomial", "retention"):
        base = rng.uniform(0.05, 0.6)
        y = (rng.random(n) < base * (1 + shift)).astype(float)
        copy = rng.random(n) < 0.6
        x = np.where(copy, y, (rng.random(n) < base).astype(float))
    elif metric_type == "count":
        lam = rng.uniform(0.5, 5) * np.exp(0.4 * z)
        y = rng.poisson(lam * (1 + shift)).astype(float)
        x = rng.poisson(lam).astype(float)
    elif metric_type == "mean":
        converted = rng.random(n) < rng.uniform(0.2, 0.9)
        y = np.where(converted, rng.lognormal(3 + 0.4 * z, 0.5), 0.0)
        y = y * (1 + shift)
        x = np.where(rng.random(n) < 0.7, rng.lognormal(3 + 0.4 * z, 0.5), 0.0)
    elif metric_type == "ratio":
        d = 1 + rng.poisson(3 * np.exp(0.3 * z)).astype(float)
        y = rng.gamma(shape=d, scale=2.0 * (1 + shift))
        x = np.zeros(n)  # no CUPED for ratio metrics
    elif metric_type == "nps":
        y = unit_mean_answers(rng, n, z, shift, nps_map)
        x = unit_mean_answers(rng, n, z, 0, nps_map, max_answers=1)
    elif metric_type == "csat":
        y = unit_mean_answers(rng, n, z, shift, csat_map)
        x = unit_mean_answers(rng, n, z, 0, csat_map, max_answers=1)
    elif metric_type in ("ces", "score"):
        y = unit_mean_answers(rng, n, z, shift, lambda a: a + 1.0)
        x = unit_mean_answers(rng, n, z, 0, lambda a: a + 1.0)
    elif metric_type == "duration":
        y = rng.exponential(3600 * np.exp(0.3 * z) * (1 + shift))
        x = rng.exponential(3600 * np.exp(0.3 * z))
    else:
        raise ValueError(metric_type)
    return y, d, x


def nps_map(answer):  # answers 0-10
    return np.where(answer >= 9, 1.0, np.where(answer >= 7, 0.0, -1.0))


def csat_map(answer):  # answers 0-4 stand for 1-5
    return np.where(answer >= 3, 1.0, 0.0)


def unit_mean_answers(rng, n, z, shift, mapping, max_answers=3):
    """Each unit answers 1..max_answers times on an 11-point scale; Y is
    the mean of the mapped answers (engine/metrics.h)."""
    counts = rng.integers(1, max_answers + 1, size=n)
    out = np.empty(n)
    for i in range(n):
        centre = 6 + 2 * z[i] + 4 * shift
        answers = np.clip(np.rint(rng.normal(centre, 2, counts[i])), 0, 10)
        out[i] = np.mean(mapping(answers))
    return out


def cell(y, d, x):
    """The SufficientStats of one arm, with correctly rounded sums."""
    return {
        "n": int(len(y)),
        "sum": math.fsum(y),
        "sum_sq": math.fsum(y * y),
        "den_sum": math.fsum(d),
        "den_sum_sq": math.fsum(d * d),
        "cross_sum": math.fsum(y * d),
        "pre_sum": math.fsum(x),
        "pre_sum_sq": math.fsum(x * x),
        "pre_cross_sum": math.fsum(x * y),
    }


# ------------------------------------------------------------------ oracle


def arm_values(metric_type, y, d, x, theta, pooled_x_mean):
    """Adjusted per-unit values whose mean and variance are the arm's
    moments: CUPED-adjusted Y, or the linearised ratio (Y - R D) / mean(D)."""
    if metric_type == "ratio":
        r = y.sum() / d.sum()
        return r, (y - r * d) / d.mean()
    z = y - theta * (x - pooled_x_mean)
    return z.mean(), z


def ddof(metric_type):
    return 0 if metric_type == "binomial" else 1


def welch_dof(va, na, vb, nb):
    sa, sb = va / na, vb / nb
    return (sa + sb) ** 2 / (sa ** 2 / (na - 1) + sb ** 2 / (nb - 1))


def t_isf(q, dof):
    """The t quantile with upper tail q. scipy 1.10's t.ppf/isf (cephes
    stdtri) is only good to ~1e-9 for non-integer dof, so its answer is
    polished with Newton steps on scipy's accurate t.sf."""
    x = stats.t.isf(q, dof)
    for _ in range(3):
        x += (stats.t.sf(x, dof) - q) / stats.t.pdf(x, dof)
    return float(x)


def frequentist(est, se, dof, alpha, alternative, t_stat=None, p=None):
    if t_stat is None:
        t_stat = est / se
        if alternative == "two-sided":
            p = 2 * stats.t.sf(abs(t_stat), dof)
        elif alternative == "greater":
            p = stats.t.sf(t_stat, dof)
        else:
            p = stats.t.cdf(t_stat, dof)
    if alternative == "two-sided":
        w = t_isf(alpha / 2, dof) * se
        ci = [est - w, est + w]
    elif alternative == "greater":
        ci = [est - t_isf(alpha, dof) * se, None]
    else:
        ci = [None, est + t_isf(alpha, dof) * se]
    return {"effect": est, "std_error": se, "dof": dof, "p_value": p,
            "ci": ci}


def sequential(est, var, n_total, alpha, alternative, tuning):
    """Asymptotic confidence sequence (Waudby-Smith et al. 2021)."""
    two_sided = alternative == "two-sided"
    a = alpha if two_sided else 2 * alpha
    rho2 = (-2 * np.log(a) + np.log(-2 * np.log(a) + 1)) / tuning
    s2 = var * n_total
    tr = n_total * rho2 + 1
    scale2 = s2 * 2 * tr / (n_total ** 2 * rho2)
    se = math.sqrt(var)
    if two_sided:
        w = math.sqrt(scale2 * np.log(np.sqrt(tr) / alpha))
        st2 = est ** 2 * n_total / var  # eq. 155
        with np.errstate(over="ignore"):  # huge e-value: p = 0
            evalue = np.exp(rho2 * st2 / (2 * tr)) / np.sqrt(tr)
        return {"effect": est, "std_error": se,
                "p_value": float(min(1.0, 1 / evalue)),
                "ci": [est - w, est + w]}

    def halfwidth(al):
        return math.sqrt(scale2 * np.log1p(np.sqrt(tr) / (2 * al)))

    w = halfwidth(alpha)
    greater = alternative == "greater"
    ci = [est - w, None] if greater else [None, est + w]
    toward = est > 0 if greater else est < 0
    if not toward:
        p = 1.0
    else:
        # The smallest alpha whose one-sided bound excludes 0: solve
        # |est| = halfwidth(alpha) in u = log(alpha).
        def g(u):
            return est ** 2 / scale2 - np.log1p(np.sqrt(tr) / 2 * np.exp(-u))
        if g(-700.0) > 0:
            p = 0.0
        else:
            hi = 50.0
            root = optimize.brentq(g, -700.0, hi, xtol=1e-15, rtol=1e-15,
                                   maxiter=500)
            p = float(min(1.0, math.exp(root)))
    return {"effect": est, "std_error": se, "p_value": p, "ci": ci}


def bayesian(est, var, ua, scale, alpha, prior, higher):
    mu, v = est, var
    if prior["proper"]:
        pm, pv = prior["mean"], prior["variance"]
        if scale == "absolute":
            pm, pv = pm * abs(ua), pv * ua * ua
        post_var = 1 / (1 / var + 1 / pv)
        mu, v = post_var * (est / var + pm / pv), post_var
    sd = math.sqrt(v)
    gain = mu if higher else -mu
    win = stats.norm.sf(0, loc=gain, scale=sd)
    lose = stats.norm.cdf(0, loc=gain, scale=sd)
    up = stats.truncnorm.mean(-gain / sd, np.inf, loc=gain, scale=sd)
    down = stats.truncnorm.mean(-np.inf, -gain / sd, loc=gain, scale=sd)
    return {"effect": mu, "std_error": sd,
            "ci": [stats.norm.ppf(alpha / 2, loc=mu, scale=sd),
                   stats.norm.ppf(1 - alpha / 2, loc=mu, scale=sd)],
            "chance_to_win": win,
            "risk_control": win * up,
            "risk_treatment": -lose * down}


def welch_case(rng, metric_type, index):
    while True:
        na, nb = (int(v) for v in rng.integers(20, 1500, size=2))
        shift = float(rng.choice([0.0, rng.uniform(-0.15, 0.15)]))
        ya, da, xa = draw_units(rng, metric_type, na, 0.0)
        yb, db, xb = draw_units(rng, metric_type, nb, shift)
        if metric_type == "ratio" and (da.sum() == 0 or db.sum() == 0):
            continue
        if metric_type != "ratio" and (np.var(ya) == 0 or np.var(yb) == 0 or
                                       ya.sum() == 0):
            continue
        break
    alpha = float(rng.choice([0.05, 0.05, 0.1, 0.01]))
    alternative = str(rng.choice(["two-sided"] * 4 + ["greater", "less"]))
    cuped = metric_type != "ratio" and bool(rng.random() < 0.5)
    tuning = float(rng.choice([5000.0, 1000.0, 20000.0]))
    proper = bool(rng.random() < 0.5)
    prior = {"proper": proper,
             "mean": float(rng.uniform(-0.1, 0.1)) if proper else 0.0,
             "variance": float(rng.uniform(0.01, 0.5)) if proper else 1.0}
    higher = metric_type != "duration"
    # Half of the duration cases say higher is better, for coverage.
    if metric_type == "duration" and rng.random() < 0.5:
        higher = True

    theta, pooled_x_mean = 0.0, 0.0
    if cuped:
        x_all, y_all = np.concatenate([xa, xb]), np.concatenate([ya, yb])
        dd = ddof(metric_type)
        theta = (np.cov(x_all, y_all, ddof=dd)[0, 1] /
                 np.var(x_all, ddof=dd))
        pooled_x_mean = x_all.mean()
    arms = []
    for y, d, x in ((ya, da, xa), (yb, db, xb)):
        mean, values = arm_values(metric_type, y, d, x, theta, pooled_x_mean)
        raw_mean, raw_values = arm_values(metric_type, y, d, x, 0.0, 0.0)
        n = len(y)
        var = float(np.var(values, ddof=ddof(metric_type)))
        raw_var = float(np.var(raw_values, ddof=ddof(metric_type)))
        half = t_isf(alpha / 2, n - 1) * math.sqrt(raw_var / n)
        arms.append({"n": n, "mean": float(mean), "variance": var,
                     "unadjusted_mean": float(raw_mean),
                     "unadjusted_variance": raw_var,
                     "value_ci": [raw_mean - half, raw_mean + half]})
    a, b = arms
    na, nb = a["n"], b["n"]
    va, vb = a["variance"], b["variance"]
    dof = welch_dof(va, na, vb, nb)
    expected = {"arms": arms, "theta": float(theta)}

    # Absolute effect: scipy's Welch test gives t and p.
    t_stat, p = stats.ttest_ind_from_stats(
        b["mean"], math.sqrt(vb), nb, a["mean"], math.sqrt(va), na,
        equal_var=False, alternative=alternative)
    abs_est = b["mean"] - a["mean"]
    abs_var = va / na + vb / nb
    # Relative lift: delta method on the ratio of the arm means.
    ua, ub = a["unadjusted_mean"], b["unadjusted_mean"]
    rel_est = (b["mean"] - a["mean"]) / ua
    rel_var = vb / (ua ** 2 * nb) + va * ub ** 2 / (ua ** 4 * na)
    expected["frequentist"] = {
        "absolute": frequentist(abs_est, math.sqrt(abs_var), dof, alpha,
                                alternative, float(t_stat), float(p)),
        "relative": frequentist(rel_est, math.sqrt(rel_var), dof, alpha,
                                alternative),
    }
    expected["sequential"] = {
        "absolute": sequential(abs_est, abs_var, na + nb, alpha, alternative,
                               tuning),
        "relative": sequential(rel_est, rel_var, na + nb, alpha, alternative,
                               tuning),
    }
    expected["bayesian"] = {
        "absolute": bayesian(abs_est, abs_var, ua, "absolute", alpha, prior,
                             higher),
        "relative": bayesian(rel_est, rel_var, ua, "relative", alpha, prior,
                             higher),
    }
    if cuped:
        raw = a["unadjusted_variance"] / na + b["unadjusted_variance"] / nb
        expected["cuped_variance_reduction"] = 1 - abs_var / raw
    return {
        "name": "%s_%03d" % (metric_type, index),
        "type": metric_type,
        "alpha": alpha,
        "alternative": alternative,
        "cuped": cuped,
        "tuning": tuning,
        "prior": prior,
        "direction": "higher" if higher else "lower",
        "cells": [cell(ya, da, xa), cell(yb, db, xb)],
        "expected": expected,
    }


def srm_case(rng, index):
    k = int(rng.integers(2, 5))
    if rng.random() < 0.5:
        weights = [1.0 / k] * k
    else:
        weights = [float(w) for w in rng.dirichlet(np.full(k, 5.0))]
    total = int(rng.integers(100, 200000))
    tilt = rng.uniform(0.97, 1.03, size=k) if rng.random() < 0.5 else 1.0
    probs = np.asarray(weights) * tilt
    units = [int(u) for u in rng.multinomial(total, probs / probs.sum())]
    observed = np.asarray(units, dtype=float)
    expected = observed.sum() * np.asarray(weights) / sum(weights)
    chi2, p = stats.chisquare(observed, f_exp=expected)
    return {"name": "srm_%03d" % index, "units": units, "weights": weights,
            "expected": {"chi_squared": float(chi2), "p_value": float(p),
                         "dof": k - 1}}


def holm(p):
    m = len(p)
    order = sorted(range(m), key=lambda i: (p[i], i))
    out = [0.0] * m
    for rank, i in enumerate(order):
        out[i] = max(min(1.0, (m - j) * p[order[j]]) for j in range(rank + 1))
    return out


def benjamini_hochberg(p):
    m = len(p)
    order = sorted(range(m), key=lambda i: (p[i], i))
    out = [0.0] * m
    for rank, i in enumerate(order):
        out[i] = min(min(1.0, m * p[order[j]] / (j + 1))
                     for j in range(rank, m))
    return out


def correction_case(rng, index):
    m = int(rng.integers(1, 25))
    p = [float(v) for v in np.where(rng.random(m) < 0.3,
                                    rng.uniform(0, 0.02, m),
                                    rng.uniform(0, 1, m))]
    if m > 2 and rng.random() < 0.3:
        p[1] = p[0]  # a tie
    return {"name": "correction_%03d" % index, "p_values": p,
            "expected": {"holm": holm(p), "bh": benjamini_hochberg(p)}}


def power_case(rng, index):
    mean = float(rng.uniform(0.05, 50))
    va = float(mean * rng.uniform(0.1, 3)) ** 2
    vb = va * float(rng.uniform(0.8, 1.25))
    wa = float(rng.uniform(0.1, 0.6))
    wb = float(rng.uniform(0.1, 1 - wa))
    current = int(rng.integers(100, 100000))
    na = max(2, int(current * wa))
    nb = max(2, int(current * wb))
    alpha = float(rng.choice([0.05, 0.1, 0.01]))
    power = float(rng.choice([0.8, 0.9, 0.5]))
    alternative = str(rng.choice(["two-sided", "two-sided", "greater"]))
    target = float(rng.uniform(0.005, 0.3))
    per_day = float(rng.choice([0.0, rng.uniform(10, 50000)]))
    tail = alpha / 2 if alternative == "two-sided" else alpha
    zsum = stats.norm.isf(tail) + stats.norm.ppf(power)
    mde = zsum * math.sqrt(va / na + vb / nb)
    required = zsum ** 2 * (va / wa + vb / wb) / (target * mean) ** 2
    still = max(0.0, required - current)
    days = None if (still > 0 and per_day == 0) else (
        0.0 if still == 0 else still / per_day)
    return {"name": "power_%03d" % index,
            "control": {"n": na, "mean": mean, "variance": va},
            "treatment": {"n": nb, "mean": mean * 1.01, "variance": vb},
            "control_weight": wa, "treatment_weight": wb,
            "current_units": current, "target_relative_effect": target,
            "units_per_day": per_day, "alpha": alpha, "power": power,
            "alternative": alternative,
            "expected": {"mde_absolute": mde, "mde_relative": mde / mean,
                         "required_units": required,
                         "units_still_needed": still, "days_left": days}}


def generate(seed):
    rng = np.random.default_rng(seed)
    welch = [welch_case(rng, t, i) for t in TYPES
             for i in range(WELCH_CASES_PER_TYPE)]
    return {
        "generator": "tests/stats/gen_fixtures.py",
        "seed": seed,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "welch": welch,
        "srm": [srm_case(rng, i) for i in range(SRM_CASES)],
        "corrections": [correction_case(rng, i)
                        for i in range(CORRECTION_CASES)],
        "power": [power_case(rng, i) for i in range(POWER_CASES)],
    }


def to_plain(value):
    """numpy scalars -> Python numbers, recursively."""
    if isinstance(value, dict):
        return {k: to_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_plain(v) for v in value]
    if isinstance(value, (np.floating,)):
        return float(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.bool_,)):
        return bool(value)
    return value


def dump(doc):
    """One case per line: readable diffs, exact float round trip (repr)."""
    lines = ["{"]
    keys = list(doc)
    for ki, key in enumerate(keys):
        value = doc[key]
        comma = "," if ki + 1 < len(keys) else ""
        if isinstance(value, list):
            lines.append(json.dumps(key) + ": [")
            for i, item in enumerate(value):
                sep = "," if i + 1 < len(value) else ""
                lines.append(json.dumps(item, separators=(",", ":"),
                                        allow_nan=False) + sep)
            lines.append("]" + comma)
        else:
            lines.append(json.dumps(key) + ": " + json.dumps(value) + comma)
    lines.append("}")
    return "\n".join(lines) + "\n"


def close(a, b, path, problems, rel=1e-12):
    if isinstance(a, dict) and isinstance(b, dict):
        if sorted(a) != sorted(b):
            problems.append("%s: keys differ" % path)
            return
        for k in a:
            if k in ("numpy", "scipy"):
                continue
            close(a[k], b[k], "%s.%s" % (path, k), problems, rel)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            problems.append("%s: lengths differ" % path)
            return
        for i, (x, y) in enumerate(zip(a, b)):
            close(x, y, "%s[%d]" % (path, i), problems, rel)
    elif isinstance(a, float) or isinstance(b, float):
        if not (isinstance(a, (int, float)) and isinstance(b, (int, float))):
            problems.append("%s: %r vs %r" % (path, a, b))
        elif abs(a - b) > rel * max(abs(a), abs(b)) + 1e-300:
            problems.append("%s: %r vs %r" % (path, a, b))
    elif a != b:
        problems.append("%s: %r vs %r" % (path, a, b))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--out", default=os.path.join(here,
                                                      "scipy_vectors.json"))
    parser.add_argument("--check", metavar="FILE",
                        help="compare a regeneration with FILE instead")
    args = parser.parse_args()
    text = dump(to_plain(generate(args.seed)))
    if args.check:
        with open(args.check) as f:
            committed_text = f.read()
        if committed_text == text:
            print("%s: reproduced byte for byte" % args.check)
            return 0
        problems = []
        close(json.loads(committed_text), json.loads(text), "$", problems)
        if problems:
            print("%s does not match a regeneration (%d differences):"
                  % (args.check, len(problems)))
            for p in problems[:20]:
                print("  " + p)
            return 1
        print("%s: reproduced to 1e-12 relative (numpy/scipy versions "
              "differ in the last digits)" % args.check)
        return 0
    with open(args.out, "w") as f:
        f.write(text)
    print("wrote %s" % args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
