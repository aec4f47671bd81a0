// Copyright 2026 The cxlab Authors.
//
// THE key layout of cxlab's RocksDB database. Every column family name and
// every key format lives in this file; nothing else in cxlab builds keys by
// hand. Changing a format here is a data migration.
//
// Column families (all created when a Database opens, so adding users of the
// reserved ones later needs no migration; RocksDB's own "default" family
// exists too and stays empty):
//
//   config        Configuration objects and their metadata.
//     "obj/<kind>/<key>"  -> object record (see below). <kind> is non-empty
//                            and contains no '/'; <key> is non-empty, any
//                            bytes. So "obj/<kind>/" is an exact prefix of
//                            one kind and keys of a kind sort bytewise.
//     "meta/version"      -> fixed64 big-endian: the global config version,
//                            i.e. the number of writes ever committed.
//   audit         Append-only change log, one entry per committed write.
//     <fixed64 big-endian version> -> change record (see below). Big-endian
//                            makes key order equal version order.
//   exposures     First exposure of a unit to an experiment.
//     "<unit_type>\0<unit_id>\0<experiment_key>" -> exposure record (see
//                            below). The three parts are non-empty and
//                            contain no NUL, so "<unit_type>\0<unit_id>\0"
//                            is an exact prefix of one unit's exposures
//                            (unit "a" never sees unit "ab"), sorted
//                            bytewise by experiment key.
//   events        Raw event log keyed by unit and time.
//   dedup         event_id -> seen.
//   unit_metrics  Every per-metric state of one unit (storage/unit_states.h).
//   assignments   Sticky assignments: "<experiment>\0<fixed64 big-endian
//                 bucket_version><hashed id>" -> varint64 variant index.
//                 The first stored assignment wins.
//   bandits       Learned bandit weights: "<experiment>" -> bandit state
//                 (storage/bandit_store.h).
//   aggregates    Per (experiment, variant, metric[, day])
//                            sufficient statistics (merge operator).
//
// Value formats (storage/coding.h encodings; times are Unix microseconds as
// the two's-complement uint64 of an int64; each record starts with a format
// byte so it can evolve):
//
//   object record: byte 1, length-prefixed value, varint64 version,
//                  varint64 created_version, varint64 updated_at,
//                  length-prefixed updated_by.
//   change record: byte 1, varint64 time, then length-prefixed actor,
//                  action, kind, key, before, after. (The version is the key.)
//   exposure record: byte 2, varint64 variant_index, length-prefixed
//                  variant_key, fixed64 big-endian first_seen, varint64
//                  mismatches, length-prefixed last_mismatch_variant (the
//                  variant_key of the newest mismatching assignment; empty
//                  while mismatches == 0), varint64 count and the
//                  length-prefixed persona segments matched at the first
//                  exposure (format 1 records end before the count and
//                  have none).
//
// Everything here is pure and thread-safe.

#ifndef CXLAB_STORAGE_KEYS_H_
#define CXLAB_STORAGE_KEYS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace cxlab::storage::keys {

// Column family names.
inline constexpr absl::string_view kConfigColumnFamily = "config";
inline constexpr absl::string_view kAuditColumnFamily = "audit";
inline constexpr absl::string_view kExposuresColumnFamily = "exposures";
inline constexpr absl::string_view kEventsColumnFamily = "events";
inline constexpr absl::string_view kDedupColumnFamily = "dedup";
inline constexpr absl::string_view kUnitMetricsColumnFamily = "unit_metrics";
inline constexpr absl::string_view kAggregatesColumnFamily = "aggregates";
inline constexpr absl::string_view kAssignmentsColumnFamily = "assignments";
inline constexpr absl::string_view kBanditsColumnFamily = "bandits";

// The cxlab column families above, in declaration order (without RocksDB's
// "default"). A Database opens (and if need be creates) exactly these.
const std::vector<absl::string_view>& ColumnFamilies();

// Prefix of every object key in `config`.
inline constexpr absl::string_view kObjectPrefix = "obj/";

// Key in `config` holding the global config version.
inline constexpr absl::string_view kConfigVersionKey = "meta/version";

// Format byte leading object and change records.
inline constexpr char kRecordFormatV1 = 1;

// Returns "obj/<kind>/<key>". Precondition (unchecked; callers validate):
// `kind` is non-empty without '/', `key` is non-empty.
std::string ObjectKey(absl::string_view kind, absl::string_view key);

// Returns "obj/<kind>/", the prefix of all objects of `kind`.
std::string ObjectKindPrefix(absl::string_view kind);

// Splits an object key built by ObjectKey into `*kind` and `*key` (which view
// `raw`). Returns false if `raw` is not a well-formed object key.
bool ParseObjectKey(absl::string_view raw, absl::string_view* kind,
                    absl::string_view* key);

// Returns the `audit` key of `version` (8 bytes, big-endian). Precondition:
// version >= 0.
std::string AuditKey(int64_t version);

// Decodes an `audit` key. Returns false unless `raw` is exactly 8 bytes
// encoding a version in [0, INT64_MAX].
bool ParseAuditKey(absl::string_view raw, int64_t* version);

// Checks one part of an `exposures` key: OK unless `value` is empty or
// contains a NUL byte, which is INVALID_ARGUMENT with a message starting
// "<field>: ", e.g. "unit_id: must not contain NUL".
absl::Status ValidateExposureKeyPart(absl::string_view field,
                                     absl::string_view value);

// Returns the `exposures` key "<unit_type>\0<unit_id>\0<experiment_key>".
// Errors: INVALID_ARGUMENT (from ValidateExposureKeyPart, with field names
// "unit_type", "unit_id", "experiment_key") for an empty part or one
// containing NUL.
absl::StatusOr<std::string> ExposureKey(absl::string_view unit_type,
                                        absl::string_view unit_id,
                                        absl::string_view experiment_key);

