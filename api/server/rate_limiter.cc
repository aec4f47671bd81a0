// Copyright 2026 The cxlab Authors.

#include "api/server/rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <utility>

#include "absl/hash/hash.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/types/optional.h"
#include "absl/time/clock.h"
#include "api/server/auth.h"

namespace cxlab::api {

std::optional<absl::Duration> RetryAfterOf(const absl::Status& status) {
  absl::optional<absl::Cord> payload = status.GetPayload(kRetryAfterPayload);
  if (!payload.has_value()) return std::nullopt;
  double seconds = 0;
  if (!absl::SimpleAtod(std::string(*payload), &seconds) || seconds < 0) {
    return std::nullopt;
  }
  return absl::Seconds(seconds);
}

absl::Status WithRetryAfter(absl::Status status, absl::Duration wait) {
  status.SetPayload(kRetryAfterPayload,
                    absl::Cord(absl::StrFormat(
                        "%.3f", absl::ToDoubleSeconds(
                                    std::max(wait, absl::ZeroDuration())))));
  return status;
}

absl::StatusOr<RateLimit> ParseRateLimit(absl::string_view flag,
                                         absl::string_view text) {
  std::vector<absl::string_view> parts = absl::StrSplit(text, ':');
  RateLimit limit;
  if (parts.size() > 2 || !absl::SimpleAtod(parts[0], &limit.rate) ||
      (parts.size() == 2 && !absl::SimpleAtod(parts[1], &limit.burst)) ||
      !std::isfinite(limit.rate) || !std::isfinite(limit.burst) ||
      limit.rate < 0 || limit.burst < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        flag, ": expected RATE[:BURST] (calls per second, burst size; 0 is "
              "unlimited), got '",
        text, "'"));
  }
  return limit;
}

RateLimiter::RateLimiter(RateLimits limits, std::function<absl::Time()> clock)
    : limits_(std::move(limits)),
      clock_(clock ? std::move(clock) : [] { return absl::Now(); }),
      unlimited_(std::all_of(
          limits_.per_role.begin(), limits_.per_role.end(),
          [](const auto& entry) { return entry.second.rate <= 0; })) {}

absl::Status RateLimiter::Acquire(const Principal& who) {
  if (unlimited_) return absl::OkStatus();
  auto it = limits_.per_role.find(static_cast<int>(who.role));
  if (it == limits_.per_role.end() || it->second.rate <= 0) {
    return absl::OkStatus();
  }
  const RateLimit& limit = it->second;
  const double burst = limit.burst > 0 ? limit.burst : std::max(1.0, limit.rate);
  const absl::Time now = clock_();
  Shard& shard = shards_[absl::Hash<std::string>()(who.key_id) % kShards];
  absl::MutexLock lock(&shard.mu);
  auto [bucket_it, inserted] = shard.buckets.try_emplace(who.key_id);
  Bucket& bucket = bucket_it->second;
  if (inserted) {
    bucket.tokens = burst;
    bucket.updated = now;
  } else if (now > bucket.updated) {
    bucket.tokens = std::min(
        burst, bucket.tokens +
                   absl::ToDoubleSeconds(now - bucket.updated) * limit.rate);
    bucket.updated = now;
  }
  if (bucket.tokens >= 1) {
    bucket.tokens -= 1;
    return absl::OkStatus();
  }
  const absl::Duration wait =
      absl::Seconds((1 - bucket.tokens) / limit.rate);
  return WithRetryAfter(
      absl::ResourceExhaustedError(absl::StrCat(
          "rate limit: key ", who.key_id, " (role ", RoleName(who.role),
          ") may make ", limit.rate, " calls/s (bursts of ", burst,
          "); retry after ", absl::FormatDuration(absl::Ceil(
                                 wait, absl::Milliseconds(1))))),
      wait);
}

}  // namespace cxlab::api
