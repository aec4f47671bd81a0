// Copyright 2026 The cxlab Authors.

#include "storage/exposure_store.h"

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/database.h"
#include "storage/keys.h"
#include "tests/storage/test_util.h"

namespace cxlab::storage {

// Equality and printing for test expectations (found by ADL).
bool operator==(const Exposure& a, const Exposure& b) {
  return std::tie(a.experiment_key, a.variant_index, a.variant_key,
                  a.first_seen, a.mismatches, a.last_mismatch_variant_key,
                  a.segments) ==
         std::tie(b.experiment_key, b.variant_index, b.variant_key,
                  b.first_seen, b.mismatches, b.last_mismatch_variant_key,
                  b.segments);
}

void PrintTo(const Exposure& e, std::ostream* os) {
  *os << "{" << e.experiment_key << " -> " << e.variant_index << " '"
      << e.variant_key << "' at " << e.first_seen << ", " << e.mismatches
      << " mismatches, last '" << e.last_mismatch_variant_key << "'}";
}

namespace {

using ::cxlab::storage_test::IsOk;
using ::cxlab::storage_test::IsOkAndHolds;
using ::cxlab::storage_test::StatusIs;
using ::cxlab::storage_test::TempDir;
using ::testing::ElementsAre;
using ::testing::Eq;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Optional;

// 2026-01-01T00:00:00Z plus `seconds` (and microseconds, which survive).
absl::Time T(int64_t seconds, int64_t micros = 0) {
  return absl::FromUnixSeconds(1767225600 + seconds) +
         absl::Microseconds(micros);
}

ExposureRecord Rec(const std::string& unit_id, const std::string& experiment,
                   int variant, absl::Time time = T(0),
                   const std::string& unit_type = "user") {
  ExposureRecord record;
  record.unit_type = unit_type;
  record.unit_id = unit_id;
  record.experiment_key = experiment;
  record.variant_index = variant;
  record.variant_key = absl::StrCat("v", variant);
  record.time = time;
  return record;
}

Exposure Expo(const std::string& experiment, int variant, absl::Time first_seen,
              int64_t mismatches = 0, const std::string& last_mismatch = "") {
  Exposure exposure;
  exposure.experiment_key = experiment;
  exposure.variant_index = variant;
  exposure.variant_key = absl::StrCat("v", variant);
  exposure.first_seen = first_seen;
  exposure.mismatches = mismatches;
  exposure.last_mismatch_variant_key = last_mismatch;
  return exposure;
}

MATCHER_P3(Counts, new_exposures, repeats, mismatches, "") {
  *result_listener << "new " << arg.new_exposures << ", repeats " << arg.repeats
                   << ", mismatches " << arg.mismatches;
  return arg.new_exposures == new_exposures && arg.repeats == repeats &&
         arg.mismatches == mismatches;
}

// A fresh database in its own temporary directory, with a store over it.
class ExposureStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }

  void Open() {
    absl::StatusOr<std::unique_ptr<Database>> db = Database::Open(dir_.path());
    ASSERT_THAT(db, IsOk());
    db_ = *std::move(db);
    absl::StatusOr<std::unique_ptr<ExposureStore>> store =
        ExposureStore::Create(*db_, ExposureOptions());
    ASSERT_THAT(store, IsOk());
    store_ = *std::move(store);
  }

  void Reopen() {
    store_.reset();
    ASSERT_THAT(db_->Close(), IsOk());
    db_.reset();
    Open();
  }

  absl::StatusOr<RecordResult> Record(std::vector<ExposureRecord> records) {
    return store_->Record(records);
  }

  TempDir dir_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<ExposureStore> store_;
};

TEST(ExposureKeys, LayoutAndParse) {
  using std::string_literals::operator""s;
  EXPECT_THAT(keys::ExposureKey("user", "u1", "exp"),
              IsOkAndHolds("user\0u1\0exp"s));
  EXPECT_THAT(keys::ExposureUnitPrefix("user", "u1"),
              IsOkAndHolds("user\0u1\0"s));
  absl::string_view unit_type;
  absl::string_view unit_id;
  absl::string_view experiment;
  const std::string raw = "device\0d-7\0checkout"s;  // Outlives the views.
  ASSERT_TRUE(keys::ParseExposureKey(raw, &unit_type, &unit_id, &experiment));
  EXPECT_EQ(unit_type, "device");
  EXPECT_EQ(unit_id, "d-7");
  EXPECT_EQ(experiment, "checkout");
  for (const std::string& bad :
       {"user"s, "user\0u1"s, "user\0u1\0"s, "\0u1\0e"s, "user\0\0e"s,
        "user\0u1\0e\0x"s, ""s}) {
    EXPECT_FALSE(keys::ParseExposureKey(bad, &unit_type, &unit_id, &experiment))
        << absl::CEscape(bad);
  }
  EXPECT_THAT(keys::ExposureKey("user", "u1", "e\0"s),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "experiment_key: must not contain NUL"));
  EXPECT_THAT(keys::ExposureUnitPrefix("user", ""),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "unit_id: must not be empty"));
}

