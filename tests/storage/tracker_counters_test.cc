// Copyright 2026 The cxlab Authors.
//
// Tracker::counters(): the cumulative exposure figures /metrics reads.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/config_manager.h"
#include "storage/database.h"
#include "storage/event_pipeline.h"
#include "storage/exposure_store.h"
#include "storage/tracker.h"
#include "tests/storage/test_util.h"

namespace cxlab::storage {
namespace {

using ::cxlab::storage_test::IsOk;
using ::cxlab::storage_test::IsOkAndHolds;
using ::cxlab::storage_test::TempDir;

const absl::Time kT0 = absl::FromUnixSeconds(1700000000);

ExposureRecord Exposure(const std::string& unit, int variant) {
  ExposureRecord r;
  r.unit_type = "user";
  r.unit_id = unit;
  r.experiment_key = "checkout";
  r.variant_index = variant;
  r.variant_key = variant == 0 ? "control" : "treatment";
  r.time = kT0;
  return r;
}

class TrackerCountersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<Database>> db = Database::Open(dir_.path());
    ASSERT_THAT(db, IsOk());
    db_ = *std::move(db);
    // An empty config: exposures of experiments the config does not know
    // are recorded all the same (only their metrics are not initialised).
    absl::StatusOr<std::unique_ptr<ConfigManager>> config =
        ConfigManager::Open(*db_);
    ASSERT_THAT(config, IsOk());
    config_ = *std::move(config);
    absl::StatusOr<std::unique_ptr<Tracker>> tracker =
        Tracker::Create(*db_, *config_, TrackerOptions());
    ASSERT_THAT(tracker, IsOk());
    tracker_ = *std::move(tracker);
  }

  TempDir dir_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<ConfigManager> config_;
  std::unique_ptr<Tracker> tracker_;
};

TEST_F(TrackerCountersTest, StartAtZero) {
  const TrackerCounters c = tracker_->counters();
  EXPECT_EQ(c.exposures_new, 0);
  EXPECT_EQ(c.exposure_repeats, 0);
  EXPECT_EQ(c.exposure_mismatches, 0);
  EXPECT_EQ(c.exposures_dropped, 0);
  EXPECT_EQ(c.exposures_queued, 0);
}

TEST_F(TrackerCountersTest, CountNewRepeatedAndMismatchedExposures) {
  // u1 first sees control, then control again, then treatment (a
  // mismatch: e.g. the weights changed); u2 first sees treatment.
  const std::vector<ExposureRecord> records = {
      Exposure("u1", 0), Exposure("u1", 0), Exposure("u1", 1),
      Exposure("u2", 1)};
  EXPECT_THAT(tracker_->RecordExposures(records), IsOkAndHolds(2));
  TrackerCounters c = tracker_->counters();
  EXPECT_EQ(c.exposures_new, 2);
  EXPECT_EQ(c.exposure_repeats, 1);
  EXPECT_EQ(c.exposure_mismatches, 1);

  // The asynchronous path of Assign counts the same way.
  tracker_->EnqueueExposures({Exposure("u2", 0), Exposure("u3", 0)});
  tracker_->EnqueueExposures({Exposure("u1", 1)});
  tracker_->Flush();
  c = tracker_->counters();
  EXPECT_EQ(c.exposures_new, 3);
  EXPECT_EQ(c.exposure_repeats, 1);
  EXPECT_EQ(c.exposure_mismatches, 3);
  EXPECT_EQ(c.exposures_dropped, 0);
  EXPECT_EQ(c.exposures_queued, 0);
}

TEST_F(TrackerCountersTest, InvalidBatchesCountNothing) {
  ExposureRecord bad = Exposure("", 0);  // empty unit id
  EXPECT_FALSE(tracker_->RecordExposures(absl::MakeConstSpan(&bad, 1)).ok());
  const TrackerCounters c = tracker_->counters();
  EXPECT_EQ(c.exposures_new + c.exposure_repeats + c.exposure_mismatches, 0);
}

TEST_F(TrackerCountersTest, CountQueuedExposuresThatCannotBeRecordedAsDropped) {
  // A bad record in a queued batch: the flusher retries one by one, records
  // the good ones and drops the bad one.
  tracker_->EnqueueExposures(
      {Exposure("u1", 0), Exposure("", 0), Exposure("u2", 1)});
  tracker_->Flush();
  TrackerCounters c = tracker_->counters();
  EXPECT_EQ(c.exposures_new, 2);
  EXPECT_EQ(c.exposures_dropped, 1);

  // With the database closed under it, everything queued is dropped.
  ASSERT_THAT(db_->Close(), IsOk());
  tracker_->EnqueueExposures({Exposure("u3", 0), Exposure("u4", 0)});
  tracker_->Flush();
  c = tracker_->counters();
  EXPECT_EQ(c.exposures_new, 2);
  EXPECT_EQ(c.exposures_dropped, 3);
  EXPECT_EQ(c.exposures_queued, 0);
}

TEST_F(TrackerCountersTest, PipelineCountersMatchTheStoreResults) {
  absl::StatusOr<std::unique_ptr<ExposureStore>> store =
      ExposureStore::Create(*db_, ExposureOptions());
  ASSERT_THAT(store, IsOk());
  EventPipeline pipeline(*db_, **store, PipelineOptions());
  const MetricCatalog catalog;  // no metrics
  const std::vector<ExposureRecord> records = {
      Exposure("a", 0), Exposure("a", 1), Exposure("a", 1), Exposure("b", 0),
      Exposure("b", 0)};
  EXPECT_THAT(pipeline.OnExposures(records, catalog), IsOkAndHolds(2));
  const PipelineCounters c = pipeline.counters();
  EXPECT_EQ(c.exposures_new, 2);
  EXPECT_EQ(c.exposure_repeats, 1);  // b again
  EXPECT_EQ(c.exposure_mismatches, 2);  // a as treatment, twice
}

}  // namespace
}  // namespace cxlab::storage
