#!/usr/bin/env python3
"""Fixed-rate load generator and sampler for tools/soak.sh.

Drives three request streams against cxlabd's HTTP/JSON gateway at fixed
rates (not at maximum throughput) for a given time, and every --interval
seconds appends one row to soak.csv: the daemon's RSS and CPU, the load
average and how late the sample was taken (a machine that stalls, e.g.
under memory pressure, shows up there), per stream the
requests completed, errors and p50/p99 latency in that window, and a few
/metrics values. At the end it writes summary.txt and soak.svg (plus
soak.png when rsvg-convert is installed) via soak_plot.py.

Streams (each in its own process, so the streams do not share a GIL):

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

Standard library only: the sampler starts one worker process per stream
(this script with --worker STREAM), which hands its results in as JSON lines
on its stdout.
"""

import argparse
import collections
import http.client
import json
import os
import random
import re
import signal
import subprocess
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


def stream_thread(stream, index, args, t0, t_end, stop, out, lock):
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
        seq = index + k * nthreads
        due = t0 + seq / rate
        if due >= t_end:
            break
        now = time.monotonic()
        if due > now and stop.wait(due - now):
            break
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
            out.append((round(done, 6), round(done - start, 6),
                        round(lag, 6), error))
    conn.close()


def worker_main(args):
    """One stream (--worker STREAM): --threads threads on the schedule from
    --t0 (time.monotonic(), which is system-wide) to --t-end; every 0.5 s one
    JSON line on stdout: [[done, latency_s, lag_s, error or null], ...]."""
    stream = args.worker
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides
    lock = threading.Lock()
    out = []
    threads = [threading.Thread(target=stream_thread, daemon=True,
                                args=(stream, i, args, args.t0, args.t_end,
                                      stop, out, lock))
               for i in range(args.threads)]
    for t in threads:
        t.start()

    def flush():
        with lock:
            batch, out[:] = list(out), []
        if batch:
            sys.stdout.write(json.dumps(batch, separators=(",", ":")) + "\n")
            sys.stdout.flush()

    try:
        while any(t.is_alive() for t in threads):
            stop.wait(0.5)
            flush()
            if stop.is_set():
                for t in threads:
                    t.join(args.timeout + 1)
                break
        flush()
    except BrokenPipeError:
        pass
    return 0


class Worker:
    """A worker process and the thread that reads its results."""

    def __init__(self, stream, argv, pending, lock):
        self.stream = stream
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE,
                                     stdin=subprocess.DEVNULL, text=True,
                                     start_new_session=True)
        self.reader = threading.Thread(target=self._read, daemon=True,
                                       args=(pending, lock))
        self.reader.start()

    def _read(self, pending, lock):
        for line in self.proc.stdout:
            try:
                batch = json.loads(line)
            except ValueError:
                continue
            with lock:
                pending.extend((self.stream, d, l, g, e) for d, l, g, e in batch)

    def stop(self, timeout):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.reader.join(2)


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


def scrape_metrics(address, timeout, save_to=None):
    """Returns {name: value} of the few /metrics values the CSV keeps; with
    save_to, also writes the whole scrape there."""
    host, port = address.rsplit(":", 1)
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
    if save_to:
        with open(save_to + ".tmp", "w") as f:
            f.write(text)
        os.replace(save_to + ".tmp", save_to)
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
    ["elapsed_s", "time_utc", "rss_kib", "cxlabd_cpu_pct", "cxlabd_threads",
     "loadavg_1m", "sampler_late_ms"]
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
    p.add_argument("--pid", type=int, help="cxlabd's pid (RSS)")
    p.add_argument("--minutes", type=float)
    p.add_argument("--out", help="output directory")
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
    # Internal: run one stream (started by the sampler).
    p.add_argument("--worker", choices=STREAMS, help=argparse.SUPPRESS)
    p.add_argument("--t0", type=float, help=argparse.SUPPRESS)
    p.add_argument("--t-end", type=float, help=argparse.SUPPRESS)
    args = p.parse_args()
    args.rates = {"assign": args.assign_rate, "track": args.track_rate,
                  "report": args.report_rate}
    args.report_keys = [k for k in args.report_keys.split(",") if k]
    if args.worker:
        return worker_main(args)
    if args.pid is None or args.minutes is None or args.out is None:
        p.error("--pid, --minutes and --out are required")

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

    interrupted = []

    def on_signal(signum, _frame):
        interrupted.append(signum)

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    t0 = time.monotonic() + 1.0  # time for the workers to start
    t_end = t0 + windows * args.interval
    pending = []  # (stream, done, latency, lag, error)
    lock = threading.Lock()
    common = ["--http", args.http, "--key", args.key,
              "--threads", str(args.threads), "--units", str(args.units),
              "--timeout", str(args.timeout),
              "--assign-rate", str(args.assign_rate),
              "--track-rate", str(args.track_rate),
              "--track-batch", str(args.track_batch),
              "--report-rate", str(args.report_rate),
              "--report-keys", ",".join(args.report_keys),
              "--t0", repr(t0), "--t-end", repr(t_end)]
    me = os.path.abspath(__file__)
    workers = []
    try:
        for s in active:
            workers.append(Worker(s, [sys.executable, me, "--worker", s] +
                                  common, pending, lock))
        return sample(args, active, windows, t0, pending, lock, workers,
                      interrupted, csv_path, errors_path)
    finally:
        for worker in workers:
            worker.stop(args.timeout + 3)


