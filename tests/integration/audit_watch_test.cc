// Copyright 2026 The cxlab Authors.
//
// The audit log (ListChanges: who, what, before/after, paging, filters) and
// WatchConfig streams (first event, following writes, cancellation, server
// shutdown).

#include <atomic>
#include <chrono>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "engine/json.h"
#include "google/protobuf/util/message_differencer.h"
#include "tests/integration/server_fixture.h"

namespace cxlab::integration {
namespace {

using google::protobuf::util::MessageDifferencer;

// The "status" member of an experiment's JSON ("draft", the default, when
// absent), or "" when the text is not a JSON object.
std::string StatusInJson(const std::string& json) {
  absl::StatusOr<engine::Value> v = engine::ParseJson(json);
  if (!v.ok() || !v->is_object()) return "";
  const engine::Value* status = v->Find("status");
  if (status == nullptr) return "draft";
  return status->is_string() ? status->as_string() : "";
}

bool IsJsonObject(const std::string& json) {
  absl::StatusOr<engine::Value> v = engine::ParseJson(json);
  return v.ok() && v->is_object();
}

class AuditTest : public ServerTest {};

TEST_F(AuditTest, WritesAreRecordedWithActorAndBeforeAfter) {
  std::string editor_id;
  const std::string editor = CreateKey(v1::ROLE_EDITOR, &editor_id);
  const std::string reader = CreateKey(v1::ROLE_READER);
  v1::Experiment created;
  ASSERT_OK(CreateExperiment(MakeExperiment("audited", {0.5, 0.5}), &created,
                             editor));
  v1::UpdateExperimentRequest update;
  *update.mutable_experiment() = MakeExperiment("audited", {0.5, 0.5});
  update.mutable_experiment()->set_description("changed");
  update.set_expected_version(created.meta().version());
  v1::Experiment updated;
  ASSERT_OK(Exp(&ES::UpdateExperiment, update, &updated, editor));
  v1::StartExperimentRequest start;
  start.set_key("audited");
  v1::Experiment started;
  ASSERT_OK(Exp(&ES::StartExperiment, start, &started, editor));

  v1::ListChangesRequest request;
  v1::ListChangesResponse response;
  ASSERT_OK(Exp(&ES::ListChanges, request, &response, reader));
  ASSERT_GE(response.changes_size(), 3);
  // Newest first.
  const v1::Change& c_start = response.changes(0);
  const v1::Change& c_update = response.changes(1);
  const v1::Change& c_create = response.changes(2);
  EXPECT_EQ(c_start.action(), "start");
  EXPECT_EQ(c_update.action(), "update");
  EXPECT_EQ(c_create.action(), "create");
  EXPECT_EQ(c_start.version(), started.meta().version());
  EXPECT_EQ(c_update.version(), updated.meta().version());
  EXPECT_EQ(c_create.version(), created.meta().version());
  for (const v1::Change* c : {&c_start, &c_update, &c_create}) {
    SCOPED_TRACE(c->action());
    EXPECT_EQ(c->actor(), editor_id);
    EXPECT_EQ(c->kind(), "experiment");
    EXPECT_EQ(c->key(), "audited");
    EXPECT_TRUE(c->has_time());
    EXPECT_GT(c->time().seconds(), 1600000000);
    EXPECT_TRUE(IsJsonObject(c->after_json())) << c->after_json();
  }
  EXPECT_EQ(c_create.before_json(), "");
  EXPECT_TRUE(IsJsonObject(c_update.before_json())) << c_update.before_json();
  EXPECT_TRUE(IsJsonObject(c_start.before_json())) << c_start.before_json();
  EXPECT_EQ(StatusInJson(c_start.before_json()), "draft");
  EXPECT_EQ(StatusInJson(c_start.after_json()), "running");
  EXPECT_THAT(c_update.after_json(), ::testing::HasSubstr("changed"));
  EXPECT_THAT(c_update.before_json(),
              ::testing::Not(::testing::HasSubstr("changed")));
  // Versions strictly decrease.
  for (int i = 1; i < response.changes_size(); ++i) {
    EXPECT_LT(response.changes(i).version(), response.changes(i - 1).version());
  }

  // Delete is recorded with the before and no after.
  v1::DeleteRequest del;
  del.set_key("audited");
  v1::DeleteResponse deleted;
  ASSERT_OK(Exp(
      &ES::StopExperiment,
      [] {
        v1::LifecycleRequest r;
        r.set_key("audited");
        return r;
      }(),
      &started, editor));
  ASSERT_OK(Exp(&ES::DeleteExperiment, del, &deleted, editor));
  ASSERT_OK(Exp(&ES::ListChanges, request, &response, reader));
  EXPECT_EQ(response.changes(0).action(), "delete");
  EXPECT_EQ(response.changes(0).version(), deleted.config_version());
  EXPECT_TRUE(IsJsonObject(response.changes(0).before_json()));
  EXPECT_EQ(response.changes(0).after_json(), "");
  EXPECT_EQ(response.changes(1).action(), "stop");
}

TEST_F(AuditTest, PagingFilteringAndOrder) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_OK(
        CreateExperiment(MakeExperiment(absl::StrCat("e", i), {0.5, 0.5})));
  }
  ASSERT_OK(StartExperiment("e2"));
  const std::vector<v1::Change> all = AllChanges();
  // Bootstrap admin key + 5 creates + 1 start.
  ASSERT_EQ(all.size(), 7u);

