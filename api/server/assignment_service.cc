// Copyright 2026 The cxlab Authors.

#include "api/server/assignment_service.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "api/server/bandit_manager.h"
#include "api/server/grpc_status.h"
#include "api/server/request_context.h"
#include "api/server/unit_calls.h"
#include "engine/evaluator.h"
#include "engine/status_macros.h"

namespace cxlab::api {
namespace {

// Evaluates `unit` for the requested experiments (or every running one)
// into `out`, consulting `overrides` for sticky and bandit experiments; when
// `exposures` is set, appends an exposure for every ASSIGNED answer (while
// the evaluator, which the answers' hashed ids view, is alive).
void EvaluateUnit(const engine::ConfigSnapshot& snapshot,
                  const PayloadCache& payloads, const v1::Unit& proto_unit,
                  const engine::Unit& unit,
                  const google::protobuf::RepeatedPtrField<std::string>& keys,
                  bool omit_payloads, absl::Time now,
                  const engine::AssignmentOverrides& overrides,
                  std::vector<engine::Assignment>& scratch,
                  google::protobuf::RepeatedPtrField<v1::Assignment>* out,
                  std::vector<storage::ExposureRecord>* exposures,
                  ServerMetrics* metrics) {
  engine::UnitEvaluator evaluator(snapshot, unit, now, &overrides);
  scratch.clear();
  if (keys.empty()) {
    evaluator.EvaluateAll(scratch);
  } else {
    for (const std::string& key : keys) {
      const engine::CompiledExperiment* e = snapshot.FindExperiment(key);
      engine::Assignment a;
      if (e != nullptr) a = evaluator.Evaluate(*e);
      scratch.push_back(a);  // experiment == nullptr: unknown key
    }
  }
  out->Reserve(static_cast<int>(scratch.size()));
  for (size_t i = 0; i < scratch.size(); ++i) {
    const engine::Assignment& a = scratch[i];
    v1::Assignment* proto = out->Add();
    if (a.experiment == nullptr) {
      UnknownExperimentToProto(keys[static_cast<int>(i)], proto);
    } else if (omit_payloads) {
      ToProto(a, /*include_payload=*/false, proto);
    } else {
      ToProto(a, payloads, proto);
    }
  }
  if (metrics != nullptr) metrics->CountAssignments(snapshot, scratch);
  if (exposures == nullptr) return;
  std::optional<std::vector<std::string>> personas;
  for (const engine::Assignment& a : scratch) {
    if (a.experiment == nullptr || a.reason != engine::Reason::kAssigned) {
      continue;
    }
    if (!personas.has_value()) personas = PersonasOf(evaluator);
    AppendExposure(proto_unit, a, now, *personas, *exposures);
  }
}

}  // namespace

absl::Status AssignmentServiceImpl::HandleAssign(
    absl::string_view authorization, const v1::AssignRequest& request,
    v1::AssignResponse* response, std::shared_ptr<const Serving>* served) {
  absl::StatusOr<engine::Unit> unit =
      AuthorizeUnitCall(keys_, authorization, "Assign", request.unit());
  if (!unit.ok()) return unit.status();
  std::shared_ptr<const Serving> serving = serving_.Current();
  std::vector<engine::Assignment> scratch;
  const absl::Time now = absl::Now();
  const ServerOverrides overrides(
      tracker_, bandits_ != nullptr ? bandits_->Current() : nullptr);
  const bool log = tracker_ != nullptr &&
                   (!request.has_log_exposure() || request.log_exposure());
  std::vector<storage::ExposureRecord> exposures;
  EvaluateUnit(*serving->snapshot, *serving->cache, request.unit(), *unit,
               request.experiment_keys(), request.omit_payloads(), now,
               overrides, scratch, response->mutable_assignments(),
               log ? &exposures : nullptr, metrics_);
  response->set_config_version(serving->snapshot->version());
  if (log && !exposures.empty()) {
    tracker_->EnqueueExposures(std::move(exposures));
  }
  if (served != nullptr) *served = std::move(serving);
  return absl::OkStatus();
}

absl::Status AssignmentServiceImpl::HandleAssignBatch(
    absl::string_view authorization, const v1::AssignBatchRequest& request,
    v1::AssignBatchResponse* response) {
  RETURN_IF_ERROR(AuthorizeSdk(keys_, authorization, "Assign"));
  if (request.units_size() == 0) {
    return absl::InvalidArgumentError("units: must not be empty");
  }
  if (request.units_size() > kMaxBatchUnits) {
    return absl::InvalidArgumentError(
        absl::StrCat("units: at most ", kMaxBatchUnits, " units per call, got ",
                     request.units_size()));
  }
  // Validate every unit before answering any.
  std::vector<engine::Unit> units;
  units.reserve(request.units_size());
  for (int i = 0; i < request.units_size(); ++i) {
    ASSIGN_OR_RETURN(
        engine::Unit unit,
        FromProto(request.units(i), absl::StrCat("units[", i, "]")));
    units.push_back(std::move(unit));
  }
  std::shared_ptr<const Serving> serving = serving_.Current();
  const absl::Time now = absl::Now();
  std::vector<engine::Assignment> scratch;
  const ServerOverrides overrides(
      tracker_, bandits_ != nullptr ? bandits_->Current() : nullptr);
  const bool log = tracker_ != nullptr &&
                   (!request.has_log_exposure() || request.log_exposure());
  std::vector<storage::ExposureRecord> exposures;
  response->mutable_results()->Reserve(request.units_size());
  for (int i = 0; i < request.units_size(); ++i) {
    v1::UnitAssignments* result = response->add_results();
    result->set_unit_id(request.units(i).unit_id());
    EvaluateUnit(*serving->snapshot, *serving->cache, request.units(i),
                 units[i], request.experiment_keys(), request.omit_payloads(),
                 now, overrides, scratch, result->mutable_assignments(),
                 log ? &exposures : nullptr, metrics_);
  }
  response->set_config_version(serving->snapshot->version());
  if (log && !exposures.empty()) {
    tracker_->EnqueueExposures(std::move(exposures));
  }
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* AssignmentServiceImpl::Assign(
    grpc::CallbackServerContext* context, const v1::AssignRequest* request,
    v1::AssignResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ToGrpcStatus(
      HandleAssign(AuthorizationHeader(*context), *request, response)));
  return reactor;
}

grpc::ServerUnaryReactor* AssignmentServiceImpl::AssignBatch(
    grpc::CallbackServerContext* context,
    const v1::AssignBatchRequest* request, v1::AssignBatchResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ToGrpcStatus(
      HandleAssignBatch(AuthorizationHeader(*context), *request, response)));
  return reactor;
}

}  // namespace cxlab::api
