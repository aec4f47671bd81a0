// Copyright 2026 The cxlab Authors.
//
// AssignmentService over a real gRPC channel: answers match the engine
// evaluated locally on the same definitions, malformed requests get
// INVALID_ARGUMENT naming the field, batches keep their order.

#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "api/convert/convert.h"
#include "engine/evaluator.h"
#include "engine/json.h"
#include "engine/snapshot.h"
#include "google/protobuf/util/message_differencer.h"
#include "tests/integration/server_fixture.h"

namespace cxlab::integration {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

v1::Reason ExpectedReason(engine::Reason reason) {
  switch (reason) {
    case engine::Reason::kAssigned:
      return v1::REASON_ASSIGNED;
    case engine::Reason::kNotRunning:
      return v1::REASON_NOT_RUNNING;
    case engine::Reason::kNotTargeted:
      return v1::REASON_NOT_TARGETED;
    case engine::Reason::kNotInCoverage:
      return v1::REASON_NOT_IN_COVERAGE;
    case engine::Reason::kLayerExcluded:
      return v1::REASON_LAYER_EXCLUDED;
    case engine::Reason::kHoldout:
      return v1::REASON_HOLDOUT;
    case engine::Reason::kForced:
      return v1::REASON_FORCED;
    case engine::Reason::kOutsideSchedule:
      return v1::REASON_OUTSIDE_SCHEDULE;
    case engine::Reason::kLaunched:
      return v1::REASON_LAUNCHED;
    case engine::Reason::kMissingUnitId:
      return v1::REASON_MISSING_UNIT_ID;
  }
  return v1::REASON_UNSPECIFIED;
}

// Varied attributes for unit i, so targeting, segments, groups and the
// forced overrides of the repo's definitions all come into play.
std::string Attributes(int i) {
  return absl::StrFormat(
      R"({"visits": %d, "last_visit_days": %d, "cart": {"items": %d},)"
      R"( "customer_id": "%s", "household": {"children": %d}, "age": %d,)"
      R"( "interests": [%s], "device": {"type": "%s"},)"
      R"( "app_version": "4.%d.0", "coupon_uses_90d": %d})",
      i % 5, i % 120, i % 3, i % 17 == 0 ? "cust-100021" : "cust-x", i % 3,
      20 + i % 40, i % 2 == 0 ? R"("running")" : R"("hiking")",
      i % 4 == 0 ? "mobile" : "desktop", i % 6, i % 4);
}

std::string UnitId(int i) {
  // A few QA ids hit the forced variants of checkout_redesign.
  if (i == 7) return "qa-user-1";
  if (i == 8) return "qa-user-2";
  return absl::StrCat("visitor-", i);
}

engine::Unit LocalUnit(const std::string& id, const std::string& attributes) {
  engine::Unit unit;
  unit.ids = {{"user", id}};
  absl::StatusOr<engine::Value> attrs = engine::ParseJson(attributes);
  EXPECT_TRUE(attrs.ok()) << attrs.status();
  if (attrs.ok()) unit.attributes = *attrs;
  return unit;
}

// Compares one server answer with the local engine's.
void ExpectSame(const engine::Assignment& local, const v1::Assignment& remote,
                const std::string& unit_id) {
  SCOPED_TRACE(
      absl::StrCat("unit ", unit_id, ", experiment ", remote.experiment_key()));
  ASSERT_NE(local.experiment, nullptr);
  EXPECT_EQ(remote.experiment_key(), local.experiment->key());
  EXPECT_EQ(remote.variant_index(), local.variant);
  EXPECT_EQ(remote.variant_key(), std::string(local.variant_key()));
  EXPECT_EQ(remote.reason(), ExpectedReason(local.reason));
  EXPECT_EQ(remote.in_experiment(), local.in_experiment());
  EXPECT_EQ(remote.used_fallback(), local.used_fallback);
  if (local.in_experiment() &&
      !local.experiment->def->variants[local.variant].payload.is_null()) {
    ASSERT_TRUE(remote.has_payload());
    google::protobuf::Value expected;
    api::ToProtoValue(local.experiment->def->variants[local.variant].payload,
                      &expected);
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equivalent(
        expected, remote.payload()))
        << expected.DebugString() << " vs " << remote.payload().DebugString();
  } else {
    EXPECT_FALSE(remote.has_payload());
  }
}

