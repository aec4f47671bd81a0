// Copyright 2026 The cxlab Authors.
//
// ReportService benchmarks against DESIGN §8's budget (2-core machine):
//   GetReport <= 5 ms for 3 variants x 10 metrics, flat in the number of
//   events.
// Each benchmark does in process what the gRPC handler does
// (api/server/report_service.cc) minus authentication and transport: take
// the config snapshot, validate the request into ReportOptions, read the
// experiment's cells (Tracker::Cells) and build the report
// (BuildReport / BuildTimeSeries).
//
// Setup, outside the timed loops: a temporary RocksDB data dir (removed at
// exit), 10 metrics of every type, 6 persona segments and one running
// experiment with 3 variants; 100,000 units exposed over 14 days with 0-2
// personas each; then events ingested through Tracker::Track in batches of
// 10,000. The benchmark argument is the total number of events ingested so
// far: the sizes run in increasing order and each continues from the data of
// the one before, so only the event count grows: 10^4, 10^5, 10^6 and 10^7
// (the last takes minutes of ingest); REPORT_BENCH_EVENTS overrides the
// largest, e.g.
//   REPORT_BENCH_EVENTS=1000000 build/tests/bench/report_benchmark
// Run with `make bench`.

#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "api/server/report_builder.h"
#include "cxlab/v1/reports.pb.h"
#include "engine/definitions.h"
#include "engine/json.h"
#include "engine/snapshot.h"
#include "engine/value.h"
#include "storage/config_manager.h"
#include "storage/database.h"
#include "storage/event_pipeline.h"
#include "storage/exposure_store.h"
#include "storage/tracker.h"

namespace cxlab {
namespace {

constexpr char kExperiment[] = "checkout_flow";
constexpr int kVariants = 3;
constexpr const char* kVariantKeys[kVariants] = {"control", "one_page",
                                                 "one_page_chat"};
constexpr int kUnits = 100000;
constexpr int kExposureDays = 14;
constexpr int64_t kBatch = 10000;
constexpr int64_t kSmallEvents = 10000;
constexpr int64_t kDefaultLargeEvents = 10000000;

// Set by SIGINT/SIGTERM; the ingest loop stops at the next batch.
volatile std::sig_atomic_t g_interrupted = 0;

void OnSignal(int) { g_interrupted = 1; }

// The temporary data dir, removed by Die() and at exit.
std::string g_data_dir;

void RemoveDataDir() {
  if (g_data_dir.empty()) return;
  std::error_code error;
  std::filesystem::remove_all(g_data_dir, error);
  if (error) {
    std::fprintf(stderr, "report_benchmark: cannot remove %s: %s\n",
                 g_data_dir.c_str(), error.message().c_str());
  }
  g_data_dir.clear();
}

// Removes the data dir and exits at once (the tracker and RocksDB threads
// may still run: no destructors).
[[noreturn]] void Die(const std::string& what) {
  std::fflush(stdout);
  std::fprintf(stderr, "report_benchmark: %s\n", what.c_str());
  RemoveDataDir();
  std::_Exit(1);
}

void Check(const absl::Status& status, const std::string& what) {
  if (!status.ok()) Die(absl::StrCat(what, ": ", status.ToString()));
}

engine::Value MustParse(const std::string& text) {
  absl::StatusOr<engine::Value> v = engine::ParseJson(text);
  Check(v.status(), text);
  return *std::move(v);
}

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since)
      .count();
}

