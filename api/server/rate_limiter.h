// Copyright 2026 The cxlab Authors.
//
// RateLimiter: a token bucket per API key, sized by the key's role, so one
// misbehaving client (a retry loop, a crawler with a reader key) cannot
// starve the others. Every authenticated call takes one token; a key whose
// bucket is empty gets RESOURCE_EXHAUSTED with the time until its next
// token, which the HTTP gateway sends as Retry-After (429) and gRPC clients
// read from the message.
//
//   RateLimits limits;
//   limits.per_role[Role::kReader] = {100, 200};  // 100/s, bursts of 200
//   RateLimiter limiter(limits);
//   RETURN_IF_ERROR(limiter.Acquire(principal));  // KeyRegistry does this
//
// A role without a limit (rate 0) is unlimited and costs nothing.
//
// Thread-safety: Acquire() is safe to call concurrently; buckets are
// sharded by key id, each shard behind its own mutex.

#ifndef CXLAB_API_SERVER_RATE_LIMITER_H_
#define CXLAB_API_SERVER_RATE_LIMITER_H_

#include <array>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace cxlab::api {

enum class Role;
struct Principal;

// The payload key of a RESOURCE_EXHAUSTED status that carries the wait
// before a retry, as decimal seconds ("0.25").
inline constexpr absl::string_view kRetryAfterPayload =
    "type.cxlab.dev/retry-after-seconds";

// The wait a status asks for (its kRetryAfterPayload), if any.
std::optional<absl::Duration> RetryAfterOf(const absl::Status& status);

// A status asking the caller to retry after `wait`.
absl::Status WithRetryAfter(absl::Status status, absl::Duration wait);

struct RateLimit {
  // Sustained calls per second; 0 means unlimited.
  double rate = 0;
  // Bucket size: calls allowed in a burst (at least 1 when rate > 0; 0
  // means max(1, rate)).
  double burst = 0;
};

// "RATE[:BURST]" ("100", "50:200", "0") -> RateLimit. INVALID_ARGUMENT
// naming `flag` otherwise.
absl::StatusOr<RateLimit> ParseRateLimit(absl::string_view flag,
                                         absl::string_view text);

struct RateLimits {
  // By role (Role as int, 1..4); roles not listed are unlimited.
  std::map<int, RateLimit> per_role;
};

class RateLimiter {
 public:
  // `clock` (tests) defaults to absl::Now.
  explicit RateLimiter(RateLimits limits,
                       std::function<absl::Time()> clock = nullptr);
  RateLimiter(const RateLimiter&) = delete;
  RateLimiter& operator=(const RateLimiter&) = delete;

  // Takes one token from the bucket of `who`: OK, or RESOURCE_EXHAUSTED
  // "rate limit: key K (role sdk) may make 100 calls/s (bursts of 200);
  // retry after 10ms" carrying the wait (RetryAfterOf).
  absl::Status Acquire(const Principal& who);

  // True when no role has a limit (Acquire then always succeeds at once).
  bool unlimited() const { return unlimited_; }

 private:
  struct Bucket {
    double tokens = 0;
    absl::Time updated;
  };
  struct Shard {
    absl::Mutex mu;
    absl::flat_hash_map<std::string, Bucket> buckets ABSL_GUARDED_BY(mu);
  };
  static constexpr int kShards = 16;

  const RateLimits limits_;
  const std::function<absl::Time()> clock_;
  const bool unlimited_;
  std::array<Shard, kShards> shards_;
};

}  // namespace cxlab::api

#endif  // CXLAB_API_SERVER_RATE_LIMITER_H_