class AssignTest : public ServerTest {};

TEST_F(AssignTest, RepoDefinitionsMatchLocalEngine) {
  ApplyRepoDefinitions();
  absl::StatusOr<std::shared_ptr<const engine::ConfigSnapshot>> snapshot =
      engine::ConfigSnapshot::Build(RepoDefinitions(), 1);
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  const int64_t version = WatchedVersion();

  std::vector<std::string> all_keys;
  for (const engine::CompiledExperiment& e : (*snapshot)->experiments()) {
    all_keys.push_back(e.key());
  }
  int in_aa = 0, forced = 0, assigned = 0;
  for (int i = 0; i < 200; ++i) {
    const std::string id = UnitId(i);
    const std::string attrs = Attributes(i);
    SCOPED_TRACE(id);
    engine::Unit unit = LocalUnit(id, attrs);
    engine::UnitEvaluator evaluator(**snapshot, unit, absl::Now());
    std::vector<engine::Assignment> local;
    evaluator.EvaluateAll(local);

    // Every running or launched experiment.
    v1::AssignResponse response;
    ASSERT_OK(Assign(MakeUnit(id, attrs), {}, &response));
    EXPECT_EQ(response.config_version(), version);
    std::map<std::string, const v1::Assignment*> by_key;
    for (const v1::Assignment& a : response.assignments()) {
      EXPECT_TRUE(by_key.emplace(a.experiment_key(), &a).second)
          << "duplicate " << a.experiment_key();
    }
    ASSERT_EQ(by_key.size(), local.size());
    for (const engine::Assignment& a : local) {
      auto it = by_key.find(a.experiment->key());
      ASSERT_NE(it, by_key.end()) << a.experiment->key();
      ExpectSame(a, *it->second, id);
      if (a.reason == engine::Reason::kForced) ++forced;
      if (a.reason == engine::Reason::kAssigned) ++assigned;
      if (a.experiment->key() == "aa_randomization_check" &&
          a.in_experiment()) {
        ++in_aa;
      }
    }

    // Named experiments (drafts included), in request order.
    ASSERT_OK(Assign(MakeUnit(id, attrs), all_keys, &response));
    ASSERT_EQ(response.assignments_size(), static_cast<int>(all_keys.size()));
    for (size_t k = 0; k < all_keys.size(); ++k) {
      const engine::CompiledExperiment* e =
          (*snapshot)->FindExperiment(all_keys[k]);
      ASSERT_NE(e, nullptr);
      ExpectSame(evaluator.Evaluate(*e), response.assignments(k), id);
    }
  }
  // The A/A test runs on all traffic, exempt from the holdout.
  EXPECT_EQ(in_aa, 200);
  EXPECT_GE(forced, 2);
  EXPECT_GT(assigned, 200);
}

TEST_F(AssignTest, CreatedExperimentMatchesLocalEngineWithPayloads) {
  v1::Experiment created;
  ASSERT_OK(CreateExperiment(
      MakeExperiment("simple", {0.2, 0.3, 0.5}, v1::EXPERIMENT_STATUS_RUNNING),
      &created));
  // The engine on the same (stored) definition.
  absl::StatusOr<engine::ExperimentDef> def = api::FromProto(created);
  ASSERT_TRUE(def.ok()) << def.status();
  engine::Definitions defs;
  defs.experiments.push_back(*def);
  auto snapshot = engine::ConfigSnapshot::Build(defs, 1);
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  const engine::CompiledExperiment* local =
      (*snapshot)->FindExperiment("simple");
  ASSERT_NE(local, nullptr);

  const int64_t version = WatchedVersion();
  EXPECT_EQ(version, created.meta().version());
  int counts[3] = {0, 0, 0};
  for (int i = 0; i < 200; ++i) {
    const std::string id = absl::StrCat("u-", i);
    v1::AssignResponse response;
    ASSERT_OK(Assign(MakeUnit(id), {"simple"}, &response));
    EXPECT_EQ(response.config_version(), version);
    ASSERT_EQ(response.assignments_size(), 1);
    const v1::Assignment& a = response.assignments(0);
    engine::Unit unit = LocalUnit(id, "{}");
    engine::UnitEvaluator evaluator(**snapshot, unit, absl::Now());
    ExpectSame(evaluator.Evaluate(*local), a, id);
    ASSERT_EQ(a.reason(), v1::REASON_ASSIGNED);
    ASSERT_TRUE(a.in_experiment());
    ASSERT_GE(a.variant_index(), 0);
    ASSERT_LT(a.variant_index(), 3);
    ++counts[a.variant_index()];
    EXPECT_EQ(a.variant_key(), absl::StrCat("v", a.variant_index()));
    ASSERT_TRUE(a.has_payload());
    EXPECT_EQ(a.payload().struct_value().fields().at("variant").string_value(),
              a.variant_key());
  }
  for (int c : counts) EXPECT_GT(c, 0);
}