// The shop's metrics, one of every type, reading a handful of events.
std::vector<engine::MetricDef> Metrics() {
  using engine::MetricDirection;
  using engine::MetricType;
  std::vector<engine::MetricDef> out;
  auto add = [&](const char* key, MetricType type, const char* event,
                 const char* property, double window_hours) {
    engine::MetricDef m;
    m.key = key;
    m.name = key;
    m.type = type;
    m.event = event;
    m.value_property = property;
    m.window_hours = window_hours;
    out.push_back(m);
    return &out.back();
  };
  add("conversion", MetricType::kBinomial, "purchase", "value", 168);
  add("revenue", MetricType::kMean, "purchase", "amount", 168)->cap = 1000;
  add("average_order_value", MetricType::kRatio, "purchase", "amount", 168)
      ->denominator_event = "order_placed";
  add("nps", MetricType::kNps, "survey_nps", "score", 0);
  engine::MetricDef* csat =
      add("csat", MetricType::kCsat, "survey_csat", "score", 72);
  csat->scale_min = 1;
  csat->scale_max = 5;
  engine::MetricDef* ces =
      add("ces", MetricType::kCes, "survey_ces", "score", 72);
  ces->scale_min = 1;
  ces->scale_max = 7;
  engine::MetricDef* rating =
      add("product_rating", MetricType::kScore, "review", "stars", 0);
  rating->scale_min = 1;
  rating->scale_max = 5;
  add("retention_3d", MetricType::kRetention, "session_start", "value", 0)
      ->retention_hours = 72;
  engine::MetricDef* errors =
      add("checkout_errors", MetricType::kCount, "checkout_error", "value", 24);
  errors->direction = MetricDirection::kLower;
  errors->guardrail = true;
  engine::MetricDef* resolution =
      add("time_to_resolution", MetricType::kDuration,
          "support_ticket_resolved", "hours", 0);
  resolution->direction = MetricDirection::kLower;
  resolution->guardrail = true;
  return out;
}

constexpr const char* kPersonas[] = {"runners",         "families",
                                     "bargain_hunters", "new_visitors",
                                     "loyal_members",   "mobile_shoppers"};
constexpr int kPersonaCount = sizeof(kPersonas) / sizeof(kPersonas[0]);

engine::Definitions MakeDefinitions() {
  engine::Definitions d;
  d.metrics = Metrics();
  const char* conditions[kPersonaCount] = {
      R"({"interests":{"$elemMatch":{"$eq":"running"}}})",
      R"({"household.children":{"$gt":0}})",
      R"({"coupon_used":true})",
      R"({"visits":{"$lte":1}})",
      R"({"loyalty.tier":{"$in":["gold","platinum"]}})",
      R"({"device.type":"mobile"})",
  };
  for (int s = 0; s < kPersonaCount; ++s) {
    engine::SegmentDef seg;
    seg.key = kPersonas[s];
    seg.name = kPersonas[s];
    seg.condition = MustParse(conditions[s]);
    d.segments.push_back(seg);
  }
  engine::ExperimentDef e;
  e.key = kExperiment;
  e.name = "One-page checkout";
  e.status = engine::ExperimentStatus::kRunning;
  for (const char* key : kVariantKeys) {
    engine::VariantDef v;
    v.key = key;
    v.payload = MustParse(absl::StrCat(R"({"layout":")", key, R"("})"));
    e.variants.push_back(v);
  }
  for (const engine::MetricDef& m : d.metrics) {
    (m.guardrail ? e.guardrails : e.metrics).push_back(m.key);
  }
  d.experiments.push_back(e);
  return d;
}

// The event names and their shares of the traffic.
struct EventKind {
  const char* name;
  double share;
};
constexpr EventKind kEventMix[] = {
    {"page_view", 0.30},
    {"session_start", 0.20},
    {"add_to_cart", 0.12},
    {"order_placed", 0.06},
    {"purchase", 0.06},
    {"checkout_error", 0.06},
    {"survey_nps", 0.04},
    {"survey_csat", 0.04},
    {"survey_ces", 0.04},
    {"review", 0.04},
    {"support_ticket_resolved", 0.04},
};

// The data dir, the stores and the data ingested so far.
class Fixture {
 public:
  static Fixture& Get() {
    static Fixture* fixture = new Fixture();  // closed by main at exit
    return *fixture;
  }

  // Ingests events until `events` have been ingested in total.
  void IngestUpTo(int64_t events);

