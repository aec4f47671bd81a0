// Copyright 2026 The cxlab Authors.

#include "api/server/auth.h"

#include <openssl/evp.h>
#include <sys/random.h>

#include <algorithm>
#include <atomic>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/json.h"
#include "engine/status_macros.h"

namespace cxlab::api {
namespace {

constexpr absl::string_view kKind = "apikey";

absl::StatusOr<std::string> RandomHex(size_t bytes) {
  std::string buf(bytes, '\0');
  size_t filled = 0;
  while (filled < bytes) {
    ssize_t n = getrandom(buf.data() + filled, bytes - filled, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return absl::InternalError("getrandom failed");
    }
    filled += static_cast<size_t>(n);
  }
  return absl::BytesToHexString(buf);
}

std::string EncodeEntry(const ApiKeyInfo& info, const std::string& hash) {
  engine::Value v = engine::Value::Object();
  v.Set("name", engine::Value(info.name));
  v.Set("role", engine::Value(RoleName(info.role)));
  v.Set("sha256", engine::Value(hash));
  v.Set("created_at", engine::Value(absl::FormatTime(
                          absl::RFC3339_full, info.created_at,
                          absl::UTCTimeZone())));
  v.Set("created_by", engine::Value(info.created_by));
  v.Set("revoked", engine::Value(info.revoked));
  return engine::ToJson(v);
}

}  // namespace

absl::string_view RoleName(Role role) {
  switch (role) {
    case Role::kSdk:
      return "sdk";
    case Role::kReader:
      return "reader";
    case Role::kEditor:
      return "editor";
    case Role::kAdmin:
      return "admin";
  }
  return "sdk";
}

absl::StatusOr<Role> ParseRole(absl::string_view name) {
  for (Role r : {Role::kSdk, Role::kReader, Role::kEditor, Role::kAdmin}) {
    if (RoleName(r) == name) return r;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "role: unknown role '", name, "' (expected sdk, reader, editor or admin)"));
}

absl::Status Authorize(const Principal& who, Role required,
                       absl::string_view method) {
  if (static_cast<int>(who.role) >= static_cast<int>(required)) {
    return absl::OkStatus();
  }
  return absl::PermissionDeniedError(
      absl::StrCat("role ", RoleName(who.role), " cannot call ", method,
                   "; it needs ", RoleName(required)));
}

std::string Sha256Hex(absl::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha256(), nullptr);
  return absl::BytesToHexString(absl::string_view(
      reinterpret_cast<const char*>(digest), length));
}

absl::StatusOr<std::unique_ptr<KeyRegistry>> KeyRegistry::Open(
    storage::ConfigManager& config) {
  std::unique_ptr<KeyRegistry> registry(new KeyRegistry(config));
  ASSIGN_OR_RETURN(auto objects, config.store().List(std::string(kKind)));
  Table table;
  for (const auto& o : objects) {
    absl::StatusOr<engine::Value> v = engine::ParseJson(o.value);
    if (!v.ok()) {
      return absl::DataLossError(
          absl::StrCat("stored API key ", o.key, ": ", v.status().message()));
    }
    Entry e;
    e.info.id = o.key;
    e.info.name = v->Find("name") ? v->Find("name")->as_string() : "";
    absl::StatusOr<Role> role =
        ParseRole(v->Find("role") ? v->Find("role")->as_string() : "");
    if (!role.ok()) {
      return absl::DataLossError(
          absl::StrCat("stored API key ", o.key, ": ", role.status().message()));
    }
    e.info.role = *role;
    std::string err;
    if (const engine::Value* t = v->Find("created_at")) {
      absl::ParseTime(absl::RFC3339_full, t->as_string(), &e.info.created_at,
                      &err);
    }
    e.info.created_by =
        v->Find("created_by") ? v->Find("created_by")->as_string() : "";
    e.info.revoked = v->Find("revoked") && v->Find("revoked")->as_bool();
    e.hash = v->Find("sha256") ? v->Find("sha256")->as_string() : "";
    table[e.hash] = std::move(e);
  }
  registry->Publish(std::move(table));
  return registry;
}

