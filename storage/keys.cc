// Copyright 2026 The cxlab Authors.

#include "storage/keys.h"

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
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
