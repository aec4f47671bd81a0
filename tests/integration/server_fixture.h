// Copyright 2026 The cxlab Authors.
//
// Shared fixture of the server integration tests: a CxlabServer started in
// process on 127.0.0.1, port 0, over a fresh data dir (mkdtemp, removed in
// TearDown), reached through a real gRPC channel and the generated stubs.
//
//   TEST_F(ServerTest, Something) {
//     std::string editor = CreateKey(v1::ROLE_EDITOR);
//     v1::CreateExperimentRequest req;
//     *req.mutable_experiment() = MakeExperiment("exp", {0.5, 0.5});
//     v1::Experiment out;
//     EXPECT_OK(Exp(&ES::CreateExperiment, req, &out, editor));
//   }
//
// Not thread-safe itself; the Call helpers may be used from several threads
// because each call gets its own ClientContext.

#ifndef CXLAB_TESTS_INTEGRATION_SERVER_FIXTURE_H_
#define CXLAB_TESTS_INTEGRATION_SERVER_FIXTURE_H_

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <initializer_list>
#include <memory>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "api/convert/definitions_convert.h"
#include "api/server/server.h"
#include "clients/cpp/definitions_loader.h"
#include "cxlab/v1/assignment.grpc.pb.h"
#include "cxlab/v1/definitions.pb.h"
#include "cxlab/v1/experiment_service.grpc.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"

namespace cxlab::integration {

namespace v1 = ::cxlab::v1;
using ES = v1::ExperimentService::Stub;
using AS = v1::AssignmentService::Stub;

inline constexpr char kAdminKey[] = "integration-admin-key-0001";
// Id of the bootstrap admin key (the actor of its writes).
inline constexpr char kAdminKeyId[] = "admin";

// "CODE: message" for failure output.
inline std::string Describe(const grpc::Status& status) {
  return absl::StrCat(static_cast<int>(status.error_code()), ": ",
                      status.error_message());
}

#define EXPECT_OK(expr)                                           \
  do {                                                            \
    const ::grpc::Status _st = (expr);                            \
    EXPECT_TRUE(_st.ok()) << ::cxlab::integration::Describe(_st); \
  } while (0)
#define ASSERT_OK(expr)                                           \
  do {                                                            \
    const ::grpc::Status _st = (expr);                            \
    ASSERT_TRUE(_st.ok()) << ::cxlab::integration::Describe(_st); \
  } while (0)
// Expects `expr` to fail with `code` and a message containing `substr`.
#define EXPECT_CODE(expr, code, substr)                             \
  do {                                                              \
    const ::grpc::Status _st = (expr);                              \
    EXPECT_EQ(_st.error_code(), (code))                             \
        << ::cxlab::integration::Describe(_st);                     \
    EXPECT_THAT(_st.error_message(), ::testing::HasSubstr(substr)); \
  } while (0)

// A JSON object text -> google.protobuf.Struct (fails the test when bad).
inline google::protobuf::Struct StructFromJson(const std::string& json) {
  google::protobuf::Struct s;
  auto status = google::protobuf::util::JsonStringToMessage(json, &s);
  EXPECT_TRUE(status.ok()) << json << ": " << status.ToString();
  return s;
}

inline google::protobuf::Value ValueFromJson(const std::string& json) {
  google::protobuf::Value v;
  auto status = google::protobuf::util::JsonStringToMessage(json, &v);
  EXPECT_TRUE(status.ok()) << json << ": " << status.ToString();
  return v;
}

// An experiment with one variant per weight ("v0", "v1", ...), each with a
// payload {"variant": "vI"}. Status draft unless set.
inline v1::Experiment MakeExperiment(
    const std::string& key, std::initializer_list<double> weights,
    v1::ExperimentStatus status = v1::EXPERIMENT_STATUS_DRAFT) {
  v1::Experiment e;
  e.set_key(key);
  e.set_name(absl::StrCat("Experiment ", key));
  e.set_description("integration test experiment");
  e.set_status(status);
  int i = 0;
  for (double w : weights) {
    v1::Variant* v = e.add_variants();
    v->set_key(absl::StrCat("v", i));
    v->set_weight(w);
    *v->mutable_payload() =
        ValueFromJson(absl::StrCat(R"({"variant": "v)", i, R"("})"));
    ++i;
  }
  return e;
}

inline v1::Unit MakeUnit(const std::string& id,
                         const std::string& attributes_json = "") {
  v1::Unit u;
  u.set_unit_id(id);
  if (!attributes_json.empty()) {
    *u.mutable_attributes() = StructFromJson(attributes_json);
  }
  return u;
}

// The repo's example definitions (experiments/), loaded and validated.
inline engine::Definitions RepoDefinitions() {
  client::LoadResult loaded =
      client::LoadDefinitions(std::string(CXLAB_SOURCE_DIR) + "/experiments");
  for (const client::LoadError& e : loaded.errors) {
    ADD_FAILURE() << e.ToString();
  }
  EXPECT_FALSE(loaded.files.empty());
  return loaded.defs;
}

inline v1::Definitions ToProtoDefinitions(const engine::Definitions& defs) {
  v1::Definitions out;
  api::ToProto(defs, &out);
  return out;
}

// Number of objects in a definitions set.
inline int CountObjects(const v1::Definitions& d) {
  return d.experiments_size() + d.segments_size() + d.groups_size() +
         d.metrics_size() + d.layers_size() + d.holdouts_size() +
         d.slots_size();
}

// A fresh directory under /tmp, removed recursively on destruction.
class TempDir {
 public:
  TempDir() {
    std::string pattern = "/tmp/cxlab-integration-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) {
      ADD_FAILURE() << "mkdtemp failed";
      return;
    }
    path_ = pattern;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    if (path_.empty()) return;
    std::error_code error;
    std::filesystem::remove_all(path_, error);
    EXPECT_FALSE(error) << "cannot remove " << path_ << ": " << error.message();
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

class ServerTest : public ::testing::Test {
 protected:
  static constexpr std::chrono::seconds kDeadline{10};

