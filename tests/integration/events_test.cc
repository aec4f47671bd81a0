// Copyright 2026 The cxlab Authors.
//
// EventService over a real gRPC channel: exposures logged by Assign, events
// attributed to them, exact aggregates for a hand-computed set of events,
// duplicates counted once, bad events rejected per index while the rest of
// the batch is kept, and Verify agreeing with a recompute after random
// traffic.

#include <cmath>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "cxlab/v1/events.grpc.pb.h"
#include "tests/integration/server_fixture.h"

namespace cxlab::integration {
namespace {

using EvS = v1::EventService::Stub;
using ::testing::HasSubstr;

class EventsTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    events_ = v1::EventService::NewStub(channel_);
    // Metrics and one running experiment that references them.
    v1::CreateMetricRequest conversion;
    conversion.mutable_metric()->set_key("conversion");
    conversion.mutable_metric()->set_type(v1::METRIC_TYPE_BINOMIAL);
    conversion.mutable_metric()->set_event("purchase");
    v1::Metric out;
    ASSERT_OK(Exp(&ES::CreateMetric, conversion, &out, kAdminKey));
    v1::CreateMetricRequest revenue;
    revenue.mutable_metric()->set_key("revenue");
    revenue.mutable_metric()->set_type(v1::METRIC_TYPE_MEAN);
    revenue.mutable_metric()->set_event("purchase");
    ASSERT_OK(Exp(&ES::CreateMetric, revenue, &out, kAdminKey));
    v1::CreateMetricRequest nps;
    nps.mutable_metric()->set_key("nps");
    nps.mutable_metric()->set_type(v1::METRIC_TYPE_NPS);
    nps.mutable_metric()->set_event("survey_nps");
    ASSERT_OK(Exp(&ES::CreateMetric, nps, &out, kAdminKey));
    v1::Experiment e = MakeExperiment("checkout", {0.5, 0.5},
                                      v1::EXPERIMENT_STATUS_RUNNING);
    e.add_metrics("conversion");
    e.add_metrics("revenue");
    e.add_guardrails("nps");
    ASSERT_OK(CreateExperiment(e));
  }

  // Assigns `unit_id` to checkout (logging the exposure); returns the
  // variant key.
  std::string Expose(const std::string& unit_id) {
    v1::AssignResponse response;
    grpc::Status st = Assign(MakeUnit(unit_id), {"checkout"}, &response);
    EXPECT_TRUE(st.ok()) << Describe(st);
    // Assign queues the exposure; GetStats records the queue, so events
    // tracked next are attributed (and validated) against it.
    Stats();
    if (!st.ok() || response.assignments_size() != 1) return "";
    return response.assignments(0).variant_key();
  }

  static v1::Event Event(const std::string& id, const std::string& unit,
                         const std::string& name, double value) {
    v1::Event e;
    e.set_event_id(id);
    e.set_unit_id(unit);
    e.set_name(name);
    e.set_value(value);
    return e;
  }

  grpc::Status Track(const std::vector<v1::Event>& events,
                     v1::TrackResponse* out) {
    v1::TrackRequest request;
    for (const v1::Event& e : events) *request.add_events() = e;
    auto context = Ctx(kAdminKey);
    return events_->Track(context.get(), request, out);
  }

  std::map<std::string, v1::MetricStats> Stats() {
    v1::GetStatsRequest request;
    request.set_experiment_key("checkout");
    v1::GetStatsResponse response;
    auto context = Ctx(kAdminKey);
    grpc::Status st = events_->GetStats(context.get(), request, &response);
    EXPECT_TRUE(st.ok()) << Describe(st);
    std::map<std::string, v1::MetricStats> out;
    for (const v1::MetricStats& s : response.stats()) {
      out[s.variant_key() + "/" + s.metric_key()] = s;
    }
    return out;
  }

  bool VerifyOk() {
    v1::VerifyResponse response;
    auto context = Ctx(kAdminKey);
    grpc::Status st =
        events_->Verify(context.get(), v1::VerifyRequest(), &response);
    EXPECT_TRUE(st.ok()) << Describe(st);
    for (const std::string& d : response.differences()) ADD_FAILURE() << d;
    return response.ok();
  }

  std::unique_ptr<EvS> events_;
};

