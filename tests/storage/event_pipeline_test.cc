// Copyright 2026 The cxlab Authors.

#include "storage/event_pipeline.h"

#include <atomic>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "engine/definitions.h"
#include "engine/snapshot.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/database.h"
#include "storage/exposure_store.h"
#include "storage/keys.h"
#include "tests/storage/test_util.h"

namespace cxlab::storage {
namespace {

using ::cxlab::storage_test::IsOk;
using ::cxlab::storage_test::TempDir;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;

const absl::Time kT0 = absl::FromUnixSeconds(1700000000);
const int64_t kDay0 = 1700000000 / 86400;

engine::Definitions MakeDefinitions() {
  engine::Definitions defs;
  engine::MetricDef conv;
  conv.key = "conv";
  conv.type = engine::MetricType::kBinomial;
  conv.event = "purchase";
  conv.window_hours = 24;
  engine::MetricDef revenue;
  revenue.key = "revenue";
  revenue.type = engine::MetricType::kMean;
  revenue.event = "purchase";
  revenue.cap = 100;
  engine::MetricDef nps;
  nps.key = "nps";
  nps.type = engine::MetricType::kNps;
  nps.event = "survey";
  engine::MetricDef rpv;
  rpv.key = "rpv";
  rpv.type = engine::MetricType::kRatio;
  rpv.event = "purchase";
  rpv.denominator_event = "pageview";
  defs.metrics = {conv, revenue, nps, rpv};

  engine::ExperimentDef exp;
  exp.key = "exp";
  exp.status = engine::ExperimentStatus::kRunning;
  engine::VariantDef control;
  control.key = "control";
  engine::VariantDef treatment;
  treatment.key = "treatment";
  exp.variants = {control, treatment};
  exp.metrics = {"conv", "revenue", "nps", "rpv"};
  defs.experiments.push_back(exp);
  return defs;
}

class EventPipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::shared_ptr<const engine::ConfigSnapshot>> snapshot =
        engine::ConfigSnapshot::Build(MakeDefinitions());
    ASSERT_THAT(snapshot, IsOk());
    snapshot_ = *snapshot;
    absl::StatusOr<MetricCatalog> catalog = MetricCatalog::Build(*snapshot_);
    ASSERT_THAT(catalog, IsOk());
    catalog_ = *std::move(catalog);
    Open();
  }

  void Open() {
    absl::StatusOr<std::unique_ptr<Database>> db = Database::Open(dir_.path());
    ASSERT_THAT(db, IsOk());
    db_ = *std::move(db);
    absl::StatusOr<std::unique_ptr<ExposureStore>> exposures =
        ExposureStore::Create(*db_, ExposureOptions());
    ASSERT_THAT(exposures, IsOk());
    exposures_ = *std::move(exposures);
    pipeline_ = std::make_unique<EventPipeline>(*db_, *exposures_,
                                                PipelineOptions());
  }

  void Reopen() {
    pipeline_.reset();
    exposures_.reset();
    ASSERT_THAT(db_->Close(), IsOk());
    db_.reset();
    Open();
  }

  int64_t Expose(const std::string& unit, int variant, absl::Time time) {
    ExposureRecord r;
    r.unit_type = "user";
    r.unit_id = unit;
    r.experiment_key = "exp";
    r.variant_index = variant;
    r.variant_key = variant == 0 ? "control" : "treatment";
    r.time = time;
    absl::StatusOr<int64_t> fresh =
        pipeline_->OnExposures(absl::MakeConstSpan(&r, 1), catalog_);
    EXPECT_THAT(fresh, IsOk());
    return fresh.ok() ? *fresh : -1;
  }

  static IngestEvent Event(const std::string& id, const std::string& unit,
                           const std::string& name, double value,
                           absl::Time time) {
    IngestEvent e;
    e.event_id = id;
    e.unit_type = "user";
    e.unit_id = unit;
    e.name = name;
    e.value = value;
    e.time = time;
    return e;
  }

