// Copyright 2026 The cxlab Authors.
//
// Report builder: turns an experiment's stored cells (storage::CellStats,
// per variant, metric, exposure day and persona segment) into the
// ReportService's messages, with engine::stats doing the statistics. It
// reads no clock and does no I/O: the service passes `now` and the cells.
//
//   ASSIGN_OR_RETURN(ReportOptions options,
//                    ReportOptionsFromProto(request, *snapshot));
//   ASSIGN_OR_RETURN(std::vector<storage::CellStats> cells,
//                    tracker.Cells(request.experiment_key()));
//   ASSIGN_OR_RETURN(v1::Report report,
//                    BuildReport(*snapshot, *experiment, cells, options, now));
//
// Cost: linear in the number of cells (variants x metrics x days x (1 +
// segments)), independent of the number of events.
//
// Thread-safety: pure functions.

#ifndef CXLAB_API_SERVER_REPORT_BUILDER_H_
#define CXLAB_API_SERVER_REPORT_BUILDER_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "cxlab/v1/reports.pb.h"
#include "engine/definitions.h"
#include "engine/snapshot.h"
#include "engine/stats/analysis.h"
#include "storage/event_pipeline.h"

namespace cxlab::api {

// A GetReportRequest / GetTimeSeriesRequest, validated.
struct ReportOptions {
  engine::stats::AnalysisOptions analysis;  // method, alpha, CUPED, ...
  // Exposure days kept (days since 1970-01-01 UTC, inclusive); unset:
  // unbounded.
  std::optional<int64_t> from_day;
  std::optional<int64_t> to_day;
  std::string segment;  // empty: all units
  bool by_segment = false;
  double target_effect = 0.05;  // relative, for the power plan
};

// Validates `request` against `snapshot` (the segment must exist). Errors:
// INVALID_ARGUMENT naming the field ("alpha: must be in (0, 1), got 2",
// "from_day: must be YYYY-MM-DD, got 'x'", ...); NOT_FOUND for an unknown
// segment ("segment: unknown segment 'x'").
absl::StatusOr<ReportOptions> ReportOptionsFromProto(
    const v1::GetReportRequest& request,
    const engine::ConfigSnapshot& snapshot);
absl::StatusOr<ReportOptions> ReportOptionsFromProto(
    const v1::GetTimeSeriesRequest& request,
    const engine::ConfigSnapshot& snapshot);

// The report of `experiment` (whose metrics and segments `snapshot` holds)
// from its cells. For a bandit experiment the SRM checks (the report's and
// every segment's) are not applicable: chi_square and p_value unset,
// mismatch false and one "bandit_weights_changed" warning. The verdict
// sentence formats its numbers as the report table does
// (render::FormatLiftClaim). Errors: INTERNAL when the statistics reject the
// stored data (should not happen: cells are validated on write).
absl::StatusOr<v1::Report> BuildReport(const engine::ConfigSnapshot& snapshot,
                                       const engine::ExperimentDef& experiment,
                                       absl::Span<const storage::CellStats> cells,
                                       const ReportOptions& options,
                                       absl::Time now);

// Cumulative daily results of `metric_key` (empty: the primary metric), one
// point per exposure day and treatment. Errors: NOT_FOUND when the
// experiment does not use the metric ("metric_key: ..."), FAILED_PRECONDITION
// when it has no metrics.
absl::StatusOr<v1::GetTimeSeriesResponse> BuildTimeSeries(
    const engine::ConfigSnapshot& snapshot,
    const engine::ExperimentDef& experiment,
    absl::Span<const storage::CellStats> cells, absl::string_view metric_key,
    const ReportOptions& options);

// "YYYY-MM-DD" of a day number (days since 1970-01-01 UTC), and back.
std::string FormatDay(int64_t day);
std::optional<int64_t> ParseDay(absl::string_view text);

}  // namespace cxlab::api

#endif  // CXLAB_API_SERVER_REPORT_BUILDER_H_