  int64_t events() const { return events_; }
  storage::ConfigManager& config() { return *config_; }
  storage::Tracker& tracker() { return *tracker_; }

  // Stops the tracker and closes the database (the dir is removed by
  // RemoveDataDir).
  void Close() {
    tracker_.reset();
    config_.reset();
    if (database_ != nullptr) {
      Check(database_->Close(), "close");
      database_.reset();
    }
  }

 private:
  struct Unit {
    std::string id;
    int variant = 0;
    absl::Time exposed;
  };

  Fixture();
  void Expose();
  storage::IngestEvent MakeEvent(int64_t index);

  std::unique_ptr<storage::Database> database_;
  std::unique_ptr<storage::ConfigManager> config_;
  std::unique_ptr<storage::Tracker> tracker_;
  std::mt19937_64 rng_{20260501};
  std::vector<Unit> units_;
  int64_t events_ = 0;
  double ingest_seconds_ = 0;
};

Fixture::Fixture() {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern =
      absl::StrCat(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp",
                   "/cxlab-report-bench-XXXXXX");
  if (mkdtemp(pattern.data()) == nullptr) Die("mkdtemp failed");
  g_data_dir = pattern;
  std::fprintf(stderr, "report_benchmark: data dir %s\n", g_data_dir.c_str());

  absl::StatusOr<std::unique_ptr<storage::Database>> db =
      storage::Database::Open(g_data_dir);
  Check(db.status(), "open database");
  database_ = *std::move(db);
  absl::StatusOr<std::unique_ptr<storage::ConfigManager>> config =
      storage::ConfigManager::Open(*database_);
  Check(config.status(), "open config");
  config_ = *std::move(config);
  absl::StatusOr<storage::ApplyResult> applied = config_->Apply(
      MakeDefinitions(), /*dry_run=*/false, {"bench", absl::Now()});
  Check(applied.status(), "apply definitions");
  for (const engine::DefinitionError& e : applied->errors) {
    std::fprintf(stderr, "%s\n", e.ToString().c_str());
  }
  if (!applied->errors.empty()) Die("invalid definitions");
  absl::StatusOr<std::unique_ptr<storage::Tracker>> tracker =
      storage::Tracker::Create(*database_, *config_, storage::TrackerOptions());
  Check(tracker.status(), "create tracker");
  tracker_ = *std::move(tracker);
  Expose();
}

// Exposes kUnits units, spread over kExposureDays days ending a week ago
// (so every event, up to a week after exposure, lies in the past), each
// with 0-2 personas.
void Fixture::Expose() {
  const auto start = std::chrono::steady_clock::now();
  const absl::Time first_day =
      absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now()) / 86400 * 86400) -
      absl::Hours(24 * (kExposureDays + 7));
  std::uniform_int_distribution<int> variant(0, kVariants - 1);
  std::uniform_int_distribution<int> day(0, kExposureDays - 1);
  std::uniform_int_distribution<int> second(0, 86399);
  std::uniform_int_distribution<int> persona(0, kPersonaCount - 1);
  std::uniform_real_distribution<double> uniform(0, 1);
  units_.reserve(kUnits);
  std::vector<storage::ExposureRecord> batch;
  for (int i = 0; i < kUnits; ++i) {
    Unit u;
    u.id = absl::StrCat("visitor-", i);
    u.variant = variant(rng_);
    u.exposed =
        first_day + absl::Hours(24 * day(rng_)) + absl::Seconds(second(rng_));
    storage::ExposureRecord r;
    r.unit_type = "user";
    r.unit_id = u.id;
    r.experiment_key = kExperiment;
    r.variant_index = u.variant;
    r.variant_key = kVariantKeys[u.variant];
    r.time = u.exposed;
    const double p = uniform(rng_);
    const int personas = p < 0.3 ? 0 : p < 0.75 ? 1 : 2;
    for (int k = 0; k < personas; ++k) {
      const char* s = kPersonas[persona(rng_)];
      if (r.segments.empty() || r.segments[0] != s) r.segments.push_back(s);
    }
    units_.push_back(std::move(u));
    batch.push_back(std::move(r));
    if (batch.size() == static_cast<size_t>(kBatch) || i + 1 == kUnits) {
      absl::StatusOr<int64_t> fresh = tracker_->RecordExposures(batch);
      Check(fresh.status(), "record exposures");
      if (*fresh != static_cast<int64_t>(batch.size())) {
        Die(absl::StrCat("expected ", batch.size(), " new exposures, got ",
                         *fresh));
      }
      batch.clear();
    }
  }
  std::fprintf(stderr,
               "report_benchmark: exposed %d units over %d days in %.1f s\n",
               kUnits, kExposureDays, Seconds(start));
}