TEST_F(ExposureStoreTest, EmptyStore) {
  EXPECT_THAT(store_->ForUnit("user", "u1"), IsOkAndHolds(IsEmpty()));
  EXPECT_THAT(store_->Get("user", "u1", "exp"), IsOkAndHolds(Eq(std::nullopt)));
  EXPECT_THAT(Record({}), IsOkAndHolds(Counts(0, 0, 0)));
  absl::StatusOr<ExposureCounts> counts = store_->CountByVariant("exp");
  ASSERT_THAT(counts, IsOk());
  EXPECT_THAT(counts->per_variant, IsEmpty());
  EXPECT_EQ(counts->mismatched_units, 0);
}

TEST_F(ExposureStoreTest, FirstExposureWins) {
  EXPECT_THAT(Record({Rec("u1", "exp", 1, T(10, 7))}),
              IsOkAndHolds(Counts(1, 0, 0)));
  EXPECT_THAT(store_->Get("user", "u1", "exp"),
              IsOkAndHolds(Optional(Expo("exp", 1, T(10, 7)))));
  // An earlier time recorded later does not replace the first exposure.
  EXPECT_THAT(Record({Rec("u1", "exp", 1, T(5))}),
              IsOkAndHolds(Counts(0, 1, 0)));
  EXPECT_THAT(store_->Get("user", "u1", "exp"),
              IsOkAndHolds(Optional(Expo("exp", 1, T(10, 7)))));
}

TEST_F(ExposureStoreTest, SegmentsOfTheFirstExposureAreKept) {
  ExposureRecord first = Rec("u1", "exp", 0, T(1));
  first.segments = {"families", "runners"};
  ASSERT_THAT(Record({first}), IsOk());
  // A later record (repeat or mismatch) does not change them.
  ExposureRecord later = Rec("u1", "exp", 1, T(2));
  later.segments = {"bargain_hunters"};
  ASSERT_THAT(Record({later}), IsOkAndHolds(Counts(0, 0, 1)));
  absl::StatusOr<std::optional<Exposure>> got = store_->Get("user", "u1", "exp");
  ASSERT_THAT(got, IsOk());
  ASSERT_TRUE(got->has_value());
  EXPECT_THAT((*got)->segments, ElementsAre("families", "runners"));
  ASSERT_THAT(Record({Rec("u2", "exp", 0, T(1))}), IsOk());
  EXPECT_THAT(store_->Get("user", "u2", "exp"),
              IsOkAndHolds(Optional(Field(&Exposure::segments, IsEmpty()))));
}

TEST_F(ExposureStoreTest, StickyAssignmentsFirstWinsPerBucketVersion) {
  EXPECT_THAT(store_->StickyVariant("exp", 0, "hash-u1"), IsOkAndHolds(-1));
  ExposureRecord first = Rec("u1", "exp", 2, T(1));
  first.bucket_version = 0;
  first.sticky_id = "hash-u1";
  ASSERT_THAT(Record({first}), IsOk());
  EXPECT_THAT(store_->StickyVariant("exp", 0, "hash-u1"), IsOkAndHolds(2));
  // A later assignment to another variant does not replace it.
  ExposureRecord later = first;
  later.variant_index = 0;
  ASSERT_THAT(Record({later}), IsOk());
  EXPECT_THAT(store_->StickyVariant("exp", 0, "hash-u1"), IsOkAndHolds(2));
  // Another bucket version is a separate assignment.
  later.bucket_version = 1;
  ASSERT_THAT(Record({later}), IsOk());
  EXPECT_THAT(store_->StickyVariant("exp", 1, "hash-u1"), IsOkAndHolds(0));
  EXPECT_THAT(store_->StickyVariant("exp", 0, "hash-u1"), IsOkAndHolds(2));
  // Records without a bucket version store nothing sticky.
  ASSERT_THAT(Record({Rec("u2", "exp", 1, T(1))}), IsOk());
  EXPECT_THAT(store_->StickyVariant("exp", 0, "u2"), IsOkAndHolds(-1));
}

