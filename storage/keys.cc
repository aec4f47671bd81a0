// Copyright 2026 The cxlab Authors.

#include "storage/keys.h"

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "engine/status_macros.h"
#include "storage/coding.h"

namespace cxlab::storage::keys {

const std::vector<absl::string_view>& ColumnFamilies() {
  static const auto* const kNames = new std::vector<absl::string_view>{
      kConfigColumnFamily,     kAuditColumnFamily, kExposuresColumnFamily,
      kEventsColumnFamily,     kDedupColumnFamily, kUnitMetricsColumnFamily,
      kAggregatesColumnFamily,
  };
  return *kNames;
}

std::string ObjectKey(absl::string_view kind, absl::string_view key) {
  return absl::StrCat(kObjectPrefix, kind, "/", key);
}

std::string ObjectKindPrefix(absl::string_view kind) {
  return absl::StrCat(kObjectPrefix, kind, "/");
}

bool ParseObjectKey(absl::string_view raw, absl::string_view* kind,
                    absl::string_view* key) {
  if (raw.substr(0, kObjectPrefix.size()) != kObjectPrefix) return false;
  raw.remove_prefix(kObjectPrefix.size());
  const size_t slash = raw.find('/');
  if (slash == absl::string_view::npos || slash == 0 ||
      slash + 1 == raw.size()) {
    return false;
  }
  *kind = raw.substr(0, slash);
  *key = raw.substr(slash + 1);
  return true;
}

std::string AuditKey(int64_t version) {
  return EncodeFixed64BigEndian(static_cast<uint64_t>(version));
}

bool ParseAuditKey(absl::string_view raw, int64_t* version) {
  uint64_t value = 0;
  if (raw.size() != 8 || !GetFixed64BigEndian(&raw, &value)) return false;
  if (value > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return false;
  }
  *version = static_cast<int64_t>(value);
  return true;
}

absl::Status ValidateExposureKeyPart(absl::string_view field,
                                     absl::string_view value) {
  if (value.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": must not be empty"));
  }
  if (value.find('\0') != absl::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": must not contain NUL"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ExposureKey(absl::string_view unit_type,
                                        absl::string_view unit_id,
                                        absl::string_view experiment_key) {
  ASSIGN_OR_RETURN(std::string key, ExposureUnitPrefix(unit_type, unit_id));
  RETURN_IF_ERROR(ValidateExposureKeyPart("experiment_key", experiment_key));
  key.append(experiment_key.data(), experiment_key.size());
  return key;
}

absl::StatusOr<std::string> ExposureUnitPrefix(absl::string_view unit_type,
                                               absl::string_view unit_id) {
  RETURN_IF_ERROR(ValidateExposureKeyPart("unit_type", unit_type));
  RETURN_IF_ERROR(ValidateExposureKeyPart("unit_id", unit_id));
  std::string prefix;
  prefix.reserve(unit_type.size() + unit_id.size() + 2);
  prefix.append(unit_type.data(), unit_type.size());
  prefix.push_back('\0');
  prefix.append(unit_id.data(), unit_id.size());
  prefix.push_back('\0');
  return prefix;
}

bool ParseExposureKey(absl::string_view raw, absl::string_view* unit_type,
                      absl::string_view* unit_id,
                      absl::string_view* experiment_key) {
  const size_t first = raw.find('\0');
  if (first == absl::string_view::npos) return false;
  const size_t second = raw.find('\0', first + 1);
  if (second == absl::string_view::npos ||
      raw.find('\0', second + 1) != absl::string_view::npos) {
    return false;
  }
  if (first == 0 || second == first + 1 || second + 1 == raw.size()) {
    return false;
  }
  *unit_type = raw.substr(0, first);
  *unit_id = raw.substr(first + 1, second - first - 1);
  *experiment_key = raw.substr(second + 1);
  return true;
}

std::string PrefixSuccessor(absl::string_view prefix) {
  std::string out(prefix);
  while (!out.empty()) {
    unsigned char& last = reinterpret_cast<unsigned char&>(out.back());
    if (last != 0xff) {
      ++last;
      return out;
    }
    out.pop_back();
  }
  return out;
}

}  // namespace cxlab::storage::keys