void KeyRegistry::Publish(Table table) {
  std::atomic_store(&table_,
                    std::shared_ptr<const Table>(
                        std::make_shared<Table>(std::move(table))));
}

absl::Status KeyRegistry::Store(const Entry& entry, absl::string_view action,
                                const storage::Actor& actor,
                                const std::string& before) {
  storage::ConfigStore::Write w;
  w.op = storage::ConfigStore::Write::Op::kPut;
  w.kind = std::string(kKind);
  w.key = entry.info.id;
  w.value = EncodeEntry(entry.info, entry.hash);
  w.actor = actor.id;
  w.action = std::string(action);
  w.time = actor.now;
  w.before = before;
  // The audit log shows the key without its hash.
  engine::Value shown = engine::Value::Object();
  shown.Set("id", engine::Value(entry.info.id));
  shown.Set("name", engine::Value(entry.info.name));
  shown.Set("role", engine::Value(RoleName(entry.info.role)));
  shown.Set("revoked", engine::Value(entry.info.revoked));
  w.after = engine::ToJson(shown);
  return config_.CommitOther(std::move(w)).status();
}

absl::StatusOr<std::pair<ApiKeyInfo, std::string>>
KeyRegistry::CreateWithSecret(absl::string_view id, absl::string_view name,
                              Role role, std::string secret,
                              const storage::Actor& actor) {
  Entry e;
  e.info.id = std::string(id);
  e.info.name = std::string(name);
  e.info.role = role;
  e.info.created_at = actor.now;
  e.info.created_by = actor.id;
  e.hash = Sha256Hex(secret);
  std::shared_ptr<const Table> current = std::atomic_load(&table_);
  if (current->contains(e.hash)) {
    return absl::AlreadyExistsError("an API key with this secret exists");
  }
  RETURN_IF_ERROR(Store(e, "key.create", actor, ""));
  Table next = *current;
  ApiKeyInfo info = e.info;
  next[e.hash] = std::move(e);
  Publish(std::move(next));
  return std::make_pair(std::move(info), std::move(secret));
}

absl::StatusOr<std::optional<std::string>> KeyRegistry::Bootstrap(
    const std::string& secret, absl::Time now,
    const std::function<absl::Status(const std::string&)>& persist) {
  absl::MutexLock lock(&write_mu_);
  if (!std::atomic_load(&table_)->empty()) return std::nullopt;
  storage::Actor actor{"bootstrap", now};
  if (!secret.empty()) {
    if (secret.size() < 16) {
      return absl::InvalidArgumentError(
          "CXLAB_ADMIN_KEY: must be at least 16 characters");
    }
    RETURN_IF_ERROR(
        CreateWithSecret(kBootstrapAdminKeyId, "bootstrap admin", Role::kAdmin, secret, actor)
            .status());
    return std::nullopt;
  }
  ASSIGN_OR_RETURN(std::string random, RandomHex(24));
  std::string generated = absl::StrCat("cxk_admin_", random);
  // Saved before it is committed: a crash in between leaves a file with an
  // unused secret (the next start generates another), never a committed key
  // whose secret nobody has.
  if (persist) RETURN_IF_ERROR(persist(generated));
  RETURN_IF_ERROR(CreateWithSecret(kBootstrapAdminKeyId, "bootstrap admin", Role::kAdmin,
                                   generated, actor)
                      .status());
  return generated;
}

absl::StatusOr<Principal> KeyRegistry::Authenticate(
    absl::string_view header) const {
  if (header.empty()) {
    return absl::UnauthenticatedError(
        "missing API key: send 'authorization: Bearer <key>'");
  }
  constexpr absl::string_view kScheme = "bearer ";
  if (header.size() <= kScheme.size() ||
      !absl::EqualsIgnoreCase(header.substr(0, kScheme.size()), kScheme)) {
    return absl::UnauthenticatedError(
        "malformed authorization header: expected 'Bearer <key>'");
  }
  absl::string_view secret =
      absl::StripAsciiWhitespace(header.substr(kScheme.size()));
  std::shared_ptr<const Table> table = std::atomic_load(&table_);
  auto it = table->find(Sha256Hex(secret));
  if (it == table->end() || it->second.info.revoked) {
    return absl::UnauthenticatedError("unknown or revoked API key");
  }
  Principal who{it->second.info.id, it->second.info.role};
  if (limiter_ != nullptr) {
    absl::Status allowed = limiter_->Acquire(who);
    if (!allowed.ok()) return allowed;
  }
  return who;
}