  IngestResult Track(const std::vector<IngestEvent>& events) {
    absl::StatusOr<IngestResult> result = pipeline_->Track(events, catalog_);
    EXPECT_THAT(result, IsOk());
    return result.ok() ? *result : IngestResult();
  }

  // Totals of (variant, metric), zeros if absent.
  engine::SufficientStats Total(int variant, const std::string& metric) {
    absl::StatusOr<std::vector<VariantMetricStats>> totals =
        pipeline_->ReadTotals("exp");
    EXPECT_THAT(totals, IsOk());
    if (!totals.ok()) return {};
    for (const VariantMetricStats& t : *totals) {
      if (t.variant_index == variant && t.metric_key == metric) return t.stats;
    }
    return {};
  }

  void ExpectRecomputeMatches() {
    absl::StatusOr<std::vector<CellStats>> stored =
        pipeline_->ReadAggregates("exp");
    ASSERT_THAT(stored, IsOk());
    absl::StatusOr<std::vector<CellStats>> recomputed =
        pipeline_->Recompute("exp", catalog_);
    ASSERT_THAT(recomputed, IsOk());
    EXPECT_THAT(CompareCells(*stored, *recomputed), IsEmpty());
  }

  TempDir dir_;
  std::shared_ptr<const engine::ConfigSnapshot> snapshot_;
  MetricCatalog catalog_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<ExposureStore> exposures_;
  std::unique_ptr<EventPipeline> pipeline_;
};

engine::SufficientStats Stats(int64_t n, double sum, double sum_sq) {
  engine::SufficientStats s;
  s.n = n;
  s.sum = sum;
  s.sum_sq = sum_sq;
  return s;
}

TEST(EventPipelineKeysTest, RoundTrips) {
  absl::StatusOr<std::string> key = keys::EventKey("user", "u1", 42, "e-1");
  ASSERT_THAT(key, IsOk());
  absl::string_view type, id, event_id;
  int64_t time = 0;
  ASSERT_TRUE(keys::ParseEventKey(*key, &type, &id, &time, &event_id));
  EXPECT_EQ(type, "user");
  EXPECT_EQ(id, "u1");
  EXPECT_EQ(time, 42);
  EXPECT_EQ(event_id, "e-1");
  EXPECT_FALSE(keys::EventKey("user", "u1", -1, "e").ok());
  EXPECT_FALSE(keys::EventKey("user", "u1", 1, "").ok());
  EXPECT_LT(*keys::EventKey("user", "u1", 255, "z"),
            *keys::EventKey("user", "u1", 256, "a"));

  const std::string cell = keys::AggregateKey("exp", 3, "rev", -2);
  absl::string_view experiment, metric, segment;
  int variant = 0;
  int64_t day = 0;
  ASSERT_TRUE(keys::ParseAggregateKey(cell, &experiment, &variant, &metric,
                                      &day, &segment));
  EXPECT_EQ(experiment, "exp");
  EXPECT_EQ(variant, 3);
  EXPECT_EQ(metric, "rev");
  EXPECT_EQ(day, -2);
  EXPECT_EQ(segment, "");
  // A segment cell: the segment key follows the day.
  const std::string runners = keys::AggregateKey("exp", 3, "rev", -2, "runners");
  ASSERT_TRUE(keys::ParseAggregateKey(runners, &experiment, &variant, &metric,
                                      &day, &segment));
  EXPECT_EQ(segment, "runners");
  EXPECT_EQ(metric, "rev");
  EXPECT_EQ(runners.rfind(cell, 0), 0u);
  EXPECT_FALSE(keys::ParseAggregateKey(cell + std::string("a\0b", 3),
                                       &experiment, &variant, &metric, &day,
                                       &segment));
  EXPECT_EQ(cell.rfind(keys::AggregateExperimentPrefix("exp"), 0), 0u);
  EXPECT_EQ(keys::DayNumber(-1), -1);
  EXPECT_EQ(keys::DayNumber(86400LL * 1000000), 1);
  EXPECT_EQ(keys::UnitStatesKey("t", "u"), std::string("t\0u\0", 4));
}