  // page_size 1 walks every record, newest first.
  std::vector<v1::Change> walked;
  v1::ListChangesRequest request;
  request.set_page_size(1);
  for (int page = 0; page < 20; ++page) {
    v1::ListChangesResponse response;
    ASSERT_OK(Exp(&ES::ListChanges, request, &response));
    ASSERT_LE(response.changes_size(), 1);
    for (const v1::Change& c : response.changes()) walked.push_back(c);
    if (response.next_page_token().empty()) break;
    request.set_page_token(response.next_page_token());
  }
  ASSERT_EQ(walked.size(), all.size());
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_TRUE(MessageDifferencer::Equals(walked[i], all[i])) << i;
  }

  // Oldest first is the reverse.
  v1::ListChangesRequest oldest;
  oldest.set_oldest_first(true);
  v1::ListChangesResponse response;
  ASSERT_OK(Exp(&ES::ListChanges, oldest, &response));
  ASSERT_EQ(response.changes_size(), static_cast<int>(all.size()));
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_TRUE(MessageDifferencer::Equals(
        response.changes(static_cast<int>(i)), all[all.size() - 1 - i]));
  }
  EXPECT_EQ(response.changes(0).action(), "key.create");
  EXPECT_EQ(response.changes(0).actor(), "bootstrap");

  // Oldest first, paged by 3.
  oldest.set_page_size(3);
  std::vector<int64_t> versions;
  for (int page = 0; page < 10; ++page) {
    ASSERT_OK(Exp(&ES::ListChanges, oldest, &response));
    for (const v1::Change& c : response.changes()) {
      versions.push_back(c.version());
    }
    if (response.next_page_token().empty()) break;
    oldest.set_page_token(response.next_page_token());
  }
  ASSERT_EQ(versions.size(), all.size());
  for (size_t i = 1; i < versions.size(); ++i) {
    EXPECT_GT(versions[i], versions[i - 1]);
  }

  // Filter by key.
  std::vector<v1::Change> e2 = AllChanges("", "e2");
  ASSERT_EQ(e2.size(), 2u);
  EXPECT_EQ(e2[0].action(), "start");
  EXPECT_EQ(e2[1].action(), "create");
  // Filter by key, paged by 1.
  v1::ListChangesRequest by_key;
  by_key.set_key("e2");
  by_key.set_page_size(1);
  int pages = 0;
  for (; pages < 10; ++pages) {
    ASSERT_OK(Exp(&ES::ListChanges, by_key, &response));
    for (const v1::Change& c : response.changes()) EXPECT_EQ(c.key(), "e2");
    if (response.next_page_token().empty()) break;
    by_key.set_page_token(response.next_page_token());
  }
  EXPECT_LE(pages, 2);
  // Filter by kind.
  EXPECT_EQ(AllChanges("experiment").size(), 6u);
  std::vector<v1::Change> keys = AllChanges("apikey");
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].action(), "key.create");
  EXPECT_TRUE(AllChanges("segment").empty());
  EXPECT_TRUE(AllChanges("", "nothing").empty());

  // Bad paging arguments.
  v1::ListChangesRequest bad;
  bad.set_page_size(1001);
  EXPECT_CODE(Exp(&ES::ListChanges, bad, &response),
              grpc::StatusCode::INVALID_ARGUMENT, "page_size");
  bad.set_page_size(-1);
  EXPECT_CODE(Exp(&ES::ListChanges, bad, &response),
              grpc::StatusCode::INVALID_ARGUMENT, "page_size");
  bad.set_page_size(10);
  bad.set_page_token("not-a-token");
  EXPECT_CODE(Exp(&ES::ListChanges, bad, &response),
              grpc::StatusCode::INVALID_ARGUMENT, "page_token");
}

class WatchTest : public ServerTest {};

