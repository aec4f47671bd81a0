// Copyright 2026 The cxlab Authors.
//
// Storage-internal: the merge operator of the `aggregates` column family
// (storage/keys.h). Each operand and each stored value is an
// engine::SufficientStats::Encode(); merging adds them field-wise
// (engine::SufficientStats::Add), so a WriteBatch can Merge a unit's delta
// into its cell without reading it. Included only by storage/*.cc; it names
// RocksDB's type by forward declaration only, so it pulls in no RocksDB
// header.

#ifndef CXLAB_STORAGE_AGGREGATES_MERGE_H_
#define CXLAB_STORAGE_AGGREGATES_MERGE_H_

#include <memory>

#include "absl/strings/string_view.h"

namespace rocksdb {
class MergeOperator;
}  // namespace rocksdb

namespace cxlab::storage::internal {

// Name RocksDB records for the operator; a database written with it must be
// reopened with an operator of the same name.
inline constexpr absl::string_view kSufficientStatsMergeOperatorName =
    "cxlab.SufficientStatsAdd";

// Returns the associative "cxlab.SufficientStatsAdd" operator: existing +
// operand via SufficientStats::Decode/Add/Encode (a missing existing value is
// all zeros). An operand or existing value that does not decode makes the
// merge fail, which RocksDB reports as Corruption (DATA_LOSS through
// FromRocksDbStatus). Thread-safe and stateless.
std::shared_ptr<rocksdb::MergeOperator> NewSufficientStatsMergeOperator();

}  // namespace cxlab::storage::internal

#endif  // CXLAB_STORAGE_AGGREGATES_MERGE_H_