TEST(MetricCatalogTest, MapsExperimentMetrics) {
  auto snapshot = engine::ConfigSnapshot::Build(MakeDefinitions());
  ASSERT_THAT(snapshot, IsOk());
  absl::StatusOr<MetricCatalog> catalog = MetricCatalog::Build(**snapshot);
  ASSERT_THAT(catalog, IsOk());
  const MetricCatalog::Experiment* exp = catalog->Find("exp");
  ASSERT_NE(exp, nullptr);
  EXPECT_EQ(exp->variant_count, 2);
  ASSERT_EQ(exp->metrics.size(), 4u);
  EXPECT_EQ(exp->metrics[0].key, "conv");
  EXPECT_EQ(exp->metrics[0].metric->def().window_hours, 24);
  EXPECT_EQ(exp->metrics[0].pre_metric->def().window_hours, 0);
  EXPECT_EQ(catalog->Find("nope"), nullptr);
}

TEST_F(EventPipelineTest, ExactAggregates) {
  EXPECT_EQ(Expose("u1", 0, kT0), 1);
  EXPECT_EQ(Expose("u2", 0, kT0), 1);
  EXPECT_EQ(Expose("u3", 1, kT0), 1);
  EXPECT_EQ(Expose("u3", 1, kT0 + absl::Hours(1)), 0);  // repeat
  const absl::Time t = kT0 + absl::Hours(1);
  IngestResult r = Track({
      Event("e1", "u1", "purchase", 30, t),
      Event("e2", "u1", "purchase", 90, t),
      Event("e3", "u1", "pageview", 2, t),
      Event("e4", "u1", "survey", 10, t),
      Event("e5", "u2", "survey", 5, t),
      Event("e6", "u3", "purchase", 50, t),
      Event("e7", "u3", "pageview", 1, t),
      Event("e8", "u3", "survey", 8, t),
      Event("e9", "u4", "purchase", 70, t),  // not exposed
  });
  EXPECT_EQ(r.accepted, 9);
  EXPECT_EQ(r.duplicates, 0);
  EXPECT_THAT(r.rejected, IsEmpty());

  EXPECT_EQ(Total(0, "conv"), Stats(2, 1, 1));
  EXPECT_EQ(Total(0, "revenue"), Stats(2, 100, 10000));  // 120 capped
  EXPECT_EQ(Total(0, "nps"), Stats(2, 0, 2));
  engine::SufficientStats rpv0 = Stats(2, 120, 14400);
  rpv0.den_sum = 2;
  rpv0.den_sum_sq = 4;
  rpv0.cross_sum = 240;
  EXPECT_EQ(Total(0, "rpv"), rpv0);
  EXPECT_EQ(Total(1, "conv"), Stats(1, 1, 1));
  EXPECT_EQ(Total(1, "revenue"), Stats(1, 50, 2500));
  EXPECT_EQ(Total(1, "nps"), Stats(1, 0, 0));
  engine::SufficientStats rpv1 = Stats(1, 50, 2500);
  rpv1.den_sum = 1;
  rpv1.den_sum_sq = 1;
  rpv1.cross_sum = 50;
  EXPECT_EQ(Total(1, "rpv"), rpv1);

  // Exposed units per variant, in the "$units" cells.
  EXPECT_EQ(Total(0, "$units").n, 2);
  EXPECT_EQ(Total(1, "$units").n, 1);

  absl::StatusOr<std::vector<CellStats>> cells =
      pipeline_->ReadAggregates("exp");
  ASSERT_THAT(cells, IsOk());
  ASSERT_EQ(cells->size(), 10u);  // 2 variants x (4 metrics + $units)
  for (const CellStats& c : *cells) {
    EXPECT_EQ(c.day, kDay0);
    EXPECT_EQ(c.segment, "");
  }
  ExpectRecomputeMatches();
}

