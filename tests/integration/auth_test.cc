// Copyright 2026 The cxlab Authors.
//
// API keys and roles over gRPC: UNAUTHENTICATED without a valid key,
// PERMISSION_DENIED below the needed role, key management by admins, the
// bootstrap admin key (given or generated into DATA_DIR/admin.key).

#include "api/server/auth.h"

#include <sys/stat.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "tests/integration/server_fixture.h"

namespace cxlab::integration {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr auto kUnauthenticated = grpc::StatusCode::UNAUTHENTICATED;
constexpr auto kDenied = grpc::StatusCode::PERMISSION_DENIED;

class AuthTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    ASSERT_OK(CreateExperiment(
        MakeExperiment("exp", {0.5, 0.5}, v1::EXPERIMENT_STATUS_RUNNING)));
  }

  // Calls with a raw "authorization" value (none when empty).
  grpc::Status GetWithHeader(const std::string& header) {
    grpc::ClientContext context;
    if (!header.empty()) context.AddMetadata("authorization", header);
    context.set_deadline(std::chrono::system_clock::now() + kDeadline);
    v1::GetRequest request;
    request.set_key("exp");
    v1::Experiment out;
    return exp_->GetExperiment(&context, request, &out);
  }

  grpc::Status DoAssign(const std::string& key) {
    v1::AssignResponse out;
    return Assign(MakeUnit("u-1"), {"exp"}, &out, key);
  }
  grpc::Status DoAssignBatch(const std::string& key) {
    v1::AssignBatchRequest request;
    *request.add_units() = MakeUnit("u-1");
    v1::AssignBatchResponse out;
    return Asg(&AS::AssignBatch, request, &out, key);
  }
  grpc::Status DoGet(const std::string& key) {
    v1::Experiment out;
    return GetExperiment("exp", &out, key);
  }
  grpc::Status DoList(const std::string& key) {
    v1::ListExperimentsResponse out;
    return Exp(&ES::ListExperiments, v1::ListRequest(), &out, key);
  }
  grpc::Status DoListSegments(const std::string& key) {
    v1::ListSegmentsResponse out;
    return Exp(&ES::ListSegments, v1::ListRequest(), &out, key);
  }
  grpc::Status DoChanges(const std::string& key) {
    v1::ListChangesResponse out;
    return Exp(&ES::ListChanges, v1::ListChangesRequest(), &out, key);
  }
  grpc::Status DoValidate(const std::string& key) {
    v1::ValidateRequest request;
    *request.mutable_definitions()->add_experiments() =
        MakeExperiment("validated", {0.5, 0.5});
    v1::ValidateResponse out;
    return Exp(&ES::Validate, request, &out, key);
  }
  grpc::Status DoCreate(const std::string& key, const std::string& exp_key) {
    return CreateExperiment(MakeExperiment(exp_key, {0.5, 0.5}), nullptr, key);
  }
  grpc::Status DoCreateSegment(const std::string& key) {
    v1::CreateSegmentRequest request;
    request.mutable_segment()->set_key("seg");
    *request.mutable_segment()->mutable_condition() =
        StructFromJson(R"({"a": 1})");
    v1::Segment out;
    return Exp(&ES::CreateSegment, request, &out, key);
  }
  grpc::Status DoApply(const std::string& key) {
    v1::ApplyRequest request;
    *request.mutable_definitions()->add_experiments() =
        MakeExperiment("applied", {0.5, 0.5});
    v1::ApplyResponse out;
    return Exp(&ES::Apply, request, &out, key);
  }
  grpc::Status DoPause(const std::string& key) {
    v1::LifecycleRequest request;
    request.set_key("exp");
    v1::Experiment out;
    return Exp(&ES::PauseExperiment, request, &out, key);
  }
  grpc::Status DoDelete(const std::string& key) {
    v1::DeleteRequest request;
    request.set_key("nothing_to_delete");
    v1::DeleteResponse out;
    return Exp(&ES::DeleteExperiment, request, &out, key);
  }
  grpc::Status DoCreateKey(const std::string& key) {
    v1::CreateApiKeyRequest request;
    request.set_name("made");
    request.set_role(v1::ROLE_SDK);
    v1::CreateApiKeyResponse out;
    return Exp(&ES::CreateApiKey, request, &out, key);
  }
  grpc::Status DoListKeys(const std::string& key,
                          v1::ListApiKeysResponse* out = nullptr) {
    v1::ListApiKeysResponse ignored;
    return Exp(&ES::ListApiKeys, v1::ListApiKeysRequest(), out ? out : &ignored,
               key);
  }
  grpc::Status DoRevoke(const std::string& key, const std::string& id,
                        v1::ApiKey* out = nullptr) {
    v1::RevokeApiKeyRequest request;
    request.set_id(id);
    v1::ApiKey ignored;
    return Exp(&ES::RevokeApiKey, request, out ? out : &ignored, key);
  }
};

