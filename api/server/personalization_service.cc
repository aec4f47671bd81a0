// Copyright 2026 The cxlab Authors.

#include "api/server/personalization_service.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "api/server/grpc_status.h"
#include "api/server/unit_calls.h"
#include "engine/evaluator.h"
#include "engine/personalization.h"

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

grpc::ServerUnaryReactor* PersonalizationServiceImpl::GetContent(
    grpc::CallbackServerContext* context, const v1::GetContentRequest* request,
    v1::GetContentResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::StatusOr<engine::Unit> unit =
      AuthorizeUnitCall(keys_, *context, "GetContent", request->unit());
  if (!unit.ok()) {
    reactor->Finish(ToGrpcStatus(unit.status()));
    return reactor;
  }
  std::shared_ptr<const ServingCache<ContentCache>::Serving> serving =
      serving_.Current();
  const engine::ConfigSnapshot& snapshot = *serving->snapshot;

  // The slots to answer, all checked before any is evaluated.
  thread_local std::vector<const engine::CompiledSlot*> slots;
  slots.clear();
  if (request->slots().empty()) {
    for (const engine::CompiledSlot& s : snapshot.slots()) slots.push_back(&s);
  } else {
    for (int i = 0; i < request->slots_size(); ++i) {
      const engine::CompiledSlot* s = snapshot.FindSlot(request->slots(i));
      if (s == nullptr) {
        reactor->Finish(ToGrpcStatus(absl::InvalidArgumentError(
            absl::StrCat("slots[", i, "]: unknown slot '", request->slots(i),
                         "'"))));
        return reactor;
      }
      slots.push_back(s);
    }
  }

  const absl::Time now = absl::Now();
  engine::UnitEvaluator evaluator(snapshot, *unit, now);
  thread_local std::vector<engine::SlotContentChoice> choices;
  choices.resize(slots.size());
  response->mutable_contents()->Reserve(static_cast<int>(slots.size()));
  for (size_t i = 0; i < slots.size(); ++i) {
    engine::ChooseContent(*slots[i], evaluator, choices[i]);
    ToProto(snapshot, *serving->cache, choices[i],
            response->add_contents());
  }
  response->set_config_version(snapshot.version());

  if (tracker_ != nullptr &&
      (!request->has_log_exposure() || request->log_exposure())) {
    std::vector<storage::ExposureRecord> exposures;
    std::vector<std::string> personas;
    bool personas_known = false;
    for (size_t i = 0; i < slots.size(); ++i) {
      const engine::Assignment& a = choices[i].assignment;
      if (a.experiment == nullptr || a.reason != engine::Reason::kAssigned) {
        continue;
      }
      if (!personas_known) {
        evaluator.MatchingSegments(personas);
        personas_known = true;
      }
      AppendExposure(request->unit(), *a.experiment, a.variant, now, personas,
                     exposures);
    }
    if (!exposures.empty()) tracker_->EnqueueExposures(std::move(exposures));
  }
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

}  // namespace cxlab::api