TEST_F(WatchTest, FirstEventThenFollowsWrites) {
  v1::Experiment created;
  ASSERT_OK(CreateExperiment(MakeExperiment("first", {0.5, 0.5}), &created));
  const std::string reader = CreateKey(v1::ROLE_READER);
  const int64_t current = server_->config().version();

  auto context = Ctx(reader);
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::seconds(30));
  v1::WatchConfigRequest request;
  auto stream = exp_->WatchConfig(context.get(), request);
  v1::ConfigEvent event;
  ASSERT_TRUE(stream->Read(&event));
  EXPECT_EQ(event.version(), current);

  // A write on another thread.
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    EXPECT_OK(CreateExperiment(MakeExperiment("second", {0.5, 0.5})));
  });
  ASSERT_TRUE(stream->Read(&event));
  writer.join();
  EXPECT_GT(event.version(), current);
  EXPECT_EQ(event.action(), "create");
  EXPECT_EQ(event.kind(), "experiment");
  EXPECT_EQ(event.key(), "second");
  v1::Experiment second;
  ASSERT_OK(GetExperiment("second", &second));
  EXPECT_EQ(event.version(), second.meta().version());

  // Lifecycle transitions are events too.
  ASSERT_OK(StartExperiment("second"));
  ASSERT_TRUE(stream->Read(&event));
  EXPECT_EQ(event.action(), "start");
  EXPECT_EQ(event.key(), "second");

  // Cancelling the client context ends the stream.
  context->TryCancel();
  while (stream->Read(&event)) {
  }
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::CANCELLED);
}

TEST_F(WatchTest, SinceCurrentVersionHasNoAction) {
  ASSERT_OK(CreateExperiment(MakeExperiment("first", {0.5, 0.5})));
  const int64_t current = server_->config().version();
  auto context = Ctx(kAdminKey);
  v1::WatchConfigRequest request;
  request.set_since_version(current);
  auto stream = exp_->WatchConfig(context.get(), request);
  v1::ConfigEvent event;
  ASSERT_TRUE(stream->Read(&event));
  EXPECT_EQ(event.version(), current);
  EXPECT_EQ(event.action(), "");
  context->TryCancel();
  while (stream->Read(&event)) {
  }
  (void)stream->Finish();
}

TEST_F(WatchTest, RequiresReader) {
  const std::string sdk = CreateKey(v1::ROLE_SDK);
  for (const std::string& key :
       {std::string(), std::string("wrong-key"), sdk}) {
    auto context = Ctx(key);
    auto stream = exp_->WatchConfig(context.get(), v1::WatchConfigRequest());
    v1::ConfigEvent event;
    EXPECT_FALSE(stream->Read(&event));
    grpc::Status st = stream->Finish();
    EXPECT_EQ(st.error_code(), key == sdk ? grpc::StatusCode::PERMISSION_DENIED
                                          : grpc::StatusCode::UNAUTHENTICATED)
        << Describe(st);
  }
}

TEST_F(WatchTest, ServerShutdownEndsTheStream) {
  auto context = Ctx(kAdminKey);
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::seconds(60));
  auto stream = exp_->WatchConfig(context.get(), v1::WatchConfigRequest());
  v1::ConfigEvent event;
  ASSERT_TRUE(stream->Read(&event));
  std::promise<grpc::Status> ended;
  std::thread watcher([&] {
    v1::ConfigEvent e;
    while (stream->Read(&e)) {
    }
    ended.set_value(stream->Finish());
  });
  const absl::Time start = absl::Now();
  server_->Shutdown();  // default grace: 10 s
  const absl::Duration took = absl::Now() - start;
  EXPECT_LT(took, absl::Seconds(5)) << "Shutdown waited on the watcher";
  std::future<grpc::Status> result = ended.get_future();
  ASSERT_EQ(result.wait_for(std::chrono::seconds(5)), std::future_status::ready)
      << "the watch stream did not end";
  watcher.join();
}

TEST_F(WatchTest, ManyWritesAreSeenInOrder) {
  auto context = Ctx(kAdminKey);
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::seconds(30));
  auto stream = exp_->WatchConfig(context.get(), v1::WatchConfigRequest());
  v1::ConfigEvent event;
  ASSERT_TRUE(stream->Read(&event));
  const int64_t start = event.version();
  std::thread writer([&] {
    for (int i = 0; i < 10; ++i) {
      EXPECT_OK(
          CreateExperiment(MakeExperiment(absl::StrCat("w", i), {0.5, 0.5})));
    }
  });
  // Events may coalesce, but versions only grow and the last one is seen.
  int64_t last = start;
  while (last < start + 10 && stream->Read(&event)) {
    EXPECT_GT(event.version(), last);
    last = event.version();
  }
  writer.join();
  EXPECT_EQ(last, start + 10);
  context->TryCancel();
  while (stream->Read(&event)) {
  }
  (void)stream->Finish();
}

}  // namespace
}  // namespace cxlab::integration
