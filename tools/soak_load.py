#!/usr/bin/env python3
"""Fixed-rate load generator and sampler for tools/soak.sh.

Drives three request streams against cxlabd's HTTP/JSON gateway at fixed
rates (not at maximum throughput) for a given time, and every --interval
seconds appends one row to soak.csv: the daemon's RSS and CPU, per stream the
requests completed, errors and p50/p99 latency in that window, and a few
/metrics values. At the end it writes summary.txt and soak.svg (plus
soak.png when rsvg-convert is installed) via soak_plot.py.

Streams (each in its own process, so the streams do not share one GIL):

  assign  POST /v1/assign for units soak-0 .. soak-<units-1> in turn, with
          the attributes the demo's targeting reads (exposures are logged);
  track   POST /v1/events, --track-batch events per call, unique event ids,
          purchase (amount) / add_to_cart / page_view / order_placed for
          random units of the same population;
  report  GET /v1/reports/{key} over the running experiments in turn.

Each stream runs --threads threads with one keep-alive connection each.
Thread i of n sends its requests at t0 + (i + k n) / rate (k = 0, 1, ...):
the schedule is fixed, so a slow answer delays the next request of that
thread only, and a thread that falls behind catches up without sleeping.
The latency recorded is the service time of a request (send to the last byte
of the answer); how late requests left against their schedule is recorded
separately (lag), so a generator starved of CPU shows up as lag rather than
as server latency.

An error is: a connection/timeout error, an HTTP status other than 200, or
(track) an answer that did not accept every event of the call.

Standard library only (http.client, multiprocessing).
"""

import argparse
import collections
import http.client
import json
import multiprocessing as mp
import os
import queue
import random
import re
import signal
import sys
import threading
import time

STREAMS = ("assign", "track", "report")
DEVICES = ("mobile", "desktop", "tablet")
COUNTRIES = ("US", "DE", "FR", "GB", "NL", "ES", "IT")