TEST_F(EventsTest, ExactAggregatesForHandComputedEvents) {
  // Find two units in each variant.
  std::map<std::string, std::vector<std::string>> by_variant;
  for (int i = 0; by_variant["v0"].size() < 2 || by_variant["v1"].size() < 2;
       ++i) {
    std::string unit = absl::StrCat("u", i);
    std::string variant = Expose(unit);
    if (by_variant[variant].size() < 2) by_variant[variant].push_back(unit);
  }
  const std::string a0 = by_variant["v0"][0], a1 = by_variant["v0"][1];
  const std::string b0 = by_variant["v1"][0], b1 = by_variant["v1"][1];

  v1::TrackResponse response;
  ASSERT_OK(Track({Event("e1", a0, "purchase", 30), Event("e2", a0, "purchase", 20),
                   Event("e3", b0, "purchase", 100), Event("e4", b1, "survey_nps", 10),
                   Event("e5", a1, "survey_nps", 3), Event("e6", a1, "page_view", 1)},
                  &response));
  EXPECT_EQ(response.accepted(), 6);
  EXPECT_EQ(response.duplicates(), 0);
  EXPECT_EQ(response.errors_size(), 0);

  std::map<std::string, v1::MetricStats> s = Stats();
  // Every unit exposed before the events counts (units found while looking
  // for two per variant are exposed too: n >= 2).
  const int64_t n0 = s["v0/conversion"].n(), n1 = s["v1/conversion"].n();
  EXPECT_GE(n0, 2);
  EXPECT_GE(n1, 2);
  // Conversion: a0 bought (1); b0 bought (1).
  EXPECT_DOUBLE_EQ(s["v0/conversion"].sum(), 1);
  EXPECT_DOUBLE_EQ(s["v1/conversion"].sum(), 1);
  // Revenue: a0 = 30 + 20 = 50; b0 = 100.
  EXPECT_DOUBLE_EQ(s["v0/revenue"].sum(), 50);
  EXPECT_DOUBLE_EQ(s["v0/revenue"].sum_sq(), 2500);
  EXPECT_DOUBLE_EQ(s["v1/revenue"].sum(), 100);
  EXPECT_EQ(s["v0/revenue"].n(), n0);
  // NPS counts responders only: a1 answered 3 (detractor, -1); b1 answered
  // 10 (promoter, +1).
  EXPECT_EQ(s["v0/nps"].n(), 1);
  EXPECT_DOUBLE_EQ(s["v0/nps"].sum(), -1);
  EXPECT_EQ(s["v1/nps"].n(), 1);
  EXPECT_DOUBLE_EQ(s["v1/nps"].sum(), 1);

  // Retrying the same batch counts nothing twice.
  v1::TrackResponse again;
  ASSERT_OK(Track({Event("e1", a0, "purchase", 30), Event("e3", b0, "purchase", 100)},
                  &again));
  EXPECT_EQ(again.accepted(), 0);
  EXPECT_EQ(again.duplicates(), 2);
  EXPECT_DOUBLE_EQ(Stats()["v0/revenue"].sum(), 50);
  EXPECT_TRUE(VerifyOk());
}

TEST_F(EventsTest, BadEventsAreRejectedPerIndexAndTheRestIsKept) {
  Expose("u-1");
  v1::Event future = Event("f", "u-1", "purchase", 1);
  future.mutable_time()->set_seconds(absl::ToUnixSeconds(absl::Now()) +
                                     3 * 86400);
  v1::TrackResponse response;
  ASSERT_OK(Track({Event("ok1", "u-1", "purchase", 5),
                   Event("", "u-1", "purchase", 1),
                   Event("nan", "u-1", "purchase", std::nan("")),
                   future,
                   Event("nps11", "u-1", "survey_nps", 11),
                   Event("ok2", "u-1", "purchase", 7)},
                  &response));
  EXPECT_EQ(response.accepted(), 2);
  ASSERT_EQ(response.errors_size(), 4);
  EXPECT_EQ(response.errors(0).index(), 1);
  EXPECT_EQ(response.errors(0).message(), "events[1].event_id: must not be empty");
  EXPECT_EQ(response.errors(1).index(), 2);
  EXPECT_THAT(response.errors(1).message(), HasSubstr("events[2].value: must be a finite number"));
  EXPECT_EQ(response.errors(2).index(), 3);
  EXPECT_THAT(response.errors(2).message(), HasSubstr("24 hours in the future"));
  EXPECT_EQ(response.errors(3).index(), 4);
  EXPECT_THAT(response.errors(3).message(), HasSubstr("NPS answers must be integers 0-10, got 11"));
  // The rejected NPS answer left nothing behind; the purchases count.
  std::map<std::string, v1::MetricStats> s = Stats();
  double revenue = s["v0/revenue"].sum() + s["v1/revenue"].sum();
  EXPECT_DOUBLE_EQ(revenue, 12);
  EXPECT_EQ(s["v0/nps"].n() + s["v1/nps"].n(), 0);
  EXPECT_TRUE(VerifyOk());
}

