// Copyright 2026 The cxlab Authors.

#include "api/server/event_service.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "api/convert/event_convert.h"
#include "api/convert/value_convert.h"
#include "api/server/grpc_status.h"
#include "api/server/request_context.h"
#include "api/server/unit_calls.h"
#include "engine/evaluator.h"

namespace cxlab::api {

absl::Status EventServiceImpl::Check(grpc::ServerContext* context, Role role,
                                     absl::string_view method) const {
  return Check(AuthorizationHeader(*context), role, method);
}

absl::Status EventServiceImpl::Check(absl::string_view authorization,
                                     Role role,
                                     absl::string_view method) const {
  absl::StatusOr<Principal> who = keys_.Authenticate(authorization);
  if (!who.ok()) return who.status();
  return Authorize(*who, role, method);
}

absl::Status EventServiceImpl::TrackBatch(const v1::TrackRequest& request,
                                          int64_t first_index,
                                          v1::TrackResponse* response) {
  if (request.events_size() == 0) {
    return absl::InvalidArgumentError("events: must not be empty");
  }
  if (request.events_size() > kMaxEventsPerTrack) {
    return absl::InvalidArgumentError(
        absl::StrCat("events: at most ", kMaxEventsPerTrack,
                     " events per call, got ", request.events_size()));
  }
  const absl::Time now = absl::Now();
  std::vector<storage::IngestEvent> valid;
  std::vector<int> original_index;
  valid.reserve(request.events_size());
  for (int i = 0; i < request.events_size(); ++i) {
    const int64_t index = first_index + i;
    absl::StatusOr<TrackedEvent> e =
        FromProto(request.events(i), now, absl::StrCat("events[", index, "]"));
    if (!e.ok()) {
      v1::EventError* error = response->add_errors();
      error->set_index(static_cast<int32_t>(index));
      error->set_message(std::string(e.status().message()));
      continue;
    }
    storage::IngestEvent in;
    in.event_id = std::move(e->event_id);
    in.unit_type = std::move(e->unit_type);
    in.unit_id = std::move(e->unit_id);
    in.name = std::move(e->name);
    in.value = e->value;
    in.time = e->time;
    in.properties = std::move(e->properties);
    valid.push_back(std::move(in));
    original_index.push_back(i);
  }
  const int64_t invalid = request.events_size() - static_cast<int64_t>(valid.size());
  if (valid.empty() && metrics_ != nullptr) metrics_->CountEvents(0, 0, invalid);
  if (!valid.empty()) {
    absl::StatusOr<storage::IngestResult> result = tracker_.Track(valid);
    if (!result.ok()) return result.status();
    if (metrics_ != nullptr) {
      metrics_->CountEvents(
          result->accepted, result->duplicates,
          invalid + static_cast<int64_t>(result->rejected.size()));
    }
    response->set_accepted(response->accepted() + result->accepted);
    response->set_duplicates(response->duplicates() + result->duplicates);
    for (const auto& [i, reason] : result->rejected) {
      const int64_t index = first_index + original_index[i];
      v1::EventError* error = response->add_errors();
      error->set_index(static_cast<int32_t>(index));
      error->set_message(absl::StrCat("events[", index, "]: ", reason));
    }
  }
  return absl::OkStatus();
}

absl::Status EventServiceImpl::HandleTrack(absl::string_view authorization,
                                           const v1::TrackRequest& request,
                                           v1::TrackResponse* response) {
  absl::Status allowed = Check(authorization, Role::kSdk, "Track");
  if (!allowed.ok()) return allowed;
  return TrackBatch(request, 0, response);
}

grpc::Status EventServiceImpl::Track(grpc::ServerContext* context,
                                     const v1::TrackRequest* request,
                                     v1::TrackResponse* response) {
  return ToGrpcStatus(
      HandleTrack(AuthorizationHeader(*context), *request, response));
}

grpc::Status EventServiceImpl::TrackStream(
    grpc::ServerContext* context, grpc::ServerReader<v1::TrackRequest>* reader,
    v1::TrackResponse* response) {
  absl::Status allowed = Check(context, Role::kSdk, "TrackStream");
  if (!allowed.ok()) return ToGrpcStatus(allowed);
  v1::TrackRequest batch;
  int64_t seen = 0;
  while (reader->Read(&batch)) {
    absl::Status s = TrackBatch(batch, seen, response);
    if (!s.ok()) return ToGrpcStatus(s);
    seen += batch.events_size();
  }
  return grpc::Status::OK;
}

grpc::Status EventServiceImpl::TrackExposures(
    grpc::ServerContext* context, const v1::TrackExposuresRequest* request,
    v1::TrackExposuresResponse* response) {
  absl::Status allowed = Check(context, Role::kSdk, "TrackExposures");
  if (!allowed.ok()) return ToGrpcStatus(allowed);
  if (request->exposures_size() == 0 ||
      request->exposures_size() > kMaxEventsPerTrack) {
    return ToGrpcStatus(absl::InvalidArgumentError(absl::StrCat(
        "exposures: must hold 1 to ", kMaxEventsPerTrack, " exposures, got ",
        request->exposures_size())));
  }
  std::shared_ptr<const engine::ConfigSnapshot> snap = config_.snapshot();
  const absl::Time now = absl::Now();
  std::vector<storage::ExposureRecord> records;
  records.reserve(request->exposures_size());
  for (int i = 0; i < request->exposures_size(); ++i) {
    const v1::Exposure& x = request->exposures(i);
    const std::string field = absl::StrCat("exposures[", i, "]");
    const engine::CompiledExperiment* e = snap->FindExperiment(x.experiment_key());
    if (e == nullptr) {
      return ToGrpcStatus(absl::InvalidArgumentError(
          absl::StrCat(field, ".experiment_key: unknown experiment '",
                       x.experiment_key(), "'")));
    }
    int variant = -1;
    for (size_t v = 0; v < e->def->variants.size(); ++v) {
      if (e->def->variants[v].key == x.variant_key()) variant = static_cast<int>(v);
    }
    if (variant < 0) {
      return ToGrpcStatus(absl::InvalidArgumentError(
          absl::StrCat(field, ".variant_key: unknown variant '",
                       x.variant_key(), "'")));
    }
    if (x.unit_id().empty()) {
      return ToGrpcStatus(absl::InvalidArgumentError(
          absl::StrCat(field, ".unit_id: must not be empty")));
    }
    storage::ExposureRecord r;
    r.unit_type = x.unit_type().empty() ? "user" : x.unit_type();
    r.unit_id = x.unit_id();
    r.experiment_key = x.experiment_key();
    r.variant_index = variant;
    r.variant_key = x.variant_key();
    r.time = now;
    if (x.has_time()) {
      absl::StatusOr<absl::Time> t =
          FromProtoTimestamp(x.time(), absl::StrCat(field, ".time"));
      if (!t.ok()) return ToGrpcStatus(t.status());
      if (*t < EarliestEventTime() || *t > now + absl::Hours(24)) {
        return ToGrpcStatus(absl::InvalidArgumentError(absl::StrCat(
            field, ".time: must be after 2000-01-01 and at most 24 hours "
                   "in the future")));
      }
      r.time = *t;
    }
    if (x.has_attributes()) {
      absl::StatusOr<engine::Value> attributes =
          FromProtoStruct(x.attributes(), absl::StrCat(field, ".attributes"));
      if (!attributes.ok()) return ToGrpcStatus(attributes.status());
      engine::Unit unit;
      unit.ids.emplace_back(r.unit_type, r.unit_id);
      unit.attributes = *std::move(attributes);
      engine::UnitEvaluator evaluator(*snap, unit, now);
      r.segments = PersonasOf(evaluator);
    }
    records.push_back(std::move(r));
  }
  absl::StatusOr<int64_t> recorded = tracker_.RecordExposures(records);
  if (!recorded.ok()) return ToGrpcStatus(recorded.status());
  response->set_recorded(*recorded);
  response->set_already_known(static_cast<int64_t>(records.size()) -
                              *recorded);
  return grpc::Status::OK;
}

grpc::Status EventServiceImpl::GetStats(grpc::ServerContext* context,
                                        const v1::GetStatsRequest* request,
                                        v1::GetStatsResponse* response) {
  absl::Status allowed = Check(context, Role::kReader, "GetStats");
  if (!allowed.ok()) return ToGrpcStatus(allowed);
  if (request->experiment_key().empty()) {
    return ToGrpcStatus(
        absl::InvalidArgumentError("experiment_key: must not be empty"));
  }
  // Count what Assign queued so far.
  tracker_.Flush();
  absl::StatusOr<storage::ExperimentStats> stats =
      tracker_.Stats(request->experiment_key(), request->segment());
  if (!stats.ok()) return ToGrpcStatus(stats.status());
  std::shared_ptr<const engine::ConfigSnapshot> snap = config_.snapshot();
  const engine::CompiledExperiment* e =
      snap->FindExperiment(request->experiment_key());
  for (const storage::VariantMetricStats& m : stats->metrics) {
    v1::MetricStats* out = response->add_stats();
    if (e != nullptr && m.variant_index >= 0 &&
        m.variant_index < static_cast<int>(e->def->variants.size())) {
      out->set_variant_key(e->def->variants[m.variant_index].key);
    } else {
      out->set_variant_key(absl::StrCat("#", m.variant_index));
    }
    out->set_metric_key(m.metric_key);
    out->set_n(m.stats.n);
    out->set_sum(m.stats.sum);
    out->set_sum_sq(m.stats.sum_sq);
    out->set_den_sum(m.stats.den_sum);
    out->set_den_sum_sq(m.stats.den_sum_sq);
    out->set_cross_sum(m.stats.cross_sum);
    out->set_pre_sum(m.stats.pre_sum);
    out->set_pre_sum_sq(m.stats.pre_sum_sq);
    out->set_pre_cross_sum(m.stats.pre_cross_sum);
  }
  for (int64_t n : stats->exposures.per_variant) response->add_exposed_units(n);
  response->set_mismatched_units(stats->exposures.mismatched_units);
  return grpc::Status::OK;
}

grpc::Status EventServiceImpl::Verify(grpc::ServerContext* context,
                                      const v1::VerifyRequest* request,
                                      v1::VerifyResponse* response) {
  absl::Status allowed = Check(context, Role::kReader, "Verify");
  if (!allowed.ok()) return ToGrpcStatus(allowed);
  tracker_.Flush();
  absl::StatusOr<storage::Tracker::VerifyReport> report =
      tracker_.Verify(request->experiment_key());
  if (!report.ok()) return ToGrpcStatus(report.status());
  response->set_ok(report->differences.empty());
  response->set_experiments_checked(report->experiments_checked);
  for (const std::string& d : report->differences) response->add_differences(d);
  return grpc::Status::OK;
}

grpc::Status EventServiceImpl::Recompute(grpc::ServerContext* context,
    const v1::RecomputeRequest* request,
    grpc::ServerWriter<v1::RecomputeProgress>* writer) {
  absl::Status allowed = Check(context, Role::kEditor, "Recompute");
  if (!allowed.ok()) return ToGrpcStatus(allowed);
  if (request->experiment_key().empty()) {
    return ToGrpcStatus(
        absl::InvalidArgumentError("experiment_key: must not be empty"));
  }
  // Progress at most ten times a second; ingest is paused meanwhile, so a
  // slow reader only delays the rebuild, it never blocks a lock elsewhere.
  absl::Time last_sent = absl::InfinitePast();
  absl::StatusOr<int64_t> units = tracker_.Rebuild(
      request->experiment_key(), [&](int64_t done, int64_t total) {
        const absl::Time now = absl::Now();
        if (now - last_sent < absl::Milliseconds(100)) return;
        last_sent = now;
        v1::RecomputeProgress progress;
        progress.set_units(done);
        progress.set_total_units(total);
        writer->Write(progress);
      });
  if (!units.ok()) return ToGrpcStatus(units.status());
  v1::RecomputeProgress last;
  last.set_units(*units);
  last.set_total_units(*units);
  last.set_done(true);
  writer->Write(last);
  return grpc::Status::OK;
}

}  // namespace cxlab::api