TEST_F(AssignTest, UnknownExperimentIsAnsweredPerKey) {
  ASSERT_OK(CreateExperiment(
      MakeExperiment("known", {0.5, 0.5}, v1::EXPERIMENT_STATUS_RUNNING)));
  v1::AssignResponse response;
  ASSERT_OK(Assign(MakeUnit("u-1"), {"known", "no_such_experiment", "known"},
                   &response));
  ASSERT_EQ(response.assignments_size(), 3);
  EXPECT_EQ(response.assignments(0).experiment_key(), "known");
  EXPECT_EQ(response.assignments(0).reason(), v1::REASON_ASSIGNED);
  const v1::Assignment& unknown = response.assignments(1);
  EXPECT_EQ(unknown.experiment_key(), "no_such_experiment");
  EXPECT_EQ(unknown.reason(), v1::REASON_UNKNOWN_EXPERIMENT);
  EXPECT_EQ(unknown.variant_index(), -1);
  EXPECT_EQ(unknown.variant_key(), "");
  EXPECT_FALSE(unknown.in_experiment());
  EXPECT_FALSE(unknown.has_payload());
  EXPECT_EQ(response.assignments(2).variant_key(),
            response.assignments(0).variant_key());

  // Only unknown keys: still OK.
  ASSERT_OK(Assign(MakeUnit("u-1"), {"nope"}, &response));
  ASSERT_EQ(response.assignments_size(), 1);
  EXPECT_EQ(response.assignments(0).reason(), v1::REASON_UNKNOWN_EXPERIMENT);
}

TEST_F(AssignTest, DraftExperimentIsNotRunningAndNotListed) {
  ASSERT_OK(CreateExperiment(MakeExperiment("draft_exp", {0.5, 0.5})));
  ASSERT_OK(CreateExperiment(
      MakeExperiment("live_exp", {0.5, 0.5}, v1::EXPERIMENT_STATUS_RUNNING)));
  v1::AssignResponse response;
  ASSERT_OK(Assign(MakeUnit("u-1"), {"draft_exp"}, &response));
  ASSERT_EQ(response.assignments_size(), 1);
  EXPECT_EQ(response.assignments(0).reason(), v1::REASON_NOT_RUNNING);
  EXPECT_EQ(response.assignments(0).variant_index(), -1);
  EXPECT_FALSE(response.assignments(0).in_experiment());
  EXPECT_FALSE(response.assignments(0).has_payload());

  ASSERT_OK(Assign(MakeUnit("u-1"), {}, &response));
  ASSERT_EQ(response.assignments_size(), 1);
  EXPECT_EQ(response.assignments(0).experiment_key(), "live_exp");
}

TEST_F(AssignTest, TargetingUsesAttributes) {
  v1::Experiment e =
      MakeExperiment("us_only", {0.5, 0.5}, v1::EXPERIMENT_STATUS_RUNNING);
  *e.mutable_condition() = StructFromJson(R"({"country": "US"})");
  ASSERT_OK(CreateExperiment(e));
  v1::AssignResponse response;
  ASSERT_OK(
      Assign(MakeUnit("u-1", R"({"country": "US"})"), {"us_only"}, &response));
  EXPECT_EQ(response.assignments(0).reason(), v1::REASON_ASSIGNED);
  ASSERT_OK(
      Assign(MakeUnit("u-1", R"({"country": "DE"})"), {"us_only"}, &response));
  EXPECT_EQ(response.assignments(0).reason(), v1::REASON_NOT_TARGETED);
  ASSERT_OK(Assign(MakeUnit("u-1"), {"us_only"}, &response));
  EXPECT_EQ(response.assignments(0).reason(), v1::REASON_NOT_TARGETED);
}

