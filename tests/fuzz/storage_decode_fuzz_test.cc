// Copyright 2026 The cxlab Authors.
//
// Fuzz target "storage_decode": every decoder of bytes read back from
// RocksDB, as if the database held arbitrary (corrupt) data: the
// `aggregates` merge operator (storage/aggregates_merge.h) over
// SufficientStats operands, UnitMetricState and UnitStates records
// (storage/unit_states.h), bandit state records (storage/bandit_store.h),
// the key parsers (storage/keys.h) and the primitive codings
// (storage/coding.h).
//
// Input: a first byte choosing the decoder, then its bytes:
//
//   'M'  merge: a flags byte (bit 0: an existing value is present), then
//        operands of SufficientStats::kEncodedSize bytes each (the last
//        one may be short); the first is the existing value when flagged
//   'S'  one UnitMetricState record
//   'U'  one UnitStates record
//   'B'  one bandit state record
//   'K'  one key, given to every key parser
//   'C'  a script for the coding.h decoders: each byte picks Get* calls
//        on the rest
//   else every decoder above on the whole input.
//
// Properties checked besides "no crash, no sanitizer report":
//   - the merge fails exactly when some operand does not decode, and
//     otherwise equals SufficientStats::Add over the operands, both as a
//     full merge and as a chain of partial merges;
//   - whatever decodes re-encodes to something that decodes to the same
//     value (and, for keys, re-encodes to the same bytes).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/metrics.h"
#include "rocksdb/merge_operator.h"
#include "rocksdb/slice.h"
#include "storage/aggregates_merge.h"
#include "storage/bandit_store.h"
#include "storage/coding.h"
#include "storage/keys.h"
#include "storage/unit_states.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

namespace engine = cxlab::engine;
namespace storage = cxlab::storage;
using engine::SufficientStats;

void FuzzMerge(absl::string_view bytes) {
  static const std::shared_ptr<rocksdb::MergeOperator> op =
      storage::internal::NewSufficientStatsMergeOperator();
  if (bytes.empty()) return;
  const bool has_existing = (bytes[0] & 1) != 0;
  bytes.remove_prefix(1);
  std::vector<rocksdb::Slice> chunks;
  while (!bytes.empty() && chunks.size() < 64) {
    const size_t n = std::min(bytes.size(), SufficientStats::kEncodedSize);
    chunks.emplace_back(bytes.data(), n);
    bytes.remove_prefix(n);
  }
  if (chunks.empty()) return;
  const rocksdb::Slice* existing = has_existing ? &chunks[0] : nullptr;
  const std::vector<rocksdb::Slice> operands(
      chunks.begin() + (has_existing ? 1 : 0), chunks.end());
  if (operands.empty()) return;

  // The expected result: Decode + Add, left to right.
  SufficientStats expected;
  bool decodes = true;
  for (const rocksdb::Slice& s : chunks) {
    SufficientStats x;
    if (!SufficientStats::Decode(absl::string_view(s.data(), s.size()), &x)) {
      decodes = false;
      break;
    }
    expected.Add(x);
  }

  const rocksdb::Slice key("exp\0", 4);
  std::string merged;
  rocksdb::Slice existing_operand;
  rocksdb::MergeOperator::MergeOperationOutput out(merged, existing_operand);
  const bool ok = op->FullMergeV2(
      rocksdb::MergeOperator::MergeOperationInput(key, existing, operands,
                                                  nullptr),
      &out);
  FUZZ_CHECK(ok == decodes, "full merge succeeded on undecodable operands, "
                            "or failed on decodable ones");
  if (!ok) return;
  SufficientStats result;
  FUZZ_CHECK(SufficientStats::Decode(merged, &result),
             "merge wrote an undecodable value");
  FUZZ_CHECK(result.Encode() == expected.Encode(),
             "full merge differs from Add");

  // Partial merges of the operands, left to right, then a full merge of
  // the one combined operand.
  std::string combined(operands[0].data(), operands[0].size());
  for (size_t i = 1; i < operands.size(); ++i) {
    std::string next;
    FUZZ_CHECK(op->PartialMerge(key, combined, operands[i], &next, nullptr),
               "partial merge failed on decodable operands");
    combined = std::move(next);
  }
  std::string merged2;
  rocksdb::MergeOperator::MergeOperationOutput out2(merged2, existing_operand);
  const std::vector<rocksdb::Slice> one = {rocksdb::Slice(combined)};
  FUZZ_CHECK(op->FullMergeV2(rocksdb::MergeOperator::MergeOperationInput(
                                 key, existing, one, nullptr),
                             &out2),
             "full merge of a partial merge failed");
  SufficientStats result2;
  FUZZ_CHECK(SufficientStats::Decode(merged2, &result2),
             "merge wrote an undecodable value");
  // Floating-point addition is not associative: only n must agree exactly.
  FUZZ_CHECK(result2.n == result.n, "partial merges changed n");
}

void FuzzUnitMetricState(absl::string_view bytes) {
  engine::UnitMetricState s;
  if (!engine::UnitMetricState::Decode(bytes, &s)) return;
  FUZZ_CHECK(s.Encode() == bytes, "UnitMetricState re-encodes differently");
}