TEST_F(AuthTest, MissingOrUnknownKeyIsUnauthenticated) {
  for (const std::string& key : {std::string(), std::string("not-a-key"),
                                 std::string("integration-admin-key-0002")}) {
    SCOPED_TRACE(key);
    EXPECT_CODE(DoAssign(key), kUnauthenticated, "");
    EXPECT_CODE(DoAssignBatch(key), kUnauthenticated, "");
    EXPECT_CODE(DoGet(key), kUnauthenticated, "");
    EXPECT_CODE(DoList(key), kUnauthenticated, "");
    EXPECT_CODE(DoChanges(key), kUnauthenticated, "");
    EXPECT_CODE(DoCreate(key, "x"), kUnauthenticated, "");
    EXPECT_CODE(DoCreateKey(key), kUnauthenticated, "");
  }
  // Malformed headers.
  EXPECT_CODE(GetWithHeader(""), kUnauthenticated, "");
  EXPECT_CODE(GetWithHeader(kAdminKey), kUnauthenticated, "");
  EXPECT_CODE(GetWithHeader(absl::StrCat("Basic ", kAdminKey)),
              kUnauthenticated, "");
  EXPECT_CODE(GetWithHeader("Bearer "), kUnauthenticated, "");
  // The scheme is case-insensitive.
  EXPECT_OK(GetWithHeader(absl::StrCat("bearer ", kAdminKey)));
  EXPECT_OK(GetWithHeader(absl::StrCat("BEARER ", kAdminKey)));
}

TEST_F(AuthTest, SdkCanOnlyAssign) {
  const std::string sdk = CreateKey(v1::ROLE_SDK);
  EXPECT_OK(DoAssign(sdk));
  EXPECT_OK(DoAssignBatch(sdk));
  EXPECT_CODE(DoGet(sdk), kDenied, "");
  EXPECT_CODE(DoList(sdk), kDenied, "");
  EXPECT_CODE(DoChanges(sdk), kDenied, "");
  EXPECT_CODE(DoValidate(sdk), kDenied, "");
  EXPECT_CODE(DoCreate(sdk, "x"), kDenied, "");
  EXPECT_CODE(DoCreateKey(sdk), kDenied, "");
  // The message names the role and what is needed.
  grpc::Status st = DoGet(sdk);
  EXPECT_THAT(st.error_message(), HasSubstr("sdk"));
  EXPECT_THAT(st.error_message(), HasSubstr("reader"));
}

TEST_F(AuthTest, ReaderReadsButDoesNotWrite) {
  const std::string reader = CreateKey(v1::ROLE_READER);
  EXPECT_OK(DoAssign(reader));
  EXPECT_OK(DoGet(reader));
  EXPECT_OK(DoList(reader));
  EXPECT_OK(DoListSegments(reader));
  EXPECT_OK(DoChanges(reader));
  EXPECT_OK(DoValidate(reader));
  const int64_t version = WatchedVersion(reader);
  EXPECT_CODE(DoCreate(reader, "x"), kDenied, "editor");
  EXPECT_CODE(DoCreateSegment(reader), kDenied, "");
  EXPECT_CODE(DoApply(reader), kDenied, "");
  EXPECT_CODE(DoPause(reader), kDenied, "");
  EXPECT_CODE(DoDelete(reader), kDenied, "");
  EXPECT_CODE(DoCreateKey(reader), kDenied, "");
  EXPECT_CODE(DoListKeys(reader), kDenied, "");
  EXPECT_EQ(WatchedVersion(reader), version);
  // Validate never stores anything.
  v1::Experiment none;
  EXPECT_CODE(GetExperiment("validated", &none), grpc::StatusCode::NOT_FOUND,
              "validated");
}