TEST_F(EventPipelineTest, SegmentCellsCountOnlyTheirUnits) {
  // u1 and u3 are runners at exposure, u2 is not; u3 is also a family.
  auto expose = [&](const std::string& unit, int variant,
                    std::vector<std::string> segments) {
    ExposureRecord r;
    r.unit_type = "user";
    r.unit_id = unit;
    r.experiment_key = "exp";
    r.variant_index = variant;
    r.time = kT0;
    r.segments = std::move(segments);
    ASSERT_THAT(pipeline_->OnExposures(absl::MakeConstSpan(&r, 1), catalog_),
                IsOk());
  };
  expose("u1", 0, {"runners"});
  expose("u2", 0, {});
  expose("u3", 1, {"families", "runners"});
  const absl::Time t = kT0 + absl::Hours(1);
  Track({Event("e1", "u1", "purchase", 30, t),
         Event("e2", "u2", "purchase", 20, t),
         Event("e3", "u3", "purchase", 50, t)});
  auto total = [&](absl::string_view segment, int variant,
                   const std::string& metric) {
    absl::StatusOr<std::vector<VariantMetricStats>> totals =
        pipeline_->ReadTotals("exp", segment);
    EXPECT_THAT(totals, IsOk());
    for (const VariantMetricStats& v : *totals) {
      if (v.variant_index == variant && v.metric_key == metric) return v.stats;
    }
    return engine::SufficientStats();
  };
  EXPECT_EQ(total("", 0, "revenue"), Stats(2, 50, 30 * 30 + 20 * 20));
  EXPECT_EQ(total("runners", 0, "revenue"), Stats(1, 30, 900));
  EXPECT_EQ(total("runners", 1, "revenue"), Stats(1, 50, 2500));
  EXPECT_EQ(total("families", 0, "revenue"), Stats(0, 0, 0));
  EXPECT_EQ(total("families", 1, "revenue"), Stats(1, 50, 2500));
  EXPECT_EQ(total("runners", 0, "$units").n, 1);
  EXPECT_EQ(total("", 0, "$units").n, 2);
  // The stored segments come back with the exposure.
  absl::StatusOr<std::optional<Exposure>> x = exposures_->Get("user", "u3", "exp");
  ASSERT_THAT(x, IsOk());
  ASSERT_TRUE(x->has_value());
  EXPECT_THAT((*x)->segments, ElementsAre("families", "runners"));
  // Recompute rebuilds the segment cells too, and a rebuild keeps them.
  ExpectRecomputeMatches();
  ASSERT_THAT(pipeline_->Rebuild("exp", catalog_), IsOk());
  EXPECT_EQ(total("runners", 1, "revenue"), Stats(1, 50, 2500));
  ExpectRecomputeMatches();
}

TEST_F(EventPipelineTest, CachedAggregatesFollowEveryWrite) {
  auto same = [&] {
    absl::StatusOr<std::vector<CellStats>> cached =
        pipeline_->CachedAggregates("exp");
    absl::StatusOr<std::vector<CellStats>> stored =
        pipeline_->ReadAggregates("exp");
    ASSERT_THAT(cached, IsOk());
    ASSERT_THAT(stored, IsOk());
    EXPECT_THAT(CompareCells(*stored, *cached), IsEmpty());
    EXPECT_EQ(cached->size(), stored->size());
  };
  same();  // loads the (empty) copy before any write
  for (int i = 0; i < 30; ++i) {
    Expose(absl::StrCat("c", i), i % 2, kT0 + absl::Minutes(i));
  }
  same();
  for (int round = 0; round < 3; ++round) {
    std::vector<IngestEvent> events;
    for (int i = 0; i < 30; ++i) {
      events.push_back(Event(absl::StrCat("r", round, "-", i),
                             absl::StrCat("c", i), i % 3 ? "purchase" : "survey",
                             i % 3 ? 10 + i : i % 11,
                             kT0 + absl::Hours(1 + round)));
    }
    Track(events);
    same();
  }
  // A late exposure replays logged events into the copy as well.
  Track({Event("late", "c-late", "purchase", 99, kT0 + absl::Hours(2))});
  Expose("c-late", 1, kT0 + absl::Hours(1));
  same();
  // A rebuild replaces the cells; the copy is reloaded.
  ASSERT_THAT(pipeline_->Rebuild("exp", catalog_), IsOk());
  same();
  ExpectRecomputeMatches();
}

