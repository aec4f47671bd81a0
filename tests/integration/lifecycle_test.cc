// Copyright 2026 The cxlab Authors.
//
// Experiment lifecycle over gRPC: start, pause, stop, restart with a new
// salt, launch; frozen randomisation while running; layer overlaps.

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tests/integration/server_fixture.h"

namespace cxlab::integration {
namespace {

using ::testing::HasSubstr;

class LifecycleTest : public ServerTest {
 protected:
  grpc::Status Pause(const std::string& key, v1::Experiment* out = nullptr) {
    v1::LifecycleRequest request;
    request.set_key(key);
    v1::Experiment ignored;
    return Exp(&ES::PauseExperiment, request, out ? out : &ignored);
  }
  grpc::Status Stop(const std::string& key, v1::Experiment* out = nullptr) {
    v1::LifecycleRequest request;
    request.set_key(key);
    v1::Experiment ignored;
    return Exp(&ES::StopExperiment, request, out ? out : &ignored);
  }
  grpc::Status Launch(const std::string& key, const std::string& variant,
                      v1::Experiment* out = nullptr) {
    v1::LaunchExperimentRequest request;
    request.set_key(key);
    request.set_variant_key(variant);
    v1::Experiment ignored;
    return Exp(&ES::LaunchExperiment, request, out ? out : &ignored);
  }
  grpc::Status Update(const v1::Experiment& e, int64_t expected,
                      v1::Experiment* out = nullptr) {
    v1::UpdateExperimentRequest request;
    *request.mutable_experiment() = e;
    request.mutable_experiment()->clear_meta();
    request.set_expected_version(expected);
    v1::Experiment ignored;
    return Exp(&ES::UpdateExperiment, request, out ? out : &ignored);
  }

  // The variant keys of units u-0 .. u-(n-1) for `key` ("" when none), and
  // the reasons.
  std::vector<std::string> Variants(
      const std::string& key, int n,
      std::vector<v1::Reason>* reasons = nullptr) {
    v1::AssignBatchRequest request;
    for (int i = 0; i < n; ++i) {
      *request.add_units() = MakeUnit(absl::StrCat("u-", i));
    }
    request.add_experiment_keys(key);
    v1::AssignBatchResponse response;
    grpc::Status st = Asg(&AS::AssignBatch, request, &response);
    EXPECT_TRUE(st.ok()) << Describe(st);
    std::vector<std::string> out;
    if (reasons != nullptr) reasons->clear();
    for (const v1::UnitAssignments& r : response.results()) {
      out.push_back(r.assignments(0).variant_key());
      if (reasons != nullptr) reasons->push_back(r.assignments(0).reason());
    }
    return out;
  }

  v1::Reason ReasonOf(const std::string& key) {
    v1::AssignResponse response;
    grpc::Status st = Assign(MakeUnit("u-1"), {key}, &response);
    EXPECT_TRUE(st.ok()) << Describe(st);
    return response.assignments_size() == 1 ? response.assignments(0).reason()
                                            : v1::REASON_UNSPECIFIED;
  }
};

TEST_F(LifecycleTest, StartPauseStopRestart) {
  v1::Experiment e;
  ASSERT_OK(CreateExperiment(MakeExperiment("exp", {0.5, 0.5}), &e));
  EXPECT_EQ(e.status(), v1::EXPERIMENT_STATUS_DRAFT);
  EXPECT_EQ(ReasonOf("exp"), v1::REASON_NOT_RUNNING);

  // draft -> running.
  ASSERT_OK(StartExperiment("exp", "", &e));
  EXPECT_EQ(e.status(), v1::EXPERIMENT_STATUS_RUNNING);
  std::vector<v1::Reason> reasons;
  const std::vector<std::string> first = Variants("exp", 100, &reasons);
  for (size_t i = 0; i < first.size(); ++i) {
    EXPECT_EQ(reasons[i], v1::REASON_ASSIGNED);
    EXPECT_FALSE(first[i].empty());
  }
  // Starting a running experiment again is a no-op.
  v1::Experiment again;
  ASSERT_OK(StartExperiment("exp", "", &again));
  EXPECT_EQ(again.meta().version(), e.meta().version());

  // running -> paused: nobody is assigned.
  ASSERT_OK(Pause("exp", &e));
  EXPECT_EQ(e.status(), v1::EXPERIMENT_STATUS_PAUSED);
  EXPECT_EQ(ReasonOf("exp"), v1::REASON_NOT_RUNNING);
  // paused -> running keeps the assignments.
  ASSERT_OK(StartExperiment("exp", "", &e));
  EXPECT_EQ(Variants("exp", 100), first);

  // running -> stopped.
  ASSERT_OK(Stop("exp", &e));
  EXPECT_EQ(e.status(), v1::EXPERIMENT_STATUS_STOPPED);
  EXPECT_EQ(ReasonOf("exp"), v1::REASON_NOT_RUNNING);
  // Pausing a stopped experiment is not a transition.
  EXPECT_CODE(Pause("exp"), grpc::StatusCode::FAILED_PRECONDITION, "status");

  // stopped -> running needs a new salt; the refusal changes nothing.
  const int64_t version = WatchedVersion();
  grpc::Status st = StartExperiment("exp");
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION)
      << Describe(st);
  EXPECT_THAT(st.error_message(), HasSubstr("new salt"));
  EXPECT_EQ(WatchedVersion(), version);
  v1::Experiment still;
  ASSERT_OK(GetExperiment("exp", &still));
  EXPECT_EQ(still.status(), v1::EXPERIMENT_STATUS_STOPPED);
  // Passing the current (default) salt is not a new salt.
  EXPECT_CODE(StartExperiment("exp", "exp"),
              grpc::StatusCode::FAILED_PRECONDITION, "new salt");

