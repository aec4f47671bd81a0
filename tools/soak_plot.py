#!/usr/bin/env python3
"""Summary and plot of a soak run (tools/soak.sh).

    python3 tools/soak_plot.py OUT_DIR [--warmup 60]

reads OUT_DIR/soak.csv (and params.json) and writes OUT_DIR/summary.txt
and OUT_DIR/soak.svg (RSS, RocksDB memtables and per-stream p99 latency
over time; hand-written SVG, no matplotlib), plus OUT_DIR/soak.png when
rsvg-convert is installed. Run by hand, it keeps the lines soak.sh appended
to summary.txt, so a run can be re-summarized (e.g. --warmup 300).
soak_load.py calls summarize_and_plot() at the end of a run.

Figures (rows after the warm-up, i.e. elapsed_s > warmup):
  RSS growth  = (max RSS after warm-up - first RSS after warm-up) / first;
                target < 10 %. The end-vs-first growth and a least-squares
                slope (MiB/min) are printed too.
  errors      = every request that failed (connection, non-200, a track call
                not accepting all its events); target 0.
  p99 steady  = per stream, the median of the window p99s in the last third
                of the run after warm-up <= 1.5 x that of the first third.
"""

import argparse
import csv
import json
import math
import os
import shutil
import statistics
import subprocess
import sys

STREAMS = ("assign", "track", "report")
COLORS = {"assign": "#1f77b4", "track": "#d62728", "report": "#2ca02c"}


def load_rows(path):
    rows = []
    with open(path) as f:
        for r in csv.DictReader(f):
            row = {}
            for k, v in r.items():
                if v is None or v == "":
                    row[k] = None
                else:
                    try:
                        row[k] = float(v)
                    except ValueError:
                        row[k] = v
            rows.append(row)
    return rows


def mib(kib):
    return kib / 1024.0


def median(values):
    return statistics.median(values) if values else None


def slope_per_min(xs, ys):
    """Least-squares slope of ys over xs (seconds), per minute."""
    if len(xs) < 2:
        return None
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    den = sum((x - mx) ** 2 for x in xs)
    if den == 0:
        return None
    return 60.0 * sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / den


def f(v, digits=2, unit=""):
    if v is None:
        return "-"
    return ("%%.%df%%s" % digits) % (v, unit)


