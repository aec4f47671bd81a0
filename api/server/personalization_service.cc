// Copyright 2026 The cxlab Authors.

#include "api/server/personalization_service.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "api/server/grpc_status.h"
#include "api/server/request_context.h"
#include "api/server/unit_calls.h"
#include "engine/evaluator.h"
#include "engine/personalization.h"
#include "engine/status_macros.h"

namespace cxlab::api {
namespace {

// Writes one choice into `out` (a fresh message).
void ToProto(const engine::ConfigSnapshot& snapshot,
             const ContentCache& contents,
             const engine::SlotContentChoice& choice, v1::SlotContent* out) {
  out->set_slot(choice.slot->key());
  out->mutable_content()->CopyFrom(contents.Get(choice.content->index));
  if (choice.rule != nullptr) out->set_rule_id(choice.rule->key());
  for (int s : choice.personas) {
    out->add_matched_segments(snapshot.segments()[s].def->key);
  }
  if (choice.decided_by_experiment()) {
    out->set_experiment_key(choice.assignment.experiment->key());
    const absl::string_view variant = choice.assignment.variant_key();
    out->set_variant_key(variant.data(), variant.size());
  }
  out->set_is_default(choice.reason == engine::ContentReason::kDefault);
  const absl::string_view reason = engine::ContentReasonName(choice.reason);
  out->set_reason(reason.data(), reason.size());
}

}  // namespace

absl::Status PersonalizationServiceImpl::HandleGetContent(
    absl::string_view authorization, const v1::GetContentRequest& request,
    v1::GetContentResponse* response) {
  ASSIGN_OR_RETURN(
      engine::Unit unit,
      AuthorizeUnitCall(keys_, authorization, "GetContent", request.unit()));
  std::shared_ptr<const ServingCache<ContentCache>::Serving> serving =
      serving_.Current();
  const engine::ConfigSnapshot& snapshot = *serving->snapshot;

  // The slots to answer, all checked before any is evaluated.
  thread_local std::vector<const engine::CompiledSlot*> slots;
  slots.clear();
  if (request.slots().empty()) {
    for (const engine::CompiledSlot& s : snapshot.slots()) slots.push_back(&s);
  } else {
    for (int i = 0; i < request.slots_size(); ++i) {
      const engine::CompiledSlot* s = snapshot.FindSlot(request.slots(i));
      if (s == nullptr) {
        return absl::InvalidArgumentError(absl::StrCat(
            "slots[", i, "]: unknown slot '", request.slots(i), "'"));
      }
      slots.push_back(s);
    }
  }

  const absl::Time now = absl::Now();
  const ServerOverrides overrides(
      tracker_, bandits_ != nullptr ? bandits_->Current() : nullptr);
  engine::UnitEvaluator evaluator(snapshot, unit, now, &overrides);
  thread_local std::vector<engine::SlotContentChoice> choices;
  choices.resize(slots.size());
  response->mutable_contents()->Reserve(static_cast<int>(slots.size()));
  for (size_t i = 0; i < slots.size(); ++i) {
    engine::ChooseContent(*slots[i], evaluator, choices[i]);
    ToProto(snapshot, *serving->cache, choices[i], response->add_contents());
  }
  response->set_config_version(snapshot.version());
  if (metrics_ != nullptr) {
    for (const engine::SlotContentChoice& choice : choices) {
      if (choice.assignment.experiment != nullptr) {
        metrics_->CountAssignment(snapshot, choice.assignment);
      }
    }
  }

  if (tracker_ != nullptr &&
      (!request.has_log_exposure() || request.log_exposure())) {
    std::vector<storage::ExposureRecord> exposures;
    std::optional<std::vector<std::string>> personas;
    for (size_t i = 0; i < slots.size(); ++i) {
      const engine::Assignment& a = choices[i].assignment;
      if (a.experiment == nullptr || a.reason != engine::Reason::kAssigned) {
        continue;
      }
      if (!personas.has_value()) personas = PersonasOf(evaluator);
      AppendExposure(request.unit(), a, now, *personas, exposures);
    }
    if (!exposures.empty()) tracker_->EnqueueExposures(std::move(exposures));
  }
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* PersonalizationServiceImpl::GetContent(
    grpc::CallbackServerContext* context, const v1::GetContentRequest* request,
    v1::GetContentResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ToGrpcStatus(
      HandleGetContent(AuthorizationHeader(*context), *request, response)));
  return reactor;
}

namespace {

void ToProto(absl::Time t, google::protobuf::Timestamp* out) {
  const int64_t micros = absl::ToUnixMicros(t);
  out->set_seconds(micros / 1000000);
  out->set_nanos(static_cast<int32_t>(micros % 1000000) * 1000);
}

void ToProto(const std::vector<storage::BanditContext>& contexts,
             google::protobuf::RepeatedPtrField<v1::BanditContextWeights>* out) {
  for (const storage::BanditContext& c : contexts) {
    v1::BanditContextWeights* w = out->Add();
    w->set_segment(c.segment);
    for (double x : c.weights) w->add_weights(x);
    for (int64_t n : c.units) w->add_units(n);
    for (int64_t n : c.conversions) w->add_conversions(n);
  }
}

}  // namespace

grpc::ServerUnaryReactor* PersonalizationServiceImpl::GetBanditState(
    grpc::CallbackServerContext* context,
    const v1::GetBanditStateRequest* request, v1::BanditState* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::Status status = [&]() -> absl::Status {
    absl::StatusOr<Principal> who =
        keys_.Authenticate(AuthorizationHeader(*context));
    if (!who.ok()) return who.status();
    RETURN_IF_ERROR(Authorize(*who, Role::kReader, "GetBanditState"));
    if (request->experiment_key().empty()) {
      return absl::InvalidArgumentError("experiment_key: must not be empty");
    }
    if (bandits_ == nullptr) {
      return absl::UnavailableError("bandits are not served by this server");
    }
    ASSIGN_OR_RETURN(std::optional<storage::BanditState> state,
                     bandits_->State(request->experiment_key()));
    std::shared_ptr<const engine::ConfigSnapshot> snapshot =
        serving_.Current()->snapshot;
    const engine::CompiledExperiment* e =
        snapshot->FindExperiment(request->experiment_key());
    if (e == nullptr || !e->def->bandit.has_value()) {
      return absl::NotFoundError(absl::StrCat(
          "experiment_key: experiment '", request->experiment_key(),
          "' is not a bandit in the current config"));
    }
    response->set_experiment_key(e->def->key);
    for (const engine::VariantDef& v : e->def->variants) {
      response->add_variant_keys(v.key);
    }
    response->set_metric_key(e->def->bandit->metric);
    response->set_interval_minutes(e->def->bandit->interval_minutes);
    response->set_min_share(e->def->bandit->min_share);
    if (!state.has_value()) return absl::OkStatus();
    response->set_version(state->version);
    ToProto(state->updated_at, response->mutable_updated_at());
    ToProto(state->contexts, response->mutable_contexts());
    for (const storage::BanditHistoryEntry& h : state->history) {
      v1::BanditVersion* v = response->add_history();
      v->set_version(h.version);
      ToProto(h.time, v->mutable_time());
      ToProto(h.contexts, v->mutable_contexts());
    }
    return absl::OkStatus();
  }();
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

}  // namespace cxlab::api