  ASSERT_OK(StartExperiment("exp", "exp-second-run", &e));
  EXPECT_EQ(e.status(), v1::EXPERIMENT_STATUS_RUNNING);
  EXPECT_EQ(e.salt(), "exp-second-run");
  const std::vector<std::string> second = Variants("exp", 100, &reasons);
  for (v1::Reason r : reasons) EXPECT_EQ(r, v1::REASON_ASSIGNED);
  EXPECT_NE(second, first) << "a new salt reshuffles the units";

  // A new salt on a running experiment is refused.
  EXPECT_CODE(StartExperiment("exp", "third"),
              grpc::StatusCode::FAILED_PRECONDITION, "salt");

  // Lifecycle calls on a missing experiment / empty key.
  EXPECT_CODE(StartExperiment("missing"), grpc::StatusCode::NOT_FOUND,
              "missing");
  EXPECT_CODE(Pause(""), grpc::StatusCode::INVALID_ARGUMENT, "key");
}

TEST_F(LifecycleTest, DraftCanStartWithANewSalt) {
  ASSERT_OK(CreateExperiment(MakeExperiment("exp", {0.5, 0.5})));
  v1::Experiment e;
  ASSERT_OK(StartExperiment("exp", "fresh", &e));
  EXPECT_EQ(e.status(), v1::EXPERIMENT_STATUS_RUNNING);
  EXPECT_EQ(e.salt(), "fresh");
}

TEST_F(LifecycleTest, RunningRandomisationIsFrozen) {
  v1::Experiment e;
  ASSERT_OK(CreateExperiment(
      MakeExperiment("exp", {0.5, 0.5}, v1::EXPERIMENT_STATUS_RUNNING), &e));
  const std::vector<std::string> before = Variants("exp", 50);
  const int64_t version = WatchedVersion();

  v1::Experiment weights = e;
  weights.mutable_variants(0)->set_weight(0.3);
  weights.mutable_variants(1)->set_weight(0.7);
  EXPECT_CODE(Update(weights, e.meta().version()),
              grpc::StatusCode::FAILED_PRECONDITION, "variants");

  v1::Experiment renamed_variant = e;
  renamed_variant.mutable_variants(1)->set_key("other");
  EXPECT_CODE(Update(renamed_variant, e.meta().version()),
              grpc::StatusCode::FAILED_PRECONDITION, "variants");

  v1::Experiment extra_variant =
      MakeExperiment("exp", {0.5, 0.25, 0.25}, v1::EXPERIMENT_STATUS_RUNNING);
  EXPECT_CODE(Update(extra_variant, e.meta().version()),
              grpc::StatusCode::FAILED_PRECONDITION, "variants");

  v1::Experiment salt = e;
  salt.set_salt("new-salt");
  EXPECT_CODE(Update(salt, e.meta().version()),
              grpc::StatusCode::FAILED_PRECONDITION, "salt");

  v1::Experiment unit_type = e;
  unit_type.set_unit_type("device");
  EXPECT_CODE(Update(unit_type, e.meta().version()),
              grpc::StatusCode::FAILED_PRECONDITION, "unit_type");

  // Back to draft is never allowed.
  v1::Experiment draft = e;
  draft.set_status(v1::EXPERIMENT_STATUS_DRAFT);
  EXPECT_CODE(Update(draft, e.meta().version()),
              grpc::StatusCode::FAILED_PRECONDITION, "status");

  // Nothing of the above was stored.
  EXPECT_EQ(WatchedVersion(), version);
  EXPECT_EQ(Variants("exp", 50), before);

  // Names, payloads and coverage may change.
  v1::Experiment allowed = e;
  allowed.set_name("Renamed");
  *allowed.mutable_variants(1)->mutable_payload() =
      ValueFromJson(R"({"variant": "changed"})");
  v1::Experiment updated;
  ASSERT_OK(Update(allowed, e.meta().version(), &updated));
  EXPECT_EQ(updated.name(), "Renamed");
  EXPECT_EQ(Variants("exp", 50), before);

  // Paused is frozen too.
  ASSERT_OK(Pause("exp", &updated));
  v1::Experiment paused_weights = updated;
  paused_weights.mutable_variants(0)->set_weight(0.3);
  paused_weights.mutable_variants(1)->set_weight(0.7);
  EXPECT_CODE(Update(paused_weights, updated.meta().version()),
              grpc::StatusCode::FAILED_PRECONDITION, "variants");

  // A draft may change anything.
  v1::Experiment d;
  ASSERT_OK(CreateExperiment(MakeExperiment("d", {0.5, 0.5}), &d));
  d.mutable_variants(0)->set_weight(0.3);
  d.mutable_variants(1)->set_weight(0.7);
  d.set_salt("draft-salt");
  EXPECT_OK(Update(d, d.meta().version()));
}

TEST_F(LifecycleTest, LaunchGivesEveryoneTheWinner) {
  ASSERT_OK(CreateExperiment(
      MakeExperiment("exp", {0.5, 0.5}, v1::EXPERIMENT_STATUS_RUNNING)));
  const int64_t version = WatchedVersion();
  EXPECT_CODE(Launch("exp", "no_such_variant"),
              grpc::StatusCode::INVALID_ARGUMENT, "no_such_variant");
  EXPECT_CODE(Launch("exp", ""), grpc::StatusCode::INVALID_ARGUMENT,
              "variant_key");
  EXPECT_EQ(WatchedVersion(), version);
  v1::Experiment still;
  ASSERT_OK(GetExperiment("exp", &still));
  EXPECT_EQ(still.status(), v1::EXPERIMENT_STATUS_RUNNING);

  v1::Experiment launched;
  ASSERT_OK(Launch("exp", "v1", &launched));
  EXPECT_EQ(launched.status(), v1::EXPERIMENT_STATUS_LAUNCHED);
  EXPECT_EQ(launched.winner(), "v1");
  std::vector<v1::Reason> reasons;
  const std::vector<std::string> variants = Variants("exp", 200, &reasons);
  ASSERT_EQ(variants.size(), 200u);
  for (size_t i = 0; i < variants.size(); ++i) {
    EXPECT_EQ(variants[i], "v1") << "u-" << i;
    EXPECT_EQ(reasons[i], v1::REASON_LAUNCHED) << "u-" << i;
  }
  // The payload comes with the winner, and the launched experiment is part
  // of "every running or launched".
  v1::AssignResponse response;
  ASSERT_OK(Assign(MakeUnit("someone"), {}, &response));
  ASSERT_EQ(response.assignments_size(), 1);
  EXPECT_EQ(response.assignments(0).variant_index(), 1);
  EXPECT_TRUE(response.assignments(0).in_experiment());
  EXPECT_EQ(response.assignments(0)
                .payload()
                .struct_value()
                .fields()
                .at("variant")
                .string_value(),
            "v1");

  // launched -> stopped retires it; launched -> running is refused.
  EXPECT_CODE(StartExperiment("exp"), grpc::StatusCode::FAILED_PRECONDITION,
              "status");
  ASSERT_OK(Stop("exp"));
  EXPECT_EQ(ReasonOf("exp"), v1::REASON_NOT_RUNNING);
}

TEST_F(LifecycleTest, LaunchFromDraftIsRefused) {
  ASSERT_OK(CreateExperiment(MakeExperiment("exp", {0.5, 0.5})));
  EXPECT_CODE(Launch("exp", "v0"), grpc::StatusCode::FAILED_PRECONDITION,
              "status");
}

class LayerTest : public LifecycleTest {
 protected:
  void SetUp() override {
    LifecycleTest::SetUp();
    v1::CreateLayerRequest request;
    request.mutable_layer()->set_key("pricing");
    request.mutable_layer()->set_salt("pricing-salt");
    v1::Layer layer;
    ASSERT_OK(Exp(&ES::CreateLayer, request, &layer));
  }

