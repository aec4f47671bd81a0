// Copyright 2026 The cxlab Authors.

#include "api/server/experiment_service.h"

#include <string>
#include <type_traits>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "api/convert/convert.h"
#include "api/convert/definitions_convert.h"
#include "api/convert/value_convert.h"
#include "api/server/grpc_status.h"
#include "api/server/request_context.h"
#include "engine/status_macros.h"

namespace cxlab::api {
namespace {

using storage::ConfigManager;
using storage::Kind;

void FillMeta(const storage::ObjectMeta& meta, v1::ObjectMeta* out) {
  out->set_version(meta.version);
  out->set_created_version(meta.created_version);
  if (meta.updated_at != absl::Time()) {
    ToProtoTimestamp(meta.updated_at, out->mutable_updated_at());
  }
  out->set_updated_by(meta.updated_by);
}

// Writes a stored definition (of the C++ type matching `Proto`) to `out`.
template <typename Proto>
void StoredToProto(const storage::StoredDefinition& stored, Proto* out) {
  std::visit(
      [&](const auto& def) {
        using Def = std::decay_t<decltype(def)>;
        using Expected = typename decltype(FromProto(
            std::declval<const Proto&>()))::value_type;
        if constexpr (std::is_same_v<Def, Expected>) ToProto(def, out);
      },
      stored.def);
  FillMeta(stored.meta, out->mutable_meta());
}

grpc::Status Fail(const absl::Status& status) { return ToGrpcStatus(status); }

v1::ApiKey KeyToProto(const ApiKeyInfo& info) {
  v1::ApiKey key;
  key.set_id(info.id);
  key.set_name(info.name);
  key.set_role(static_cast<v1::Role>(static_cast<int>(info.role)));
  ToProtoTimestamp(info.created_at, key.mutable_created_at());
  key.set_created_by(info.created_by);
  key.set_revoked(info.revoked);
  return key;
}

void PlanToProto(const storage::PlannedChange& change, v1::PlannedChange* out) {
  out->set_kind(std::string(storage::KindName(change.kind)));
  out->set_key(change.key);
  switch (change.action) {
    case storage::PlannedChange::Action::kCreate:
      out->set_action(v1::PlannedChange::ACTION_CREATE);
      break;
    case storage::PlannedChange::Action::kUpdate:
      out->set_action(v1::PlannedChange::ACTION_UPDATE);
      break;
    case storage::PlannedChange::Action::kUnchanged:
      out->set_action(v1::PlannedChange::ACTION_UNCHANGED);
      break;
  }
  for (const std::string& f : change.changed_fields) out->add_changed_fields(f);
}

}  // namespace

absl::Status ExperimentServiceImpl::Check(grpc::ServerContext* context,
                                          Role role, absl::string_view method,
                                          storage::Actor* actor) const {
  return Check(AuthorizationHeader(*context), role, method, actor);
}

absl::Status ExperimentServiceImpl::Check(absl::string_view authorization,
                                          Role role, absl::string_view method,
                                          storage::Actor* actor) const {
  absl::StatusOr<Principal> who = keys_.Authenticate(authorization);
  if (!who.ok()) return who.status();
  absl::Status allowed = Authorize(*who, role, method);
  if (!allowed.ok()) return allowed;
  if (actor != nullptr) *actor = storage::Actor{who->key_id, absl::Now()};
  return absl::OkStatus();
}

template <typename Proto>
grpc::Status ExperimentServiceImpl::PutDefinition(
    grpc::ServerContext* context, absl::string_view method, const Proto& in,
    ConfigManager::WriteMode mode, int64_t expected_version, Proto* out) {
  storage::Actor actor;
  absl::Status allowed = Check(context, Role::kEditor, method, &actor);
  if (!allowed.ok()) return Fail(allowed);
  auto def = FromProto(in);
  if (!def.ok()) return Fail(def.status());
  absl::StatusOr<storage::StoredDefinition> stored = config_.Put(
      storage::AnyDefinition(*std::move(def)), mode, expected_version, actor);
  if (!stored.ok()) return Fail(stored.status());
  StoredToProto(*stored, out);
  return grpc::Status::OK;
}

template <typename Proto>
absl::Status ExperimentServiceImpl::GetDefinition(
    absl::string_view authorization, absl::string_view method, Kind kind,
    const std::string& key, Proto* out) {
  RETURN_IF_ERROR(Check(authorization, Role::kReader, method, nullptr));
  if (key.empty()) return absl::InvalidArgumentError("key: must not be empty");
  ASSIGN_OR_RETURN(storage::StoredDefinition stored, config_.Get(kind, key));
  StoredToProto(stored, out);
  return absl::OkStatus();
}

template <typename Proto, typename Response>
absl::Status ExperimentServiceImpl::ListDefinitions(
    absl::string_view authorization, absl::string_view method, Kind kind,
    Response*, google::protobuf::RepeatedPtrField<Proto>* items) {
  RETURN_IF_ERROR(Check(authorization, Role::kReader, method, nullptr));
  for (const storage::StoredDefinition& stored : config_.List(kind)) {
    StoredToProto(stored, items->Add());
  }
  return absl::OkStatus();
}

absl::Status ExperimentServiceImpl::HandleGetExperiment(
    absl::string_view authorization, const v1::GetRequest& request,
    v1::Experiment* out) {
  return GetDefinition(authorization, "GetExperiment", Kind::kExperiment,
                       request.key(), out);
}

absl::Status ExperimentServiceImpl::HandleListExperiments(
    absl::string_view authorization, const v1::ListRequest&,
    v1::ListExperimentsResponse* out) {
  return ListDefinitions(authorization, "ListExperiments", Kind::kExperiment,
                         out, out->mutable_experiments());
}

grpc::Status ExperimentServiceImpl::DeleteDefinition(
    grpc::ServerContext* context, absl::string_view method, Kind kind,
    const v1::DeleteRequest& request, v1::DeleteResponse* out) {
  storage::Actor actor;
  absl::Status allowed = Check(context, Role::kEditor, method, &actor);
  if (!allowed.ok()) return Fail(allowed);
  if (request.key().empty()) {
    return Fail(absl::InvalidArgumentError("key: must not be empty"));
  }
  absl::StatusOr<int64_t> version = config_.Delete(
      kind, request.key(), request.expected_version(), actor);
  if (!version.ok()) return Fail(version.status());
  out->set_config_version(*version);
  return grpc::Status::OK;
}

#define CXLAB_DEFINE_CRUD(Type, Lower, Plural, KindValue)                     \
  grpc::Status ExperimentServiceImpl::Create##Type(                           \
      grpc::ServerContext* c, const v1::Create##Type##Request* r,             \
      v1::Type* out) {                                                        \
    return PutDefinition(c, "Create" #Type, r->Lower(),                       \
                         ConfigManager::WriteMode::kCreate, 0, out);          \
  }                                                                           \
  grpc::Status ExperimentServiceImpl::Update##Type(                           \
      grpc::ServerContext* c, const v1::Update##Type##Request* r,             \
      v1::Type* out) {                                                        \
    return PutDefinition(c, "Update" #Type, r->Lower(),                       \
                         ConfigManager::WriteMode::kUpdate,                   \
                         r->expected_version(), out);                         \
  }                                                                           \
  grpc::Status ExperimentServiceImpl::Get##Type(                              \
      grpc::ServerContext* c, const v1::GetRequest* r, v1::Type* out) {       \
    return Fail(GetDefinition(AuthorizationHeader(*c), "Get" #Type,           \
                              KindValue, r->key(), out));                     \
  }                                                                           \
  grpc::Status ExperimentServiceImpl::List##Plural(                           \
      grpc::ServerContext* c, const v1::ListRequest*,                         \
      v1::List##Plural##Response* out) {                                      \
    return Fail(ListDefinitions(AuthorizationHeader(*c), "List" #Plural,      \
                                KindValue, out, out->mutable_##Lower##s()));  \
  }                                                                           \
  grpc::Status ExperimentServiceImpl::Delete##Type(                           \
      grpc::ServerContext* c, const v1::DeleteRequest* r,                     \
      v1::DeleteResponse* out) {                                              \
    return DeleteDefinition(c, "Delete" #Type, KindValue, *r, out);           \
  }

CXLAB_DEFINE_CRUD(Experiment, experiment, Experiments, Kind::kExperiment)
CXLAB_DEFINE_CRUD(Segment, segment, Segments, Kind::kSegment)
CXLAB_DEFINE_CRUD(Group, group, Groups, Kind::kGroup)
CXLAB_DEFINE_CRUD(Metric, metric, Metrics, Kind::kMetric)
CXLAB_DEFINE_CRUD(Layer, layer, Layers, Kind::kLayer)
CXLAB_DEFINE_CRUD(Holdout, holdout, Holdouts, Kind::kHoldout)
CXLAB_DEFINE_CRUD(Slot, slot, Slots, Kind::kSlot)

#undef CXLAB_DEFINE_CRUD

grpc::Status ExperimentServiceImpl::Transition(
    grpc::ServerContext* context, absl::string_view method,
    const std::string& key, const storage::Transition& transition,
    int64_t expected_version, v1::Experiment* out) {
  storage::Actor actor;
  absl::Status allowed = Check(context, Role::kEditor, method, &actor);
  if (!allowed.ok()) return Fail(allowed);
  if (key.empty()) {
    return Fail(absl::InvalidArgumentError("key: must not be empty"));
  }
  absl::StatusOr<storage::StoredDefinition> stored =
      config_.ApplyTransition(key, transition, expected_version, actor);
  if (!stored.ok()) return Fail(stored.status());
  StoredToProto(*stored, out);
  return grpc::Status::OK;
}

grpc::Status ExperimentServiceImpl::StartExperiment(
    grpc::ServerContext* c, const v1::StartExperimentRequest* r,
    v1::Experiment* out) {
  storage::Transition t{storage::Transition::Op::kStart, r->new_salt(), ""};
  return Transition(c, "StartExperiment", r->key(), t, r->expected_version(),
                    out);
}

grpc::Status ExperimentServiceImpl::PauseExperiment(
    grpc::ServerContext* c, const v1::LifecycleRequest* r,
    v1::Experiment* out) {
  storage::Transition t{storage::Transition::Op::kPause, "", ""};
  return Transition(c, "PauseExperiment", r->key(), t, r->expected_version(),
                    out);
}

grpc::Status ExperimentServiceImpl::StopExperiment(
    grpc::ServerContext* c, const v1::LifecycleRequest* r,
    v1::Experiment* out) {
  storage::Transition t{storage::Transition::Op::kStop, "", ""};
  return Transition(c, "StopExperiment", r->key(), t, r->expected_version(),
                    out);
}

grpc::Status ExperimentServiceImpl::LaunchExperiment(
    grpc::ServerContext* c, const v1::LaunchExperimentRequest* r,
    v1::Experiment* out) {
  storage::Transition t{storage::Transition::Op::kLaunch, "", r->variant_key()};
  return Transition(c, "LaunchExperiment", r->key(), t, r->expected_version(),
                    out);
}

grpc::Status ExperimentServiceImpl::Apply(grpc::ServerContext* context,
                                          const v1::ApplyRequest* request,
                                          v1::ApplyResponse* response) {
  storage::Actor actor;
  absl::Status allowed = Check(context, Role::kEditor, "Apply", &actor);
  if (!allowed.ok()) return Fail(allowed);
  absl::StatusOr<engine::Definitions> defs = FromProto(request->definitions());
  if (!defs.ok()) return Fail(defs.status());
  absl::StatusOr<storage::ApplyResult> result =
      config_.Apply(*defs, /*dry_run=*/false, actor);
  if (!result.ok()) return Fail(result.status());
  if (!result->errors.empty()) {
    std::string message;
    for (const engine::DefinitionError& e : result->errors) {
      if (!message.empty()) message += "\n";
      message += e.ToString();
    }
    return Fail(absl::InvalidArgumentError(message));
  }
  for (const storage::PlannedChange& c : result->changes) {
    PlanToProto(c, response->add_changes());
  }
  response->set_config_version(result->version);
  return grpc::Status::OK;
}

grpc::Status ExperimentServiceImpl::Validate(grpc::ServerContext* context,
                                             const v1::ValidateRequest* request,
                                             v1::ValidateResponse* response) {
  storage::Actor actor;
  absl::Status allowed = Check(context, Role::kReader, "Validate", &actor);
  if (!allowed.ok()) return Fail(allowed);
  absl::StatusOr<engine::Definitions> defs = FromProto(request->definitions());
  if (!defs.ok()) return Fail(defs.status());
  absl::StatusOr<storage::ApplyResult> result =
      config_.Apply(*defs, /*dry_run=*/true, actor);
  if (!result.ok()) return Fail(result.status());
  response->set_valid(result->errors.empty());
  for (const engine::DefinitionError& e : result->errors) {
    ToProto(e, response->add_errors());
  }
  for (const storage::PlannedChange& c : result->changes) {
    PlanToProto(c, response->add_changes());
  }
  return grpc::Status::OK;
}

grpc::Status ExperimentServiceImpl::ListChanges(
    grpc::ServerContext* context, const v1::ListChangesRequest* request,
    v1::ListChangesResponse* response) {
  absl::Status allowed = Check(context, Role::kReader, "ListChanges", nullptr);
  if (!allowed.ok()) return Fail(allowed);
  if (request->page_size() < 0 || request->page_size() > 1000) {
    return Fail(absl::InvalidArgumentError(absl::StrCat(
        "page_size: must be in [0, 1000], got ", request->page_size())));
  }
  storage::ConfigStore::ChangeQuery query;
  query.kind = request->kind();
  query.key = request->key();
  query.limit = request->page_size() == 0 ? 100 : request->page_size();
  query.newest_first = !request->oldest_first();
  if (!request->page_token().empty() &&
      (!absl::SimpleAtoi(request->page_token(), &query.after_version) ||
       query.after_version <= 0)) {
    return Fail(absl::InvalidArgumentError(
        "page_token: not a token from a previous response"));
  }
  absl::StatusOr<storage::ConfigStore::ChangePage> page =
      config_.ListChanges(query);
  if (!page.ok()) return Fail(page.status());
  for (const auto& record : page->changes) {
    v1::Change* c = response->add_changes();
    c->set_version(record.version);
    ToProtoTimestamp(record.time, c->mutable_time());
    c->set_actor(record.actor);
    c->set_action(record.action);
    c->set_kind(record.kind);
    c->set_key(record.key);
    c->set_before_json(record.before);
    c->set_after_json(record.after);
  }
  if (page->next_cursor != 0) {
    response->set_next_page_token(absl::StrCat(page->next_cursor));
  }
  return grpc::Status::OK;
}

grpc::Status ExperimentServiceImpl::WatchConfig(
    grpc::ServerContext* context, const v1::WatchConfigRequest* request,
    grpc::ServerWriter<v1::ConfigEvent>* writer) {
  absl::Status allowed = Check(context, Role::kReader, "WatchConfig", nullptr);
  if (!allowed.ok()) return Fail(allowed);
  // The first event says where the server is now; later ones follow writes.
  storage::ConfigEvent event =
      config_.WaitForChange(/*after_version=*/-1, absl::ZeroDuration());
  int64_t sent = request->since_version();
  bool first = true;
  while (!context->IsCancelled() && !shutting_down_.load()) {
    if (first || event.version > sent) {
      v1::ConfigEvent out;
      out.set_version(event.version);
      if (!first) {
        out.set_action(event.action);
        out.set_kind(event.kind);
        out.set_key(event.key);
      }
      if (!writer->Write(out)) break;
      sent = event.version;
      first = false;
    }
    event = config_.WaitForChange(sent, absl::Milliseconds(250));
  }
  return grpc::Status::OK;
}

grpc::Status ExperimentServiceImpl::CreateApiKey(
    grpc::ServerContext* context, const v1::CreateApiKeyRequest* request,
    v1::CreateApiKeyResponse* response) {
  storage::Actor actor;
  absl::Status allowed = Check(context, Role::kAdmin, "CreateApiKey", &actor);
  if (!allowed.ok()) return Fail(allowed);
  if (request->role() < v1::ROLE_SDK || request->role() > v1::ROLE_ADMIN) {
    return Fail(absl::InvalidArgumentError(
        "role: must be one of sdk, reader, editor, admin"));
  }
  auto created = keys_.Create(request->name(),
                              static_cast<Role>(static_cast<int>(request->role())),
                              actor);
  if (!created.ok()) return Fail(created.status());
  *response->mutable_key() = KeyToProto(created->first);
  response->set_secret(created->second);
  return grpc::Status::OK;
}

grpc::Status ExperimentServiceImpl::ListApiKeys(
    grpc::ServerContext* context, const v1::ListApiKeysRequest*,
    v1::ListApiKeysResponse* response) {
  absl::Status allowed = Check(context, Role::kAdmin, "ListApiKeys", nullptr);
  if (!allowed.ok()) return Fail(allowed);
  for (const ApiKeyInfo& info : keys_.List()) {
    *response->add_keys() = KeyToProto(info);
  }
  return grpc::Status::OK;
}

grpc::Status ExperimentServiceImpl::RevokeApiKey(
    grpc::ServerContext* context, const v1::RevokeApiKeyRequest* request,
    v1::ApiKey* response) {
  storage::Actor actor;
  absl::Status allowed = Check(context, Role::kAdmin, "RevokeApiKey", &actor);
  if (!allowed.ok()) return Fail(allowed);
  if (request->id().empty()) {
    return Fail(absl::InvalidArgumentError("id: must not be empty"));
  }
  absl::StatusOr<ApiKeyInfo> revoked = keys_.Revoke(request->id(), actor);
  if (!revoked.ok()) return Fail(revoked.status());
  *response = KeyToProto(*revoked);
  return grpc::Status::OK;
}

grpc::Status ExperimentServiceImpl::RotateApiKey(
    grpc::ServerContext* context, const v1::RotateApiKeyRequest* request,
    v1::CreateApiKeyResponse* response) {
  storage::Actor actor;
  absl::Status allowed = Check(context, Role::kAdmin, "RotateApiKey", &actor);
  if (!allowed.ok()) return Fail(allowed);
  if (request->id().empty()) {
    return Fail(absl::InvalidArgumentError("id: must not be empty"));
  }
  auto rotated = keys_.Rotate(request->id(), actor);
  if (!rotated.ok()) return Fail(rotated.status());
  if (request->id() == kBootstrapAdminKeyId && on_admin_key_rotated_) {
    // The file the operator reads the first admin key from follows it.
    absl::Status written = on_admin_key_rotated_(rotated->second);
    if (!written.ok()) {
      return Fail(absl::InternalError(absl::StrCat(
          "rotated the admin key to id ", rotated->first.id,
          " but could not update admin.key: ", written.message())));
    }
  }
  *response->mutable_key() = KeyToProto(rotated->first);
  response->set_secret(rotated->second);
  return grpc::Status::OK;
}

}  // namespace cxlab::api