absl::StatusOr<std::pair<ApiKeyInfo, std::string>> KeyRegistry::Create(
    absl::string_view name, Role role, const storage::Actor& actor) {
  if (name.empty() || name.size() > 200) {
    return absl::InvalidArgumentError("name: must be 1-200 characters");
  }
  absl::MutexLock lock(&write_mu_);
  return NewKeyLocked(name, role, actor);
}

absl::StatusOr<std::pair<ApiKeyInfo, std::string>> KeyRegistry::NewKeyLocked(
    absl::string_view name, Role role, const storage::Actor& actor) {
  ASSIGN_OR_RETURN(std::string id, RandomHex(6));
  ASSIGN_OR_RETURN(std::string random, RandomHex(24));
  std::string secret =
      absl::StrCat("cxk_", RoleName(role), "_", id, "_", random);
  return CreateWithSecret(id, name, role, std::move(secret), actor);
}

absl::StatusOr<std::pair<ApiKeyInfo, std::string>> KeyRegistry::Rotate(
    absl::string_view id, const storage::Actor& actor) {
  absl::MutexLock lock(&write_mu_);
  std::optional<ApiKeyInfo> old;
  for (const auto& [hash, entry] : *std::atomic_load(&table_)) {
    if (entry.info.id == id) old = entry.info;
  }
  if (!old.has_value()) {
    return absl::NotFoundError(absl::StrCat("API key '", id, "' not found"));
  }
  if (old->revoked) {
    return absl::FailedPreconditionError(
        absl::StrCat("id: API key '", id, "' is revoked; create a new one"));
  }
  // The new key first: a crash between the two writes leaves both active.
  ASSIGN_OR_RETURN(auto created, NewKeyLocked(old->name, old->role, actor));
  RETURN_IF_ERROR(RevokeLocked(id, actor).status());
  return created;
}

std::vector<ApiKeyInfo> KeyRegistry::List() const {
  std::shared_ptr<const Table> table = std::atomic_load(&table_);
  std::vector<ApiKeyInfo> out;
  for (const auto& [hash, entry] : *table) out.push_back(entry.info);
  std::sort(out.begin(), out.end(),
            [](const ApiKeyInfo& a, const ApiKeyInfo& b) { return a.id < b.id; });
  return out;
}

absl::StatusOr<ApiKeyInfo> KeyRegistry::Revoke(absl::string_view id,
                                               const storage::Actor& actor) {
  absl::MutexLock lock(&write_mu_);
  return RevokeLocked(id, actor);
}

absl::StatusOr<ApiKeyInfo> KeyRegistry::RevokeLocked(
    absl::string_view id, const storage::Actor& actor) {
  std::shared_ptr<const Table> current = std::atomic_load(&table_);
  const Entry* target = nullptr;
  int active_admins = 0;
  for (const auto& [hash, entry] : *current) {
    if (entry.info.id == id) target = &entry;
    if (entry.info.role == Role::kAdmin && !entry.info.revoked) ++active_admins;
  }
  if (target == nullptr) {
    return absl::NotFoundError(absl::StrCat("API key '", id, "' not found"));
  }
  if (target->info.revoked) return target->info;
  if (target->info.role == Role::kAdmin && active_admins <= 1) {
    return absl::FailedPreconditionError(
        "id: cannot revoke the last active admin key");
  }
  Entry updated = *target;
  updated.info.revoked = true;
  engine::Value before = engine::Value::Object();
  before.Set("id", engine::Value(target->info.id));
  before.Set("revoked", engine::Value(false));
  RETURN_IF_ERROR(
      Store(updated, "key.revoke", actor, engine::ToJson(before)));
  Table next = *current;
  next[updated.hash] = updated;
  Publish(std::move(next));
  return updated.info;
}

}  // namespace cxlab::api