TEST_F(EventPipelineTest, DuplicatesCountedOnce) {
  Expose("u1", 0, kT0);
  const absl::Time t = kT0 + absl::Hours(1);
  IngestResult r = Track({Event("e1", "u1", "purchase", 30, t),
                          Event("e1", "u1", "purchase", 30, t)});
  EXPECT_EQ(r.accepted, 1);
  EXPECT_EQ(r.duplicates, 1);
  r = Track({Event("e1", "u1", "purchase", 30, t),
             Event("e2", "u1", "purchase", 5, t)});
  EXPECT_EQ(r.accepted, 1);
  EXPECT_EQ(r.duplicates, 1);
  EXPECT_EQ(Total(0, "revenue"), Stats(1, 35, 35 * 35));
  EXPECT_EQ(Total(0, "conv"), Stats(1, 1, 1));
  ExpectRecomputeMatches();
}

TEST_F(EventPipelineTest, EventsBeforeExposureOrOutsideWindowDoNotCount) {
  Expose("u1", 0, kT0);
  IngestResult r = Track({
      Event("a", "u1", "purchase", 40, kT0 - absl::Hours(1)),      // pre
      Event("b", "u1", "purchase", 60, kT0 - absl::Hours(15 * 24)),  // old
      Event("c", "u1", "purchase", 20, kT0 + absl::Hours(48)),  // > window
  });
  EXPECT_EQ(r.accepted, 3);
  engine::SufficientStats conv = Stats(1, 0, 0);  // outside conv's window
  conv.pre_sum = 1;  // the pre-period purchase at kT0 - 1h
  conv.pre_sum_sq = 1;
  EXPECT_EQ(Total(0, "conv"), conv);
  engine::SufficientStats revenue = Stats(1, 20, 400);  // no window
  revenue.pre_sum = 40;
  revenue.pre_sum_sq = 1600;
  revenue.pre_cross_sum = 800;
  EXPECT_EQ(Total(0, "revenue"), revenue);
  ExpectRecomputeMatches();
}

TEST_F(EventPipelineTest, LateExposureCountsEarlierEvents) {
  IngestResult r = Track({
      Event("a", "u1", "purchase", 40, kT0 + absl::Hours(2)),
      Event("b", "u1", "pageview", 4, kT0 + absl::Hours(3)),
      Event("c", "u1", "survey", 9, kT0 + absl::Hours(3)),
      Event("d", "u1", "purchase", 10, kT0 - absl::Hours(48)),
  });
  EXPECT_EQ(r.accepted, 4);
  EXPECT_THAT(pipeline_->ReadAggregates("exp"),
              ::cxlab::storage_test::IsOkAndHolds(IsEmpty()));
  EXPECT_EQ(Expose("u1", 1, kT0), 1);
  engine::SufficientStats revenue = Stats(1, 40, 1600);
  revenue.pre_sum = 10;
  revenue.pre_sum_sq = 100;
  revenue.pre_cross_sum = 400;
  EXPECT_EQ(Total(1, "revenue"), revenue);
  engine::SufficientStats conv = Stats(1, 1, 1);
  conv.pre_sum = 1;
  conv.pre_sum_sq = 1;
  conv.pre_cross_sum = 1;
  EXPECT_EQ(Total(1, "conv"), conv);
  EXPECT_EQ(Total(1, "nps"), Stats(1, 1, 1));
  EXPECT_EQ(Total(1, "rpv").den_sum, 4);
  // Events after the exposure keep accumulating on the replayed state.
  Track({Event("e", "u1", "purchase", 5, kT0 + absl::Hours(4))});
  EXPECT_EQ(Total(1, "revenue").sum, 45);
  ExpectRecomputeMatches();
}

