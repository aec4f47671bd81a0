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
      kAggregatesColumnFamily, kAssignmentsColumnFamily, kBanditsColumnFamily,
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

namespace {

void PutFixed32BigEndian(std::string* dst, uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) {
    dst->push_back(static_cast<char>((value >> shift) & 0xff));
  }
}

bool GetFixed32BigEndian(absl::string_view* input, uint32_t* value) {
  if (input->size() < 4) return false;
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) {
    v = (v << 8) | static_cast<unsigned char>((*input)[i]);
  }
  input->remove_prefix(4);
  *value = v;
  return true;
}

// Splits off the part of `*input` up to the next NUL (which is consumed).
bool GetNulTerminated(absl::string_view* input, absl::string_view* part) {
  const size_t nul = input->find('\0');
  if (nul == absl::string_view::npos) return false;
  *part = input->substr(0, nul);
  input->remove_prefix(nul + 1);
  return true;
}

}  // namespace

absl::StatusOr<std::string> EventKey(absl::string_view unit_type,
                                     absl::string_view unit_id,
                                     int64_t time_micros,
                                     absl::string_view event_id) {
  ASSIGN_OR_RETURN(std::string key, ExposureUnitPrefix(unit_type, unit_id));
  if (event_id.empty()) {
    return absl::InvalidArgumentError("event_id: must not be empty");
  }
  if (time_micros < 0) {
    return absl::InvalidArgumentError("time: must not be before 1970-01-01");
  }
  PutFixed64BigEndian(&key, static_cast<uint64_t>(time_micros));
  key.append(event_id.data(), event_id.size());
  return key;
}

bool ParseEventKey(absl::string_view raw, absl::string_view* unit_type,
                   absl::string_view* unit_id, int64_t* time_micros,
                   absl::string_view* event_id) {
  absl::string_view type, id;
  if (!GetNulTerminated(&raw, &type) || type.empty()) return false;
  if (!GetNulTerminated(&raw, &id) || id.empty()) return false;
  uint64_t time = 0;
  if (!GetFixed64BigEndian(&raw, &time)) return false;
  if (time > static_cast<uint64_t>(INT64_MAX) || raw.empty()) return false;
  *unit_type = type;
  *unit_id = id;
  *time_micros = static_cast<int64_t>(time);
  *event_id = raw;
  return true;
}

std::string DedupKey(absl::string_view event_id) {
  return std::string(event_id);
}

std::string StickyKey(absl::string_view experiment_key, int64_t bucket_version,
                      absl::string_view id) {
  std::string key(experiment_key);
  key.push_back('\0');
  PutFixed64BigEndian(&key, static_cast<uint64_t>(bucket_version));
  key.append(id.data(), id.size());
  return key;
}

std::string UnitStatesKey(absl::string_view unit_type,
                          absl::string_view unit_id) {
  std::string key;
  key.reserve(unit_type.size() + unit_id.size() + 2);
  key.append(unit_type.data(), unit_type.size());
  key.push_back('\0');
  key.append(unit_id.data(), unit_id.size());
  key.push_back('\0');
  return key;
}

std::string AggregateKey(absl::string_view experiment_key, int variant_index,
                         absl::string_view metric_key, int64_t day,
                         absl::string_view segment) {
  std::string key = AggregateExperimentPrefix(experiment_key);
  PutFixed32BigEndian(&key, static_cast<uint32_t>(variant_index));
  key.push_back('\0');
  key.append(metric_key.data(), metric_key.size());
  key.push_back('\0');
  PutFixed32BigEndian(&key,
                      static_cast<uint32_t>(static_cast<int32_t>(day)));
  key.append(segment.data(), segment.size());
  return key;
}

std::string AggregateExperimentPrefix(absl::string_view experiment_key) {
  std::string prefix(experiment_key);
  prefix.push_back('\0');
  return prefix;
}

bool ParseAggregateKey(absl::string_view raw, absl::string_view* experiment_key,
                       int* variant_index, absl::string_view* metric_key,
                       int64_t* day, absl::string_view* segment) {
  absl::string_view experiment, metric;
  if (!GetNulTerminated(&raw, &experiment) || experiment.empty()) return false;
  uint32_t variant = 0;
  if (!GetFixed32BigEndian(&raw, &variant) || variant > INT32_MAX) {
    return false;
  }
  if (raw.empty() || raw[0] != '\0') return false;
  raw.remove_prefix(1);
  if (!GetNulTerminated(&raw, &metric) || metric.empty()) return false;
  uint32_t day_bits = 0;
  if (!GetFixed32BigEndian(&raw, &day_bits) ||
      raw.find('\0') != absl::string_view::npos) {
    return false;
  }
  *segment = raw;
  *experiment_key = experiment;
  *variant_index = static_cast<int>(variant);
  *metric_key = metric;
  *day = static_cast<int32_t>(day_bits);
  return true;
}

int64_t DayNumber(int64_t time_micros) {
  constexpr int64_t kMicrosPerDay = int64_t{86400} * 1000 * 1000;
  int64_t day = time_micros / kMicrosPerDay;
  if (time_micros % kMicrosPerDay < 0) --day;
  return day;
}

}  // namespace cxlab::storage::keys
