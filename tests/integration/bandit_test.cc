// Copyright 2026 The cxlab Authors.
//
// Bandit allocation end to end below gRPC: the engine evaluates visitors
// with the server's overrides (sticky store + learned ranges), exposures
// and conversions go through the Tracker, and the BanditManager re-weights
// from the aggregates. With a fixed seed, after enough traffic each persona
// sends most of its new visitors to the variant that converts best for it,
// and exposed units keep their variant across weight versions (sticky).

#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "api/server/bandit_manager.h"
#include "cxlab/v1/events.grpc.pb.h"
#include "cxlab/v1/personalization.grpc.pb.h"
#include "cxlab/v1/reports.grpc.pb.h"
#include "engine/evaluator.h"
#include "engine/json.h"
#include "gtest/gtest.h"
#include "storage/config_manager.h"
#include "storage/database.h"
#include "storage/keys.h"
#include "storage/tracker.h"
#include "tests/integration/server_fixture.h"

namespace cxlab::integration {
namespace {

engine::Value Json(const char* text) {
  absl::StatusOr<engine::Value> v = engine::ParseJson(text);
  EXPECT_TRUE(v.ok());
  return v.ok() ? *v : engine::Value();
}

class BanditTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = storage::Database::Open(dir_.path());
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
    auto config = storage::ConfigManager::Open(*db_);
    ASSERT_TRUE(config.ok());
    config_ = *std::move(config);

    engine::Definitions defs;
    engine::MetricDef conversion;
    conversion.key = "conversion";
    conversion.event = "purchase";
    defs.metrics.push_back(conversion);
    engine::SegmentDef runners;
    runners.key = "runners";
    runners.condition = Json(R"({"runner": true})");
    defs.segments.push_back(runners);
    engine::ExperimentDef e;
    e.key = "reco";
    e.status = engine::ExperimentStatus::kRunning;
    for (const char* key : {"control", "bestsellers", "running_picks"}) {
      engine::VariantDef v;
      v.key = key;
      e.variants.push_back(v);
    }
    e.metrics = {"conversion"};
    e.bandit = engine::ExperimentDef::Bandit{"conversion", 60, 0.05};
    defs.experiments.push_back(e);
    auto applied = config_->Apply(defs, false, {"test", absl::Now()});
    ASSERT_TRUE(applied.ok()) << applied.status();

    auto tracker = storage::Tracker::Create(*db_, *config_, {});
    ASSERT_TRUE(tracker.ok());
    tracker_ = *std::move(tracker);
    api::BanditOptions options;
    options.background = false;
    auto manager =
        api::BanditManager::Start(*config_, *tracker_, *db_, options);
    ASSERT_TRUE(manager.ok()) << manager.status();
    bandits_ = *std::move(manager);
  }

  void TearDown() override {
    bandits_.reset();
    tracker_.reset();
    config_.reset();
    db_.reset();
  }

  // One round: `n` new visitors (half runners) are assigned with the
  // server's overrides, exposed, and convert at their persona's true rate.
  // Returns the variant per visitor.
  std::map<std::string, int> Round(int round, int n, std::mt19937_64& rng) {
    std::shared_ptr<const engine::ConfigSnapshot> snap = config_->snapshot();
    const engine::CompiledExperiment& e = *snap->FindExperiment("reco");
    api::ServerOverrides overrides(tracker_.get(), bandits_->Current());
    std::vector<storage::ExposureRecord> exposures;
    std::vector<storage::IngestEvent> events;
    std::map<std::string, int> out;
    const absl::Time now = absl::Now();
    for (int i = 0; i < n; ++i) {
      const bool runner = i % 2 == 0;
      engine::Unit unit;
      const std::string id = absl::StrCat("v", round, "-", i);
      unit.ids = {{"user", id}};
      unit.attributes = runner ? Json(R"({"runner": true})") : Json("{}");
      engine::UnitEvaluator eval(*snap, unit, now, &overrides);
      const engine::Assignment a = eval.Evaluate(e);
      EXPECT_EQ(a.reason, engine::Reason::kAssigned);
      out[id] = a.variant;
      storage::ExposureRecord r;
      r.unit_type = "user";
      r.unit_id = id;
      r.experiment_key = "reco";
      r.variant_index = a.variant;
      r.time = now;
      r.segments = {runner ? "runners"
                           : std::string(storage::keys::kNoPersonaSegment)};
      if (!a.from_store) {
        r.bucket_version = 0;
        r.sticky_id = std::string(a.hashed_id);
      }
      exposures.push_back(r);
      // True rates: runners love running_picks, others bestsellers.
      const double rate = runner ? (a.variant == 2 ? 0.30 : 0.05)
                                 : (a.variant == 1 ? 0.25 : 0.05);
      const double u = static_cast<double>(rng() >> 11) * 0x1.0p-53;
      if (u < rate) {
        storage::IngestEvent ev;
        ev.event_id = id + "-buy";
        ev.unit_type = "user";
        ev.unit_id = id;
        ev.name = "purchase";
        ev.time = now + absl::Seconds(1);
        events.push_back(ev);
      }
    }
    EXPECT_TRUE(tracker_->RecordExposures(exposures).ok());
    EXPECT_TRUE(tracker_->Track(events).ok());
    return out;
  }