def summarize(rows, warmup, rates, track_batch, interval, p99_steady_ratio,
              rss_growth_max_pct, complete=True, error_counts=None):
    lines = []
    ok = True
    active = [s for s in STREAMS if rates.get(s, 0) > 0 and
              any(r.get(s + "_n") is not None for r in rows)]
    elapsed = rows[-1]["elapsed_s"] if rows else 0
    lines.append("soak: %.1f min (%d rows of %g s), fixed rates: %s" % (
        elapsed / 60.0, len(rows), interval,
        ", ".join("%s %g/s" % (s, rates[s]) +
                  (" x %d events" % track_batch if s == "track" else "")
                  for s in active)))
    if not complete:
        lines.append("run INCOMPLETE (interrupted or cxlabd died)")
        ok = False
    post = [r for r in rows if r["elapsed_s"] > warmup and r["rss_kib"]]
    rss_all = [r for r in rows if r["rss_kib"]]
    verdicts = []

    # RSS
    if rss_all:
        first = rss_all[0]
        lines.append("RSS: start %.1f MiB (%ds), end %.1f MiB (%ds)" % (
            mib(first["rss_kib"]), first["elapsed_s"],
            mib(rss_all[-1]["rss_kib"]), rss_all[-1]["elapsed_s"]))
    if len(post) >= 2:
        base = post[0]["rss_kib"]
        values = [r["rss_kib"] for r in post]
        growth_max = 100.0 * (max(values) - base) / base
        growth_end = 100.0 * (values[-1] - base) / base
        slope = slope_per_min([r["elapsed_s"] for r in post],
                              [mib(v) for v in values])
        lines.append(
            "RSS after warm-up (> %gs): first %.1f MiB (%ds), min %.1f, max "
            "%.1f, end %.1f MiB; growth %+.1f%% (max vs first), %+.1f%% (end "
            "vs first); trend %+.2f MiB/min" % (
                warmup, mib(base), post[0]["elapsed_s"], mib(min(values)),
                mib(max(values)), mib(values[-1]), growth_max, growth_end,
                slope or 0.0))
        mem = [(r["rss_kib"], r["memtable_bytes"] / 1024.0) for r in post
               if r.get("memtable_bytes") is not None]
        if len(mem) >= 2:
            lines.append(
                "RocksDB memtables after warm-up: first %.1f MiB, max %.1f, "
                "end %.1f MiB; RSS minus memtables: first %.1f MiB, end %.1f "
                "MiB (%+.1f%%)" % (
                    mib(mem[0][1]), mib(max(m for _, m in mem)),
                    mib(mem[-1][1]), mib(mem[0][0] - mem[0][1]),
                    mib(mem[-1][0] - mem[-1][1]),
                    100.0 * ((mem[-1][0] - mem[-1][1]) /
                             (mem[0][0] - mem[0][1]) - 1)))
        met = growth_max < rss_growth_max_pct
        verdicts.append(("RSS growth after warm-up < %g%%" % rss_growth_max_pct,
                         met, "%+.1f%%" % growth_max))
    else:
        lines.append("RSS after warm-up: too few rows (run longer than the "
                     "warm-up of %gs)" % warmup)
        verdicts.append(("RSS growth after warm-up < %g%%" % rss_growth_max_pct,
                         False, "no data"))

    # Errors and throughput
    errors = {s: int(sum(r.get(s + "_errors") or 0 for r in rows))
              for s in active}
    total_errors = sum(errors.values())
    dropped = [r["exposures_dropped"] for r in rows
               if r.get("exposures_dropped") is not None]
    lines.append("errors: %d (%s); exposures dropped by the daemon: %s" % (
        total_errors, ", ".join("%s %d" % (s, errors[s]) for s in active),
        int(dropped[-1]) if dropped else "-"))
    if error_counts:
        for (stream, message), n in error_counts.most_common(5):
            lines.append("  %d x %s: %s" % (n, stream, message))
    verdicts.append(("zero errors", total_errors == 0 and
                     (not dropped or dropped[-1] == 0), str(total_errors)))
    span = (rows[-1]["elapsed_s"] if rows else 0) or 1
    achieved = {}
    for s in active:
        n = sum(r.get(s + "_n") or 0 for r in rows)
        achieved[s] = n / span
    lines.append("achieved rates: %s" % ", ".join(
        "%s %.1f/s (target %g)" % (s, achieved[s], rates[s]) for s in active))
    slow = [s for s in active if achieved[s] < 0.97 * rates[s]]
    if slow:
        lines.append("  WARNING: below 97%% of the target rate: %s (the "
                     "generator or the daemon could not keep up)" %
                     ", ".join(slow))
    lags = [r["lag_max_ms"] for r in rows if r.get("lag_max_ms") is not None]
    lag99 = [r["lag_p99_ms"] for r in rows if r.get("lag_p99_ms") is not None]
    if lags:
        lines.append("generator lag behind schedule: window p99 median %.1f "
                     "ms, max %.1f ms" % (median(lag99), max(lags)))
    late = [r["sampler_late_ms"] for r in rows
            if r.get("sampler_late_ms") is not None]
    if late and max(late) > 2000:
        lines.append("  WARNING: the sampler ran up to %.0f s late: the machine "
                     "stalled (see time_utc, loadavg_1m; dmesg for an OOM)" %
                     (max(late) / 1000.0))
    events = [r["events_accepted"] for r in rows
              if r.get("events_accepted") is not None]
    sst = [r["sst_bytes"] for r in rows if r.get("sst_bytes") is not None]
    if events:
        lines.append("daemon: %d events accepted, RocksDB sst %.1f MiB at the "
                     "end" % (events[-1], (sst[-1] if sst else 0) / 2**20))
    cpu = [r["cxlabd_cpu_pct"] for r in rows if r.get("cxlabd_cpu_pct")
           is not None]
    load = [r["loadavg_1m"] for r in rows if r.get("loadavg_1m") is not None]
    if cpu:
        lines.append("cxlabd CPU %.0f%% of one core on average (max %.0f%%); "
                     "machine load average (1 min) %.1f .. %.1f" % (
                         statistics.mean(cpu), max(cpu),
                         min(load) if load else 0, max(load) if load else 0))

    # p99 per stream
    lines.append("p99 per %gs window after warm-up, ms (min / median / max;"
                 " median of first third -> last third):" % interval)
    for s in active:
        series = [r[s + "_p99_ms"] for r in post
                  if r.get(s + "_p99_ms") is not None]
        p50 = [r[s + "_p50_ms"] for r in post
               if r.get(s + "_p50_ms") is not None]
        if len(series) < 3:
            lines.append("  %-6s too few windows" % s)
            verdicts.append(("%s p99 steady" % s, False, "no data"))
            continue
        third = max(1, len(series) // 3)
        head, tail = median(series[:third]), median(series[-third:])
        ratio = tail / head if head else float("inf")
        lines.append("  %-6s %s / %s / %s   %s -> %s (x%.2f); p50 median %s" % (
            s, f(min(series)), f(median(series)), f(max(series)), f(head),
            f(tail), ratio, f(median(p50))))
        verdicts.append(("%s p99 steady (last/first third <= %g)" %
                         (s, p99_steady_ratio), ratio <= p99_steady_ratio,
                         "x%.2f" % ratio))

    lines.append("targets:")
    for name, met, value in verdicts:
        lines.append("  %-45s %-8s %s" % (name, value, "met" if met else
                                         "NOT MET"))
        ok = ok and met
    lines.append("SOAK %s" % ("PASSED" if ok else "FAILED"))
    subtitle = "%s: %s" % ("PASSED" if ok else "FAILED", "; ".join(
        "%s %s" % (name.split(" (")[0], value) for name, _, value in verdicts))
    return lines, ok, subtitle


# --------------------------------------------------------------------------
# SVG


def nice_ticks(lo, hi, count=5):
    if hi <= lo:
        hi = lo + 1
    raw = (hi - lo) / count
    mag = 10 ** math.floor(math.log10(raw))
    step = min((m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw),
               default=10 * mag)
    start = math.floor(lo / step) * step
    ticks = []
    t = start
    while t <= hi + step * 1e-9:
        ticks.append(round(t, 10))
        t += step
    return ticks


def esc(s):
    return (s.replace("&", "&amp;").replace("<", "&lt;")
            .replace(">", "&gt;"))


def svg_plot(rows, warmup, rates, title, path, subtitle=""):
    W, H = 960, 640
    left, right = 80, 150
    panels = [(50, 280), (350, 580)]  # y ranges (top, bottom)
    xs = [r["elapsed_s"] / 60.0 for r in rows]
    xmax = max(xs) if xs else 1
    xticks = nice_ticks(0, xmax, 10)
    xmax = max(xmax, xticks[-1])

    def X(v):
        return left + (W - left - right) * v / xmax

    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
           'viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">' %
           (W, H, W, H),
           '<rect width="100%" height="100%" fill="white"/>',
           '<text x="%d" y="24" font-size="15" font-weight="bold">%s</text>' %
           (left, esc(title)),
           '<text x="%d" y="40" fill="#555">%s</text>' % (left, esc(subtitle))]

    def frame(top, bottom, label, yticks, Y, fmt_tick):
        if warmup > 0:
            out.append('<rect x="%.1f" y="%d" width="%.1f" height="%d" '
                       'fill="#eeeeee"/>' % (X(0), top, X(min(warmup / 60.0,
                                                              xmax)) - X(0),
                                             bottom - top))
            out.append('<text x="%.1f" y="%d" fill="#888">warm-up</text>' %
                       (X(0) + 4, top + 14))
        for t in yticks:
            y = Y(t)
            out.append('<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" '
                       'stroke="#ddd"/>' % (left, W - right, y, y))
            out.append('<text x="%d" y="%.1f" text-anchor="end">%s</text>' %
                       (left - 6, y + 4, fmt_tick(t)))
        for t in xticks:
            x = X(t)
            out.append('<line x1="%.1f" x2="%.1f" y1="%d" y2="%d" '
                       'stroke="#eee"/>' % (x, x, top, bottom))
            out.append('<text x="%.1f" y="%d" text-anchor="middle">%s</text>'
                       % (x, bottom + 16, ("%g" % t)))
        out.append('<rect x="%d" y="%d" width="%d" height="%d" fill="none" '
                   'stroke="#333"/>' % (left, top, W - left - right,
                                        bottom - top))
        out.append('<text x="%d" y="%d" transform="rotate(-90 %d %d)" '
                   'text-anchor="middle">%s</text>' % (
                       20, (top + bottom) // 2, 20, (top + bottom) // 2,
                       esc(label)))
        out.append('<text x="%.1f" y="%d" text-anchor="middle">minutes</text>'
                   % ((left + W - right) / 2, bottom + 32))

    def polyline(points, color, dash=None, width=2):
        if len(points) < 1:
            return
        pts = " ".join("%.1f,%.1f" % p for p in points)
        out.append('<polyline points="%s" fill="none" stroke="%s" '
                   'stroke-width="%g"%s/>' % (
                       pts, color, width,
                       ' stroke-dasharray="%s"' % dash if dash else ""))
        if len(points) == 1:
            out.append('<circle cx="%.1f" cy="%.1f" r="3" fill="%s"/>' %
                       (points[0][0], points[0][1], color))

    # Panel 1: RSS
    top, bottom = panels[0]
    rss = [(r["elapsed_s"] / 60.0, mib(r["rss_kib"])) for r in rows
           if r.get("rss_kib")]
    post = [v for t, v in rss if t * 60.0 > warmup]
    base = post[0] if post else None
    hi = max([v for _, v in rss] + ([base * 1.1] if base else [1]) +
             [r["memtable_bytes"] / 2.0**20 for r in rows
              if r.get("memtable_bytes") is not None])
    yticks = nice_ticks(0, hi * 1.05, 6)
    ymax = yticks[-1]

    def Y1(v):
        return bottom - (bottom - top) * v / ymax

    frame(top, bottom, "cxlabd RSS (MiB)", yticks, Y1, lambda t: "%g" % t)
    if base:
        polyline([(X(warmup / 60.0), Y1(base * 1.1)), (X(xmax), Y1(base * 1.1))],
                 "#999", dash="6,4", width=1)
        out.append('<text x="%d" y="%.1f" fill="#666">+10%% of the first'
                   '</text><text x="%d" y="%.1f" fill="#666">after warm-up'
                   '</text>' % (W - right + 6, Y1(base * 1.1) - 2,
                                W - right + 6, Y1(base * 1.1) + 12))
    polyline([(X(t), Y1(v)) for t, v in rss], "#6a3d9a")
    out.append('<text x="%d" y="%d" fill="#6a3d9a">cxlabd RSS</text>' %
               (W - right + 6, top + 14))
    memtable = [(r["elapsed_s"] / 60.0, r["memtable_bytes"] / 2.0**20)
                for r in rows if r.get("memtable_bytes") is not None]
    if memtable:
        polyline([(X(t), Y1(v)) for t, v in memtable], "#ff7f0e", dash="4,3",
                 width=1.5)
        out.append('<text x="%d" y="%d" fill="#ff7f0e">RocksDB memtables'
                   '</text>' % (W - right + 6, top + 30))

    # Panel 2: p99 latency, log scale
    top, bottom = panels[1]
    values = [r[s + "_p99_ms"] for r in rows for s in STREAMS
              if r.get(s + "_p99_ms")]
    lo = min(values) if values else 0.1
    hi = max(values) if values else 1
    lo_exp = math.floor(math.log10(max(lo, 1e-3)))
    hi_exp = math.ceil(math.log10(max(hi, 1e-3)))
    if hi_exp <= lo_exp:
        hi_exp = lo_exp + 1

    def Y2(v):
        v = max(v, 10 ** lo_exp)
        return bottom - (bottom - top) * (math.log10(v) - lo_exp) / (
            hi_exp - lo_exp)

    yt = [10 ** e for e in range(lo_exp, hi_exp + 1)]
    frame(top, bottom, "p99 latency per window (ms, log)", yt, Y2,
          lambda t: ("%g" % t))
    ly = top + 14
    for s in STREAMS:
        pts = [(X(r["elapsed_s"] / 60.0), Y2(r[s + "_p99_ms"])) for r in rows
               if r.get(s + "_p99_ms")]
        if not pts:
            continue
        # A window without answers (a stalled daemon or machine) breaks the
        # line rather than bridging the gap.
        segment = []
        for r in rows[1:]:
            if r.get(s + "_p99_ms"):
                segment.append((X(r["elapsed_s"] / 60.0),
                                Y2(r[s + "_p99_ms"])))
            elif segment:
                polyline(segment, COLORS[s])
                segment = []
        if segment:
            polyline(segment, COLORS[s])
        out.append('<text x="%d" y="%d" fill="%s">%s p99 (%g/s)</text>' %
                   (W - right + 6, ly, COLORS[s], s, rates.get(s, 0)))
        out.append('<circle cx="%.1f" cy="%.1f" r="2" fill="%s"/>' %
                   (pts[-1][0], pts[-1][1], COLORS[s]))
        ly += 16
        for r in rows:
            if r.get(s + "_errors"):
                x = X(r["elapsed_s"] / 60.0)
                out.append('<line x1="%.1f" x2="%.1f" y1="%d" y2="%d" '
                           'stroke="red" stroke-width="3"/>' %
                           (x, x, top, top + 10))
    if any(r.get(s + "_errors") for r in rows for s in STREAMS):
        out.append('<text x="%d" y="%d" fill="red">| window with errors</text>'
                   % (W - right + 6, ly))
    out.append("</svg>")
    with open(path, "w") as fh:
        fh.write("\n".join(out) + "\n")