TEST_F(AuthTest, EditorChangesButDoesNotManageKeys) {
  std::string editor_id;
  const std::string editor = CreateKey(v1::ROLE_EDITOR, &editor_id);
  EXPECT_OK(DoAssign(editor));
  EXPECT_OK(DoGet(editor));
  EXPECT_OK(DoCreate(editor, "by_editor"));
  EXPECT_OK(DoCreateSegment(editor));
  EXPECT_OK(DoApply(editor));
  EXPECT_OK(DoPause(editor));
  EXPECT_CODE(DoCreateKey(editor), kDenied, "admin");
  EXPECT_CODE(DoListKeys(editor), kDenied, "");
  EXPECT_CODE(DoRevoke(editor, editor_id), kDenied, "");
  // The editor key still works: revoking it was refused.
  EXPECT_OK(DoGet(editor));
}

TEST_F(AuthTest, AdminManagesKeys) {
  v1::CreateApiKeyRequest request;
  request.set_name("web shop");
  request.set_role(v1::ROLE_SDK);
  v1::CreateApiKeyResponse created;
  ASSERT_OK(Exp(&ES::CreateApiKey, request, &created));
  EXPECT_FALSE(created.secret().empty());
  EXPECT_FALSE(created.key().id().empty());
  EXPECT_EQ(created.key().name(), "web shop");
  EXPECT_EQ(created.key().role(), v1::ROLE_SDK);
  EXPECT_EQ(created.key().created_by(), kAdminKeyId);
  EXPECT_FALSE(created.key().revoked());
  EXPECT_TRUE(created.key().has_created_at());
  EXPECT_OK(DoAssign(created.secret()));

  std::string editor_id;
  const std::string editor = CreateKey(v1::ROLE_EDITOR, &editor_id);

  // Listed without secrets.
  v1::ListApiKeysResponse listed;
  ASSERT_OK(DoListKeys(kAdminKey, &listed));
  ASSERT_EQ(listed.keys_size(), 3);
  std::vector<std::string> ids;
  for (const v1::ApiKey& k : listed.keys()) ids.push_back(k.id());
  EXPECT_THAT(ids, ::testing::UnorderedElementsAre(
                       kAdminKeyId, created.key().id(), editor_id));
  for (const v1::ApiKey& k : listed.keys()) {
    if (k.id() == kAdminKeyId) {
      EXPECT_EQ(k.role(), v1::ROLE_ADMIN);
    }
    if (k.id() == editor_id) {
      EXPECT_EQ(k.role(), v1::ROLE_EDITOR);
    }
  }
  const std::string wire = listed.SerializeAsString();
  for (const std::string& secret :
       {std::string(kAdminKey), created.secret(), editor}) {
    EXPECT_THAT(wire, Not(HasSubstr(secret)));
    EXPECT_THAT(wire, Not(HasSubstr(api::Sha256Hex(secret))));
  }
  // Nor are secrets (or their hashes) in the audit log.
  for (const v1::Change& c : AllChanges("apikey")) {
    for (const std::string& secret :
         {std::string(kAdminKey), created.secret(), editor}) {
      EXPECT_THAT(c.after_json(), Not(HasSubstr(secret)));
      EXPECT_THAT(c.after_json(), Not(HasSubstr(api::Sha256Hex(secret))));
      EXPECT_THAT(c.before_json(), Not(HasSubstr(api::Sha256Hex(secret))));
    }
  }

  // Revoke: the key stops working at once, and is listed as revoked.
  v1::ApiKey revoked;
  ASSERT_OK(DoRevoke(kAdminKey, editor_id, &revoked));
  EXPECT_TRUE(revoked.revoked());
  EXPECT_EQ(revoked.id(), editor_id);
  EXPECT_CODE(DoGet(editor), kUnauthenticated, "");
  EXPECT_CODE(DoAssign(editor), kUnauthenticated, "");
  ASSERT_OK(DoListKeys(kAdminKey, &listed));
  for (const v1::ApiKey& k : listed.keys()) {
    EXPECT_EQ(k.revoked(), k.id() == editor_id) << k.id();
  }
  std::vector<v1::Change> key_changes = AllChanges("apikey", editor_id);
  ASSERT_EQ(key_changes.size(), 2u);
  EXPECT_EQ(key_changes[0].action(), "key.revoke");
  EXPECT_EQ(key_changes[0].actor(), kAdminKeyId);
  EXPECT_EQ(key_changes[1].action(), "key.create");

  // Bad requests.
  EXPECT_CODE(DoRevoke(kAdminKey, "no-such-id"), grpc::StatusCode::NOT_FOUND,
              "no-such-id");
  EXPECT_CODE(DoRevoke(kAdminKey, ""), grpc::StatusCode::INVALID_ARGUMENT,
              "id");
  v1::CreateApiKeyResponse ignored;
  request.set_role(v1::ROLE_UNSPECIFIED);
  EXPECT_CODE(Exp(&ES::CreateApiKey, request, &ignored),
              grpc::StatusCode::INVALID_ARGUMENT, "role");
  request.set_role(static_cast<v1::Role>(9));
  EXPECT_CODE(Exp(&ES::CreateApiKey, request, &ignored),
              grpc::StatusCode::INVALID_ARGUMENT, "role");
  request.set_role(v1::ROLE_READER);
  request.set_name("");
  EXPECT_CODE(Exp(&ES::CreateApiKey, request, &ignored),
              grpc::StatusCode::INVALID_ARGUMENT, "name");
}