// Returns "<unit_type>\0<unit_id>\0", the prefix of all exposures of one
// unit. Errors as ExposureKey.
absl::StatusOr<std::string> ExposureUnitPrefix(absl::string_view unit_type,
                                               absl::string_view unit_id);

// Splits an `exposures` key built by ExposureKey into its parts (which view
// `raw`). Returns false unless `raw` has exactly two NULs separating three
// non-empty parts.
bool ParseExposureKey(absl::string_view raw, absl::string_view* unit_type,
                      absl::string_view* unit_id,
                      absl::string_view* experiment_key);

// Returns the smallest string greater than every string with prefix `prefix`
// (for iterator upper bounds); empty if there is none (all bytes 0xff).
std::string PrefixSuccessor(absl::string_view prefix);

// ---------------------------------------------------------------------------
// Event pipeline keys (storage/event_pipeline.h), in detail:
//
//   events        Raw event log, one entry per accepted event.
//     "<unit_type>\0<unit_id>\0<fixed64 big-endian time><event_id>"
//                            -> event record. The time is Unix microseconds
//                            (>= 0, so big-endian order is time order); the
//                            event id follows the 8 time bytes unseparated.
//                            "<unit_type>\0<unit_id>\0" (ExposureUnitPrefix)
//                            is an exact prefix of one unit's events, in
//                            time order (ties by event id).
//   dedup         "<event_id>" -> "" : the event was accepted once.
//   unit_metrics  "<unit_type>\0<unit_id>\0" -> UnitStates::Encode(): the
//                            unit's state for every (experiment, metric) it
//                            is measured by, in one record.
//   aggregates    "<experiment>\0<fixed32 big-endian variant_index>\0
//                  <metric>\0<fixed32 big-endian day>[<segment>]" -> engine::
//                            SufficientStats::Encode(), updated only through
//                            the "cxlab.SufficientStatsAdd" merge operator.
//                            <day> is the unit's exposure day, days since
//                            1970-01-01 UTC (floor), as the uint32 of an
//                            int32. "<experiment>\0" is an exact prefix of
//                            one experiment's cells. Without <segment> the
//                            cell counts every unit; with it, only the units
//                            that matched that persona segment at exposure.
//                            The reserved metric key "$units" (kUnitsMetric;
//                            real metric keys start with a letter or digit)
//                            counts exposed units in n, nothing else.
//
//   event record: byte 1, length-prefixed event_id, length-prefixed name,
//                 fixed64 big-endian IEEE-754 bits of value, varint64 time,
//                 length-prefixed properties JSON (empty for none).

// Returns the `events` key of one event. Errors: INVALID_ARGUMENT for a bad
// unit_type/unit_id (as ExposureUnitPrefix), an empty event_id, or
// time_micros < 0 ("time: must not be before 1970-01-01").
absl::StatusOr<std::string> EventKey(absl::string_view unit_type,
                                     absl::string_view unit_id,
                                     int64_t time_micros,
                                     absl::string_view event_id);

// Splits an `events` key (parts view `raw`). Returns false unless `raw` is
// "<non-empty>\0<non-empty>\0" followed by 8 time bytes encoding a time in
// [0, INT64_MAX] and a non-empty event id.
bool ParseEventKey(absl::string_view raw, absl::string_view* unit_type,
                   absl::string_view* unit_id, int64_t* time_micros,
                   absl::string_view* event_id);

// Returns the `dedup` key of an event id (the id itself).
std::string DedupKey(absl::string_view event_id);

// Returns the `assignments` key of a sticky assignment. Precondition
// (unchecked): experiment_key non-empty without NUL; bucket_version >= 0.
std::string StickyKey(absl::string_view experiment_key, int64_t bucket_version,
                      absl::string_view id);

// Returns the `unit_metrics` key of a unit, "<unit_type>\0<unit_id>\0".
// Precondition (unchecked; callers validate): neither part is empty or
// contains NUL.
std::string UnitStatesKey(absl::string_view unit_type,
                          absl::string_view unit_id);

// The segment recorded for a unit that matched no persona at exposure, so
// "visitors without a persona" have cells of their own (segment keys start
// with a letter or digit, so it cannot clash).
inline constexpr absl::string_view kNoPersonaSegment = "$none";

// The metric key of the cells counting exposed units.
inline constexpr absl::string_view kUnitsMetric = "$units";

// Returns the `aggregates` key of a cell; `segment` empty for all units.
// Preconditions (unchecked): experiment_key and metric_key are non-empty
// without NUL; segment has no NUL; variant_index >= 0; day fits in an int32.
std::string AggregateKey(absl::string_view experiment_key, int variant_index,
                         absl::string_view metric_key, int64_t day,
                         absl::string_view segment = {});

// Returns "<experiment_key>\0", the prefix of one experiment's cells.
std::string AggregateExperimentPrefix(absl::string_view experiment_key);

// Splits an `aggregates` key (parts view `raw`; `*segment` empty for an
// all-units cell). Returns false unless `raw` is well formed as documented
// above.
bool ParseAggregateKey(absl::string_view raw, absl::string_view* experiment_key,
                       int* variant_index, absl::string_view* metric_key,
                       int64_t* day, absl::string_view* segment);

// Days since 1970-01-01 UTC of `time_micros` (floor division).
int64_t DayNumber(int64_t time_micros);

}  // namespace cxlab::storage::keys

#endif  // CXLAB_STORAGE_KEYS_H_