TEST_F(ExposureStoreTest, TimeIsStoredToTheMicrosecond) {
  EXPECT_THAT(Record({Rec("u1", "exp", 0, T(1, 5) + absl::Nanoseconds(999))}),
              IsOk());
  EXPECT_THAT(store_->Get("user", "u1", "exp"),
              IsOkAndHolds(Optional(Field(&Exposure::first_seen, T(1, 5)))));
}

TEST_F(ExposureStoreTest, RepeatWritesNothingNew) {
  ASSERT_THAT(Record({Rec("u1", "exp", 2, T(1))}), IsOk());
  EXPECT_THAT(Record({Rec("u1", "exp", 2, T(2))}),
              IsOkAndHolds(Counts(0, 1, 0)));
  EXPECT_THAT(Record({Rec("u1", "exp", 2, T(3))}),
              IsOkAndHolds(Counts(0, 1, 0)));
  EXPECT_THAT(store_->ForUnit("user", "u1"),
              IsOkAndHolds(ElementsAre(Expo("exp", 2, T(1)))));
}

TEST_F(ExposureStoreTest, MismatchIsCountedAndFirstKept) {
  ASSERT_THAT(Record({Rec("u1", "exp", 0, T(1))}), IsOk());
  EXPECT_THAT(Record({Rec("u1", "exp", 1, T(2))}),
              IsOkAndHolds(Counts(0, 0, 1)));
  EXPECT_THAT(store_->Get("user", "u1", "exp"),
              IsOkAndHolds(Optional(Expo("exp", 0, T(1), 1, "v1"))));
  // Another mismatch remembers the newest variant; a repeat of the first
  // variant changes nothing.
  EXPECT_THAT(Record({Rec("u1", "exp", 2, T(3))}),
              IsOkAndHolds(Counts(0, 0, 1)));
  EXPECT_THAT(Record({Rec("u1", "exp", 0, T(4))}),
              IsOkAndHolds(Counts(0, 1, 0)));
  EXPECT_THAT(store_->Get("user", "u1", "exp"),
              IsOkAndHolds(Optional(Expo("exp", 0, T(1), 2, "v2"))));
}

TEST_F(ExposureStoreTest, DuplicatesInOneBatchApplyInOrder) {
  EXPECT_THAT(Record({Rec("u1", "exp", 1, T(5)), Rec("u1", "exp", 1, T(1)),
                      Rec("u1", "exp", 0, T(2)), Rec("u2", "exp", 0, T(3)),
                      Rec("u1", "exp", 2, T(4)), Rec("u1", "other", 0, T(6)),
                      Rec("u2", "exp", 0, T(7))}),
              IsOkAndHolds(Counts(3, 2, 2)));
  EXPECT_THAT(store_->ForUnit("user", "u1"),
              IsOkAndHolds(ElementsAre(Expo("exp", 1, T(5), 2, "v2"),
                                       Expo("other", 0, T(6)))));
  EXPECT_THAT(store_->ForUnit("user", "u2"),
              IsOkAndHolds(ElementsAre(Expo("exp", 0, T(3)))));
  // A later batch continues from the stored state.
  EXPECT_THAT(Record({Rec("u1", "exp", 0, T(9)), Rec("u1", "exp", 1, T(9))}),
              IsOkAndHolds(Counts(0, 1, 1)));
  EXPECT_THAT(store_->Get("user", "u1", "exp"),
              IsOkAndHolds(Optional(Expo("exp", 1, T(5), 3, "v0"))));
}