TEST_F(EventPipelineTest, CupedPreSumsFromFourteenDaysBeforeExposure) {
  Track({
      Event("p1", "u1", "purchase", 20, kT0 - absl::Hours(3 * 24)),
      Event("p2", "u1", "purchase", 15, kT0 - absl::Hours(13 * 24)),
      Event("p3", "u1", "purchase", 99, kT0 - absl::Hours(15 * 24)),
      Event("p4", "u2", "purchase", 7, kT0 - absl::Hours(1)),
  });
  Expose("u1", 0, kT0);
  Expose("u2", 0, kT0);
  Track({Event("x1", "u1", "purchase", 10, kT0 + absl::Hours(1))});
  engine::SufficientStats revenue = Stats(2, 10, 100);
  revenue.pre_sum = 35 + 7;
  revenue.pre_sum_sq = 35 * 35 + 49;
  revenue.pre_cross_sum = 350;
  EXPECT_EQ(Total(0, "revenue"), revenue);
  // A late event inside u1's pre-period moves its covariate.
  Track({Event("late", "u1", "purchase", 5, kT0 - absl::Hours(24))});
  revenue.pre_sum = 40 + 7;
  revenue.pre_sum_sq = 1600 + 49;
  revenue.pre_cross_sum = 400;
  EXPECT_EQ(Total(0, "revenue"), revenue);
  ExpectRecomputeMatches();
}

TEST_F(EventPipelineTest, RejectedNpsAnswerWritesNothingOfIt) {
  Expose("u1", 0, kT0);
  Expose("u2", 0, kT0);
  const absl::Time t = kT0 + absl::Hours(1);
  IngestResult r = Track({Event("ok1", "u1", "purchase", 30, t),
                          Event("bad", "u1", "survey", 11, t),
                          Event("ok2", "u2", "survey", 9, t),
                          Event("", "u2", "survey", 9, t)});
  EXPECT_EQ(r.accepted, 2);
  EXPECT_THAT(
      r.rejected,
      ElementsAre(
          Pair(1, "exp/nps: value: NPS answers must be integers 0-10, got 11"),
          Pair(3, "event_id: must not be empty")));
  EXPECT_EQ(Total(0, "nps"), Stats(1, 1, 1));
  EXPECT_EQ(Total(0, "revenue").sum, 30);
  ExpectRecomputeMatches();  // the rejected answer is not in the log
  // Its id was not consumed.
  r = Track({Event("bad", "u1", "survey", 0, t)});
  EXPECT_EQ(r.accepted, 1);
  EXPECT_EQ(Total(0, "nps"), Stats(2, 0, 2));
}

TEST_F(EventPipelineTest, ManyMergesSurviveReopen) {
  for (int i = 0; i < 10; ++i) Expose(absl::StrCat("u", i), i % 2, kT0);
  for (int i = 0; i < 200; ++i) {
    Track({Event(absl::StrCat("e", i), absl::StrCat("u", i % 10), "purchase",
                 i % 7, kT0 + absl::Minutes(i))});
  }
  absl::StatusOr<std::vector<CellStats>> before =
      pipeline_->ReadAggregates("exp");
  ASSERT_THAT(before, IsOk());
  Reopen();
  absl::StatusOr<std::vector<CellStats>> after =
      pipeline_->ReadAggregates("exp");
  ASSERT_THAT(after, IsOk());
  ASSERT_EQ(before->size(), after->size());
  for (size_t i = 0; i < before->size(); ++i) {
    EXPECT_EQ((*before)[i].stats, (*after)[i].stats);
  }
  EXPECT_THAT(CompareCells(*before, *after), IsEmpty());
  ExpectRecomputeMatches();
}

TEST_F(EventPipelineTest, SyncOptionWritesDurably) {
  PipelineOptions options;
  options.sync = true;
  pipeline_ = std::make_unique<EventPipeline>(*db_, *exposures_, options);
  Expose("u1", 1, kT0);
  EXPECT_EQ(Track({Event("e1", "u1", "purchase", 12, kT0)}).accepted, 1);
  Reopen();
  EXPECT_EQ(Total(1, "revenue"), Stats(1, 12, 144));
  EXPECT_EQ(Track({Event("e1", "u1", "purchase", 12, kT0)}).duplicates, 1);
}

