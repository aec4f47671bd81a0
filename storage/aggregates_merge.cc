// Copyright 2026 The cxlab Authors.

#include "storage/aggregates_merge.h"

#include <memory>
#include <string>

#include "engine/metrics.h"
#include "rocksdb/merge_operator.h"
#include "rocksdb/slice.h"

namespace cxlab::storage::internal {
namespace {

class SufficientStatsAddOperator : public rocksdb::AssociativeMergeOperator {
 public:
  bool Merge(const rocksdb::Slice& /*key*/,
             const rocksdb::Slice* existing_value,
             const rocksdb::Slice& value, std::string* new_value,
             rocksdb::Logger* /*logger*/) const override {
    engine::SufficientStats total;
    if (existing_value != nullptr &&
        !engine::SufficientStats::Decode(
            absl::string_view(existing_value->data(), existing_value->size()),
            &total)) {
      return false;
    }
    engine::SufficientStats operand;
    if (!engine::SufficientStats::Decode(
            absl::string_view(value.data(), value.size()), &operand)) {
      return false;
    }
    total.Add(operand);
    *new_value = total.Encode();
    return true;
  }

  const char* Name() const override {
    return kSufficientStatsMergeOperatorName.data();
  }
};

}  // namespace

std::shared_ptr<rocksdb::MergeOperator> NewSufficientStatsMergeOperator() {
  return std::make_shared<SufficientStatsAddOperator>();
}

}  // namespace cxlab::storage::internal