TEST_F(ExposureStoreTest, ForUnitIsolatesUnitsByPrefix) {
  ASSERT_THAT(Record({Rec("a", "e2", 0, T(1)), Rec("a", "e1", 1, T(2)),
                      Rec("ab", "e1", 0, T(3)), Rec("b", "e1", 0, T(4)),
                      Rec("a", "e1", 0, T(5), "device"),
                      Rec("a", "e3", 1, T(6), "user2")}),
              IsOkAndHolds(Counts(6, 0, 0)));
  // Sorted by experiment key.
  EXPECT_THAT(
      store_->ForUnit("user", "a"),
      IsOkAndHolds(ElementsAre(Expo("e1", 1, T(2)), Expo("e2", 0, T(1)))));
  EXPECT_THAT(store_->ForUnit("user", "ab"),
              IsOkAndHolds(ElementsAre(Expo("e1", 0, T(3)))));
  EXPECT_THAT(store_->ForUnit("device", "a"),
              IsOkAndHolds(ElementsAre(Expo("e1", 0, T(5)))));
  EXPECT_THAT(store_->ForUnit("user2", "a"),
              IsOkAndHolds(ElementsAre(Expo("e3", 1, T(6)))));
  EXPECT_THAT(store_->ForUnit("device", "ab"), IsOkAndHolds(IsEmpty()));
  EXPECT_THAT(store_->ForUnit("use", "a"), IsOkAndHolds(IsEmpty()));
  EXPECT_THAT(store_->Get("device", "a", "e2"), IsOkAndHolds(Eq(std::nullopt)));
  EXPECT_THAT(store_->Get("user", "a", "e"), IsOkAndHolds(Eq(std::nullopt)));
}

TEST_F(ExposureStoreTest, ReopenKeepsEverything) {
  ASSERT_THAT(Record({Rec("u1", "exp", 0, T(1, 3)), Rec("u1", "exp", 1, T(2)),
                      Rec("u2", "exp", 1, T(3)), Rec("u1", "other", 2, T(4))}),
              IsOk());
  Reopen();
  EXPECT_THAT(store_->ForUnit("user", "u1"),
              IsOkAndHolds(ElementsAre(Expo("exp", 0, T(1, 3), 1, "v1"),
                                       Expo("other", 2, T(4)))));
  EXPECT_THAT(store_->Get("user", "u2", "exp"),
              IsOkAndHolds(Optional(Expo("exp", 1, T(3)))));
  // The reopened store continues from the stored state.
  EXPECT_THAT(Record({Rec("u2", "exp", 1, T(9)), Rec("u2", "exp", 0, T(9))}),
              IsOkAndHolds(Counts(0, 1, 1)));
}

TEST_F(ExposureStoreTest, SyncOptionWritesDurably) {
  ExposureOptions options;
  options.sync = true;
  absl::StatusOr<std::unique_ptr<ExposureStore>> synced =
      ExposureStore::Create(*db_, options);
  ASSERT_THAT(synced, IsOk());
  const std::vector<ExposureRecord> records = {Rec("u1", "exp", 0, T(1))};
  EXPECT_THAT((*synced)->Record(records), IsOkAndHolds(Counts(1, 0, 0)));
  synced->reset();
  Reopen();
  EXPECT_THAT(store_->Get("user", "u1", "exp"),
              IsOkAndHolds(Optional(Expo("exp", 0, T(1)))));
}