TEST_F(AuthTest, LastAdminCannotBeRevoked) {
  EXPECT_CODE(DoRevoke(kAdminKey, kAdminKeyId),
              grpc::StatusCode::FAILED_PRECONDITION, "last");
  EXPECT_OK(DoListKeys(kAdminKey));

  std::string second_id;
  const std::string second = CreateKey(v1::ROLE_ADMIN, &second_id);
  EXPECT_OK(DoListKeys(second));
  EXPECT_OK(DoRevoke(second, kAdminKeyId));
  EXPECT_CODE(DoListKeys(kAdminKey), kUnauthenticated, "");
  // Now `second` is the last active admin.
  EXPECT_CODE(DoRevoke(second, second_id),
              grpc::StatusCode::FAILED_PRECONDITION, "last");
  EXPECT_OK(DoListKeys(second));
  EXPECT_OK(DoCreate(second, "by_second_admin"));
}

TEST_F(AuthTest, KeysSurviveARestartAndTheAdminKeyOptionIsOnlyForNewDirs) {
  std::string reader_id;
  const std::string reader = CreateKey(v1::ROLE_READER, &reader_id);
  std::string revoked_id;
  const std::string revoked = CreateKey(v1::ROLE_EDITOR, &revoked_id);
  ASSERT_OK(DoRevoke(kAdminKey, revoked_id));

  api::ServerOptions options = options_;
  options.admin_key = "a-different-admin-key-0002";
  options_ = options;
  ASSERT_NO_FATAL_FAILURE(RestartServer());
  EXPECT_FALSE(server_->generated_admin_key().has_value());
  EXPECT_OK(DoListKeys(kAdminKey));
  EXPECT_OK(DoGet(reader));
  EXPECT_CODE(DoGet(revoked), kUnauthenticated, "");
  EXPECT_CODE(DoGet("a-different-admin-key-0002"), kUnauthenticated, "");
}

// A fresh data dir without admin_key: one is generated into admin.key.
class GeneratedAdminKeyTest : public ::testing::Test {
 protected:
  TempDir dir_;
};

