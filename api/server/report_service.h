// Copyright 2026 The cxlab Authors.
//
// ReportServiceImpl: thin handlers — the stored cells from storage::Tracker,
// the statistics and the messages from report_builder.h. Reads aggregates
// only, so a report costs the same for ten events or a billion.
//
// Thread-safety: safe for concurrent calls (sync gRPC API).

#ifndef CXLAB_API_SERVER_REPORT_SERVICE_H_
#define CXLAB_API_SERVER_REPORT_SERVICE_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "api/server/auth.h"
#include "cxlab/v1/reports.grpc.pb.h"
#include "storage/config_manager.h"
#include "storage/tracker.h"

namespace cxlab::api {

class ReportServiceImpl final : public v1::ReportService::Service {
 public:
  // Borrows all three; they must outlive the service.
  ReportServiceImpl(storage::ConfigManager& config, const KeyRegistry& keys,
                    storage::Tracker& tracker)
      : config_(config), keys_(keys), tracker_(tracker) {}

  // The calls behind the gRPC methods, for every front end (gRPC, the HTTP
  // gateway, the web reports); `authorization` is the caller's "Bearer
  // <key>". Errors: UNAUTHENTICATED / PERMISSION_DENIED (role reader or
  // higher); INVALID_ARGUMENT naming the option; NOT_FOUND for an unknown
  // experiment.
  absl::Status HandleGetReport(absl::string_view authorization,
                               const v1::GetReportRequest& request,
                               v1::Report* response);
  absl::Status HandleGetTimeSeries(absl::string_view authorization,
                                   const v1::GetTimeSeriesRequest& request,
                                   v1::GetTimeSeriesResponse* response);

  grpc::Status GetReport(grpc::ServerContext* context,
                         const v1::GetReportRequest* request,
                         v1::Report* response) override;
  grpc::Status GetTimeSeries(grpc::ServerContext* context,
                             const v1::GetTimeSeriesRequest* request,
                             v1::GetTimeSeriesResponse* response) override;

 private:
  absl::Status Check(absl::string_view authorization,
                     absl::string_view method) const;

  storage::ConfigManager& config_;
  const KeyRegistry& keys_;
  storage::Tracker& tracker_;
};

}  // namespace cxlab::api

#endif  // CXLAB_API_SERVER_REPORT_SERVICE_H_