TEST_F(ExposureStoreTest, ConcurrentRecordsKeepOneFirstExposure) {
  constexpr int kThreads = 8;
  constexpr int kBatches = 60;
  constexpr int kBatchSize = 10;
  constexpr int kUnits = 40;
  constexpr int kVariants = 3;
  const std::vector<std::string> experiments = {"e1", "e2"};

  std::atomic<int64_t> new_exposures{0};
  std::atomic<int64_t> repeats{0};
  std::atomic<int64_t> mismatches{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      // A deterministic per-thread sequence over overlapping units.
      uint64_t state = 0x9e3779b97f4a7c15ULL * static_cast<uint64_t>(t + 1);
      auto next = [&state] {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        return state;
      };
      for (int b = 0; b < kBatches; ++b) {
        std::vector<ExposureRecord> batch;
        for (int i = 0; i < kBatchSize; ++i) {
          batch.push_back(Rec(absl::StrCat("u", next() % kUnits),
                              experiments[next() % experiments.size()],
                              static_cast<int>(next() % kVariants),
                              T(t * 1000 + b * kBatchSize + i),
                              next() % 4 == 0 ? "device" : "user"));
        }
        absl::StatusOr<RecordResult> result = store_->Record(batch);
        if (!result.ok()) {
          ++failures;
          continue;
        }
        new_exposures += result->new_exposures;
        repeats += result->repeats;
        mismatches += result->mismatches;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  ASSERT_EQ(failures.load(), 0);

  const int64_t total = int64_t{kThreads} * kBatches * kBatchSize;
  EXPECT_EQ(new_exposures + repeats + mismatches, total);

  // Exactly one exposure per (unit, experiment) recorded, and the stored
  // mismatch counts add up to the mismatches reported (no lost update).
  int64_t stored = 0;
  int64_t stored_mismatches = 0;
  int64_t counted = 0;
  for (const std::string& experiment : experiments) {
    std::map<std::pair<std::string, std::string>, int> seen;
    ASSERT_THAT(store_->ForEachExposure(
                    experiment,
                    [&](const std::string& unit_type,
                        const std::string& unit_id, const Exposure& exposure) {
                      ++seen[{unit_type, unit_id}];
                      ++stored;
                      stored_mismatches += exposure.mismatches;
                      return true;
                    }),
                IsOk());
    for (const auto& [unit, n] : seen) EXPECT_EQ(n, 1);
    absl::StatusOr<ExposureCounts> counts = store_->CountByVariant(experiment);
    ASSERT_THAT(counts, IsOk());
    for (int64_t n : counts->per_variant) counted += n;
  }
  EXPECT_EQ(stored, new_exposures.load());
  EXPECT_EQ(counted, new_exposures.load());
  EXPECT_EQ(stored_mismatches, mismatches.load());
  EXPECT_GT(repeats.load(), 0);
  EXPECT_GT(mismatches.load(), 0);
}

TEST_F(ExposureStoreTest, CountByVariant) {
  ASSERT_THAT(
      Record({Rec("u1", "exp", 0), Rec("u2", "exp", 2), Rec("u3", "exp", 2),
              Rec("u4", "exp", 0, T(0), "device"), Rec("u5", "other", 5),
              Rec("u2", "exp", 1), Rec("u2", "exp", 0),
              Rec("u4", "exp", 1, T(0), "device"), Rec("u3", "exp", 2)}),
      IsOkAndHolds(Counts(5, 1, 3)));
  absl::StatusOr<ExposureCounts> counts = store_->CountByVariant("exp");
  ASSERT_THAT(counts, IsOk());
  EXPECT_THAT(counts->per_variant, ElementsAre(2, 0, 2));
  EXPECT_EQ(counts->mismatched_units, 2);

  counts = store_->CountByVariant("other");
  ASSERT_THAT(counts, IsOk());
  EXPECT_THAT(counts->per_variant, ElementsAre(0, 0, 0, 0, 0, 1));
  EXPECT_EQ(counts->mismatched_units, 0);

  counts = store_->CountByVariant("ex");  // A prefix is another experiment.
  ASSERT_THAT(counts, IsOk());
  EXPECT_THAT(counts->per_variant, IsEmpty());
}

TEST_F(ExposureStoreTest, ForEachExposureFiltersAndStops) {
  ASSERT_THAT(Record({Rec("u2", "exp", 1, T(2)), Rec("u1", "exp", 0, T(1)),
                      Rec("u1", "exp2", 0), Rec("u3", "ex", 0),
                      Rec("u0", "exp", 2, T(3), "device")}),
              IsOk());
  std::vector<std::tuple<std::string, std::string, Exposure>> seen;
  auto collect = [&seen](const std::string& unit_type,
                         const std::string& unit_id, const Exposure& exposure) {
    seen.emplace_back(unit_type, unit_id, exposure);
    return true;
  };
  ASSERT_THAT(store_->ForEachExposure("exp", collect), IsOk());
  // Ordered by unit type, then unit id.
  EXPECT_THAT(seen,
              ElementsAre(std::make_tuple("device", "u0", Expo("exp", 2, T(3))),
                          std::make_tuple("user", "u1", Expo("exp", 0, T(1))),
                          std::make_tuple("user", "u2", Expo("exp", 1, T(2)))));

  int calls = 0;
  ASSERT_THAT(store_->ForEachExposure(
                  "exp", [&calls](const std::string&, const std::string&,
                                  const Exposure&) { return ++calls < 2; }),
              IsOk());
  EXPECT_EQ(calls, 2);

  seen.clear();
  ASSERT_THAT(store_->ForEachExposure("missing", collect), IsOk());
  EXPECT_THAT(seen, IsEmpty());
}

TEST_F(ExposureStoreTest, BadInputWritesNothing) {
  struct Case {
    ExposureRecord bad;
    std::string message;
  };
  std::vector<Case> cases;
  ExposureRecord r = Rec("u1", "exp", 0);
  r.unit_id = "";
  cases.push_back({r, "records[3].unit_id: must not be empty"});
  r = Rec("u1", "exp", 0);
  r.unit_id = std::string("u\0x", 3);
  cases.push_back({r, "records[3].unit_id: must not contain NUL"});
  r = Rec("u1", "exp", 0);
  r.unit_type = "";
  cases.push_back({r, "records[3].unit_type: must not be empty"});
  r = Rec("u1", "exp", 0);
  r.unit_type = std::string("us\0er", 5);
  cases.push_back({r, "records[3].unit_type: must not contain NUL"});
  r = Rec("u1", "", 0);
  cases.push_back({r, "records[3].experiment_key: must not be empty"});
  r = Rec("u1", std::string("e\0", 2), 0);
  cases.push_back({r, "records[3].experiment_key: must not contain NUL"});
  r = Rec("u1", "exp", -1);
  cases.push_back({r, "records[3].variant_index: must be >= 0, got -1"});
  r = Rec("u1", "exp", 0, absl::InfiniteFuture());
  cases.push_back({r, "records[3].time: must be finite"});
  r = Rec("u1", "exp", 0, absl::InfinitePast());
  cases.push_back({r, "records[3].time: must be finite"});
  r = Rec("u1", "exp", 0);
  r.segments = {"runners", ""};
  cases.push_back({r, "records[3].segments[1]: must be non-empty without NUL"});

  for (const Case& c : cases) {
    EXPECT_THAT(Record({Rec("u1", "exp", 0), Rec("u2", "exp", 1),
                        Rec("u1", "exp", 1), c.bad, Rec("u3", "exp", 0)}),
                StatusIs(absl::StatusCode::kInvalidArgument, c.message));
  }
  EXPECT_THAT(store_->ForUnit("user", "u1"), IsOkAndHolds(IsEmpty()));
  EXPECT_THAT(store_->ForUnit("user", "u2"), IsOkAndHolds(IsEmpty()));
  absl::StatusOr<ExposureCounts> counts = store_->CountByVariant("exp");
  ASSERT_THAT(counts, IsOk());
  EXPECT_THAT(counts->per_variant, IsEmpty());

  // A variant key may hold any bytes, NUL included.
  r = Rec("u1", "exp", 0);
  r.variant_key = std::string("a\0b", 3);
  EXPECT_THAT(Record({r}), IsOkAndHolds(Counts(1, 0, 0)));
  EXPECT_THAT(store_->Get("user", "u1", "exp"),
              IsOkAndHolds(Optional(
                  Field(&Exposure::variant_key, std::string("a\0b", 3)))));
}

TEST_F(ExposureStoreTest, ReadsValidateArguments) {
  EXPECT_THAT(store_->ForUnit("", "u1"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "unit_type: must not be empty"));
  EXPECT_THAT(store_->ForUnit("user", std::string("u\0", 2)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "unit_id: must not contain NUL"));
  EXPECT_THAT(store_->Get("user", "u1", ""),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "experiment_key: must not be empty"));
  EXPECT_THAT(store_->CountByVariant(std::string("e\0", 2)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("experiment_key")));
  EXPECT_THAT(
      store_->ForEachExposure("", [](const std::string&, const std::string&,
                                     const Exposure&) { return true; }),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("experiment_key")));
}

TEST_F(ExposureStoreTest, ClosedDatabase) {
  ASSERT_THAT(Record({Rec("u1", "exp", 0)}), IsOk());
  ASSERT_THAT(db_->Close(), IsOk());
  const auto kFailed = absl::StatusCode::kFailedPrecondition;
  EXPECT_THAT(Record({Rec("u1", "exp", 0)}), StatusIs(kFailed));
  EXPECT_THAT(Record({}), StatusIs(kFailed));
  EXPECT_THAT(store_->ForUnit("user", "u1"), StatusIs(kFailed));
  EXPECT_THAT(store_->Get("user", "u1", "exp"), StatusIs(kFailed));
  EXPECT_THAT(store_->CountByVariant("exp"), StatusIs(kFailed));
  EXPECT_THAT(
      store_->ForEachExposure("exp", [](const std::string&, const std::string&,
                                        const Exposure&) { return true; }),
      StatusIs(kFailed));
  EXPECT_THAT(ExposureStore::Create(*db_, ExposureOptions()),
              StatusIs(kFailed));
}

}  // namespace
}  // namespace cxlab::storage