def sample(args, active, windows, t0, pending, lock, workers, interrupted,
           csv_path, errors_path):
    """The sampling loop, then the summary; returns the exit status."""
    me = os.path.abspath(__file__)
    print("soak: %s for %g min, a row every %g s -> %s" % (
        ", ".join("%s %g/s" % (s, args.rates[s]) +
                  (" x %d events" % args.track_batch if s == "track" else "")
                  for s in active),
        args.minutes, args.interval, csv_path), flush=True)

    error_counts = collections.Counter()
    errors_logged = 0
    total_errors = {s: 0 for s in STREAMS}
    cpu_prev = read_cpu_seconds(args.pid)
    cpu_prev_t = time.monotonic()
    daemon_gone = False

    def sleep_until(t):
        while not interrupted:
            left = t - time.monotonic()
            if left <= 0:
                return
            time.sleep(min(left, 0.2))

    with open(csv_path, "w") as csv:
        csv.write(",".join(CSV_COLUMNS) + "\n")
        # Row 0: the daemon idle, after the apply, before any load.
        row = {c: None for c in CSV_COLUMNS}
        row.update(elapsed_s=0, rss_kib=read_rss_kib(args.pid),
                   time_utc=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                   cxlabd_threads=read_threads(args.pid), loadavg_1m=loadavg())
        for key, v in scrape_metrics(args.http, args.timeout).items():
            row[key] = int(v)
        csv.write(",".join(fmt(row[c]) for c in CSV_COLUMNS) + "\n")
        csv.flush()
        for w in range(1, windows + 1):
            tick = t0 + w * args.interval
            # Sample the daemon at the tick, then give the workers a second
            # to hand in the requests that finished before it.
            sleep_until(tick)
            if interrupted:
                break
            late_ms = 1000.0 * (time.monotonic() - tick)
            utc = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            rss = read_rss_kib(args.pid)
            threads = read_threads(args.pid)
            cpu = read_cpu_seconds(args.pid)
            now = time.monotonic()
            cpu_pct = None
            if cpu is not None and cpu_prev is not None:
                cpu_pct = 100.0 * (cpu - cpu_prev) / max(1e-6, now - cpu_prev_t)
            cpu_prev, cpu_prev_t = cpu, now
            metrics = scrape_metrics(args.http, args.timeout, os.path.join(
                args.out, "metrics.txt"))
            load1 = loadavg()
            sleep_until(tick + 1.0)
            with lock:
                window = [x for x in pending if x[1] < tick]
                pending[:] = [x for x in pending if x[1] >= tick]
            for stream, done, _, _, error in window:
                if error is None:
                    continue
                error_counts[(stream, error[:60])] += 1
                if errors_logged < 200:
                    errors_logged += 1
                    with open(errors_path, "a") as f:
                        f.write("%.3f %s %s\n" % (done - t0, stream, error))
            elapsed = w * args.interval
            row = {"elapsed_s": int(elapsed) if float(elapsed).is_integer()
                   else elapsed,
                   "time_utc": utc, "rss_kib": rss, "cxlabd_cpu_pct": cpu_pct,
                   "cxlabd_threads": threads, "loadavg_1m": load1,
                   "sampler_late_ms": late_ms}
            lags = sorted(x[3] for x in window)
            for s in STREAMS:
                mine = [x for x in window if x[0] == s]
                lat = sorted(x[2] * 1000.0 for x in mine if x[4] is None)
                errs = sum(1 for x in mine if x[4] is not None)
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
            print("soak: %5ss rss %s MiB cpu %s%% load %s | %s | lag max %s ms"
                  " | errors %d" % (
                      row["elapsed_s"],
                      fmt(rss / 1024.0, 1) if rss else "?", fmt(cpu_pct, 0),
                      fmt(load1, 1),
                      " | ".join("%s %.0f/s p99 %s ms" % (
                          s, row[s + "_n"] / args.interval,
                          fmt(row[s + "_p99_ms"], 1)) for s in active),
                      fmt(row["lag_max_ms"], 0),
                      sum(total_errors.values())), flush=True)
            if rss is None:
                daemon_gone = True
                print("soak: cxlabd (pid %d) is gone" % args.pid, flush=True)
                break

    for worker in workers:
        worker.stop(args.timeout + 3)
    with open(os.path.join(args.out, "error_counts.txt"), "w") as f:
        for (stream, message), n in error_counts.most_common():
            f.write("%8d %s %s\n" % (n, stream, message))

    # Summary and plot.
    sys.path.insert(0, os.path.dirname(me))
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