// One realistic event of a random unit: 10% fall in the 14 days before the
// unit's exposure (the CUPED pre-period), the rest in the week after it.
// The treatments convert a little better and answer surveys a little
// higher; one_page_chat resolves support tickets faster.
storage::IngestEvent Fixture::MakeEvent(int64_t index) {
  std::uniform_int_distribution<int> unit_of(0, kUnits - 1);
  std::uniform_real_distribution<double> uniform(0, 1);
  std::normal_distribution<double> normal(0, 1);
  const Unit& u = units_[unit_of(rng_)];
  double pick = uniform(rng_);
  const char* name = kEventMix[0].name;
  for (const EventKind& kind : kEventMix) {
    name = kind.name;
    if (pick < kind.share) break;
    pick -= kind.share;
  }
  const std::string event = name;
  // The control loses some purchases (the treatments' lift).
  if (event == "purchase" && u.variant == 0 && uniform(rng_) < 0.08) {
    name = "page_view";
  }
  storage::IngestEvent e;
  e.event_id = absl::StrCat("ev-", index);
  e.unit_type = "user";
  e.unit_id = u.id;
  e.name = name;
  e.value = 1;
  const bool pre = uniform(rng_) < 0.1;
  const double offset_s = uniform(rng_) * (pre ? 14 : 7) * 86400;
  e.time = u.exposed + absl::Seconds(pre ? -1 - offset_s : offset_s);
  auto score = [&](double mean, double sd, int lo, int hi) {
    const double x = std::round(mean + 0.25 * u.variant + sd * normal(rng_));
    return std::clamp(static_cast<int>(x), lo, hi);
  };
  auto with = [&](const char* property, double value) {
    e.properties = engine::Value::Object();
    e.properties.Set(property, engine::Value(value));
  };
  if (event == "purchase" && e.name == "purchase") {
    with("amount", std::exp(3.8 + 0.8 * normal(rng_)) * (1 + 0.02 * u.variant));
  } else if (event == "survey_nps") {
    with("score", score(7.5, 2.2, 0, 10));
  } else if (event == "survey_csat") {
    with("score", score(3.9, 1.0, 1, 5));
  } else if (event == "survey_ces") {
    with("score", score(5.0, 1.3, 1, 7));
  } else if (event == "review") {
    with("stars", score(4.1, 0.9, 1, 5));
  } else if (event == "support_ticket_resolved") {
    std::exponential_distribution<double> hours(u.variant == 2 ? 1 / 16.0
                                                               : 1 / 20.0);
    with("hours", hours(rng_));
  }
  return e;
}