  const storage::BanditContext* Context(const storage::BanditState& s,
                                        const std::string& segment) {
    for (const storage::BanditContext& c : s.contexts) {
      if (c.segment == segment) return &c;
    }
    return nullptr;
  }

  TempDir dir_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<storage::ConfigManager> config_;
  std::unique_ptr<storage::Tracker> tracker_;
  std::unique_ptr<api::BanditManager> bandits_;
};

TEST_F(BanditTest, LearnsTheBestContentPerPersonaAndStaysSticky) {
  std::mt19937_64 rng(7);
  std::map<std::string, int> first_round;
  absl::StatusOr<storage::BanditState> state;
  for (int round = 0; round < 12; ++round) {
    std::map<std::string, int> assigned = Round(round, 400, rng);
    if (round == 0) first_round = assigned;
    state = bandits_->Reweight("reco", absl::Now());
    ASSERT_TRUE(state.ok()) << state.status();
    EXPECT_EQ(state->version, round + 1);
  }
  const storage::BanditContext* runners = Context(*state, "runners");
  const storage::BanditContext* others = Context(*state, "");
  ASSERT_NE(runners, nullptr);
  ASSERT_NE(others, nullptr);
  EXPECT_GT(runners->weights[2], 0.8) << "runners -> running_picks";
  EXPECT_GT(others->weights[1], 0.8) << "no persona -> bestsellers";
  for (double w : runners->weights) EXPECT_GE(w, 0.05 - 1e-12);  // the floor
  EXPECT_EQ(state->history.size(), 12u);

  // New visitors follow the learned weights...
  std::map<std::string, int> last = Round(100, 400, rng);
  int runners_on_picks = 0;
  for (int i = 0; i < 400; i += 2) {
    runners_on_picks += last[absl::StrCat("v100-", i)] == 2;
  }
  EXPECT_GT(runners_on_picks, 150);
  // ...while the first round's units keep their variant (sticky).
  std::shared_ptr<const engine::ConfigSnapshot> snap = config_->snapshot();
  api::ServerOverrides overrides(tracker_.get(), bandits_->Current());
  for (int i = 0; i < 400; i += 37) {
    const std::string id = absl::StrCat("v0-", i);
    engine::Unit unit;
    unit.ids = {{"user", id}};
    unit.attributes = i % 2 == 0 ? Json(R"({"runner": true})") : Json("{}");
    engine::UnitEvaluator eval(*snap, unit, absl::Now(), &overrides);
    const engine::Assignment a = eval.Evaluate(*snap->FindExperiment("reco"));
    EXPECT_TRUE(a.from_store) << id;
    EXPECT_EQ(a.variant, first_round[id]) << id;
  }

  // The state survives a restart of the manager.
  bandits_.reset();
  api::BanditOptions options;
  options.background = false;
  auto reopened = api::BanditManager::Start(*config_, *tracker_, *db_, options);
  ASSERT_TRUE(reopened.ok());
  auto loaded = (*reopened)->State("reco");
  ASSERT_TRUE(loaded.ok());
  ASSERT_TRUE(loaded->has_value());
  EXPECT_EQ((*loaded)->version, 12);
  EXPECT_EQ((*reopened)->Current()->experiments.at("reco").version, 12);
  bandits_ = *std::move(reopened);
  EXPECT_EQ(bandits_->State("nope").status().code(),
            absl::StatusCode::kNotFound);
}

// Through gRPC: the server's BanditManager re-weights on its own schedule,
// GetBanditState shows the weights, and Assign keeps exposed units sticky.
class BanditServerTest : public ServerTest {};

