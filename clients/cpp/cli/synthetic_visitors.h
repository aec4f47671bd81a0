// Copyright 2026 The cxlab Authors.
//
// SyntheticVisitors: realistic-looking visitor attributes drawn
// deterministically from a visitor id, for `cxlab simulate`. The same id
// always gets the same attributes; different attributes use independent
// hashes of the id, so shares are close to the configured distributions
// over many ids.
//
//   SyntheticVisitors visitors;
//   engine::Value attrs = visitors.Attributes("visitor-42");
//   // {"id":"visitor-42","device_id":"dev-...","country":"DE", ...}
//
// Attributes (the ones experiments/segments.yaml documents, plus a few):
//   id, device_id, country, language, platform (web/ios/android),
//   device {type, os, browser}, user_agent, app_version (app users only),
//   visits (absent for 12%), is_returning (visits >= 2, 45%),
//   last_visit_days (returning only), customer_id (logged-in only), age,
//   household {children}, interests [] ("running" for 28%), last_category,
//   orders_90d, coupon_uses_90d, avg_discount_pct, cart {items, value},
//   newsletter, utm_source.
// The shares are chosen so the personas and conditions in experiments/
// match a realistic part of the traffic.
//
// Thread-safety: immutable after construction; Attributes() may be called
// from many threads at once.

#ifndef CXLAB_CLIENTS_CPP_CLI_SYNTHETIC_VISITORS_H_
#define CXLAB_CLIENTS_CPP_CLI_SYNTHETIC_VISITORS_H_

#include <cstdint>
#include <vector>

#include "absl/strings/string_view.h"
#include "engine/value.h"

namespace cxlab::cli {

class SyntheticVisitors {
 public:
  SyntheticVisitors();

  // The attributes of `visitor_id`, a JSON object; a pure function of the id.
  engine::Value Attributes(absl::string_view visitor_id) const;

 private:
  // One independent draw in [0, 1) for attribute number `slot`.
  double Draw(int slot, absl::string_view visitor_id) const;

  std::vector<uint64_t> seeds_;  // one per draw slot
};

}  // namespace cxlab::cli

#endif  // CXLAB_CLIENTS_CPP_CLI_SYNTHETIC_VISITORS_H_