  void SetUp() override {
    dir_ = std::make_unique<TempDir>();
    ASSERT_FALSE(dir_->path().empty());
    api::ServerOptions options;
    options.data_dir = dir_->path();
    options.bind = "127.0.0.1";
    options.grpc_port = 0;
    options.admin_key = kAdminKey;
    ASSERT_NO_FATAL_FAILURE(StartServer(options));
  }

  void TearDown() override {
    assign_.reset();
    exp_.reset();
    channel_.reset();
    if (server_ != nullptr) server_->Shutdown(absl::Seconds(5));
    server_.reset();
    dir_.reset();
  }

  // Starts a server with `options` (data_dir defaults to the fixture's
  // directory) and connects the stubs to it.
  void StartServer(api::ServerOptions options) {
    if (options.data_dir.empty()) options.data_dir = dir_->path();
    options_ = options;
    absl::StatusOr<std::unique_ptr<api::CxlabServer>> server =
        api::CxlabServer::Start(options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    ASSERT_GT(server_->port(), 0);
    Connect();
  }

  // Shuts the server down and starts a new one on the same data dir (with
  // the same options).
  void RestartServer() {
    assign_.reset();
    exp_.reset();
    channel_.reset();
    server_->Shutdown(absl::Seconds(5));
    server_.reset();
    ASSERT_NO_FATAL_FAILURE(StartServer(options_));
  }

  void Connect() {
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                                   grpc::InsecureChannelCredentials());
    exp_ = v1::ExperimentService::NewStub(channel_);
    assign_ = v1::AssignmentService::NewStub(channel_);
  }

  // A context with "authorization: Bearer <key>" (none when `key` is empty)
  // and a 10 s deadline.
  static std::unique_ptr<grpc::ClientContext> Ctx(const std::string& key) {
    auto context = std::make_unique<grpc::ClientContext>();
    if (!key.empty()) {
      context->AddMetadata("authorization", absl::StrCat("Bearer ", key));
    }
    context->set_deadline(std::chrono::system_clock::now() + kDeadline);
    return context;
  }

  // One unary call on the experiment / assignment stub.
  template <typename Req, typename Resp>
  grpc::Status Exp(grpc::Status (ES::*method)(grpc::ClientContext*, const Req&,
                                              Resp*),
                   const Req& request, Resp* response,
                   const std::string& key = kAdminKey) {
    auto context = Ctx(key);
    return (exp_.get()->*method)(context.get(), request, response);
  }
  template <typename Req, typename Resp>
  grpc::Status Asg(grpc::Status (AS::*method)(grpc::ClientContext*, const Req&,
                                              Resp*),
                   const Req& request, Resp* response,
                   const std::string& key = kAdminKey) {
    auto context = Ctx(key);
    return (assign_.get()->*method)(context.get(), request, response);
  }