TEST_F(EventsTest, BatchLimitsAndRoles) {
  v1::TrackResponse response;
  std::vector<v1::Event> many(10001, Event("x", "u", "purchase", 1));
  EXPECT_CODE(Track(many, &response), grpc::StatusCode::INVALID_ARGUMENT,
                "events: at most 10000 events per call, got 10001");
  std::string reader = CreateKey(v1::ROLE_READER);
  std::string sdk = CreateKey(v1::ROLE_SDK);
  v1::TrackRequest request;
  *request.add_events() = Event("r1", "u", "purchase", 1);
  {
    // Roles are ordered: a reader may also track, and read statistics.
    auto context = Ctx(reader);
    v1::GetStatsRequest stats_request;
    stats_request.set_experiment_key("checkout");
    v1::GetStatsResponse stats;
    EXPECT_TRUE(events_->GetStats(context.get(), stats_request, &stats).ok());
  }
  {
    auto context = Ctx(sdk);
    EXPECT_TRUE(events_->Track(context.get(), request, &response).ok());
    v1::GetStatsRequest stats_request;
    stats_request.set_experiment_key("checkout");
    v1::GetStatsResponse stats;
    auto context2 = Ctx(sdk);
    EXPECT_EQ(events_->GetStats(context2.get(), stats_request, &stats).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
  }
}

TEST_F(EventsTest, VerifyAgreesAfterRandomTraffic) {
  std::mt19937 rng(7);
  std::vector<std::string> units;
  for (int i = 0; i < 100; ++i) {
    units.push_back(absl::StrCat("r", i));
    if (i % 4 != 0) Expose(units.back());  // some units never exposed
  }
  const char* names[] = {"purchase", "survey_nps", "page_view"};
  for (int batch = 0; batch < 10; ++batch) {
    std::vector<v1::Event> events;
    for (int k = 0; k < 100; ++k) {
      const std::string& unit = units[rng() % units.size()];
      const char* name = names[rng() % 3];
      double value = std::string(name) == "survey_nps" ? rng() % 11
                                                       : (rng() % 10000) / 100.0;
      // Some ids repeat across batches (retries).
      events.push_back(Event(absl::StrCat("ev", rng() % 900), unit, name, value));
    }
    v1::TrackResponse response;
    ASSERT_OK(Track(events, &response));
    EXPECT_EQ(response.accepted() + response.duplicates() +
                  response.errors_size(),
              100);
  }
  EXPECT_TRUE(VerifyOk());
}

TEST_F(EventsTest, RecomputeRebuildsAggregatesExactly) {
  for (int i = 0; i < 20; ++i) Expose(absl::StrCat("rc", i));
  v1::TrackResponse tracked;
  std::vector<v1::Event> events;
  for (int i = 0; i < 20; ++i) {
    events.push_back(Event(absl::StrCat("rc-e", i), absl::StrCat("rc", i),
                           "purchase", 10 + i));
  }
  ASSERT_OK(Track(events, &tracked));
  std::map<std::string, v1::MetricStats> before = Stats();

  v1::RecomputeRequest request;
  request.set_experiment_key("checkout");
  // Streams progress; the last message is done with every unit replayed.
  auto recompute = [&](const std::string& key,
                       std::vector<v1::RecomputeProgress>* messages) {
    auto context = Ctx(key);
    auto reader = events_->Recompute(context.get(), request);
    v1::RecomputeProgress progress;
    while (reader->Read(&progress)) messages->push_back(progress);
    return reader->Finish();
  };
  std::vector<v1::RecomputeProgress> messages;
  ASSERT_OK(recompute(kAdminKey, &messages));
  ASSERT_FALSE(messages.empty());
  EXPECT_TRUE(messages.back().done());
  EXPECT_EQ(messages.back().units(), 20);
  EXPECT_EQ(messages.back().total_units(), 20);
  for (size_t i = 0; i + 1 < messages.size(); ++i) {
    EXPECT_FALSE(messages[i].done());
    EXPECT_LE(messages[i].units(), messages[i].total_units());
  }
  std::map<std::string, v1::MetricStats> after = Stats();
  for (const auto& [cell, stats] : before) {
    EXPECT_EQ(after[cell].n(), stats.n()) << cell;
    EXPECT_NEAR(after[cell].sum(), stats.sum(), 1e-9) << cell;
  }
  EXPECT_TRUE(VerifyOk());

  // Editors and admins only; unknown experiments are NOT_FOUND.
  std::string sdk = CreateKey(v1::ROLE_SDK);
  messages.clear();
  EXPECT_EQ(recompute(sdk, &messages).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(messages.empty());
  request.set_experiment_key("nope");
  EXPECT_EQ(recompute(kAdminKey, &messages).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_TRUE(messages.empty());
}

TEST_F(EventsTest, PersonaSegmentsAreRecordedAtExposureAndBrokenDown) {
  v1::CreateSegmentRequest runners;
  runners.mutable_segment()->set_key("runners");
  *runners.mutable_segment()->mutable_condition() =
      StructFromJson(R"({"runner": true})");
  v1::Segment created;
  ASSERT_OK(Exp(&ES::CreateSegment, runners, &created, kAdminKey));

  // Assign (server-side evaluation): the unit's attributes decide.
  std::map<std::string, std::string> variant;
  std::set<std::string> runner_ids = {"local-runner"};
  for (int i = 0; i < 20; ++i) {
    const std::string id = absl::StrCat("p", i);
    if (i % 2 == 0) runner_ids.insert(id);
    v1::AssignResponse response;
    ASSERT_OK(Assign(MakeUnit(id, i % 2 == 0 ? R"({"runner": true})" : "{}"),
                     {"checkout"}, &response));
    ASSERT_EQ(response.assignments_size(), 1);
    variant[id] = response.assignments(0).variant_key();
  }
  // TrackExposures (client-side evaluation) with attributes.
  v1::TrackExposuresRequest explicit_request;
  v1::Exposure* x = explicit_request.add_exposures();
  x->set_experiment_key("checkout");
  x->set_variant_key("v1");
  x->set_unit_id("local-runner");
  *x->mutable_attributes() = StructFromJson(R"({"runner": true})");
  v1::TrackExposuresResponse explicit_response;
  {
    auto context = Ctx(kAdminKey);
    ASSERT_OK(events_->TrackExposures(context.get(), explicit_request,
                                      &explicit_response));
  }
  variant["local-runner"] = "v1";

  std::vector<v1::Event> events;
  for (const auto& [id, v] : variant) {
    events.push_back(Event("buy-" + id, id, "purchase", 10));
  }
  v1::TrackResponse tracked;
  ASSERT_OK(Track(events, &tracked));

  auto stats = [&](const std::string& segment) {
    v1::GetStatsRequest request;
    request.set_experiment_key("checkout");
    request.set_segment(segment);
    v1::GetStatsResponse response;
    auto context = Ctx(kAdminKey);
    grpc::Status st = events_->GetStats(context.get(), request, &response);
    EXPECT_TRUE(st.ok()) << Describe(st);
    return response;
  };
  int64_t runners_per_variant[2] = {0, 0};
  for (const auto& [id, v] : variant) {
    if (runner_ids.count(id) > 0) ++runners_per_variant[v == "v0" ? 0 : 1];
  }
  v1::GetStatsResponse all = stats("");
  v1::GetStatsResponse only_runners = stats("runners");
  ASSERT_EQ(all.exposed_units_size(), 2);
  ASSERT_EQ(only_runners.exposed_units_size(), 2);
  EXPECT_EQ(all.exposed_units(0) + all.exposed_units(1), 21);
  EXPECT_EQ(only_runners.exposed_units(0), runners_per_variant[0]);
  EXPECT_EQ(only_runners.exposed_units(1), runners_per_variant[1]);
  EXPECT_EQ(only_runners.exposed_units(0) + only_runners.exposed_units(1), 11);
  for (const v1::MetricStats& m : only_runners.stats()) {
    if (m.metric_key() != "revenue") continue;
    const int index = m.variant_key() == "v0" ? 0 : 1;
    EXPECT_EQ(m.n(), runners_per_variant[index]);
    EXPECT_DOUBLE_EQ(m.sum(), 10.0 * runners_per_variant[index]);
  }
  EXPECT_TRUE(VerifyOk());

  // An unknown segment is NOT_FOUND, naming the field.
  v1::GetStatsRequest bad;
  bad.set_experiment_key("checkout");
  bad.set_segment("nope");
  v1::GetStatsResponse ignored;
  auto context = Ctx(kAdminKey);
  grpc::Status st = events_->GetStats(context.get(), bad, &ignored);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(st.error_message(), HasSubstr("segment: unknown segment 'nope'"));
}

}  // namespace
}  // namespace cxlab::integration
