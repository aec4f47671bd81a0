// Copyright 2026 The cxlab Authors.

#include "storage/bandit_store.h"

#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "engine/json.h"
#include "engine/status_macros.h"
#include "engine/value.h"
#include "rocksdb/db.h"
#include "storage/internal/db_handles.h"
#include "storage/internal/rocksdb_status.h"

namespace cxlab::storage {
namespace {

using engine::Value;
using internal::DbHandles;
using internal::FromRocksDbStatus;

constexpr char kBanditFormatV1 = 1;

Value ContextsToValue(const std::vector<BanditContext>& contexts) {
  Value out = Value::Array();
  for (const BanditContext& c : contexts) {
    Value o = Value::Object();
    o.Set("segment", Value(c.segment));
    Value weights = Value::Array(), units = Value::Array(),
          conversions = Value::Array();
    for (double w : c.weights) weights.mutable_items().push_back(Value(w));
    for (int64_t n : c.units) units.mutable_items().push_back(Value(n));
    for (int64_t n : c.conversions) {
      conversions.mutable_items().push_back(Value(n));
    }
    o.Set("weights", std::move(weights));
    o.Set("units", std::move(units));
    o.Set("conversions", std::move(conversions));
    out.mutable_items().push_back(std::move(o));
  }
  return out;
}

absl::Status Corrupt() {
  return absl::DataLossError("bandits: undecodable bandit state");
}

absl::StatusOr<double> NumberAt(const Value& o, absl::string_view key) {
  const Value* v = o.is_object() ? o.Find(key) : nullptr;
  if (v == nullptr || !v->is_number() || !std::isfinite(v->as_number())) {
    return Corrupt();
  }
  return v->as_number();
}

// `d` as an int64_t (truncated), or false when it is outside int64_t's range:
// casting such a double is undefined behaviour, and a stored record holding
// one is corrupt (found by tests/fuzz storage_decode).
bool ToInt64(double d, int64_t* out) {
  constexpr double kLimit = 9223372036854775808.0;  // 2^63
  if (!(d >= -kLimit && d < kLimit)) return false;
  *out = static_cast<int64_t>(d);
  return true;
}

// NumberAt as an int64_t; DATA_LOSS outside its range.
absl::StatusOr<int64_t> Int64At(const Value& o, absl::string_view key) {
  ASSIGN_OR_RETURN(double d, NumberAt(o, key));
  int64_t out = 0;
  if (!ToInt64(d, &out)) return Corrupt();
  return out;
}

absl::StatusOr<std::vector<BanditContext>> ContextsFromValue(const Value* v) {
  if (v == nullptr || !v->is_array()) return Corrupt();
  std::vector<BanditContext> out;
  for (const Value& o : v->items()) {
    const Value* segment = o.is_object() ? o.Find("segment") : nullptr;
    if (segment == nullptr || !segment->is_string()) return Corrupt();
    BanditContext c;
    c.segment = segment->as_string();
    for (const auto& [key, weights, ints] :
         {std::make_tuple("weights", &c.weights,
                          static_cast<std::vector<int64_t>*>(nullptr)),
          std::make_tuple("units", static_cast<std::vector<double>*>(nullptr),
                          &c.units),
          std::make_tuple("conversions",
                          static_cast<std::vector<double>*>(nullptr),
                          &c.conversions)}) {
      const Value* list = o.Find(key);
      if (list == nullptr || !list->is_array()) return Corrupt();
      for (const Value& x : list->items()) {
        if (!x.is_number() || !std::isfinite(x.as_number())) return Corrupt();
        if (weights != nullptr) weights->push_back(x.as_number());
        if (ints != nullptr) {
          int64_t n = 0;
          if (!ToInt64(x.as_number(), &n)) return Corrupt();
          ints->push_back(n);
        }
      }
    }
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace

std::string BanditStore::Encode(const BanditState& state) {
  Value o = Value::Object();
  o.Set("version", Value(state.version));
  o.Set("updated_at", Value(absl::ToUnixMicros(state.updated_at)));
  o.Set("contexts", ContextsToValue(state.contexts));
  Value history = Value::Array();
  const size_t skip = state.history.size() > kMaxBanditHistory
                          ? state.history.size() - kMaxBanditHistory
                          : 0;
  for (size_t i = skip; i < state.history.size(); ++i) {
    const BanditHistoryEntry& h = state.history[i];
    Value e = Value::Object();
    e.Set("version", Value(h.version));
    e.Set("time", Value(absl::ToUnixMicros(h.time)));
    e.Set("contexts", ContextsToValue(h.contexts));
    history.mutable_items().push_back(std::move(e));
  }
  o.Set("history", std::move(history));
  return std::string(1, kBanditFormatV1) + engine::ToJson(o);
}

absl::StatusOr<BanditState> BanditStore::Decode(absl::string_view bytes) {
  if (bytes.empty() || bytes[0] != kBanditFormatV1) return Corrupt();
  absl::StatusOr<Value> parsed = engine::ParseJson(bytes.substr(1));
  if (!parsed.ok() || !parsed->is_object()) return Corrupt();
  BanditState state;
  ASSIGN_OR_RETURN(state.version, Int64At(*parsed, "version"));
  ASSIGN_OR_RETURN(int64_t updated, Int64At(*parsed, "updated_at"));
  state.updated_at = absl::FromUnixMicros(updated);
  ASSIGN_OR_RETURN(state.contexts, ContextsFromValue(parsed->Find("contexts")));
  const Value* history = parsed->Find("history");
  if (history == nullptr || !history->is_array()) return Corrupt();
  for (const Value& e : history->items()) {
    BanditHistoryEntry h;
    ASSIGN_OR_RETURN(h.version, Int64At(e, "version"));
    ASSIGN_OR_RETURN(int64_t t, Int64At(e, "time"));
    h.time = absl::FromUnixMicros(t);
    ASSIGN_OR_RETURN(h.contexts, ContextsFromValue(e.Find("contexts")));
    state.history.push_back(std::move(h));
  }
  return state;
}

absl::StatusOr<std::optional<BanditState>> BanditStore::Load(
    absl::string_view experiment_key) const {
  std::optional<BanditState> out;
  RETURN_IF_ERROR(database_.WithHandles([&](const DbHandles& handles)
                                            -> absl::Status {
    std::string value;
    const rocksdb::Status s = handles.db->Get(
        rocksdb::ReadOptions(), handles.bandits,
        rocksdb::Slice(experiment_key.data(), experiment_key.size()), &value);
    if (s.IsNotFound()) return absl::OkStatus();
    RETURN_IF_ERROR(FromRocksDbStatus(s, "read bandit state"));
    ASSIGN_OR_RETURN(BanditState state, Decode(value));
    out = std::move(state);
    return absl::OkStatus();
  }));
  return out;
}

absl::Status BanditStore::Save(absl::string_view experiment_key,
                               const BanditState& state) {
  return database_.WithHandles([&](const DbHandles& handles) {
    return FromRocksDbStatus(
        handles.db->Put(rocksdb::WriteOptions(), handles.bandits,
                        rocksdb::Slice(experiment_key.data(),
                                       experiment_key.size()),
                        Encode(state)),
        "write bandit state");
  });
}

}  // namespace cxlab::storage