TEST_F(AssignTest, OtherUnitTypesAndFallback) {
  v1::Experiment by_device =
      MakeExperiment("by_device", {0.5, 0.5}, v1::EXPERIMENT_STATUS_RUNNING);
  by_device.set_unit_type("device");
  ASSERT_OK(CreateExperiment(by_device));
  v1::Experiment with_fallback =
      MakeExperiment("by_account", {0.5, 0.5}, v1::EXPERIMENT_STATUS_RUNNING);
  with_fallback.set_unit_type("account");
  with_fallback.set_fallback_attribute("device_id");
  ASSERT_OK(CreateExperiment(with_fallback));

  for (int i = 0; i < 20; ++i) {
    const std::string device = absl::StrCat("d-", i);
    // A user with a device id hashes like the device itself.
    v1::Unit user = MakeUnit(absl::StrCat("user-", i));
    (*user.mutable_ids())["device"] = device;
    v1::Unit as_device = MakeUnit(device);
    as_device.set_unit_type("device");
    v1::AssignResponse a, b;
    ASSERT_OK(Assign(user, {"by_device"}, &a));
    ASSERT_OK(Assign(as_device, {"by_device"}, &b));
    EXPECT_EQ(a.assignments(0).reason(), v1::REASON_ASSIGNED);
    EXPECT_EQ(a.assignments(0).variant_key(), b.assignments(0).variant_key());
  }
  v1::AssignResponse response;
  // No device id: nothing to hash.
  ASSERT_OK(Assign(MakeUnit("user-x"), {"by_device"}, &response));
  EXPECT_EQ(response.assignments(0).reason(), v1::REASON_MISSING_UNIT_ID);
  EXPECT_FALSE(response.assignments(0).in_experiment());
  // No account id: the fallback attribute is hashed.
  ASSERT_OK(Assign(MakeUnit("user-x", R"({"device_id": "dev-77"})"),
                   {"by_account"}, &response));
  EXPECT_EQ(response.assignments(0).reason(), v1::REASON_ASSIGNED);
  EXPECT_TRUE(response.assignments(0).used_fallback());
}

TEST_F(AssignTest, MalformedUnitsAreInvalidArgumentNamingTheField) {
  ASSERT_OK(CreateExperiment(
      MakeExperiment("exp", {0.5, 0.5}, v1::EXPERIMENT_STATUS_RUNNING)));
  v1::AssignResponse response;

  grpc::Status st = Assign(MakeUnit(""), {"exp"}, &response);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(st.error_message(), "unit.unit_id: must not be empty");

  // No unit at all is the same as an empty id.
  v1::AssignRequest no_unit;
  EXPECT_CODE(Asg(&AS::Assign, no_unit, &response),
              grpc::StatusCode::INVALID_ARGUMENT, "unit.unit_id");

  EXPECT_OK(Assign(MakeUnit(std::string(1024, 'x')), {"exp"}, &response));
  EXPECT_CODE(Assign(MakeUnit(std::string(1025, 'x')), {"exp"}, &response),
              grpc::StatusCode::INVALID_ARGUMENT, "unit.unit_id");

  v1::Unit long_id = MakeUnit("u-1");
  (*long_id.mutable_ids())["device"] = std::string(2000, 'd');
  EXPECT_CODE(Assign(long_id, {"exp"}, &response),
              grpc::StatusCode::INVALID_ARGUMENT, "unit.ids[device]");

  // Attributes: up to 64 KiB serialised.
  v1::Unit big = MakeUnit("u-1");
  (*big.mutable_attributes()->mutable_fields())["blob"].set_string_value(
      std::string(70 * 1024, 'a'));
  st = Assign(big, {"exp"}, &response);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << Describe(st);
  EXPECT_THAT(st.error_message(), StartsWith("unit.attributes"));
  EXPECT_THAT(st.error_message(), HasSubstr("64 KiB"));

  v1::Unit fits = MakeUnit("u-1");
  (*fits.mutable_attributes()->mutable_fields())["blob"].set_string_value(
      std::string(60 * 1024, 'a'));
  EXPECT_OK(Assign(fits, {"exp"}, &response));
}