TEST(CompareCellsTest, ReportsDifferences) {
  CellStats a;
  a.metric_key = "m";
  a.stats = Stats(2, 1.0, 1.0);
  CellStats b = a;
  b.stats.sum = 1.0 + 1e-12;
  EXPECT_THAT(CompareCells({a}, {b}), IsEmpty());
  b.stats.sum = 1.1;
  b.stats.n = 3;
  EXPECT_EQ(CompareCells({a}, {b}).size(), 2u);
  EXPECT_EQ(CompareCells({a}, {}).size(), 3u);  // n, sum, sum_sq vs zeros
}

IngestEvent RandomEvent(std::mt19937& rng, int i, int units) {
  static const char* const kNames[] = {"purchase", "pageview", "survey",
                                       "other"};
  IngestEvent e;
  // Some ids repeat (retries).
  const int id = rng() % 10 == 0 ? static_cast<int>(rng() % (i + 1)) : i;
  e.event_id = absl::StrCat("ev", id);
  e.unit_type = "user";
  e.unit_id = absl::StrCat("u", rng() % units);
  e.name = kNames[rng() % 4];
  if (e.name == "survey") {
    e.value = static_cast<double>(rng() % 12);  // 11 is rejected
  } else {
    e.value = std::uniform_real_distribution<double>(0, 150)(rng);
  }
  e.time = kT0 + absl::Minutes(static_cast<int64_t>(rng() % (30 * 24 * 60)) -
                               20 * 24 * 60);
  return e;
}

TEST_F(EventPipelineTest, RecomputeEqualsStoredAfterRandomTraffic) {
  std::mt19937 rng(12345);
  constexpr int kUnits = 200;
  constexpr int kEvents = 2000;
  std::vector<IngestEvent> events;
  for (int i = 0; i < kEvents; ++i) events.push_back(RandomEvent(rng, i, kUnits));
  std::vector<ExposureRecord> exposures;
  for (int u = 0; u < kUnits; ++u) {
    if (u % 4 == 3) continue;  // never exposed
    ExposureRecord r;
    r.unit_type = "user";
    r.unit_id = absl::StrCat("u", u);
    r.experiment_key = "exp";
    r.variant_index = static_cast<int>(rng() % 2);
    r.time = kT0 + absl::Minutes(rng() % (5 * 24 * 60));
    exposures.push_back(r);
  }
  int64_t accepted = 0, duplicates = 0, rejected = 0, fresh = 0;
  // Events and exposures interleaved: some events precede their exposure.
  size_t next_exposure = 0;
  for (size_t i = 0; i < events.size(); i += 50) {
    auto batch = absl::MakeConstSpan(events).subspan(i, 50);
    absl::StatusOr<IngestResult> r = pipeline_->Track(batch, catalog_);
    ASSERT_THAT(r, IsOk());
    accepted += r->accepted;
    duplicates += r->duplicates;
    rejected += static_cast<int64_t>(r->rejected.size());
    const size_t n = std::min<size_t>(4, exposures.size() - next_exposure);
    absl::StatusOr<int64_t> f = pipeline_->OnExposures(
        absl::MakeConstSpan(exposures).subspan(next_exposure, n), catalog_);
    ASSERT_THAT(f, IsOk());
    fresh += *f;
    next_exposure += n;
  }
  absl::StatusOr<int64_t> f = pipeline_->OnExposures(
      absl::MakeConstSpan(exposures).subspan(next_exposure), catalog_);
  ASSERT_THAT(f, IsOk());
  fresh += *f;
  EXPECT_EQ(fresh, static_cast<int64_t>(exposures.size()));
  EXPECT_EQ(accepted + duplicates + rejected, kEvents);
  EXPECT_GT(duplicates, 0);
  EXPECT_GT(rejected, 0);
  EXPECT_GT(Total(0, "revenue").pre_sum, 0);
  ExpectRecomputeMatches();
}

