// Copyright 2026 The cxlab Authors.
//
// API keys and roles. A key is a random secret sent as
// "authorization: Bearer <secret>"; the server stores only its SHA-256, with
// a public id (the actor in the audit log), a name and a role:
//
//   sdk     assign, content, track
//   reader  + get, list, reports, changes, watch, validate
//   editor  + define and change
//   admin   + API keys
//
//   ASSIGN_OR_RETURN(Principal who, keys.Authenticate(bearer_header));
//   RETURN_IF_ERROR(Authorize(who, Role::kEditor));
//
// Thread-safety: KeyRegistry is safe for concurrent use; Authenticate()
// reads an immutable table swapped atomically on each change.

#ifndef CXLAB_API_SERVER_AUTH_H_
#define CXLAB_API_SERVER_AUTH_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "api/server/rate_limiter.h"
#include "storage/config_manager.h"

namespace cxlab::api {

// The id of the first admin key, made by Bootstrap() (its secret is in
// DATA_DIR/admin.key).
inline constexpr char kBootstrapAdminKeyId[] = "admin";

// Ordered: each role includes the ones below it.
enum class Role { kSdk = 1, kReader = 2, kEditor = 3, kAdmin = 4 };

// "sdk", "reader", "editor", "admin".
absl::string_view RoleName(Role role);
// INVALID_ARGUMENT "role: unknown role 'x' (expected sdk, reader, editor or
// admin)".
absl::StatusOr<Role> ParseRole(absl::string_view name);

// Who is calling.
struct Principal {
  std::string key_id;
  Role role = Role::kSdk;
};

struct ApiKeyInfo {
  std::string id;
  std::string name;
  Role role = Role::kSdk;
  absl::Time created_at;
  std::string created_by;
  bool revoked = false;
};

// PERMISSION_DENIED ("role reader cannot call UpdateExperiment; it needs
// editor") unless `who` has at least `required`.
absl::Status Authorize(const Principal& who, Role required,
                       absl::string_view method);

// Lower-case hex SHA-256 of `text`.
std::string Sha256Hex(absl::string_view text);

class KeyRegistry {
 public:
  // Loads the keys stored through `config` (kind "apikey"). Borrows
  // `config`, which must outlive the registry.
  static absl::StatusOr<std::unique_ptr<KeyRegistry>> Open(
      storage::ConfigManager& config);

  // On a data dir without keys, creates the first admin key: `secret` when
  // non-empty (e.g. from CXLAB_ADMIN_KEY; at least 16 characters), else a
  // generated one, handed to `persist` (which writes DATA_DIR/admin.key)
  // before the key is committed, so a crash never leaves a committed key
  // whose secret is nowhere. Returns the secret when one was generated (the
  // caller prints it once), nullopt otherwise.
  absl::StatusOr<std::optional<std::string>> Bootstrap(
      const std::string& secret, absl::Time now,
      const std::function<absl::Status(const std::string&)>& persist =
          nullptr);

  // Resolves an "authorization" header value ("Bearer <secret>", the
  // scheme case-insensitive). UNAUTHENTICATED when missing, malformed,
  // unknown or revoked; RESOURCE_EXHAUSTED (with a retry-after payload,
  // rate_limiter.h) when the key's rate limit is used up.
  absl::StatusOr<Principal> Authenticate(absl::string_view header) const;

  // Every later Authenticate() takes a token from `limiter` (borrowed; it
  // must outlive the registry; nullptr: no limits). Call before serving.
  void SetRateLimiter(RateLimiter* limiter) { limiter_ = limiter; }

  // Creates a key; returns its info and the secret (shown once).
  absl::StatusOr<std::pair<ApiKeyInfo, std::string>> Create(
      absl::string_view name, Role role, const storage::Actor& actor);

  // Every key, revoked ones included, sorted by id.
  std::vector<ApiKeyInfo> List() const;

  // Revokes key `id`: NOT_FOUND when unknown; FAILED_PRECONDITION when it is
  // the last active admin key (the server would lock everyone out).
  absl::StatusOr<ApiKeyInfo> Revoke(absl::string_view id,
                                    const storage::Actor& actor);

  // Creates a key with the name and role of active key `id`, then revokes
  // `id`; returns the new key and its secret. NOT_FOUND when unknown,
  // FAILED_PRECONDITION when revoked. Two audited writes: a crash between
  // them leaves both keys active (never none).
  absl::StatusOr<std::pair<ApiKeyInfo, std::string>> Rotate(
      absl::string_view id, const storage::Actor& actor);

 private:
  struct Entry {
    ApiKeyInfo info;
    std::string hash;  // hex SHA-256 of the secret
  };
  using Table = absl::flat_hash_map<std::string, Entry>;  // by hash

  explicit KeyRegistry(storage::ConfigManager& config) : config_(config) {}

  absl::Status Store(const Entry& entry, absl::string_view action,
                     const storage::Actor& actor, const std::string& before);
  absl::StatusOr<ApiKeyInfo> RevokeLocked(absl::string_view id,
                                          const storage::Actor& actor)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);
  absl::StatusOr<std::pair<ApiKeyInfo, std::string>> NewKeyLocked(
      absl::string_view name, Role role, const storage::Actor& actor)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);
  absl::StatusOr<std::pair<ApiKeyInfo, std::string>> CreateWithSecret(
      absl::string_view id, absl::string_view name, Role role,
      std::string secret, const storage::Actor& actor);
  void Publish(Table table);

  storage::ConfigManager& config_;
  RateLimiter* limiter_ = nullptr;
  absl::Mutex write_mu_;  // serialises Create/Revoke
  // Immutable table read with std::atomic_load.
  std::shared_ptr<const Table> table_;
};

}  // namespace cxlab::api

#endif  // CXLAB_API_SERVER_AUTH_H_
