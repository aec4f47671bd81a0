// Copyright 2026 The cxlab Authors.
//
// ExperimentService CRUD for every kind (experiment, segment, group, metric,
// layer, holdout, slot): create, get, list, update with optimistic concurrency,
// delete; duplicates, missing objects, references; and "a rejected write
// changes nothing".

#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/message_differencer.h"
#include "tests/integration/server_fixture.h"

namespace cxlab::integration {
namespace {

using google::protobuf::util::MessageDifferencer;
using ::testing::HasSubstr;

// One kind of definition: its proto, a valid instance and its RPCs.
#define CXLAB_KIND_RPCS(Type, Plural, lower)                                   \
  using Proto = v1::Type;                                                      \
  static grpc::Status Create(CrudTestBase& t, const Proto& p, Proto* out,      \
                             const std::string& key) {                         \
    v1::Create##Type##Request r;                                               \
    *r.mutable_##lower() = p;                                                  \
    return t.Call(&ES::Create##Type, r, out, key);                             \
  }                                                                            \
  static grpc::Status Update(CrudTestBase& t, const Proto& p,                  \
                             int64_t expected, Proto* out,                     \
                             const std::string& key) {                         \
    v1::Update##Type##Request r;                                               \
    *r.mutable_##lower() = p;                                                  \
    r.set_expected_version(expected);                                          \
    return t.Call(&ES::Update##Type, r, out, key);                             \
  }                                                                            \
  static grpc::Status Get(CrudTestBase& t, const std::string& k, Proto* out,   \
                          const std::string& key) {                            \
    v1::GetRequest r;                                                          \
    r.set_key(k);                                                              \
    return t.Call(&ES::Get##Type, r, out, key);                                \
  }                                                                            \
  static grpc::Status List(CrudTestBase& t, std::vector<Proto>* out,           \
                           const std::string& key) {                           \
    v1::List##Plural##Response resp;                                           \
    grpc::Status s = t.Call(&ES::List##Plural, v1::ListRequest(), &resp, key); \
    out->assign(resp.lower##s().begin(), resp.lower##s().end());               \
    return s;                                                                  \
  }                                                                            \
  static grpc::Status Delete(CrudTestBase& t, const std::string& k,            \
                             int64_t expected, v1::DeleteResponse* out,        \
                             const std::string& key) {                         \
    v1::DeleteRequest r;                                                       \
    r.set_key(k);                                                              \
    r.set_expected_version(expected);                                          \
    return t.Call(&ES::Delete##Type, r, out, key);                             \
  }

}  // namespace

// The fixture gives the kind helpers access to its protected Call helper.
class CrudTestBase : public ServerTest {
 public:
  template <typename Req, typename Resp>
  grpc::Status Call(grpc::Status (ES::*method)(grpc::ClientContext*, const Req&,
                                               Resp*),
                    const Req& request, Resp* response,
                    const std::string& key) {
    return Exp(method, request, response, key);
  }
};

namespace {

struct ExperimentKind {
  static constexpr const char* kName = "experiment";
  CXLAB_KIND_RPCS(Experiment, Experiments, experiment)
  static Proto Make(const std::string& key) {
    Proto p = MakeExperiment(key, {0.5, 0.5});
    p.set_description("first");
    return p;
  }
};

struct SegmentKind {
  static constexpr const char* kName = "segment";
  CXLAB_KIND_RPCS(Segment, Segments, segment)
  static Proto Make(const std::string& key) {
    Proto p;
    p.set_key(key);
    p.set_name("Runners");
    p.set_description("first");
    *p.mutable_condition() = StructFromJson(R"({"sport": "running"})");
    return p;
  }
};

struct GroupKind {
  static constexpr const char* kName = "group";
  CXLAB_KIND_RPCS(Group, Groups, group)
  static Proto Make(const std::string& key) {
    Proto p;
    p.set_key(key);
    p.set_description("first");
    p.add_ids()->set_string_value("cust-1");
    p.add_ids()->set_number_value(77);
    return p;
  }
};

struct MetricKind {
  static constexpr const char* kName = "metric";
  CXLAB_KIND_RPCS(Metric, Metrics, metric)
  static Proto Make(const std::string& key) {
    Proto p;
    p.set_key(key);
    p.set_name("Conversion");
    p.set_description("first");
    p.set_type(v1::METRIC_TYPE_BINOMIAL);
    p.set_event("purchase");
    p.set_window_hours(24);
    return p;
  }
};

struct LayerKind {
  static constexpr const char* kName = "layer";
  CXLAB_KIND_RPCS(Layer, Layers, layer)
  static Proto Make(const std::string& key) {
    Proto p;
    p.set_key(key);
    p.set_description("first");
    p.set_salt("layer-salt");
    p.set_holdout(0.05);
    return p;
  }
};

struct HoldoutKind {
  static constexpr const char* kName = "holdout";
  CXLAB_KIND_RPCS(Holdout, Holdouts, holdout)
  static Proto Make(const std::string& key) {
    Proto p;
    p.set_key(key);
    p.set_description("first");
    p.set_salt("holdout-salt");
    p.set_share(0.02);
    return p;
  }
};

struct SlotKind {
  static constexpr const char* kName = "slot";
  CXLAB_KIND_RPCS(Slot, Slots, slot)
  static Proto Make(const std::string& key) {
    Proto p;
    p.set_key(key);
    p.set_name("Homepage hero");
    p.set_description("first");
    *p.mutable_default_content()->mutable_struct_value() =
        StructFromJson(R"({"headline": "Gear for every adventure"})");
    v1::SlotRule* us = p.add_rules();
    us->set_key("us_visitors");
    *us->mutable_condition() = StructFromJson(R"({"country": "US"})");
    *us->mutable_content()->mutable_struct_value() =
        StructFromJson(R"({"headline": "Howdy"})");
    us->set_priority(10);
    us->mutable_start()->set_seconds(1795000000);  // 2026-11-18
    v1::SlotRule* text = p.add_rules();
    text->set_key("everyone");
    text->mutable_content()->set_string_value("plain text");
    text->set_priority(-1);
    return p;
  }
};

template <typename K>
class CrudTest : public CrudTestBase {};

using Kinds =
    ::testing::Types<ExperimentKind, SegmentKind, GroupKind, MetricKind,
                     LayerKind, HoldoutKind, SlotKind>;
TYPED_TEST_SUITE(CrudTest, Kinds);

// Equality of the definition, ignoring the server-maintained meta.
template <typename Proto>
bool SameDefinition(Proto a, Proto b) {
  a.clear_meta();
  b.clear_meta();
  return MessageDifferencer::Equivalent(a, b);
}

TYPED_TEST(CrudTest, CreateGetListUpdateDelete) {
  using K = TypeParam;
  using Proto = typename K::Proto;
  std::string editor_id;
  const std::string editor = this->CreateKey(v1::ROLE_EDITOR, &editor_id);
  const std::string reader = this->CreateKey(v1::ROLE_READER);
  const int64_t start_version = this->WatchedVersion();

  // Create.
  const Proto original = K::Make("obj_1");
  Proto created;
  ASSERT_OK(K::Create(*this, original, &created, editor));
  EXPECT_EQ(created.key(), "obj_1");
  EXPECT_EQ(created.meta().version(), start_version + 1);
  EXPECT_EQ(created.meta().created_version(), created.meta().version());
  EXPECT_EQ(created.meta().updated_by(), editor_id);
  EXPECT_TRUE(created.meta().has_updated_at());
  EXPECT_EQ(created.description(), "first");
  EXPECT_EQ(this->WatchedVersion(), created.meta().version());

  // Duplicate.
  Proto ignored;
  EXPECT_CODE(K::Create(*this, original, &ignored, editor),
              grpc::StatusCode::ALREADY_EXISTS, "obj_1");

  // Get (as a reader).
  Proto got;
  ASSERT_OK(K::Get(*this, "obj_1", &got, reader));
  EXPECT_TRUE(MessageDifferencer::Equivalent(got, created))
      << got.DebugString() << " vs " << created.DebugString();
  EXPECT_EQ(got.meta().updated_by(), editor_id);
  EXPECT_CODE(K::Get(*this, "missing", &got, reader),
              grpc::StatusCode::NOT_FOUND, "missing");
  EXPECT_CODE(K::Get(*this, "", &got, reader),
              grpc::StatusCode::INVALID_ARGUMENT, "key");

  // List.
  std::vector<Proto> listed;
  ASSERT_OK(K::List(*this, &listed, reader));
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_TRUE(MessageDifferencer::Equivalent(listed[0], created));

  // Update with the right expected_version (as the admin).
  Proto changed = created;
  changed.clear_meta();
  changed.set_description("second");
  Proto updated;
  ASSERT_OK(
      K::Update(*this, changed, created.meta().version(), &updated, kAdminKey));
  EXPECT_EQ(updated.description(), "second");
  EXPECT_GT(updated.meta().version(), created.meta().version());
  EXPECT_EQ(updated.meta().created_version(), created.meta().version());
  EXPECT_EQ(updated.meta().updated_by(), kAdminKeyId);

  // Update with a stale version: ABORTED, nothing changes.
  const int64_t before_stale = this->WatchedVersion();
  const size_t changes_before = this->AllChanges().size();
  Proto stale = changed;
  stale.set_description("third");
  EXPECT_CODE(
      K::Update(*this, stale, created.meta().version(), &ignored, editor),
      grpc::StatusCode::ABORTED, "obj_1");
  ASSERT_OK(K::Get(*this, "obj_1", &got, reader));
  EXPECT_EQ(got.description(), "second");
  EXPECT_EQ(got.meta().version(), updated.meta().version());
  EXPECT_EQ(this->WatchedVersion(), before_stale);
  EXPECT_EQ(this->AllChanges().size(), changes_before);

  // Update without expected_version is last-writer-wins.
  ASSERT_OK(K::Update(*this, stale, 0, &updated, editor));
  EXPECT_EQ(updated.description(), "third");

  // Update of a missing object.
  Proto absent = K::Make("absent");
  EXPECT_CODE(K::Update(*this, absent, 0, &ignored, editor),
              grpc::StatusCode::NOT_FOUND, "absent");

  // Delete: stale version refused, right version works.
  v1::DeleteResponse deleted;
  EXPECT_CODE(
      K::Delete(*this, "obj_1", created.meta().version(), &deleted, editor),
      grpc::StatusCode::ABORTED, "obj_1");
  ASSERT_OK(K::Get(*this, "obj_1", &got, reader));
  ASSERT_OK(
      K::Delete(*this, "obj_1", updated.meta().version(), &deleted, editor));
  EXPECT_GT(deleted.config_version(), updated.meta().version());
  EXPECT_EQ(this->WatchedVersion(), deleted.config_version());
  EXPECT_CODE(K::Get(*this, "obj_1", &got, reader), grpc::StatusCode::NOT_FOUND,
              "obj_1");
  ASSERT_OK(K::List(*this, &listed, reader));
  EXPECT_TRUE(listed.empty());
  EXPECT_CODE(K::Delete(*this, "obj_1", 0, &deleted, editor),
              grpc::StatusCode::NOT_FOUND, "obj_1");

  // Re-create after delete starts a new object.
  ASSERT_OK(K::Create(*this, original, &created, editor));
  EXPECT_EQ(created.meta().created_version(), created.meta().version());
  EXPECT_GT(created.meta().version(), deleted.config_version());
}

TYPED_TEST(CrudTest, MalformedKeyIsInvalidArgument) {
  using K = TypeParam;
  using Proto = typename K::Proto;
  const int64_t version = this->WatchedVersion();
  Proto out;
  for (const char* bad : {"", "has space", "-leading-dash", "semi;colon"}) {
    SCOPED_TRACE(bad);
    grpc::Status st = K::Create(*this, K::Make(bad), &out, kAdminKey);
    EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << Describe(st);
    EXPECT_THAT(st.error_message(), HasSubstr("key"));
  }
  std::vector<Proto> listed;
  ASSERT_OK(K::List(*this, &listed, kAdminKey));
  EXPECT_TRUE(listed.empty());
  EXPECT_EQ(this->WatchedVersion(), version);
}

// Updating to the same content is accepted and writes nothing.
TYPED_TEST(CrudTest, NoOpUpdateKeepsVersion) {
  using K = TypeParam;
  using Proto = typename K::Proto;
  Proto created, updated;
  ASSERT_OK(K::Create(*this, K::Make("same"), &created, kAdminKey));
  const size_t changes = this->AllChanges().size();
  Proto again = created;
  again.clear_meta();
  ASSERT_OK(
      K::Update(*this, again, created.meta().version(), &updated, kAdminKey));
  EXPECT_EQ(updated.meta().version(), created.meta().version());
  EXPECT_TRUE(SameDefinition(updated, created));
  EXPECT_EQ(this->AllChanges().size(), changes);
}

class ReferenceTest : public CrudTestBase {};

TEST_F(ReferenceTest, DeletingReferencedObjectsIsRefused) {
  v1::CreateSegmentRequest seg;
  *seg.mutable_segment() = SegmentKind::Make("runners");
  v1::Segment segment;
  ASSERT_OK(Exp(&ES::CreateSegment, seg, &segment));
  v1::CreateLayerRequest lay;
  *lay.mutable_layer() = LayerKind::Make("pricing");
  v1::Layer layer;
  ASSERT_OK(Exp(&ES::CreateLayer, lay, &layer));
  v1::CreateGroupRequest grp;
  *grp.mutable_group() = GroupKind::Make("vips");
  v1::Group group;
  ASSERT_OK(Exp(&ES::CreateGroup, grp, &group));
  v1::CreateMetricRequest met;
  *met.mutable_metric() = MetricKind::Make("conversion");
  v1::Metric metric;
  ASSERT_OK(Exp(&ES::CreateMetric, met, &metric));

  v1::Experiment e = MakeExperiment("uses_all", {0.5, 0.5});
  e.add_segments("runners");
  e.set_layer("pricing");
  e.mutable_layer_range()->set_start(0);
  e.mutable_layer_range()->set_end(0.5);
  *e.mutable_condition() = StructFromJson(R"({"id": {"$inGroup": "vips"}})");
  e.add_metrics("conversion");
  ASSERT_OK(CreateExperiment(e));

  const int64_t version = WatchedVersion();
  const size_t changes = AllChanges().size();
  v1::DeleteRequest del;
  v1::DeleteResponse out;
  del.set_key("runners");
  EXPECT_CODE(Exp(&ES::DeleteSegment, del, &out),
              grpc::StatusCode::INVALID_ARGUMENT, "runners");
  del.set_key("pricing");
  EXPECT_CODE(Exp(&ES::DeleteLayer, del, &out),
              grpc::StatusCode::INVALID_ARGUMENT, "pricing");
  del.set_key("vips");
  EXPECT_CODE(Exp(&ES::DeleteGroup, del, &out),
              grpc::StatusCode::INVALID_ARGUMENT, "vips");
  del.set_key("conversion");
  EXPECT_CODE(Exp(&ES::DeleteMetric, del, &out),
              grpc::StatusCode::INVALID_ARGUMENT, "conversion");

  // Everything is still there, nothing was written.
  v1::GetRequest get;
  get.set_key("runners");
  v1::Segment still;
  EXPECT_OK(Exp(&ES::GetSegment, get, &still));
  EXPECT_EQ(still.meta().version(), segment.meta().version());
  get.set_key("pricing");
  v1::Layer still_layer;
  EXPECT_OK(Exp(&ES::GetLayer, get, &still_layer));
  get.set_key("vips");
  v1::Group still_group;
  EXPECT_OK(Exp(&ES::GetGroup, get, &still_group));
  get.set_key("conversion");
  v1::Metric still_metric;
  EXPECT_OK(Exp(&ES::GetMetric, get, &still_metric));
  EXPECT_EQ(WatchedVersion(), version);
  EXPECT_EQ(AllChanges().size(), changes);

  // Once the experiment is gone, they can be deleted.
  del.set_key("uses_all");
  ASSERT_OK(Exp(&ES::DeleteExperiment, del, &out));
  del.set_key("runners");
  EXPECT_OK(Exp(&ES::DeleteSegment, del, &out));
  del.set_key("pricing");
  EXPECT_OK(Exp(&ES::DeleteLayer, del, &out));
}

TEST_F(ReferenceTest, SlotReferencesBlockDeletes) {
  v1::CreateSegmentRequest seg;
  *seg.mutable_segment() = SegmentKind::Make("runners");
  v1::Segment segment;
  ASSERT_OK(Exp(&ES::CreateSegment, seg, &segment));
  v1::Experiment backing;
  ASSERT_OK(CreateExperiment(MakeExperiment("hero_test", {0.5, 0.5}),
                             &backing));

  v1::CreateSlotRequest create;
  v1::Slot* slot = create.mutable_slot();
  slot->set_key("home.hero");
  v1::SlotRule* runners = slot->add_rules();
  runners->set_key("runners");
  runners->add_segments("runners");
  runners->mutable_content()->set_string_value("run");
  runners->set_priority(1);
  v1::SlotRule* tested = slot->add_rules();
  tested->set_key("tested");
  tested->set_priority(2);
  tested->set_experiment("hero_test");
  v1::Slot created;
  ASSERT_OK(Exp(&ES::CreateSlot, create, &created));

  const int64_t version = WatchedVersion();
  const size_t changes = AllChanges().size();
  v1::DeleteRequest del;
  v1::DeleteResponse out;
  del.set_key("hero_test");
  EXPECT_CODE(Exp(&ES::DeleteExperiment, del, &out),
              grpc::StatusCode::INVALID_ARGUMENT,
              "slot home.hero: rules[1].experiment: unknown experiment "
              "'hero_test'");
  del.set_key("runners");
  EXPECT_CODE(Exp(&ES::DeleteSegment, del, &out),
              grpc::StatusCode::INVALID_ARGUMENT,
              "slot home.hero: rules[0].segments[0]: unknown segment "
              "'runners'");
  EXPECT_EQ(WatchedVersion(), version);
  EXPECT_EQ(AllChanges().size(), changes);
  v1::Experiment still;
  EXPECT_OK(GetExperiment("hero_test", &still));

  // A second rule backed by the same experiment is refused.
  v1::CreateSlotRequest twice;
  twice.mutable_slot()->set_key("home.other");
  v1::SlotRule* again = twice.mutable_slot()->add_rules();
  again->set_key("again");
  again->set_experiment("hero_test");
  v1::Slot ignored;
  EXPECT_CODE(Exp(&ES::CreateSlot, twice, &ignored),
              grpc::StatusCode::INVALID_ARGUMENT,
              "slot home.other: rules[0].experiment: experiment 'hero_test' "
              "already backs rule home.hero/tested");
  // A slot naming an unknown segment is refused.
  v1::CreateSlotRequest unknown;
  unknown.mutable_slot()->set_key("home.ghost");
  v1::SlotRule* ghost = unknown.mutable_slot()->add_rules();
  ghost->set_key("ghost");
  ghost->add_segments("ghosts");
  ghost->mutable_content()->set_string_value("boo");
  EXPECT_CODE(Exp(&ES::CreateSlot, unknown, &ignored),
              grpc::StatusCode::INVALID_ARGUMENT,
              "rules[0].segments[0]: unknown segment 'ghosts'");

  // Once the slot is gone, both can be deleted.
  del.set_key("home.hero");
  ASSERT_OK(Exp(&ES::DeleteSlot, del, &out));
  del.set_key("hero_test");
  EXPECT_OK(Exp(&ES::DeleteExperiment, del, &out));
  del.set_key("runners");
  EXPECT_OK(Exp(&ES::DeleteSegment, del, &out));
}

TEST_F(ReferenceTest, SlotWritesAreAudited) {
  v1::CreateSlotRequest create;
  *create.mutable_slot() = SlotKind::Make("checkout.hint");
  v1::Slot created;
  ASSERT_OK(Exp(&ES::CreateSlot, create, &created));
  std::vector<v1::Change> changes = AllChanges();  // newest first
  ASSERT_FALSE(changes.empty());
  const v1::Change& last = changes.front();
  EXPECT_EQ(last.action(), "create");
  EXPECT_EQ(last.kind(), "slot");
  EXPECT_EQ(last.key(), "checkout.hint");
  EXPECT_EQ(last.before_json(), "");
  EXPECT_THAT(last.after_json(), HasSubstr(R"("key":"checkout.hint")"));
  EXPECT_THAT(last.after_json(),
              HasSubstr(R"({"key":"everyone","content":"plain text",)"
                        R"("priority":-1})"));
}

TEST_F(ReferenceTest, UnknownReferencesAreInvalidArgument) {
  v1::Experiment e = MakeExperiment("dangling", {0.5, 0.5});
  e.add_segments("no_such_segment");
  EXPECT_CODE(CreateExperiment(e), grpc::StatusCode::INVALID_ARGUMENT,
              "segments[0]: unknown segment 'no_such_segment'");
  v1::Experiment l = MakeExperiment("dangling2", {0.5, 0.5});
  l.set_layer("no_such_layer");
  l.mutable_layer_range()->set_end(0.5);
  EXPECT_CODE(CreateExperiment(l), grpc::StatusCode::INVALID_ARGUMENT, "layer");
  v1::ListExperimentsResponse listed;
  ASSERT_OK(Exp(&ES::ListExperiments, v1::ListRequest(), &listed));
  EXPECT_EQ(listed.experiments_size(), 0);
}

class RejectedWriteTest : public CrudTestBase {};

TEST_F(RejectedWriteTest, BadWeightsChangeNothing) {
  v1::Experiment good;
  ASSERT_OK(CreateExperiment(MakeExperiment("good", {0.5, 0.5}), &good));
  v1::ListExperimentsResponse before_list;
  ASSERT_OK(Exp(&ES::ListExperiments, v1::ListRequest(), &before_list));
  const std::vector<v1::Change> before_changes = AllChanges();
  const int64_t before_version = WatchedVersion();

  // Create with weights summing to 0.9.
  grpc::Status st = CreateExperiment(MakeExperiment("bad", {0.5, 0.4}));
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.error_message(),
              HasSubstr("variants[1].weight: weights must sum to 1, got 0.9"));

  // Update of an existing one to bad weights.
  v1::UpdateExperimentRequest update;
  *update.mutable_experiment() = MakeExperiment("good", {0.5, 0.4});
  update.set_expected_version(good.meta().version());
  v1::Experiment ignored;
  st = Exp(&ES::UpdateExperiment, update, &ignored);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.error_message(),
              HasSubstr("variants[1].weight: weights must sum to 1, got 0.9"));

  // A weight out of range, one variant only, bad coverage, bad condition.
  EXPECT_CODE(CreateExperiment(MakeExperiment("bad2", {1.5, -0.5})),
              grpc::StatusCode::INVALID_ARGUMENT, "variants[0].weight");
  EXPECT_CODE(CreateExperiment(MakeExperiment("bad3", {1.0})),
              grpc::StatusCode::INVALID_ARGUMENT, "variants");
  v1::Experiment cov = MakeExperiment("bad4", {0.5, 0.5});
  cov.set_coverage(1.5);
  EXPECT_CODE(CreateExperiment(cov), grpc::StatusCode::INVALID_ARGUMENT,
              "coverage");
  v1::Experiment cond = MakeExperiment("bad5", {0.5, 0.5});
  *cond.mutable_condition() = StructFromJson(R"({"age": {"$bogus": 1}})");
  EXPECT_CODE(CreateExperiment(cond), grpc::StatusCode::INVALID_ARGUMENT,
              "condition");
  v1::Experiment status = MakeExperiment("bad6", {0.5, 0.5});
  status.set_status(static_cast<v1::ExperimentStatus>(42));
  EXPECT_CODE(CreateExperiment(status), grpc::StatusCode::INVALID_ARGUMENT,
              "experiment.status");

  v1::ListExperimentsResponse after_list;
  ASSERT_OK(Exp(&ES::ListExperiments, v1::ListRequest(), &after_list));
  EXPECT_TRUE(MessageDifferencer::Equals(before_list, after_list));
  const std::vector<v1::Change> after_changes = AllChanges();
  ASSERT_EQ(after_changes.size(), before_changes.size());
  for (size_t i = 0; i < after_changes.size(); ++i) {
    EXPECT_TRUE(
        MessageDifferencer::Equals(after_changes[i], before_changes[i]));
  }
  EXPECT_EQ(WatchedVersion(), before_version);
  v1::Experiment now;
  ASSERT_OK(GetExperiment("good", &now));
  EXPECT_EQ(now.meta().version(), good.meta().version());
  EXPECT_DOUBLE_EQ(now.variants(1).weight(), 0.5);
}

TEST_F(RejectedWriteTest, ApplyIsAllOrNothing) {
  v1::ApplyRequest request;
  v1::Definitions* defs = request.mutable_definitions();
  *defs->add_experiments() = MakeExperiment("fine_1", {0.5, 0.5});
  *defs->add_experiments() = MakeExperiment("broken", {0.5, 0.4});
  *defs->add_segments() = SegmentKind::Make("fine_segment");
  const int64_t version = WatchedVersion();
  const size_t changes = AllChanges().size();
  v1::ApplyResponse response;
  grpc::Status st = Exp(&ES::Apply, request, &response);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.error_message(),
              HasSubstr("experiment broken: variants[1].weight: weights must "
                        "sum to 1, got 0.9"));
  v1::ListExperimentsResponse experiments;
  ASSERT_OK(Exp(&ES::ListExperiments, v1::ListRequest(), &experiments));
  EXPECT_EQ(experiments.experiments_size(), 0);
  v1::ListSegmentsResponse segments;
  ASSERT_OK(Exp(&ES::ListSegments, v1::ListRequest(), &segments));
  EXPECT_EQ(segments.segments_size(), 0);
  EXPECT_EQ(WatchedVersion(), version);
  EXPECT_EQ(AllChanges().size(), changes);
}

// Two writers with the same expected_version: exactly one wins.
TEST_F(RejectedWriteTest, ConcurrentUpdatesConflict) {
  const std::string editor_a = CreateKey(v1::ROLE_EDITOR, nullptr, "a");
  const std::string editor_b = CreateKey(v1::ROLE_EDITOR, nullptr, "b");
  v1::Experiment current;
  ASSERT_OK(
      CreateExperiment(MakeExperiment("contended", {0.5, 0.5}), &current));
  for (int round = 0; round < 20; ++round) {
    SCOPED_TRACE(absl::StrCat("round ", round));
    const int64_t expected = current.meta().version();
    grpc::Status results[2];
    std::string descriptions[2] = {absl::StrCat("a-", round),
                                   absl::StrCat("b-", round)};
    std::vector<std::thread> threads;
    for (int t = 0; t < 2; ++t) {
      threads.emplace_back([&, t] {
        v1::UpdateExperimentRequest request;
        *request.mutable_experiment() = MakeExperiment("contended", {0.5, 0.5});
        request.mutable_experiment()->set_description(descriptions[t]);
        request.set_expected_version(expected);
        v1::Experiment out;
        results[t] = Exp(&ES::UpdateExperiment, request, &out,
                         t == 0 ? editor_a : editor_b);
      });
    }
    for (std::thread& t : threads) t.join();
    const int ok = results[0].ok() + results[1].ok();
    ASSERT_EQ(ok, 1) << Describe(results[0]) << " / " << Describe(results[1]);
    const int loser = results[0].ok() ? 1 : 0;
    EXPECT_EQ(results[loser].error_code(), grpc::StatusCode::ABORTED)
        << Describe(results[loser]);
    ASSERT_OK(GetExperiment("contended", &current));
    EXPECT_EQ(current.description(), descriptions[1 - loser]);
    EXPECT_EQ(current.meta().version(), expected + 1);
  }
}

}  // namespace
}  // namespace cxlab::integration