void Fixture::IngestUpTo(int64_t events) {
  if (events_ >= events) return;
  std::fprintf(stderr, "report_benchmark: ingesting events %lld..%lld\n",
               static_cast<long long>(events_), static_cast<long long>(events));
  const auto start = std::chrono::steady_clock::now();
  const int64_t from = events_;
  auto last_report = start;
  std::vector<storage::IngestEvent> batch;
  batch.reserve(kBatch);
  while (events_ < events) {
    if (g_interrupted) Die("interrupted");
    const int64_t n = std::min(kBatch, events - events_);
    batch.clear();
    for (int64_t i = 0; i < n; ++i) batch.push_back(MakeEvent(events_ + i));
    absl::StatusOr<storage::IngestResult> result = tracker_->Track(batch);
    Check(result.status(), "track");
    if (!result->rejected.empty()) {
      Die(absl::StrCat("event ", result->rejected[0].first,
                       " rejected: ", result->rejected[0].second));
    }
    if (result->accepted != n) {
      Die(absl::StrCat("expected ", n, " accepted events, got ",
                       result->accepted));
    }
    events_ += n;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_report >= std::chrono::seconds(10) || events_ == events) {
      last_report = now;
      const double s = Seconds(start);
      std::fprintf(stderr,
                   "report_benchmark:   %lld / %lld events, %.0f s, %.0f "
                   "events/s\n",
                   static_cast<long long>(events_),
                   static_cast<long long>(events), s,
                   static_cast<double>(events_ - from) / s);
    }
  }
  ingest_seconds_ += Seconds(start);
  std::fprintf(stderr,
               "report_benchmark: %lld events ingested (%.1f s of ingest in "
               "total)\n",
               static_cast<long long>(events_), ingest_seconds_);
}

// The request of every report: frequentist, CUPED on, Holm correction.
v1::GetReportRequest ReportRequest(bool by_segment) {
  v1::GetReportRequest request;
  request.set_experiment_key(kExperiment);
  request.set_method(v1::METHOD_FREQUENTIST);
  request.set_cuped(true);
  request.set_correction(v1::CORRECTION_HOLM);
  request.set_by_segment(by_segment);
  return request;
}

// What a timed loop records besides time.
struct Probe {
  size_t cells = 0;   // cells read by the last request
  double read_s = 0;  // total time spent in Tracker::Cells
};

// One request served as the ReportService handlers serve it: the snapshot,
// the experiment, the validated options, the cells (timed into `probe`),
// then `build(snapshot, experiment, cells, options)`.
template <typename Request, typename Build>
auto Serve(Fixture& f, const Request& request, Probe& probe, Build build) {
  std::shared_ptr<const engine::ConfigSnapshot> snapshot =
      f.config().snapshot();
  const engine::CompiledExperiment* experiment =
      snapshot->FindExperiment(request.experiment_key());
  if (experiment == nullptr) Die("experiment not found");
  absl::StatusOr<api::ReportOptions> options =
      api::ReportOptionsFromProto(request, *snapshot);
  Check(options.status(), "report options");
  const auto read_start = std::chrono::steady_clock::now();
  absl::StatusOr<std::vector<storage::CellStats>> cells =
      f.tracker().Cells(request.experiment_key());
  probe.read_s += Seconds(read_start);
  Check(cells.status(), "cells");
  probe.cells = cells->size();
  auto built = build(*snapshot, *experiment->def, *cells, *options);
  Check(built.status(), "build");
  return *std::move(built);
}

// One GetReport (api/server/report_service.cc).
v1::Report GetReport(Fixture& f, const v1::GetReportRequest& request,
                     Probe& probe) {
  return Serve(f, request, probe,
               [](const engine::ConfigSnapshot& snapshot,
                  const engine::ExperimentDef& experiment,
                  const std::vector<storage::CellStats>& cells,
                  const api::ReportOptions& options) {
                 return api::BuildReport(snapshot, experiment, cells, options,
                                         absl::Now());
               });
}

// Once per size: every metric must have units in every variant.
void CheckEveryMetricHasData(const v1::Report& report) {
  if (report.metrics_size() != 10) {
    Die(absl::StrCat("expected 10 metrics, got ", report.metrics_size()));
  }
  for (const v1::MetricResult& m : report.metrics()) {
    if (m.variants_size() != kVariants) {
      Die(absl::StrCat(m.metric_key(), ": ", m.variants_size(), " variants"));
    }
    for (const v1::VariantResult& v : m.variants()) {
      if (v.units() == 0) {
        Die(absl::StrCat(m.metric_key(), "/", v.variant_key(), ": no data"));
      }
    }
  }
}

