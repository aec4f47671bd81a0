// Copyright 2026 The cxlab Authors.
//
// PersonalizationService.GetContent over a real gRPC channel: the content
// per persona (rule, personas, reason), the slot default, an
// experiment-backed rule whose variants carry the content and whose
// exposures show up in EventService.GetStats (overall and per persona) once
// the tracker has flushed, the opt-out of exposure logging, unknown slots,
// and the sdk role.

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cxlab/v1/events.grpc.pb.h"
#include "cxlab/v1/personalization.grpc.pb.h"
#include "tests/integration/server_fixture.h"

namespace cxlab::integration {
namespace {

using PS = v1::PersonalizationService::Stub;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

class PersonalizationTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    content_ = v1::PersonalizationService::NewStub(channel_);
    events_ = v1::EventService::NewStub(channel_);

    for (const auto& [key, condition] :
         std::vector<std::pair<std::string, std::string>>{
             {"runners", R"({"interests": {"$elemMatch": {"$eq": "running"}}})"},
             {"families", R"({"children": {"$gt": 0}})"}}) {
      v1::CreateSegmentRequest request;
      request.mutable_segment()->set_key(key);
      *request.mutable_segment()->mutable_condition() =
          StructFromJson(condition);
      v1::Segment out;
      ASSERT_OK(Exp(&ES::CreateSegment, request, &out));
    }
    v1::CreateMetricRequest metric;
    metric.mutable_metric()->set_key("conversion");
    metric.mutable_metric()->set_type(v1::METRIC_TYPE_BINOMIAL);
    metric.mutable_metric()->set_event("purchase");
    v1::Metric metric_out;
    ASSERT_OK(Exp(&ES::CreateMetric, metric, &metric_out));

    // The runners' hero is A/B tested: v0 (control, no payload) gets the
    // slot default, v1 its payload {"variant": "v1"}.
    v1::Experiment e = MakeExperiment("hero_test", {0.5, 0.5},
                                      v1::EXPERIMENT_STATUS_RUNNING);
    e.mutable_variants(0)->clear_payload();
    e.add_metrics("conversion");
    ASSERT_OK(CreateExperiment(e));

    v1::CreateSlotRequest hero;
    v1::Slot& slot = *hero.mutable_slot();
    slot.set_key("home.hero");
    *slot.mutable_default_content() = ValueFromJson(R"({"title": "Welcome"})");
    AddRule(slot, "families", 10, {"families"}, R"({"title": "Kids gear"})");
    AddRule(slot, "runners_tested", 5, {"runners"}, "").set_experiment(
        "hero_test");
    AddRule(slot, "runners", 20, {"runners"}, R"({"title": "Run"})");
    v1::Slot out;
    ASSERT_OK(Exp(&ES::CreateSlot, hero, &out));

    v1::CreateSlotRequest hint;
    hint.mutable_slot()->set_key("checkout.hint");
    *hint.mutable_slot()->mutable_default_content() =
        ValueFromJson(R"("Free returns")");
    AddRule(*hint.mutable_slot(), "families", 1, {"families"},
            R"("Kids' sizes exchanged free")");
    ASSERT_OK(Exp(&ES::CreateSlot, hint, &out));
  }

  static v1::SlotRule& AddRule(v1::Slot& slot, const std::string& key,
                               int64_t priority,
                               const std::vector<std::string>& segments,
                               const std::string& content_json) {
    v1::SlotRule& rule = *slot.add_rules();
    rule.set_key(key);
    rule.set_priority(priority);
    for (const std::string& s : segments) rule.add_segments(s);
    if (!content_json.empty()) {
      *rule.mutable_content() = ValueFromJson(content_json);
    }
    return rule;
  }

  grpc::Status GetContent(const v1::Unit& unit,
                          const std::vector<std::string>& slots,
                          v1::GetContentResponse* out,
                          const std::string& key = kAdminKey,
                          std::optional<bool> log_exposure = std::nullopt) {
    v1::GetContentRequest request;
    *request.mutable_unit() = unit;
    for (const std::string& s : slots) request.add_slots(s);
    if (log_exposure.has_value()) request.set_log_exposure(*log_exposure);
    auto context = Ctx(key);
    return content_->GetContent(context.get(), request, out);
  }