TEST_F(EventPipelineTest, ConcurrentTrackOverOverlappingUnits) {
  constexpr int kUnits = 40;
  for (int u = 0; u < kUnits; u += 2) {
    Expose(absl::StrCat("u", u), u % 4 == 0 ? 0 : 1, kT0);
  }
  std::atomic<int64_t> accepted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([this, t, &accepted] {
      std::mt19937 rng(100 + t);
      for (int b = 0; b < 20; ++b) {
        std::vector<IngestEvent> batch;
        for (int i = 0; i < 25; ++i) {
          IngestEvent e = RandomEvent(rng, 0, kUnits);
          e.event_id = absl::StrCat("t", t, "-", b, "-", i);
          if (i == 0) e.event_id = absl::StrCat("shared-", b);  // races
          batch.push_back(std::move(e));
        }
        absl::StatusOr<IngestResult> r = pipeline_->Track(batch, catalog_);
        ASSERT_THAT(r, IsOk());
        accepted += r->accepted + static_cast<int64_t>(r->rejected.size());
        if (t == 0 && b % 2 == 0) {
          // Expose odd units while the others track.
          Expose(absl::StrCat("u", 2 * b + 1), 1, kT0 + absl::Hours(b));
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  // Each distinct id is accepted (or rejected) exactly once.
  EXPECT_EQ(accepted.load(), 4 * 20 * 24 + 20);
  ExpectRecomputeMatches();
}

}  // namespace
}  // namespace cxlab::storage

namespace cxlab::storage {
namespace {

// A metric added to a running experiment starts empty; Rebuild fills it from
// the raw log, and the rebuilt cells equal a recompute.
TEST_F(EventPipelineTest, RebuildAfterAMetricIsAdded) {
  // The experiment starts with the conversion metric only.
  engine::Definitions narrow = MakeDefinitions();
  narrow.experiments[0].metrics = {"conv"};
  auto narrow_snapshot = engine::ConfigSnapshot::Build(narrow);
  ASSERT_THAT(narrow_snapshot, IsOk());
  auto narrow_catalog = MetricCatalog::Build(**narrow_snapshot);
  ASSERT_THAT(narrow_catalog, IsOk());

  std::mt19937 rng(99);
  std::vector<ExposureRecord> exposures;
  for (int u = 0; u < 50; ++u) {
    ExposureRecord r;
    r.unit_type = "user";
    r.unit_id = absl::StrCat("u", u);
    r.experiment_key = "exp";
    r.variant_index = u % 2;
    r.time = kT0;
    exposures.push_back(r);
  }
  ASSERT_THAT(pipeline_->OnExposures(exposures, *narrow_catalog), IsOk());
  std::vector<IngestEvent> events;
  for (int i = 0; i < 300; ++i) events.push_back(RandomEvent(rng, i, 50));
  ASSERT_THAT(pipeline_->Track(events, *narrow_catalog), IsOk());
  EXPECT_EQ(Total(0, "revenue").n, 0);  // not a metric of the experiment yet

  // Revenue, NPS and the ratio are added: rebuild under the full catalog.
  absl::StatusOr<int64_t> units = pipeline_->Rebuild("exp", catalog_);
  ASSERT_THAT(units, IsOk());
  EXPECT_EQ(*units, 50);
  EXPECT_EQ(Total(0, "revenue").n, 25);
  EXPECT_EQ(Total(1, "revenue").n, 25);
  EXPECT_GT(Total(0, "revenue").sum + Total(1, "revenue").sum, 0);
  ExpectRecomputeMatches();

  // Rebuilding again changes nothing, and new events keep the cells exact.
  ASSERT_THAT(pipeline_->Rebuild("exp", catalog_), IsOk());
  std::vector<IngestEvent> more;
  for (int i = 300; i < 400; ++i) more.push_back(RandomEvent(rng, i, 50));
  ASSERT_THAT(pipeline_->Track(more, catalog_), IsOk());
  ExpectRecomputeMatches();
  EXPECT_EQ(pipeline_->Rebuild("missing", catalog_).status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace cxlab::storage
