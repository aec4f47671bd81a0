// Copyright 2026 The cxlab Authors.
//
// Apply and Validate of the repo's experiments/ definitions, a restart on
// the same data dir, every other service answering a named error for an
// empty request, and the gRPC health service.

#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cxlab/v1/events.grpc.pb.h"
#include "cxlab/v1/personalization.grpc.pb.h"
#include "cxlab/v1/reports.grpc.pb.h"
#include "google/protobuf/util/message_differencer.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "tests/integration/server_fixture.h"

namespace cxlab::integration {
namespace {

using google::protobuf::util::MessageDifferencer;
using ::testing::HasSubstr;

// Field-level differences of two messages, for failure output.
std::string Diff(const google::protobuf::Message& a,
                 const google::protobuf::Message& b) {
  std::string report;
  MessageDifferencer differencer;
  differencer.ReportDifferencesToString(&report);
  differencer.Compare(a, b);
  return report;
}

class ApplyTest : public ServerTest {
 protected:
  // Definitions of the repo with one weight broken: aa_randomization_check's
  // second variant goes from 0.5 to 0.4 (sum 0.9).
  static v1::Definitions BrokenDefinitions() {
    v1::Definitions defs = ToProtoDefinitions(RepoDefinitions());
    for (v1::Experiment& e : *defs.mutable_experiments()) {
      if (e.key() == "aa_randomization_check") {
        EXPECT_EQ(e.variants_size(), 2);
        e.mutable_variants(1)->set_weight(0.4);
      }
    }
    return defs;
  }
};

TEST_F(ApplyTest, RepoDefinitionsCreateEverythingThenAreUnchanged) {
  std::string editor_id;
  const std::string editor = CreateKey(v1::ROLE_EDITOR, &editor_id);
  const v1::Definitions defs = ToProtoDefinitions(RepoDefinitions());
  const int objects = CountObjects(defs);
  ASSERT_GT(objects, 20);
  const int64_t before = WatchedVersion();

  v1::ApplyRequest request;
  *request.mutable_definitions() = defs;
  v1::ApplyResponse first;
  ASSERT_OK(Exp(&ES::Apply, request, &first, editor));
  ASSERT_EQ(first.changes_size(), objects);
  for (const v1::PlannedChange& c : first.changes()) {
    EXPECT_EQ(c.action(), v1::PlannedChange::ACTION_CREATE)
        << c.kind() << " " << c.key();
  }
  // One version per object, one audit record each.
  EXPECT_EQ(first.config_version(), before + objects);
  EXPECT_EQ(WatchedVersion(), first.config_version());
  std::vector<v1::Change> changes = AllChanges();
  ASSERT_GE(changes.size(), static_cast<size_t>(objects));
  for (int i = 0; i < objects; ++i) {
    EXPECT_EQ(changes[i].action(), "create");
    EXPECT_EQ(changes[i].actor(), editor_id);
  }

  // Every object exists, equal to its definition.
  v1::ListExperimentsResponse experiments;
  ASSERT_OK(Exp(&ES::ListExperiments, v1::ListRequest(), &experiments));
  EXPECT_EQ(experiments.experiments_size(), defs.experiments_size());
  std::map<std::string, v1::Experiment> by_key;
  for (const v1::Experiment& e : experiments.experiments()) {
    by_key[e.key()] = e;
  }
  for (const v1::Experiment& want : defs.experiments()) {
    auto it = by_key.find(want.key());
    ASSERT_NE(it, by_key.end()) << want.key();
    v1::Experiment got = it->second;
    EXPECT_EQ(got.meta().updated_by(), editor_id);
    got.clear_meta();
    EXPECT_TRUE(MessageDifferencer::Equivalent(got, want))
        << got.DebugString() << "\nvs\n"
        << want.DebugString();
  }
  v1::ListSegmentsResponse segments;
  ASSERT_OK(Exp(&ES::ListSegments, v1::ListRequest(), &segments));
  EXPECT_EQ(segments.segments_size(), defs.segments_size());
  v1::ListGroupsResponse groups;
  ASSERT_OK(Exp(&ES::ListGroups, v1::ListRequest(), &groups));
  EXPECT_EQ(groups.groups_size(), defs.groups_size());
  v1::ListMetricsResponse metrics;
  ASSERT_OK(Exp(&ES::ListMetrics, v1::ListRequest(), &metrics));
  EXPECT_EQ(metrics.metrics_size(), defs.metrics_size());
  v1::ListLayersResponse layers;
  ASSERT_OK(Exp(&ES::ListLayers, v1::ListRequest(), &layers));
  EXPECT_EQ(layers.layers_size(), defs.layers_size());
  v1::ListHoldoutsResponse holdouts;
  ASSERT_OK(Exp(&ES::ListHoldouts, v1::ListRequest(), &holdouts));
  EXPECT_EQ(holdouts.holdouts_size(), defs.holdouts_size());
  v1::ListSlotsResponse slots;
  ASSERT_OK(Exp(&ES::ListSlots, v1::ListRequest(), &slots));
  ASSERT_GE(defs.slots_size(), 3);
  EXPECT_EQ(slots.slots_size(), defs.slots_size());
  std::map<std::string, v1::Slot> slots_by_key;
  for (const v1::Slot& s : slots.slots()) slots_by_key[s.key()] = s;
  for (const v1::Slot& want : defs.slots()) {
    auto it = slots_by_key.find(want.key());
    ASSERT_NE(it, slots_by_key.end()) << want.key();
    v1::Slot got = it->second;
    got.clear_meta();
    EXPECT_TRUE(MessageDifferencer::Equivalent(got, want)) << Diff(got, want);
  }

  // The second apply changes nothing.
  v1::ApplyResponse second;
  ASSERT_OK(Exp(&ES::Apply, request, &second, editor));
  ASSERT_EQ(second.changes_size(), objects);
  for (const v1::PlannedChange& c : second.changes()) {
    EXPECT_EQ(c.action(), v1::PlannedChange::ACTION_UNCHANGED)
        << c.kind() << " " << c.key();
    EXPECT_EQ(c.changed_fields_size(), 0);
  }
  EXPECT_EQ(second.config_version(), first.config_version());
  EXPECT_EQ(WatchedVersion(), first.config_version());
  EXPECT_EQ(AllChanges().size(), changes.size());

  // One changed field is one update.
  v1::ApplyRequest changed = request;
  changed.mutable_definitions()->mutable_segments(0)->set_description(
      "a new description");
  v1::ApplyResponse third;
  ASSERT_OK(Exp(&ES::Apply, changed, &third, editor));
  EXPECT_EQ(third.config_version(), first.config_version() + 1);
  int updates = 0;
  for (const v1::PlannedChange& c : third.changes()) {
    if (c.action() == v1::PlannedChange::ACTION_UPDATE) {
      ++updates;
      EXPECT_EQ(c.kind(), "segment");
      EXPECT_EQ(c.key(), defs.segments(0).key());
      EXPECT_THAT(c.changed_fields(), ::testing::ElementsAre("description"));
    } else {
      EXPECT_EQ(c.action(), v1::PlannedChange::ACTION_UNCHANGED);
    }
  }
  EXPECT_EQ(updates, 1);
}

TEST_F(ApplyTest, ValidateReportsErrorsAndChangesNothing) {
  const std::string reader = CreateKey(v1::ROLE_READER);
  const int64_t version = WatchedVersion();
  const size_t changes = AllChanges().size();

  // On a fresh server: exactly the broken weight.
  v1::ValidateRequest request;
  *request.mutable_definitions() = BrokenDefinitions();
  v1::ValidateResponse response;
  ASSERT_OK(Exp(&ES::Validate, request, &response, reader));
  EXPECT_FALSE(response.valid());
  ASSERT_EQ(response.errors_size(), 1) << response.DebugString();
  EXPECT_EQ(response.errors(0).kind(), "experiment");
  EXPECT_EQ(response.errors(0).key(), "aa_randomization_check");
  EXPECT_EQ(response.errors(0).field(), "variants[1].weight");
  EXPECT_EQ(response.errors(0).message(), "weights must sum to 1, got 0.9");
  EXPECT_EQ(response.changes_size(), CountObjects(request.definitions()));

  // Nothing changed.
  EXPECT_EQ(WatchedVersion(), version);
  EXPECT_EQ(AllChanges().size(), changes);
  v1::ListExperimentsResponse listed;
  ASSERT_OK(Exp(&ES::ListExperiments, v1::ListRequest(), &listed));
  EXPECT_EQ(listed.experiments_size(), 0);

  // Applying the same set fails the same way, also changing nothing.
  v1::ApplyRequest apply;
  *apply.mutable_definitions() = BrokenDefinitions();
  v1::ApplyResponse applied;
  grpc::Status st = Exp(&ES::Apply, apply, &applied);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(
      st.error_message(),
      HasSubstr("experiment aa_randomization_check: variants[1].weight: "
                "weights must sum to 1, got 0.9"));
  EXPECT_EQ(WatchedVersion(), version);
  EXPECT_EQ(AllChanges().size(), changes);
  ASSERT_OK(Exp(&ES::ListExperiments, v1::ListRequest(), &listed));
  EXPECT_EQ(listed.experiments_size(), 0);

  // Against the applied (running) config the weight error is still listed.
  const int64_t applied_version = ApplyRepoDefinitions().config_version();
  ASSERT_OK(Exp(&ES::Validate, request, &response, reader));
  EXPECT_FALSE(response.valid());
  bool found = false;
  for (const v1::FieldError& e : response.errors()) {
    found |= e.kind() == "experiment" && e.key() == "aa_randomization_check" &&
             e.field() == "variants[1].weight";
  }
  EXPECT_TRUE(found) << response.DebugString();
  EXPECT_EQ(WatchedVersion(), applied_version);
  v1::Experiment aa;
  ASSERT_OK(GetExperiment("aa_randomization_check", &aa));
  EXPECT_DOUBLE_EQ(aa.variants(1).weight(), 0.5);

  // A valid set validates, listing what Apply would do.
  v1::ValidateRequest valid;
  *valid.mutable_definitions() = ToProtoDefinitions(RepoDefinitions());
  *valid.mutable_definitions()->add_experiments() =
      MakeExperiment("brand_new", {0.5, 0.5});
  ASSERT_OK(Exp(&ES::Validate, valid, &response, reader));
  EXPECT_TRUE(response.valid()) << response.DebugString();
  EXPECT_EQ(response.errors_size(), 0);
  int creates = 0;
  for (const v1::PlannedChange& c : response.changes()) {
    if (c.action() == v1::PlannedChange::ACTION_CREATE) {
      ++creates;
      EXPECT_EQ(c.key(), "brand_new");
    } else {
      EXPECT_EQ(c.action(), v1::PlannedChange::ACTION_UNCHANGED);
    }
  }
  EXPECT_EQ(creates, 1);
  v1::Experiment none;
  EXPECT_CODE(GetExperiment("brand_new", &none), grpc::StatusCode::NOT_FOUND,
              "brand_new");
  EXPECT_EQ(WatchedVersion(), applied_version);
}

// Apply obeys the lifecycle rules like UpdateExperiment does: the weights of
// a running experiment cannot change (FAILED_PRECONDITION, per
// storage/config_manager.h), and Validate lists the rule as a FieldError.
TEST_F(ApplyTest, ApplyObeysLifecycleRules) {
  ApplyRepoDefinitions();
  const int64_t version = WatchedVersion();
  v1::Definitions defs = ToProtoDefinitions(RepoDefinitions());
  for (v1::Experiment& e : *defs.mutable_experiments()) {
    if (e.key() == "aa_randomization_check") {
      e.mutable_variants(0)->set_weight(0.4);
      e.mutable_variants(1)->set_weight(0.6);
    }
  }
  v1::ValidateRequest validate;
  *validate.mutable_definitions() = defs;
  v1::ValidateResponse validated;
  ASSERT_OK(Exp(&ES::Validate, validate, &validated));
  EXPECT_FALSE(validated.valid());
  ASSERT_EQ(validated.errors_size(), 1) << validated.DebugString();
  EXPECT_EQ(validated.errors(0).key(), "aa_randomization_check");
  EXPECT_EQ(validated.errors(0).field(), "variants");

  v1::ApplyRequest apply;
  *apply.mutable_definitions() = defs;
  v1::ApplyResponse applied;
  grpc::Status st = Exp(&ES::Apply, apply, &applied);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION)
      << Describe(st);
  EXPECT_THAT(st.error_message(), HasSubstr("variants"));
  EXPECT_EQ(WatchedVersion(), version);
}

TEST_F(ApplyTest, MalformedDefinitionsNameTheField) {
  v1::ApplyRequest request;
  *request.mutable_definitions()->add_experiments() =
      MakeExperiment("ok", {0.5, 0.5});
  v1::Experiment* bad = request.mutable_definitions()->add_experiments();
  *bad = MakeExperiment("bad", {0.5, 0.5});
  bad->set_status(static_cast<v1::ExperimentStatus>(42));
  v1::ApplyResponse response;
  EXPECT_CODE(Exp(&ES::Apply, request, &response),
              grpc::StatusCode::INVALID_ARGUMENT,
              "definitions.experiments[1].status");
  // Defined twice in one set.
  v1::ApplyRequest twice;
  *twice.mutable_definitions()->add_experiments() =
      MakeExperiment("dup", {0.5, 0.5});
  *twice.mutable_definitions()->add_experiments() =
      MakeExperiment("dup", {0.5, 0.5});
  EXPECT_CODE(Exp(&ES::Apply, twice, &response),
              grpc::StatusCode::INVALID_ARGUMENT, "dup");
  v1::ListExperimentsResponse listed;
  ASSERT_OK(Exp(&ES::ListExperiments, v1::ListRequest(), &listed));
  EXPECT_EQ(listed.experiments_size(), 0);
}

class RestartTest : public ServerTest {};

TEST_F(RestartTest, StateSurvivesARestart) {
  std::string reader_id;
  const std::string reader = CreateKey(v1::ROLE_READER, &reader_id);
  ApplyRepoDefinitions();
  ASSERT_OK(CreateExperiment(
      MakeExperiment("custom", {0.3, 0.7}, v1::EXPERIMENT_STATUS_DRAFT)));
  ASSERT_OK(StartExperiment("custom", "custom-salt"));

  auto snapshot_state = [&](v1::ListExperimentsResponse* experiments,
                            v1::ListSegmentsResponse* segments,
                            v1::AssignBatchResponse* assignments,
                            std::vector<v1::Change>* changes) {
    ASSERT_OK(Exp(&ES::ListExperiments, v1::ListRequest(), experiments));
    ASSERT_OK(Exp(&ES::ListSegments, v1::ListRequest(), segments));
    v1::AssignBatchRequest batch;
    for (int i = 0; i < 100; ++i) {
      *batch.add_units() = MakeUnit(
          absl::StrCat("visitor-", i),
          absl::StrCat(R"({"visits": )", i % 4, R"(, "last_visit_days": 3,)",
                       R"( "cart": {"items": 1}, "interests": ["running"]})"));
    }
    ASSERT_OK(Asg(&AS::AssignBatch, batch, assignments));
    *changes = AllChanges();
  };
  v1::ListExperimentsResponse experiments_before, experiments_after;
  v1::ListSegmentsResponse segments_before, segments_after;
  v1::AssignBatchResponse assign_before, assign_after;
  std::vector<v1::Change> changes_before, changes_after;
  ASSERT_NO_FATAL_FAILURE(snapshot_state(&experiments_before, &segments_before,
                                         &assign_before, &changes_before));
  const int64_t version_before = WatchedVersion();
  v1::ListSlotsResponse slots_before, slots_after;
  ASSERT_OK(Exp(&ES::ListSlots, v1::ListRequest(), &slots_before));
  EXPECT_GE(slots_before.slots_size(), 3);
  int in_custom = 0;
  for (const v1::UnitAssignments& r : assign_before.results()) {
    for (const v1::Assignment& a : r.assignments()) {
      in_custom += a.experiment_key() == "custom" && a.in_experiment();
    }
  }
  EXPECT_GT(in_custom, 0);

  ASSERT_NO_FATAL_FAILURE(RestartServer());

  EXPECT_EQ(WatchedVersion(), version_before);
  ASSERT_NO_FATAL_FAILURE(snapshot_state(&experiments_after, &segments_after,
                                         &assign_after, &changes_after));
  // The definitions and their versions are the same...
  {
    MessageDifferencer ignoring_time;
    ignoring_time.IgnoreField(
        v1::ObjectMeta::descriptor()->FindFieldByName("updated_at"));
    std::string report;
    ignoring_time.ReportDifferencesToString(&report);
    EXPECT_TRUE(ignoring_time.Compare(experiments_before, experiments_after))
        << report;
    EXPECT_TRUE(ignoring_time.Compare(segments_before, segments_after))
        << report;
  }
  // ... and so are the times of their last writes.
  EXPECT_TRUE(MessageDifferencer::Equals(experiments_before, experiments_after))
      << "experiments differ after restart:\n"
      << Diff(experiments_before, experiments_after);
  EXPECT_TRUE(MessageDifferencer::Equals(segments_before, segments_after))
      << Diff(segments_before, segments_after);
  ASSERT_OK(Exp(&ES::ListSlots, v1::ListRequest(), &slots_after));
  EXPECT_TRUE(MessageDifferencer::Equals(slots_before, slots_after))
      << "slots differ after restart:\n"
      << Diff(slots_before, slots_after);
  EXPECT_TRUE(MessageDifferencer::Equals(assign_before, assign_after))
      << "assignments differ after restart:\n"
      << Diff(assign_before, assign_after);
  EXPECT_EQ(assign_after.config_version(), version_before);
  ASSERT_EQ(changes_after.size(), changes_before.size());
  for (size_t i = 0; i < changes_before.size(); ++i) {
    EXPECT_TRUE(MessageDifferencer::Equals(changes_before[i], changes_after[i]))
        << i << ": " << Diff(changes_before[i], changes_after[i]);
  }
  // Keys still work; writes continue from the stored version.
  v1::Experiment e;
  EXPECT_OK(GetExperiment("custom", &e, reader));
  EXPECT_EQ(e.salt(), "custom-salt");
  EXPECT_EQ(e.status(), v1::EXPERIMENT_STATUS_RUNNING);
  v1::Experiment next;
  ASSERT_OK(
      CreateExperiment(MakeExperiment("after_restart", {0.5, 0.5}), &next));
  EXPECT_EQ(next.meta().version(), version_before + 1);
}

// Restarting a server whose last write was an API key must not change the
// version assignments are answered with (the config did not change).
TEST_F(RestartTest, AssignVersionIsStableAcrossRestartAfterKeyWrite) {
  ASSERT_OK(CreateExperiment(
      MakeExperiment("exp", {0.5, 0.5}, v1::EXPERIMENT_STATUS_RUNNING)));
  CreateKey(v1::ROLE_SDK);
  v1::AssignResponse before, after;
  ASSERT_OK(Assign(MakeUnit("u-1"), {"exp"}, &before));
  ASSERT_NO_FATAL_FAILURE(RestartServer());
  ASSERT_OK(Assign(MakeUnit("u-1"), {"exp"}, &after));
  EXPECT_EQ(after.assignments(0).variant_key(),
            before.assignments(0).variant_key());
  EXPECT_EQ(after.config_version(), before.config_version());
}

class OtherServicesTest : public ServerTest {};

TEST_F(OtherServicesTest, EveryServiceIsImplemented) {
  auto personalization = v1::PersonalizationService::NewStub(channel_);
  auto events = v1::EventService::NewStub(channel_);
  auto reports = v1::ReportService::NewStub(channel_);
  {
    // PersonalizationService is implemented: a missing unit is a named
    // error.
    auto context = Ctx(kAdminKey);
    v1::GetContentResponse out;
    grpc::Status st = personalization->GetContent(
        context.get(), v1::GetContentRequest(), &out);
    EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(st.error_message(), "unit.unit_id: must not be empty");
  }
  {
    // EventService is implemented: an empty batch is a named error.
    auto context = Ctx(kAdminKey);
    v1::TrackResponse out;
    grpc::Status st = events->Track(context.get(), v1::TrackRequest(), &out);
    EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(st.error_message(), "events: must not be empty");
  }
  {
    // ReportService is implemented: a missing key is a named error.
    auto context = Ctx(kAdminKey);
    v1::Report out;
    grpc::Status st =
        reports->GetReport(context.get(), v1::GetReportRequest(), &out);
    EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(st.error_message(), "experiment_key: must not be empty");
  }
}

TEST_F(OtherServicesTest, HealthIsServing) {
  auto health = grpc::health::v1::Health::NewStub(channel_);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  grpc::Status st = health->Check(&context, request, &response);
  ASSERT_TRUE(st.ok()) << Describe(st);
  EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING);
}

}  // namespace
}  // namespace cxlab::integration