void FuzzUnitStates(absl::string_view bytes) {
  storage::UnitStates states;
  if (!storage::UnitStates::Decode(bytes, &states)) return;
  const std::string again = states.Encode();
  storage::UnitStates back;
  FUZZ_CHECK(storage::UnitStates::Decode(again, &back),
             "UnitStates cannot decode its own encoding");
  FUZZ_CHECK(back.Encode() == again, "UnitStates round trip differs");
  for (const storage::UnitStates::Entry& e : states.entries()) {
    const engine::UnitMetricState* found =
        states.Find(e.experiment_key, e.metric_key);
    FUZZ_CHECK(found != nullptr, "a decoded entry cannot be found");
  }
  if (!states.empty()) {
    const std::string first = states.entries()[0].experiment_key;
    const size_t erased = states.EraseExperiment(first);
    FUZZ_CHECK(erased >= 1, "EraseExperiment erased nothing");
  }
}

void FuzzBandit(absl::string_view bytes) {
  absl::StatusOr<storage::BanditState> state =
      storage::BanditStore::Decode(bytes);
  if (!state.ok()) return;
  const std::string again = storage::BanditStore::Encode(*state);
  absl::StatusOr<storage::BanditState> back =
      storage::BanditStore::Decode(again);
  FUZZ_CHECK(back.ok(), "bandit state cannot decode its own encoding");
  FUZZ_CHECK(storage::BanditStore::Encode(*back) == again,
             "bandit state round trip differs");
}

void FuzzKeys(absl::string_view raw) {
  namespace keys = storage::keys;
  absl::string_view a, b, c;
  if (keys::ParseObjectKey(raw, &a, &b)) {
    FUZZ_CHECK(keys::ObjectKey(a, b) == raw, "object key round trip");
  }
  int64_t version = 0;
  if (keys::ParseAuditKey(raw, &version)) {
    FUZZ_CHECK(keys::AuditKey(version) == raw, "audit key round trip");
  }
  if (keys::ParseExposureKey(raw, &a, &b, &c)) {
    absl::StatusOr<std::string> k = keys::ExposureKey(a, b, c);
    FUZZ_CHECK(k.ok() && *k == raw, "exposure key round trip");
  }
  int64_t micros = 0;
  if (keys::ParseEventKey(raw, &a, &b, &micros, &c)) {
    absl::StatusOr<std::string> k = keys::EventKey(a, b, micros, c);
    FUZZ_CHECK(k.ok() && *k == raw, "event key round trip");
    (void)keys::DayNumber(micros);
  }
  int variant = 0;
  int64_t day = 0;
  absl::string_view segment;
  if (keys::ParseAggregateKey(raw, &a, &variant, &b, &day, &segment)) {
    FUZZ_CHECK(keys::AggregateKey(a, variant, b, day, segment) == raw,
               "aggregate key round trip");
  }
  (void)keys::PrefixSuccessor(raw);
}

void FuzzCoding(absl::string_view bytes) {
  cxlab::fuzz::FuzzInput script(
      reinterpret_cast<const uint8_t*>(bytes.data()),
      std::min<size_t>(bytes.size(), 8));
  absl::string_view in = bytes.substr(std::min<size_t>(bytes.size(), 8));
  while (script.remaining() > 0) {
    const uint8_t op = script.Byte();
    uint64_t v = 0;
    absl::string_view s;
    absl::string_view before = in;
    switch (op % 3) {
      case 0:
        if (storage::GetVarint64(&in, &v)) {
          std::string again;
          storage::PutVarint64(&again, v);
          FUZZ_CHECK(again.size() == storage::VarintLength(v),
                     "VarintLength disagrees with PutVarint64");
          FUZZ_CHECK(before.size() - in.size() >= again.size(),
                     "a varint decoded from fewer bytes than it needs");
        }
        break;
      case 1:
        if (storage::GetFixed64BigEndian(&in, &v)) {
          FUZZ_CHECK(storage::EncodeFixed64BigEndian(v) == before.substr(0, 8),
                     "fixed64 round trip");
        }
        break;
      default:
        if (storage::GetLengthPrefixed(&in, &s)) {
          FUZZ_CHECK(s.data() >= before.data() &&
                         s.data() + s.size() <= before.data() + before.size(),
                     "length-prefixed value outside the input");
        }
        break;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0 || size > 64 * 1024) return 0;
  const absl::string_view all(reinterpret_cast<const char*>(data), size);
  const absl::string_view rest = all.substr(1);
  switch (data[0]) {
    case 'M':
      FuzzMerge(rest);
      break;
    case 'S':
      FuzzUnitMetricState(rest);
      break;
    case 'U':
      FuzzUnitStates(rest);
      break;
    case 'B':
      FuzzBandit(rest);
      break;
    case 'K':
      FuzzKeys(rest);
      break;
    case 'C':
      FuzzCoding(rest);
      break;
    default:
      FuzzMerge(all);
      FuzzUnitMetricState(all);
      FuzzUnitStates(all);
      FuzzBandit(all);
      FuzzKeys(all);
      FuzzCoding(all);
      break;
  }
  return 0;
}