TEST_F(GeneratedAdminKeyTest, WrittenToDataDirWithMode0600) {
  api::ServerOptions options;
  options.data_dir = dir_.path();
  options.admin_key = "";
  std::string key;
  {
    auto server = api::CxlabServer::Start(options);
    ASSERT_TRUE(server.ok()) << server.status();
    ASSERT_TRUE((*server)->generated_admin_key().has_value());
    key = *(*server)->generated_admin_key();
    EXPECT_GE(key.size(), 16u);

    const std::string path = dir_.path() + "/admin.key";
    struct stat st;
    ASSERT_EQ(::stat(path.c_str(), &st), 0) << path;
    EXPECT_EQ(st.st_mode & 0777, 0600);
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    EXPECT_EQ(absl::StripAsciiWhitespace(text.str()), key);

    auto channel =
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", (*server)->port()),
                            grpc::InsecureChannelCredentials());
    auto stub = v1::ExperimentService::NewStub(channel);
    grpc::ClientContext context;
    context.AddMetadata("authorization", absl::StrCat("Bearer ", key));
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(10));
    v1::ListApiKeysResponse keys;
    grpc::Status status =
        stub->ListApiKeys(&context, v1::ListApiKeysRequest(), &keys);
    ASSERT_TRUE(status.ok()) << Describe(status);
    ASSERT_EQ(keys.keys_size(), 1);
    EXPECT_EQ(keys.keys(0).role(), v1::ROLE_ADMIN);
    (*server)->Shutdown(absl::Seconds(5));
  }
  // A restart does not generate another one; the first still works.
  auto server = api::CxlabServer::Start(options);
  ASSERT_TRUE(server.ok()) << server.status();
  EXPECT_FALSE((*server)->generated_admin_key().has_value());
  auto channel =
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", (*server)->port()),
                          grpc::InsecureChannelCredentials());
  auto stub = v1::ExperimentService::NewStub(channel);
  grpc::ClientContext context;
  context.AddMetadata("authorization", absl::StrCat("Bearer ", key));
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  v1::ListApiKeysResponse keys;
  EXPECT_OK(stub->ListApiKeys(&context, v1::ListApiKeysRequest(), &keys));
  (*server)->Shutdown(absl::Seconds(5));
}

TEST_F(GeneratedAdminKeyTest, ShortAdminKeyIsRefused) {
  api::ServerOptions options;
  options.data_dir = dir_.path();
  options.admin_key = "short";
  auto server = api::CxlabServer::Start(options);
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(GeneratedAdminKeyTest, MissingDataDirIsRefused) {
  api::ServerOptions options;
  auto server = api::CxlabServer::Start(options);
  ASSERT_FALSE(server.ok());
  EXPECT_THAT(std::string(server.status().message()), HasSubstr("data_dir"));
}

}  // namespace
}  // namespace cxlab::integration