void SetCounters(benchmark::State& state, const Probe& probe) {
  state.counters["events"] = static_cast<double>(Fixture::Get().events());
  state.counters["cells"] = static_cast<double>(probe.cells);
  // Mean time per request spent in Tracker::Cells (the RocksDB read), in us.
  state.counters["read_us"] = benchmark::Counter(
      probe.read_s * 1e6, benchmark::Counter::kAvgIterations);
}

void BM_GetReport(benchmark::State& state, bool by_segment) {
  Fixture& f = Fixture::Get();
  f.IngestUpTo(state.range(0));
  const v1::GetReportRequest request = ReportRequest(by_segment);
  {
    Probe warmup;
    CheckEveryMetricHasData(GetReport(f, request, warmup));
  }
  Probe probe;
  for (auto _ : state) {
    v1::Report report = GetReport(f, request, probe);
    benchmark::DoNotOptimize(report);
  }
  SetCounters(state, probe);
}

// GetTimeSeries of the primary metric, as its handler does it.
void BM_GetTimeSeries(benchmark::State& state) {
  Fixture& f = Fixture::Get();
  f.IngestUpTo(state.range(0));
  v1::GetTimeSeriesRequest request;
  request.set_experiment_key(kExperiment);
  request.set_method(v1::METHOD_FREQUENTIST);
  request.set_cuped(true);
  auto build = [&request](const engine::ConfigSnapshot& snapshot,
                          const engine::ExperimentDef& experiment,
                          const std::vector<storage::CellStats>& cells,
                          const api::ReportOptions& options) {
    return api::BuildTimeSeries(snapshot, experiment, cells,
                                request.metric_key(), options);
  };
  Probe probe;
  for (auto _ : state) {
    v1::GetTimeSeriesResponse series = Serve(f, request, probe, build);
    if (series.points_size() != (kVariants - 1) * kExposureDays) {
      Die(absl::StrCat("expected ", (kVariants - 1) * kExposureDays,
                       " points, got ", series.points_size()));
    }
    benchmark::DoNotOptimize(series);
  }
  SetCounters(state, probe);
}

// The sizes, in increasing order: 10^4, every further power of ten below
// REPORT_BENCH_EVENTS (default 10^7), then REPORT_BENCH_EVENTS itself.
std::vector<int64_t> Sizes() {
  int64_t large = kDefaultLargeEvents;
  if (const char* env = std::getenv("REPORT_BENCH_EVENTS");
      env != nullptr && *env != '\0') {
    if (!absl::SimpleAtoi(env, &large) || large <= 0) {
      Die(absl::StrCat("REPORT_BENCH_EVENTS: must be a positive integer, got '",
                       env, "'"));
    }
  }
  std::vector<int64_t> sizes;
  for (int64_t n = kSmallEvents; n < large; n *= 10) sizes.push_back(n);
  sizes.push_back(large);
  return sizes;
}

}  // namespace
}  // namespace cxlab

int main(int argc, char** argv) {
  using cxlab::BM_GetReport;
  using cxlab::BM_GetTimeSeries;
  std::signal(SIGINT, cxlab::OnSignal);
  std::signal(SIGTERM, cxlab::OnSignal);
  // Registered size by size (not family by family, as BENCHMARK() would):
  // the data only grows, so every benchmark of a size runs before the next
  // size's ingest.
  for (int64_t events : cxlab::Sizes()) {
    benchmark::RegisterBenchmark("BM_GetReport", BM_GetReport, false)
        ->Arg(events)
        ->ArgName("events")
        ->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark("BM_GetReportBySegment", BM_GetReport, true)
        ->Arg(events)
        ->ArgName("events")
        ->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark("BM_GetTimeSeries", BM_GetTimeSeries)
        ->Arg(events)
        ->ArgName("events")
        ->Unit(benchmark::kMicrosecond);
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  if (!cxlab::g_data_dir.empty()) cxlab::Fixture::Get().Close();
  cxlab::RemoveDataDir();
  return 0;
}