TEST_F(BanditServerTest, ServerLearnsAndAssignStaysSticky) {
  auto events = v1::EventService::NewStub(channel_);
  auto personalization = v1::PersonalizationService::NewStub(channel_);
  v1::CreateMetricRequest metric;
  metric.mutable_metric()->set_key("conversion");
  metric.mutable_metric()->set_type(v1::METRIC_TYPE_BINOMIAL);
  metric.mutable_metric()->set_event("purchase");
  v1::Metric created;
  ASSERT_OK(Exp(&ES::CreateMetric, metric, &created, kAdminKey));
  v1::Experiment e =
      MakeExperiment("reco", {0.5, 0.5}, v1::EXPERIMENT_STATUS_RUNNING);
  e.add_metrics("conversion");
  e.mutable_bandit()->set_metric("conversion");
  e.mutable_bandit()->set_interval_minutes(0.005);  // 0.3 s
  e.mutable_bandit()->set_min_share(0.05);
  ASSERT_OK(CreateExperiment(e));

  auto state = [&]() {
    v1::GetBanditStateRequest request;
    request.set_experiment_key("reco");
    v1::BanditState out;
    auto context = Ctx(kAdminKey);
    grpc::Status st =
        personalization->GetBanditState(context.get(), request, &out);
    EXPECT_TRUE(st.ok()) << Describe(st);
    return out;
  };
  // Expose 200 units; only variant v1 converts.
  std::map<std::string, std::string> first;
  v1::TrackRequest track;
  for (int i = 0; i < 200; ++i) {
    const std::string id = absl::StrCat("u", i);
    v1::AssignResponse response;
    ASSERT_OK(Assign(MakeUnit(id), {"reco"}, &response));
    first[id] = response.assignments(0).variant_key();
    if (first[id] == "v1") {
      v1::Event* ev = track.add_events();
      ev->set_event_id(id + "-buy");
      ev->set_unit_id(id);
      ev->set_name("purchase");
    }
  }
  {
    // GetStats records Assign's queued exposures first.
    v1::GetStatsRequest request;
    request.set_experiment_key("reco");
    v1::GetStatsResponse ignored;
    auto context = Ctx(kAdminKey);
    ASSERT_OK(events->GetStats(context.get(), request, &ignored));
  }
  {
    v1::TrackResponse tracked;
    auto context = Ctx(kAdminKey);
    ASSERT_OK(events->Track(context.get(), track, &tracked));
  }
  // Wait (at most 10 s) for a re-weighting that saw the conversions.
  v1::BanditState learned;
  for (int i = 0; i < 100; ++i) {
    learned = state();
    bool saw = false;
    for (const v1::BanditContextWeights& c : learned.contexts()) {
      if (c.segment().empty() && c.conversions_size() == 2 &&
          c.conversions(1) > 0) {
        saw = true;
      }
    }
    if (saw) break;
    absl::SleepFor(absl::Milliseconds(100));
  }
  ASSERT_GE(learned.version(), 1);
  ASSERT_EQ(learned.variant_keys_size(), 2);
  EXPECT_EQ(learned.metric_key(), "conversion");
  EXPECT_GE(learned.history_size(), 1);
  const v1::BanditContextWeights* none = nullptr;
  for (const v1::BanditContextWeights& c : learned.contexts()) {
    if (c.segment().empty()) none = &c;
  }
  ASSERT_NE(none, nullptr);
  EXPECT_GT(none->weights(1), 0.9);  // v1 converts, v0 never does

  // Exposed units keep their variant; new units mostly get v1.
  for (const auto& [id, variant] : first) {
    v1::AssignResponse response;
    ASSERT_OK(Assign(MakeUnit(id), {"reco"}, &response));
    EXPECT_EQ(response.assignments(0).variant_key(), variant) << id;
  }
  int to_v1 = 0;
  for (int i = 0; i < 200; ++i) {
    v1::AssignResponse response;
    ASSERT_OK(Assign(MakeUnit(absl::StrCat("new", i)), {"reco"}, &response));
    to_v1 += response.assignments(0).variant_key() == "v1";
  }
  EXPECT_GT(to_v1, 160);

  // The report says the weights moved; not a bandit / unknown are errors.
  auto reports = v1::ReportService::NewStub(channel_);
  v1::GetReportRequest report_request;
  report_request.set_experiment_key("reco");
  v1::Report report;
  {
    auto context = Ctx(kAdminKey);
    ASSERT_OK(reports->GetReport(context.get(), report_request, &report));
  }
  ASSERT_GE(report.warnings_size(), 1);
  EXPECT_EQ(report.warnings(0).code(), "bandit_weights_changed");
  EXPECT_FALSE(report.srm().mismatch());
  v1::GetBanditStateRequest bad;
  bad.set_experiment_key("nope");
  v1::BanditState ignored;
  auto context = Ctx(kAdminKey);
  EXPECT_EQ(personalization->GetBanditState(context.get(), bad, &ignored)
                .error_code(),
            grpc::StatusCode::NOT_FOUND);
}

}  // namespace
}  // namespace cxlab::integration