TEST_F(AssignTest, OmitPayloads) {
  ASSERT_OK(CreateExperiment(
      MakeExperiment("exp", {0.5, 0.5}, v1::EXPERIMENT_STATUS_RUNNING)));
  v1::AssignRequest request;
  *request.mutable_unit() = MakeUnit("u-1");
  request.add_experiment_keys("exp");
  v1::AssignResponse with, without;
  ASSERT_OK(Asg(&AS::Assign, request, &with));
  request.set_omit_payloads(true);
  ASSERT_OK(Asg(&AS::Assign, request, &without));
  ASSERT_EQ(with.assignments_size(), 1);
  ASSERT_EQ(without.assignments_size(), 1);
  EXPECT_TRUE(with.assignments(0).has_payload());
  EXPECT_TRUE(without.assignments(0).in_experiment());
  EXPECT_FALSE(without.assignments(0).has_payload());
  EXPECT_EQ(with.assignments(0).variant_key(),
            without.assignments(0).variant_key());
}

TEST_F(AssignTest, BatchLimitsAndBadUnits) {
  ASSERT_OK(CreateExperiment(
      MakeExperiment("exp", {0.5, 0.5}, v1::EXPERIMENT_STATUS_RUNNING)));
  v1::AssignBatchResponse response;

  v1::AssignBatchRequest empty;
  grpc::Status st = Asg(&AS::AssignBatch, empty, &response);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.error_message(), StartsWith("units"));

  v1::AssignBatchRequest too_many;
  for (int i = 0; i < 10001; ++i) {
    *too_many.add_units() = MakeUnit(absl::StrCat("u-", i));
  }
  st = Asg(&AS::AssignBatch, too_many, &response);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.error_message(), StartsWith("units"));
  EXPECT_THAT(st.error_message(), HasSubstr("10000"));

  v1::AssignBatchRequest bad;
  for (int i = 0; i < 5; ++i) {
    *bad.add_units() = MakeUnit(i == 2 ? "" : absl::StrCat("u-", i));
  }
  st = Asg(&AS::AssignBatch, bad, &response);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.error_message(), StartsWith("units[2].unit_id"));

  v1::AssignBatchRequest big_attrs;
  for (int i = 0; i < 5; ++i) {
    v1::Unit u = MakeUnit(absl::StrCat("u-", i));
    if (i == 3) {
      (*u.mutable_attributes()->mutable_fields())["blob"].set_string_value(
          std::string(70 * 1024, 'a'));
    }
    *big_attrs.add_units() = u;
  }
  st = Asg(&AS::AssignBatch, big_attrs, &response);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.error_message(), StartsWith("units[3].attributes"));
}

TEST_F(AssignTest, FullBatchKeepsOrderAndMatchesSingleAssign) {
  ASSERT_OK(CreateExperiment(
      MakeExperiment("exp", {0.5, 0.5}, v1::EXPERIMENT_STATUS_RUNNING)));
  ASSERT_OK(CreateExperiment(
      MakeExperiment("exp2", {0.1, 0.9}, v1::EXPERIMENT_STATUS_RUNNING)));
  const int64_t version = WatchedVersion();
  v1::AssignBatchRequest request;
  for (int i = 0; i < 10000; ++i) {
    *request.add_units() = MakeUnit(absl::StrCat("batch-", i));
  }
  request.add_experiment_keys("exp");
  request.add_experiment_keys("missing");
  request.add_experiment_keys("exp2");
  v1::AssignBatchResponse response;
  ASSERT_OK(Asg(&AS::AssignBatch, request, &response));
  EXPECT_EQ(response.config_version(), version);
  ASSERT_EQ(response.results_size(), 10000);
  for (int i = 0; i < 10000; ++i) {
    const v1::UnitAssignments& r = response.results(i);
    ASSERT_EQ(r.unit_id(), absl::StrCat("batch-", i));
    ASSERT_EQ(r.assignments_size(), 3);
    ASSERT_EQ(r.assignments(0).experiment_key(), "exp");
    ASSERT_EQ(r.assignments(1).reason(), v1::REASON_UNKNOWN_EXPERIMENT);
    ASSERT_EQ(r.assignments(2).experiment_key(), "exp2");
    ASSERT_TRUE(r.assignments(0).has_payload());
  }
  for (int i = 0; i < 10000; i += 997) {
    v1::AssignResponse single;
    ASSERT_OK(Assign(MakeUnit(absl::StrCat("batch-", i)),
                     {"exp", "missing", "exp2"}, &single));
    ASSERT_EQ(single.assignments_size(), 3);
    for (int k = 0; k < 3; ++k) {
      EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(
          single.assignments(k), response.results(i).assignments(k)))
          << single.assignments(k).DebugString() << " vs "
          << response.results(i).assignments(k).DebugString();
    }
  }

  // omit_payloads applies to batches too.
  request.set_omit_payloads(true);
  request.mutable_units()->DeleteSubrange(10, 9990);
  ASSERT_OK(Asg(&AS::AssignBatch, request, &response));
  ASSERT_EQ(response.results_size(), 10);
  for (const v1::UnitAssignments& r : response.results()) {
    for (const v1::Assignment& a : r.assignments()) {
      EXPECT_FALSE(a.has_payload());
    }
  }
}