def summarize_and_plot(out_dir, warmup, rates, track_batch, interval,
                       p99_steady_ratio=1.5, rss_growth_max_pct=10.0,
                       complete=True, error_counts=None,
                       keep_trailer=False):
    rows = load_rows(os.path.join(out_dir, "soak.csv"))
    lines, ok, subtitle = summarize(rows, warmup, rates, track_batch, interval,
                          p99_steady_ratio, rss_growth_max_pct, complete,
                          error_counts)
    path = os.path.join(out_dir, "summary.txt")
    if keep_trailer and os.path.exists(path):
        # Lines soak.sh appended after the verdict (machine load, data dir).
        with open(path) as fh:
            old = fh.read().splitlines()
        verdict = [i for i, l in enumerate(old) if l.startswith("SOAK ")]
        if verdict:
            lines = lines + old[verdict[0] + 1:]
    with open(path, "w") as fh:
        fh.write("\n".join(lines) + "\n")
    print("\n".join(lines), flush=True)
    if rows:
        title = "cxlabd soak: %s" % ", ".join(
            "%s %g/s" % (s, rates[s]) +
            (" x %d events" % track_batch if s == "track" else "")
            for s in STREAMS if rates.get(s))
        svg = os.path.join(out_dir, "soak.svg")
        svg_plot(rows, warmup, rates, title, svg, subtitle=subtitle)
        if shutil.which("rsvg-convert"):
            subprocess.run(["rsvg-convert", "-o",
                            os.path.join(out_dir, "soak.png"), svg],
                           check=False)
    return ok


def main():
    p = argparse.ArgumentParser(
        description="Summary and plot of a soak run (the run's parameters "
        "come from OUT_DIR/params.json; flags override them).")
    p.add_argument("out_dir")
    p.add_argument("--warmup", type=float)
    p.add_argument("--p99-steady-ratio", type=float)
    p.add_argument("--rss-growth-max-pct", type=float)
    a = p.parse_args()
    params = {"interval": 10.0, "warmup": 60.0, "track_batch": 10,
              "rates": {"assign": 500.0, "track": 100.0, "report": 1.0},
              "p99_steady_ratio": 1.5, "rss_growth_max_pct": 10.0}
    path = os.path.join(a.out_dir, "params.json")
    if os.path.exists(path):
        with open(path) as fh:
            params.update(json.load(fh))
    for name in ("warmup", "p99_steady_ratio", "rss_growth_max_pct"):
        if getattr(a, name) is not None:
            params[name] = getattr(a, name)
    ok = summarize_and_plot(a.out_dir, params["warmup"], params["rates"],
                            params["track_batch"], params["interval"],
                            params["p99_steady_ratio"],
                            params["rss_growth_max_pct"],
                            keep_trailer=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