def percentile(sorted_values, p):
    """Nearest-rank percentile of an already sorted list (None when empty)."""
    if not sorted_values:
        return None
    rank = max(1, int(-(-p * len(sorted_values) // 100)))  # ceil(p n / 100)
    return sorted_values[min(rank, len(sorted_values)) - 1]


# --------------------------------------------------------------------------
# Request bodies


def assign_body(k):
    body = {
        "unit": {
            "unitId": "soak-%d" % k,
            "attributes": {
                "device": {"type": DEVICES[k % 3]},
                "visits": k % 13,
                "last_visit_days": k % 120,
                "cart": {"items": k % 4},
                "country": COUNTRIES[k % len(COUNTRIES)],
                "customer_id": "c-%d" % k,
            },
        }
    }
    return json.dumps(body, separators=(",", ":")).encode()


def track_body(prefix, counter, batch, units, rng):
    events = []
    for j in range(batch):
        unit = "soak-%d" % rng.randrange(units)
        event_id = "%s-%d-%d" % (prefix, counter, j)
        kind = j % 4
        if kind == 0:
            event = {"eventId": event_id, "unitId": unit, "name": "purchase",
                     "properties": {"amount": round(rng.uniform(5, 200), 2)}}
        elif kind == 1:
            event = {"eventId": event_id, "unitId": unit, "name": "add_to_cart"}
        elif kind == 2:
            event = {"eventId": event_id, "unitId": unit, "name": "page_view",
                     "properties": {"path": "/p/%d" % rng.randrange(1000)}}
        else:
            event = {"eventId": event_id, "unitId": unit,
                     "name": "order_placed", "value": 1}
        events.append(event)
    return json.dumps({"events": events}, separators=(",", ":")).encode()


# --------------------------------------------------------------------------
# Load workers (one process per stream, --threads threads each)


class Connection:
    def __init__(self, host, port, timeout):
        self.host, self.port, self.timeout = host, port, timeout
        self.conn = None

    def request(self, method, path, body, headers):
        """Returns (status, body); reconnects once on a stale keep-alive."""
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port,
                                                       timeout=self.timeout)
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                if response.getheader("Connection", "").lower() == "close":
                    self.close()
                return response.status, data
            except (http.client.RemoteDisconnected, BrokenPipeError,
                    ConnectionResetError) as e:
                self.close()
                # A keep-alive connection the server closed while idle: one
                # retry on a new connection (nothing was processed).
                if attempt == 1 or isinstance(e, ConnectionResetError):
                    raise
            except Exception:
                self.close()
                raise
        raise RuntimeError("unreachable")

    def close(self):
        if self.conn is not None:
            try:
                self.conn.close()
            except Exception:
                pass
            self.conn = None


def stream_thread(stream, index, args, t0, stop, out, lock):
    rate = args.rates[stream]
    nthreads = args.threads
    host, port = args.http.rsplit(":", 1)
    conn = Connection(host, int(port), args.timeout)
    headers = {"Authorization": "Bearer " + args.key,
               "Content-Type": "application/json"}
    rng = random.Random(1000 * STREAMS.index(stream) + index)
    prefix = "soak-%d-%d" % (os.getpid(), index)
    reports = args.report_keys
    k = 0
    while not stop.is_set():
        due = t0 + (index + k * nthreads) / rate
        now = time.monotonic()
        if due > now:
            if stop.wait(due - now):
                break
        seq = index + k * nthreads
        k += 1
        if stream == "assign":
            method, path = "POST", "/v1/assign"
            body = assign_body(seq % args.units)
        elif stream == "track":
            method, path = "POST", "/v1/events"
            body = track_body(prefix, seq, args.track_batch, args.units, rng)
        else:
            method, path = "GET", "/v1/reports/" + reports[seq % len(reports)]
            body = None
        start = time.monotonic()
        lag = start - due
        error = None
        try:
            status, data = conn.request(method, path, body, headers)
            if status != 200:
                error = "HTTP %d %s" % (status, data[:200].decode("utf-8", "replace"))
            elif stream == "track":
                answer = json.loads(data)
                accepted = int(answer.get("accepted", 0))
                if accepted != args.track_batch:
                    error = "track accepted %d of %d: %s" % (
                        accepted, args.track_batch, data[:200].decode())
        except Exception as e:  # connection refused, timeout, bad JSON ...
            error = "%s: %s" % (type(e).__name__, e)
        done = time.monotonic()
        with lock:
            out.append((done, done - start, lag, error))
    conn.close()


def stream_process(stream, args, t0, stop, results):
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides
    lock = threading.Lock()
    out = []
    threads = [threading.Thread(target=stream_thread,
                                args=(stream, i, args, t0, stop, out, lock),
                                daemon=True)
               for i in range(args.threads)]
    for t in threads:
        t.start()
    while True:
        stopped = stop.wait(0.5)
        with lock:
            batch, out[:] = list(out), []
        if batch:
            results.put((stream, batch))
        if stopped:
            break
    for t in threads:
        t.join(args.timeout + 1)
    with lock:
        batch = list(out)
    if batch:
        results.put((stream, batch))
    results.put((stream, None))  # done


# --------------------------------------------------------------------------
# Sampling


def read_rss_kib(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def read_cpu_seconds(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        # fields[0] is state (field 3); utime, stime are fields 14, 15.
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def read_threads(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("Threads:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


METRIC_LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)')


def scrape_metrics(http, timeout):
    """Returns {name: value} of the few /metrics values the CSV keeps."""
    host, port = http.rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        conn.request("GET", "/metrics")
        response = conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        if response.status != 200:
            return {}
    except Exception:
        return {}
    finally:
        conn.close()
    values = collections.defaultdict(float)
    seen = set()
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = METRIC_LINE.match(line)
        if not m:
            continue
        name, labels, value = m.group(1), m.group(2) or "", m.group(3)
        try:
            v = float(value)
        except ValueError:
            continue
        if name == "cxlab_events_total" and 'result="accepted"' in labels:
            key = "events_accepted"
        elif name == "cxlab_exposures_total" and 'result="new"' in labels:
            key = "exposures_new"
        elif name == "cxlab_exposure_queue_length":
            key = "exposure_queue"
        elif name == "cxlab_exposures_dropped_total":
            key = "exposures_dropped"
        elif name == "cxlab_rocksdb_sst_bytes":
            key = "sst_bytes"
        elif name == "cxlab_rocksdb_memtable_bytes":
            key = "memtable_bytes"
        else:
            continue
        values[key] += v
        seen.add(key)
    return {k: values[k] for k in seen}


CSV_COLUMNS = (
    ["elapsed_s", "rss_kib", "cxlabd_cpu_pct", "cxlabd_threads", "loadavg_1m"]
    + ["%s_%s" % (s, c) for s in STREAMS
       for c in ("n", "errors", "p50_ms", "p99_ms", "max_ms")]
    + ["lag_p99_ms", "lag_max_ms",
       "events_accepted", "exposures_new", "exposure_queue",
       "exposures_dropped", "sst_bytes", "memtable_bytes"]
)


def fmt(v, digits=3):
    if v is None:
        return ""
    if isinstance(v, float):
        return ("%%.%df" % digits) % v
    return str(v)


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return float(f.read().split()[0])
    except (OSError, ValueError):
        return None


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--http", required=True, help="HOST:PORT of cxlabd's HTTP port")
    p.add_argument("--key", default=os.environ.get("CXLAB_KEY", ""))
    p.add_argument("--pid", type=int, required=True, help="cxlabd's pid (RSS)")
    p.add_argument("--minutes", type=float, required=True)
    p.add_argument("--out", required=True, help="output directory")
    p.add_argument("--interval", type=float, default=10.0)
    p.add_argument("--warmup", type=float, default=60.0)
    p.add_argument("--assign-rate", type=float, default=500.0)
    p.add_argument("--track-rate", type=float, default=100.0)
    p.add_argument("--track-batch", type=int, default=10)
    p.add_argument("--report-rate", type=float, default=1.0)
    p.add_argument("--threads", type=int, default=4)
    p.add_argument("--units", type=int, default=20000)
    p.add_argument("--timeout", type=float, default=10.0)
    p.add_argument("--report-keys", default="checkout_redesign,"
                   "free_shipping_threshold,bundle_discount,"
                   "homepage_hero_banner,aa_randomization_check")
    p.add_argument("--p99-steady-ratio", type=float, default=1.5)
    p.add_argument("--rss-growth-max-pct", type=float, default=10.0)
    args = p.parse_args()
    args.rates = {"assign": args.assign_rate, "track": args.track_rate,
                  "report": args.report_rate}
    args.report_keys = [k for k in args.report_keys.split(",") if k]
    active = [s for s in STREAMS if args.rates[s] > 0]
    duration = args.minutes * 60.0
    windows = max(1, int(round(duration / args.interval)))

    os.makedirs(args.out, exist_ok=True)
    csv_path = os.path.join(args.out, "soak.csv")
    errors_path = os.path.join(args.out, "errors.log")

    with open(os.path.join(args.out, "params.json"), "w") as f:
        json.dump({"minutes": args.minutes, "interval": args.interval,
                   "warmup": args.warmup, "rates": args.rates,
                   "track_batch": args.track_batch, "threads": args.threads,
                   "units": args.units, "report_keys": args.report_keys,
                   "p99_steady_ratio": args.p99_steady_ratio,
                   "rss_growth_max_pct": args.rss_growth_max_pct}, f, indent=1)

    stop = mp.Event()
    results = mp.Queue()
    t0 = time.monotonic() + 0.5
    procs = [mp.Process(target=stream_process, name="soak-" + s,
                        args=(s, args, t0, stop, results), daemon=True)
             for s in active]

    interrupted = []

    def on_signal(signum, _frame):
        interrupted.append(signum)
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    for proc in procs:
        proc.start()
    print("soak: %s for %.1f min, a row every %g s -> %s" % (
        ", ".join("%s %g/s" % (s, args.rates[s]) +
                  (" x %d events" % args.track_batch if s == "track" else "")
                  for s in active),
        args.minutes, args.interval, csv_path), flush=True)

    pending = []  # (stream, done, latency, lag, error)
    finished = set()
    error_counts = collections.Counter()
    errors_logged = 0
    totals = {s: 0 for s in STREAMS}
    total_errors = {s: 0 for s in STREAMS}
    cpu_prev = read_cpu_seconds(args.pid)
    cpu_prev_t = time.monotonic()
    daemon_gone = False

    def drain(block_until):
        nonlocal errors_logged
        while True:
            timeout = block_until - time.monotonic()
            try:
                item = results.get(timeout=max(0.0, timeout)) if timeout > 0 \
                    else results.get_nowait()
            except queue.Empty:
                return
            stream, batch = item
            if batch is None:
                finished.add(stream)
                continue
            for done, latency, lag, error in batch:
                pending.append((stream, done, latency, lag, error))
                if error is not None:
                    error_counts[(stream, error[:60])] += 1
                    if errors_logged < 200:
                        errors_logged += 1
                        with open(errors_path, "a") as f:
                            f.write("%.3f %s %s\n" % (done - t0, stream, error))

    with open(csv_path, "w") as csv:
        csv.write(",".join(CSV_COLUMNS) + "\n")
        csv.flush()
        for w in range(1, windows + 1):
            tick = t0 + w * args.interval
            # Sleep to the tick (collecting results meanwhile), sample the
            # daemon at the tick, then give the workers a second to hand in
            # what finished before it.
            drain(tick)
            if interrupted:
                break
            rss = read_rss_kib(args.pid)
            threads = read_threads(args.pid)
            cpu = read_cpu_seconds(args.pid)
            now = time.monotonic()
            cpu_pct = None
            if cpu is not None and cpu_prev is not None:
                cpu_pct = 100.0 * (cpu - cpu_prev) / max(1e-6, now - cpu_prev_t)
            cpu_prev, cpu_prev_t = cpu, now
            metrics = scrape_metrics(args.http, args.timeout)
            load1 = loadavg()
            drain(tick + 1.0)
            window = [x for x in pending if x[1] < tick]
            pending[:] = [x for x in pending if x[1] >= tick]
            row = {"elapsed_s": int(round(w * args.interval)) if
                   float(args.interval).is_integer() else w * args.interval,
                   "rss_kib": rss, "cxlabd_cpu_pct": cpu_pct,
                   "cxlabd_threads": threads, "loadavg_1m": load1}
            lags = sorted(x[3] for x in window)
            for s in STREAMS:
                mine = [x for x in window if x[0] == s]
                lat = sorted(x[2] * 1000.0 for x in mine if x[4] is None)
                errs = sum(1 for x in mine if x[4] is not None)
                totals[s] += len(mine)
                total_errors[s] += errs
                row[s + "_n"] = len(mine) if s in active else None
                row[s + "_errors"] = errs if s in active else None
                row[s + "_p50_ms"] = percentile(lat, 50)
                row[s + "_p99_ms"] = percentile(lat, 99)
                row[s + "_max_ms"] = lat[-1] if lat else None
            row["lag_p99_ms"] = (percentile(lags, 99) * 1000.0) if lags else None
            row["lag_max_ms"] = (lags[-1] * 1000.0) if lags else None
            for key in ("events_accepted", "exposures_new", "exposure_queue",
                        "exposures_dropped", "sst_bytes", "memtable_bytes"):
                v = metrics.get(key)
                row[key] = int(v) if v is not None else None
            csv.write(",".join(fmt(row[c]) for c in CSV_COLUMNS) + "\n")
            csv.flush()
            print("soak: %4ss rss %s MiB cpu %s%% | %s | lag max %s ms | err %d" % (
                row["elapsed_s"],
                fmt(rss / 1024.0, 1) if rss else "?",
                fmt(cpu_pct, 0),
                " | ".join("%s %d/s p99 %s ms" % (
                    s, row[s + "_n"] / args.interval, fmt(row[s + "_p99_ms"], 2))
                    for s in active),
                fmt(row["lag_max_ms"], 0),
                sum(total_errors.values())), flush=True)
            if rss is None:
                daemon_gone = True
                print("soak: cxlabd (pid %d) is gone" % args.pid, flush=True)
                break

    stop.set()
    deadline = time.monotonic() + args.timeout + 3
    while len(finished) < len(procs) and time.monotonic() < deadline:
        drain(min(deadline, time.monotonic() + 0.5))
    for proc in procs:
        proc.join(1)
        if proc.is_alive():
            proc.terminate()

    with open(os.path.join(args.out, "error_counts.txt"), "w") as f:
        for (stream, message), n in error_counts.most_common():
            f.write("%8d %s %s\n" % (n, stream, message))

    # Summary and plot.
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, here)
    import soak_plot  # noqa: E402 (next to this file)
    ok = soak_plot.summarize_and_plot(
        args.out, warmup=args.warmup, rates=args.rates,
        track_batch=args.track_batch, interval=args.interval,
        p99_steady_ratio=args.p99_steady_ratio,
        rss_growth_max_pct=args.rss_growth_max_pct,
        complete=not interrupted and not daemon_gone,
        error_counts=error_counts)
    if interrupted:
        return 130
    return 0 if ok and not daemon_gone else 1


if __name__ == "__main__":
    sys.exit(main())