namespace cxlab::integration {
namespace {

std::string ReadTrimmed(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return std::string(absl::StripAsciiWhitespace(text.str()));
}

TEST_F(AuthTest, RotateReplacesAKeyAndTheAuditNamesTheActor) {
  std::string old_id;
  const std::string old_secret = CreateKey(v1::ROLE_READER, &old_id, "ci");
  v1::RotateApiKeyRequest request;
  request.set_id(old_id);
  v1::CreateApiKeyResponse rotated;
  ASSERT_OK(Exp(&ES::RotateApiKey, request, &rotated));
  EXPECT_NE(rotated.key().id(), old_id);
  EXPECT_EQ(rotated.key().name(), "ci");
  EXPECT_EQ(rotated.key().role(), v1::ROLE_READER);
  EXPECT_NE(rotated.secret(), old_secret);
  // The new secret works, the old one is gone.
  EXPECT_OK(DoGet(rotated.secret()));
  EXPECT_CODE(DoGet(old_secret), kUnauthenticated, "unknown or revoked");
  // Rotating it again is refused; unknown ids are NOT_FOUND.
  EXPECT_CODE(Exp(&ES::RotateApiKey, request, &rotated),
              grpc::StatusCode::FAILED_PRECONDITION, "is revoked");
  request.set_id("nope");
  EXPECT_CODE(Exp(&ES::RotateApiKey, request, &rotated),
              grpc::StatusCode::NOT_FOUND,
              "not found");
  // Only admins rotate.
  request.set_id(rotated.key().id());
  EXPECT_CODE(Exp(&ES::RotateApiKey, request, &rotated, rotated.secret()),
              grpc::StatusCode::PERMISSION_DENIED, "needs admin");
  // Every key write is audited with the admin key's id as the actor (the
  // bootstrap admin key itself was created by the server at start).
  for (const v1::Change& c : AllChanges("apikey")) {
    EXPECT_EQ(c.actor(), c.key() == kAdminKeyId ? "bootstrap" : kAdminKeyId)
        << c.action() << " " << c.key();
  }
}

TEST_F(AuthTest, EveryWriteIsAuditedWithTheKeyIdNeverTheSecret) {
  std::string editor_id;
  const std::string editor = CreateKey(v1::ROLE_EDITOR, &editor_id);
  ApplyRepoDefinitions(editor);
  const std::vector<v1::Change> changes = AllChanges();
  int by_editor = 0;
  for (const v1::Change& c : changes) {
    EXPECT_FALSE(c.actor().empty()) << c.kind() << " " << c.key();
    EXPECT_EQ(c.actor().find(editor), std::string::npos);
    EXPECT_EQ(c.actor().find(kAdminKey), std::string::npos);
    if (c.actor() == editor_id) ++by_editor;
  }
  EXPECT_GE(by_editor, 30);
  // Errors never echo a secret.
  v1::GetRequest get;
  get.set_key("x");
  v1::Experiment out;
  const grpc::Status wrong =
      Exp(&ES::GetExperiment, get, &out, "supersecret-never-echoed-0001");
  EXPECT_EQ(wrong.error_code(), kUnauthenticated);
  EXPECT_EQ(wrong.error_message().find("supersecret"), std::string::npos);
}

TEST_F(GeneratedAdminKeyTest, RotatingTheBootstrapKeyRewritesAdminKey) {
  api::ServerOptions options;
  options.data_dir = dir_.path();
  auto server = api::CxlabServer::Start(options);
  ASSERT_TRUE(server.ok()) << server.status();
  const std::string path = dir_.path() + "/admin.key";
  const std::string old_secret = ReadTrimmed(path);
  auto stub = v1::ExperimentService::NewStub(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", (*server)->port()),
                          grpc::InsecureChannelCredentials()));
  auto call = [&](const std::string& secret, v1::CreateApiKeyResponse* out) {
    grpc::ClientContext context;
    context.AddMetadata("authorization", absl::StrCat("Bearer ", secret));
    v1::RotateApiKeyRequest request;
    request.set_id(api::kBootstrapAdminKeyId);
    return stub->RotateApiKey(&context, request, out);
  };
  v1::CreateApiKeyResponse rotated;
  ASSERT_OK(call(old_secret, &rotated));
  EXPECT_EQ(ReadTrimmed(path), rotated.secret());
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  grpc::ClientContext context;
  context.AddMetadata("authorization", absl::StrCat("Bearer ", old_secret));
  v1::ListApiKeysResponse keys;
  EXPECT_EQ(stub->ListApiKeys(&context, v1::ListApiKeysRequest(), &keys)
                .error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  (*server)->Shutdown(absl::Seconds(5));
}

TEST_F(GeneratedAdminKeyTest, AWorldReadableAdminKeyIsRefused) {
  api::ServerOptions options;
  options.data_dir = dir_.path();
  {
    auto server = api::CxlabServer::Start(options);
    ASSERT_TRUE(server.ok()) << server.status();
    (*server)->Shutdown(absl::Seconds(5));
  }
  const std::string path = dir_.path() + "/admin.key";
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  auto refused = api::CxlabServer::Start(options);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(refused.status().message(),
              ::testing::HasSubstr("chmod 600"));
  ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
  auto server = api::CxlabServer::Start(options);
  EXPECT_TRUE(server.ok()) << server.status();
}

}  // namespace
}  // namespace cxlab::integration
