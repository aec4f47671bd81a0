// Copyright 2026 The cxlab Authors.

#include "api/server/report_service.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "api/server/grpc_status.h"
#include "api/server/report_builder.h"
#include "api/server/request_context.h"
#include "engine/status_macros.h"

namespace cxlab::api {

absl::Status ReportServiceImpl::Check(absl::string_view authorization,
                                      absl::string_view method) const {
  absl::StatusOr<Principal> who = keys_.Authenticate(authorization);
  if (!who.ok()) return who.status();
  return Authorize(*who, Role::kReader, method);
}

namespace {

// What both calls need: the served snapshot, the experiment and its cells.
struct ReportInputs {
  std::shared_ptr<const engine::ConfigSnapshot> snapshot;
  const engine::ExperimentDef* experiment = nullptr;
  std::vector<storage::CellStats> cells;
};

absl::StatusOr<ReportInputs> LoadInputs(storage::ConfigManager& config,
                                        storage::Tracker& tracker,
                                        const std::string& experiment_key) {
  if (experiment_key.empty()) {
    return absl::InvalidArgumentError("experiment_key: must not be empty");
  }
  ReportInputs in;
  in.snapshot = config.snapshot();
  const engine::CompiledExperiment* e =
      in.snapshot->FindExperiment(experiment_key);
  if (e == nullptr) {
    return absl::NotFoundError(absl::StrCat(
        "experiment_key: experiment '", experiment_key, "' not found"));
  }
  in.experiment = e->def;
  ASSIGN_OR_RETURN(in.cells, tracker.Cells(experiment_key));
  return in;
}

}  // namespace

absl::Status ReportServiceImpl::HandleGetReport(
    absl::string_view authorization, const v1::GetReportRequest& request,
    v1::Report* response) {
  RETURN_IF_ERROR(Check(authorization, "GetReport"));
  ASSIGN_OR_RETURN(ReportInputs in,
                   LoadInputs(config_, tracker_, request.experiment_key()));
  ASSIGN_OR_RETURN(ReportOptions options,
                   ReportOptionsFromProto(request, *in.snapshot));
  ASSIGN_OR_RETURN(*response, BuildReport(*in.snapshot, *in.experiment,
                                          in.cells, options, absl::Now()));
  return absl::OkStatus();
}

absl::Status ReportServiceImpl::HandleGetTimeSeries(
    absl::string_view authorization, const v1::GetTimeSeriesRequest& request,
    v1::GetTimeSeriesResponse* response) {
  RETURN_IF_ERROR(Check(authorization, "GetTimeSeries"));
  ASSIGN_OR_RETURN(ReportInputs in,
                   LoadInputs(config_, tracker_, request.experiment_key()));
  ASSIGN_OR_RETURN(ReportOptions options,
                   ReportOptionsFromProto(request, *in.snapshot));
  ASSIGN_OR_RETURN(*response,
                   BuildTimeSeries(*in.snapshot, *in.experiment, in.cells,
                                   request.metric_key(), options));
  return absl::OkStatus();
}

grpc::Status ReportServiceImpl::GetReport(grpc::ServerContext* context,
                                          const v1::GetReportRequest* request,
                                          v1::Report* response) {
  return ToGrpcStatus(
      HandleGetReport(AuthorizationHeader(*context), *request, response));
}

grpc::Status ReportServiceImpl::GetTimeSeries(
    grpc::ServerContext* context, const v1::GetTimeSeriesRequest* request,
    v1::GetTimeSeriesResponse* response) {
  return ToGrpcStatus(
      HandleGetTimeSeries(AuthorizationHeader(*context), *request, response));
}

}  // namespace cxlab::api
