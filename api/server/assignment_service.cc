// Copyright 2026 The cxlab Authors.

#include "api/server/assignment_service.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "api/server/grpc_status.h"
#include "api/server/unit_calls.h"
#include "engine/evaluator.h"

namespace cxlab::api {
namespace {

// Evaluates `unit` for the requested experiments (or every running one)
// into `out`.
void EvaluateUnit(const engine::ConfigSnapshot& snapshot,
                  const PayloadCache& payloads, const engine::Unit& unit,
                  const google::protobuf::RepeatedPtrField<std::string>& keys,
                  bool omit_payloads, absl::Time now,
                  std::vector<engine::Assignment>& scratch,
                  google::protobuf::RepeatedPtrField<v1::Assignment>* out) {
  engine::UnitEvaluator evaluator(snapshot, unit, now);
  auto emit = [&](const engine::Assignment& a) {
    v1::Assignment* proto = out->Add();
    if (omit_payloads) {
      ToProto(a, /*include_payload=*/false, proto);
    } else {
      ToProto(a, payloads, proto);
    }
  };
  if (keys.empty()) {
    evaluator.EvaluateAll(scratch);
    out->Reserve(static_cast<int>(scratch.size()));
    for (const engine::Assignment& a : scratch) emit(a);
    return;
  }
  out->Reserve(keys.size());
  for (const std::string& key : keys) {
    const engine::CompiledExperiment* e = snapshot.FindExperiment(key);
    if (e == nullptr) {
      UnknownExperimentToProto(key, out->Add());
    } else {
      emit(evaluator.Evaluate(*e));
    }
  }
}

}  // namespace

void AssignmentServiceImpl::LogExposures(
    const engine::ConfigSnapshot& snapshot, const v1::Unit& unit,
    const engine::Unit& engine_unit,
    const google::protobuf::RepeatedPtrField<v1::Assignment>& assignments,
    absl::Time now, std::vector<storage::ExposureRecord>& out) const {
  std::vector<std::string> segments;
  bool segments_known = false;
  for (const v1::Assignment& a : assignments) {
    if (a.reason() != v1::REASON_ASSIGNED) continue;
    const engine::CompiledExperiment* e =
        snapshot.FindExperiment(a.experiment_key());
    if (e == nullptr) continue;  // assigned answers come from the snapshot
    if (!segments_known) {
      engine::UnitEvaluator(snapshot, engine_unit, now)
          .MatchingSegments(segments);
      segments_known = true;
    }
    AppendExposure(unit, *e, a.variant_index(), now, segments, out);
  }
}

grpc::ServerUnaryReactor* AssignmentServiceImpl::Assign(
    grpc::CallbackServerContext* context, const v1::AssignRequest* request,
    v1::AssignResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::StatusOr<engine::Unit> unit =
      AuthorizeUnitCall(keys_, *context, "Assign", request->unit());
  if (!unit.ok()) {
    reactor->Finish(ToGrpcStatus(unit.status()));
    return reactor;
  }
  std::shared_ptr<const ServingCache<PayloadCache>::Serving> serving =
      serving_.Current();
  std::vector<engine::Assignment> scratch;
  const absl::Time now = absl::Now();
  EvaluateUnit(*serving->snapshot, *serving->cache, *unit,
               request->experiment_keys(), request->omit_payloads(), now,
               scratch, response->mutable_assignments());
  response->set_config_version(serving->snapshot->version());
  if (tracker_ != nullptr &&
      (!request->has_log_exposure() || request->log_exposure())) {
    std::vector<storage::ExposureRecord> exposures;
    LogExposures(*serving->snapshot, request->unit(), *unit,
                 response->assignments(), now, exposures);
    tracker_->EnqueueExposures(std::move(exposures));
  }
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* AssignmentServiceImpl::AssignBatch(
    grpc::CallbackServerContext* context,
    const v1::AssignBatchRequest* request, v1::AssignBatchResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::Status status = AuthorizeSdk(keys_, *context, "Assign");
  if (status.ok() && request->units_size() == 0) {
    status = absl::InvalidArgumentError("units: must not be empty");
  }
  if (status.ok() && request->units_size() > kMaxBatchUnits) {
    status = absl::InvalidArgumentError(
        absl::StrCat("units: at most ", kMaxBatchUnits, " units per call, got ",
                     request->units_size()));
  }
  if (!status.ok()) {
    reactor->Finish(ToGrpcStatus(status));
    return reactor;
  }
  // Validate every unit before answering any.
  std::vector<engine::Unit> units;
  units.reserve(request->units_size());
  for (int i = 0; i < request->units_size(); ++i) {
    absl::StatusOr<engine::Unit> unit =
        FromProto(request->units(i), absl::StrCat("units[", i, "]"));
    if (!unit.ok()) {
      reactor->Finish(ToGrpcStatus(unit.status()));
      return reactor;
    }
    units.push_back(*std::move(unit));
  }
  std::shared_ptr<const ServingCache<PayloadCache>::Serving> serving =
      serving_.Current();
  const absl::Time now = absl::Now();
  std::vector<engine::Assignment> scratch;
  response->mutable_results()->Reserve(request->units_size());
  for (int i = 0; i < request->units_size(); ++i) {
    v1::UnitAssignments* result = response->add_results();
    result->set_unit_id(request->units(i).unit_id());
    EvaluateUnit(*serving->snapshot, *serving->cache, units[i],
                 request->experiment_keys(), request->omit_payloads(), now,
                 scratch, result->mutable_assignments());
  }
  response->set_config_version(serving->snapshot->version());
  if (tracker_ != nullptr &&
      (!request->has_log_exposure() || request->log_exposure())) {
    std::vector<storage::ExposureRecord> exposures;
    for (int i = 0; i < request->units_size(); ++i) {
      LogExposures(*serving->snapshot, request->units(i), units[i],
                   response->results(i).assignments(), now, exposures);
    }
    tracker_->EnqueueExposures(std::move(exposures));
  }
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

}  // namespace cxlab::api