// The version an Assign answers with is the server's config version, also
// after a write that is not a definition (an API key).
TEST_F(AssignTest, ConfigVersionFollowsEveryWrite) {
  ASSERT_OK(CreateExperiment(
      MakeExperiment("exp", {0.5, 0.5}, v1::EXPERIMENT_STATUS_RUNNING)));
  v1::AssignResponse response;
  ASSERT_OK(Assign(MakeUnit("u-1"), {"exp"}, &response));
  EXPECT_EQ(response.config_version(), WatchedVersion());
  EXPECT_EQ(response.config_version(), server_->config().version());

  CreateKey(v1::ROLE_SDK);
  ASSERT_OK(Assign(MakeUnit("u-1"), {"exp"}, &response));
  EXPECT_EQ(response.config_version(), WatchedVersion());
  EXPECT_EQ(response.config_version(), server_->config().version());
}

// Attributes may nest up to 64 levels (api/convert/convert.h); deeper is
// malformed, and the answer must be INVALID_ARGUMENT naming unit.attributes
// like every other malformed unit.
TEST_F(AssignTest, DeeplyNestedAttributesAreInvalidArgument) {
  ASSERT_OK(CreateExperiment(
      MakeExperiment("exp", {0.5, 0.5}, v1::EXPERIMENT_STATUS_RUNNING)));
  // Attributes nest at most 32 levels (api/convert/value_convert.h).
  for (int depth : {10, 32, 33}) {
    SCOPED_TRACE(absl::StrCat("depth ", depth));
    // Built by hand: protobuf's JSON parser has its own depth limit.
    google::protobuf::Struct nested;
    for (int i = 1; i < depth; ++i) {
      google::protobuf::Struct outer;
      *(*outer.mutable_fields())["a"].mutable_struct_value() =
          std::move(nested);
      nested = std::move(outer);
    }
    v1::Unit unit = MakeUnit("u-1");
    *unit.mutable_attributes() = std::move(nested);
    v1::AssignResponse response;
    grpc::Status st = Assign(unit, {"exp"}, &response);
    if (depth <= 32) {
      EXPECT_TRUE(st.ok()) << Describe(st);
    } else {
      EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
          << Describe(st);
      EXPECT_THAT(st.error_message(),
                  HasSubstr("unit.attributes: nesting deeper than 32 levels"));
    }
  }
  // Deeper still, protobuf refuses to parse the request at all; the call
  // fails (no answer is made up) and the server keeps serving.
  google::protobuf::Struct deep;
  for (int i = 1; i < 80; ++i) {
    google::protobuf::Struct outer;
    *(*outer.mutable_fields())["a"].mutable_struct_value() = std::move(deep);
    deep = std::move(outer);
  }
  v1::Unit unit = MakeUnit("u-1");
  *unit.mutable_attributes() = std::move(deep);
  v1::AssignResponse response;
  EXPECT_FALSE(Assign(unit, {"exp"}, &response).ok());
  EXPECT_TRUE(Assign(MakeUnit("u-2"), {"exp"}, &response).ok());
}

}  // namespace
}  // namespace cxlab::integration
