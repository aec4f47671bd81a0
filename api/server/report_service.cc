// Copyright 2026 The cxlab Authors.

#include "api/server/report_service.h"

#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "api/server/grpc_status.h"
#include "api/server/report_builder.h"
#include "api/server/request_context.h"

namespace cxlab::api {

absl::Status ReportServiceImpl::Check(grpc::ServerContext* context,
                                      absl::string_view method) const {
  absl::StatusOr<Principal> who =
      keys_.Authenticate(AuthorizationHeader(*context));
  if (!who.ok()) return who.status();
  return Authorize(*who, Role::kReader, method);
}

grpc::Status ReportServiceImpl::GetReport(grpc::ServerContext* context,
                                          const v1::GetReportRequest* request,
                                          v1::Report* response) {
  absl::Status allowed = Check(context, "GetReport");
  if (!allowed.ok()) return ToGrpcStatus(allowed);
  if (request->experiment_key().empty()) {
    return ToGrpcStatus(
        absl::InvalidArgumentError("experiment_key: must not be empty"));
  }
  std::shared_ptr<const engine::ConfigSnapshot> snapshot = config_.snapshot();
  const engine::CompiledExperiment* experiment =
      snapshot->FindExperiment(request->experiment_key());
  if (experiment == nullptr) {
    return ToGrpcStatus(absl::NotFoundError(absl::StrCat(
        "experiment_key: experiment '", request->experiment_key(),
        "' not found")));
  }
  absl::StatusOr<ReportOptions> options =
      ReportOptionsFromProto(*request, *snapshot);
  if (!options.ok()) return ToGrpcStatus(options.status());
  absl::StatusOr<std::vector<storage::CellStats>> cells =
      tracker_.Cells(request->experiment_key());
  if (!cells.ok()) return ToGrpcStatus(cells.status());
  absl::StatusOr<v1::Report> report = BuildReport(
      *snapshot, *experiment->def, *cells, *options, absl::Now());
  if (!report.ok()) return ToGrpcStatus(report.status());
  *response = *std::move(report);
  return grpc::Status::OK;
}

grpc::Status ReportServiceImpl::GetTimeSeries(
    grpc::ServerContext* context, const v1::GetTimeSeriesRequest* request,
    v1::GetTimeSeriesResponse* response) {
  absl::Status allowed = Check(context, "GetTimeSeries");
  if (!allowed.ok()) return ToGrpcStatus(allowed);
  if (request->experiment_key().empty()) {
    return ToGrpcStatus(
        absl::InvalidArgumentError("experiment_key: must not be empty"));
  }
  std::shared_ptr<const engine::ConfigSnapshot> snapshot = config_.snapshot();
  const engine::CompiledExperiment* experiment =
      snapshot->FindExperiment(request->experiment_key());
  if (experiment == nullptr) {
    return ToGrpcStatus(absl::NotFoundError(absl::StrCat(
        "experiment_key: experiment '", request->experiment_key(),
        "' not found")));
  }
  absl::StatusOr<ReportOptions> options =
      ReportOptionsFromProto(*request, *snapshot);
  if (!options.ok()) return ToGrpcStatus(options.status());
  absl::StatusOr<std::vector<storage::CellStats>> cells =
      tracker_.Cells(request->experiment_key());
  if (!cells.ok()) return ToGrpcStatus(cells.status());
  absl::StatusOr<v1::GetTimeSeriesResponse> series =
      BuildTimeSeries(*snapshot, *experiment->def, *cells,
                      request->metric_key(), *options);
  if (!series.ok()) return ToGrpcStatus(series.status());
  *response = *std::move(series);
  return grpc::Status::OK;
}

}  // namespace cxlab::api