  v1::GetStatsResponse Stats(const std::string& segment = "") {
    v1::GetStatsRequest request;
    request.set_experiment_key("hero_test");
    request.set_segment(segment);
    v1::GetStatsResponse response;
    auto context = Ctx(kAdminKey);
    grpc::Status st = events_->GetStats(context.get(), request, &response);
    EXPECT_TRUE(st.ok()) << Describe(st);
    return response;
  }

  static std::string Json(const google::protobuf::Value& v) {
    std::string out;
    EXPECT_TRUE(google::protobuf::util::MessageToJsonString(v, &out).ok());
    return out;
  }

  std::unique_ptr<PS> content_;
  std::unique_ptr<v1::EventService::Stub> events_;
};

TEST_F(PersonalizationTest, ServesTheContentOfEachPersona) {
  // Every slot, ordered by key, for a family visitor.
  v1::GetContentResponse family;
  ASSERT_OK(GetContent(MakeUnit("fam-1", R"({"children": 2})"), {}, &family));
  ASSERT_EQ(family.contents_size(), 2);
  EXPECT_GT(family.config_version(), 0);
  EXPECT_EQ(family.contents(0).slot(), "checkout.hint");
  EXPECT_EQ(Json(family.contents(0).content()),
            R"("Kids' sizes exchanged free")");
  const v1::SlotContent& hero = family.contents(1);
  EXPECT_EQ(hero.slot(), "home.hero");
  EXPECT_EQ(hero.rule_id(), "families");
  EXPECT_EQ(hero.reason(), "rule");
  EXPECT_FALSE(hero.is_default());
  EXPECT_THAT(hero.matched_segments(), ElementsAre("families"));
  EXPECT_EQ(hero.experiment_key(), "");
  EXPECT_EQ(Json(hero.content()), R"({"title":"Kids gear"})");

  // Nobody in particular: the defaults.
  v1::GetContentResponse nobody;
  ASSERT_OK(GetContent(MakeUnit("anon-1"), {"checkout.hint", "home.hero"},
                       &nobody));
  ASSERT_EQ(nobody.contents_size(), 2);
  EXPECT_EQ(nobody.contents(0).slot(), "checkout.hint");
  EXPECT_EQ(Json(nobody.contents(0).content()), R"("Free returns")");
  const v1::SlotContent& fallback = nobody.contents(1);
  EXPECT_EQ(fallback.reason(), "default");
  EXPECT_TRUE(fallback.is_default());
  EXPECT_EQ(fallback.rule_id(), "");
  EXPECT_THAT(fallback.matched_segments(), IsEmpty());
  EXPECT_EQ(Json(fallback.content()), R"({"title":"Welcome"})");

  // A running parent: the runners' experiment has priority 5, before the
  // families' rule (10).
  v1::GetContentResponse both;
  ASSERT_OK(GetContent(
      MakeUnit("both-1", R"({"children": 1, "interests": ["running"]})"),
      {"home.hero"}, &both));
  ASSERT_EQ(both.contents_size(), 1);
  EXPECT_EQ(both.contents(0).rule_id(), "runners_tested");
  EXPECT_THAT(both.contents(0).matched_segments(), ElementsAre("runners"));
}

TEST_F(PersonalizationTest, ExperimentBackedRuleServesVariantsAndLogsExposures) {
  std::map<std::string, int64_t> per_variant;
  for (int i = 0; i < 30; ++i) {
    const v1::Unit unit = MakeUnit(absl::StrCat("runner-", i),
                                   R"({"interests": ["running"]})");
    v1::GetContentResponse response;
    ASSERT_OK(GetContent(unit, {"home.hero"}, &response));
    ASSERT_EQ(response.contents_size(), 1);
    const v1::SlotContent& c = response.contents(0);
    EXPECT_EQ(c.rule_id(), "runners_tested");
    EXPECT_EQ(c.experiment_key(), "hero_test");
    ++per_variant[c.variant_key()];
    if (c.variant_key() == "v0") {
      EXPECT_EQ(c.reason(), "experiment_control_default");
      EXPECT_EQ(Json(c.content()), R"({"title":"Welcome"})");
    } else {
      EXPECT_EQ(c.variant_key(), "v1");
      EXPECT_EQ(c.reason(), "experiment_variant");
      EXPECT_EQ(Json(c.content()), R"({"variant":"v1"})");
    }
    EXPECT_FALSE(c.is_default());
    // GetContent and Assign agree on the unit's variant.
    v1::AssignResponse assigned;
    v1::AssignRequest request;
    *request.mutable_unit() = unit;
    request.add_experiment_keys("hero_test");
    request.set_log_exposure(false);
    ASSERT_OK(Asg(&AS::Assign, request, &assigned));
    EXPECT_EQ(assigned.assignments(0).variant_key(), c.variant_key());
  }
  ASSERT_EQ(per_variant.size(), 2u);

  // Opted out: served, not recorded.
  v1::GetContentResponse quiet;
  ASSERT_OK(GetContent(MakeUnit("runner-quiet", R"({"interests": ["running"]})"),
                       {"home.hero"}, &quiet, kAdminKey, false));
  EXPECT_EQ(quiet.contents(0).experiment_key(), "hero_test");
  // Units outside the experiment's rule record nothing either.
  v1::GetContentResponse family;
  ASSERT_OK(GetContent(MakeUnit("fam-9", R"({"children": 3})"), {}, &family));

  server_->tracker().Flush();
  v1::GetStatsResponse all = Stats();
  ASSERT_EQ(all.exposed_units_size(), 2);
  EXPECT_EQ(all.exposed_units(0), per_variant["v0"]);
  EXPECT_EQ(all.exposed_units(1), per_variant["v1"]);
  // The persona was recorded with the exposure, as Assign records it.
  v1::GetStatsResponse runners = Stats("runners");
  ASSERT_EQ(runners.exposed_units_size(), 2);
  EXPECT_EQ(runners.exposed_units(0) + runners.exposed_units(1), 30);
  v1::GetStatsResponse families = Stats("families");
  ASSERT_EQ(families.exposed_units_size(), 2);
  EXPECT_EQ(families.exposed_units(0) + families.exposed_units(1), 0);

  // Asking again does not count the units twice.
  for (int i = 0; i < 5; ++i) {
    v1::GetContentResponse again;
    ASSERT_OK(GetContent(MakeUnit(absl::StrCat("runner-", i),
                                  R"({"interests": ["running"]})"),
                         {}, &again));
  }
  server_->tracker().Flush();
  v1::GetStatsResponse after = Stats();
  EXPECT_EQ(after.exposed_units(0) + after.exposed_units(1), 30);
}

TEST_F(PersonalizationTest, UnitsLeftOutOfThePausedExperimentGetTheNextRule) {
  v1::LifecycleRequest pause;
  pause.set_key("hero_test");
  v1::Experiment paused;
  ASSERT_OK(Exp(&ES::PauseExperiment, pause, &paused));
  v1::GetContentResponse response;
  ASSERT_OK(GetContent(MakeUnit("runner-1", R"({"interests": ["running"]})"),
                       {"home.hero"}, &response));
  EXPECT_EQ(response.contents(0).rule_id(), "runners");
  EXPECT_EQ(response.contents(0).reason(), "rule");
  EXPECT_EQ(response.contents(0).experiment_key(), "");
  EXPECT_EQ(Json(response.contents(0).content()), R"({"title":"Run"})");
}

TEST_F(PersonalizationTest, UnknownSlotsAndBadUnitsAreNamed) {
  v1::GetContentResponse out;
  EXPECT_CODE(GetContent(MakeUnit("u1"), {"home.hero", "home.heor"}, &out),
              grpc::StatusCode::INVALID_ARGUMENT,
              "slots[1]: unknown slot 'home.heor'");
  EXPECT_CODE(GetContent(MakeUnit(""), {"home.hero"}, &out),
              grpc::StatusCode::INVALID_ARGUMENT,
              "unit.unit_id: must not be empty");
}

TEST_F(PersonalizationTest, SdkRoleServesAndNoKeyIsUnauthenticated) {
  const std::string sdk = CreateKey(v1::ROLE_SDK);
  v1::GetContentResponse out;
  EXPECT_OK(GetContent(MakeUnit("u1"), {"home.hero"}, &out, sdk));
  EXPECT_EQ(out.contents_size(), 1);
  EXPECT_CODE(GetContent(MakeUnit("u1"), {"home.hero"}, &out, ""),
              grpc::StatusCode::UNAUTHENTICATED, "");
  EXPECT_CODE(GetContent(MakeUnit("u1"), {"home.hero"}, &out, "not-a-key"),
              grpc::StatusCode::UNAUTHENTICATED, "");
}

}  // namespace
}  // namespace cxlab::integration