  static v1::Experiment InLayer(const std::string& key, double start,
                                double end, v1::ExperimentStatus status) {
    v1::Experiment e = MakeExperiment(key, {0.5, 0.5}, status);
    e.set_layer("pricing");
    e.mutable_layer_range()->set_start(start);
    e.mutable_layer_range()->set_end(end);
    return e;
  }
};

TEST_F(LayerTest, RunningRangesCannotOverlap) {
  ASSERT_OK(
      CreateExperiment(InLayer("a", 0, 0.5, v1::EXPERIMENT_STATUS_RUNNING)));
  const int64_t version = WatchedVersion();
  grpc::Status st =
      CreateExperiment(InLayer("b", 0.4, 0.9, v1::EXPERIMENT_STATUS_RUNNING));
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << Describe(st);
  EXPECT_THAT(st.error_message(), HasSubstr("overlaps"));
  EXPECT_THAT(st.error_message(), HasSubstr("layer_range"));
  v1::Experiment missing;
  EXPECT_CODE(GetExperiment("b", &missing), grpc::StatusCode::NOT_FOUND, "b");
  EXPECT_EQ(WatchedVersion(), version);

  // Adjacent ranges are fine; units split between the two.
  ASSERT_OK(
      CreateExperiment(InLayer("b", 0.5, 1.0, v1::EXPERIMENT_STATUS_RUNNING)));
  std::vector<v1::Reason> in_a, in_b;
  Variants("a", 200, &in_a);
  Variants("b", 200, &in_b);
  int a_count = 0, b_count = 0;
  for (int i = 0; i < 200; ++i) {
    const bool a = in_a[i] == v1::REASON_ASSIGNED;
    const bool b = in_b[i] == v1::REASON_ASSIGNED;
    EXPECT_NE(a, b) << "u-" << i << " must be in exactly one experiment";
    if (!a) {
      EXPECT_EQ(in_a[i], v1::REASON_LAYER_EXCLUDED);
    }
    if (!b) {
      EXPECT_EQ(in_b[i], v1::REASON_LAYER_EXCLUDED);
    }
    a_count += a;
    b_count += b;
  }
  EXPECT_GT(a_count, 0);
  EXPECT_GT(b_count, 0);
}

TEST_F(LayerTest, RestartIntoAnOverlapIsRefused) {
  ASSERT_OK(
      CreateExperiment(InLayer("a", 0, 0.5, v1::EXPERIMENT_STATUS_RUNNING)));
  ASSERT_OK(Stop("a"));
  // A stopped experiment holds no range.
  ASSERT_OK(CreateExperiment(
      InLayer("b", 0.25, 0.75, v1::EXPERIMENT_STATUS_RUNNING)));
  const int64_t version = WatchedVersion();
  grpc::Status st = StartExperiment("a", "a-second-run");
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << Describe(st);
  EXPECT_THAT(st.error_message(), HasSubstr("overlaps"));
  v1::Experiment a;
  ASSERT_OK(GetExperiment("a", &a));
  EXPECT_EQ(a.status(), v1::EXPERIMENT_STATUS_STOPPED);
  EXPECT_EQ(WatchedVersion(), version);
}

}  // namespace
}  // namespace cxlab::integration