  // Creates an API key of `role` (as the admin); returns its secret and
  // sets *id to its id.
  std::string CreateKey(v1::Role role, std::string* id = nullptr,
                        const std::string& name = "") {
    v1::CreateApiKeyRequest request;
    request.set_name(name.empty() ? absl::StrCat("key-", v1::Role_Name(role))
                                  : name);
    request.set_role(role);
    v1::CreateApiKeyResponse response;
    grpc::Status status = Exp(&ES::CreateApiKey, request, &response);
    EXPECT_TRUE(status.ok()) << Describe(status);
    if (id != nullptr) *id = response.key().id();
    return response.secret();
  }

  // The config version the server reports: the first WatchConfig event.
  int64_t WatchedVersion(const std::string& key = kAdminKey) {
    auto context = Ctx(key);
    v1::WatchConfigRequest request;
    std::unique_ptr<grpc::ClientReader<v1::ConfigEvent>> reader =
        exp_->WatchConfig(context.get(), request);
    v1::ConfigEvent event;
    bool got = reader->Read(&event);
    EXPECT_TRUE(got) << "WatchConfig sent no first event";
    context->TryCancel();
    grpc::Status status = reader->Finish();
    (void)status;
    return got ? event.version() : -1;
  }

  grpc::Status CreateExperiment(const v1::Experiment& e,
                                v1::Experiment* out = nullptr,
                                const std::string& key = kAdminKey) {
    v1::CreateExperimentRequest request;
    *request.mutable_experiment() = e;
    v1::Experiment ignored;
    return Exp(&ES::CreateExperiment, request, out ? out : &ignored, key);
  }

  grpc::Status GetExperiment(const std::string& exp_key, v1::Experiment* out,
                             const std::string& key = kAdminKey) {
    v1::GetRequest request;
    request.set_key(exp_key);
    return Exp(&ES::GetExperiment, request, out, key);
  }

  grpc::Status StartExperiment(const std::string& exp_key,
                               const std::string& new_salt = "",
                               v1::Experiment* out = nullptr) {
    v1::StartExperimentRequest request;
    request.set_key(exp_key);
    request.set_new_salt(new_salt);
    v1::Experiment ignored;
    return Exp(&ES::StartExperiment, request, out ? out : &ignored);
  }

  // Assigns `unit` to `keys` (every running one when empty).
  grpc::Status Assign(const v1::Unit& unit,
                      const std::vector<std::string>& keys,
                      v1::AssignResponse* out,
                      const std::string& key = kAdminKey) {
    v1::AssignRequest request;
    *request.mutable_unit() = unit;
    for (const std::string& k : keys) request.add_experiment_keys(k);
    return Asg(&AS::Assign, request, out, key);
  }

  // Applies the repo's experiments/ as `key`; fails the test on error.
  v1::ApplyResponse ApplyRepoDefinitions(const std::string& key = kAdminKey) {
    v1::ApplyRequest request;
    *request.mutable_definitions() = ToProtoDefinitions(RepoDefinitions());
    v1::ApplyResponse response;
    grpc::Status status = Exp(&ES::Apply, request, &response, key);
    EXPECT_TRUE(status.ok()) << Describe(status);
    return response;
  }

  // Every audit record, newest first.
  std::vector<v1::Change> AllChanges(const std::string& kind = "",
                                     const std::string& key = "") {
    v1::ListChangesRequest request;
    request.set_page_size(1000);
    request.set_kind(kind);
    request.set_key(key);
    std::vector<v1::Change> out;
    for (int page = 0; page < 100; ++page) {
      v1::ListChangesResponse response;
      grpc::Status status = Exp(&ES::ListChanges, request, &response);
      EXPECT_TRUE(status.ok()) << Describe(status);
      if (!status.ok()) break;
      for (const v1::Change& c : response.changes()) out.push_back(c);
      if (response.next_page_token().empty()) break;
      request.set_page_token(response.next_page_token());
    }
    return out;
  }

  const std::string& data_dir() const { return dir_->path(); }

  std::unique_ptr<TempDir> dir_;
  api::ServerOptions options_;
  std::unique_ptr<api::CxlabServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<ES> exp_;
  std::unique_ptr<AS> assign_;
};

}  // namespace cxlab::integration

#endif  // CXLAB_TESTS_INTEGRATION_SERVER_FIXTURE_H_
