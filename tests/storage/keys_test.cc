// Copyright 2026 The cxlab Authors.

#include "storage/keys.h"

#include <cstdint>
#include <limits>
#include <string>

#include "absl/strings/string_view.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cxlab::storage::keys {
namespace {

using ::testing::ElementsAre;

TEST(Keys, ColumnFamilies) {
  EXPECT_THAT(ColumnFamilies(),
              ElementsAre("config", "audit", "exposures", "events", "dedup",
                          "unit_metrics", "aggregates", "assignments",
                          "bandits"));
}

TEST(Keys, ObjectKeyLayout) {
  EXPECT_EQ(ObjectKey("experiment", "checkout"), "obj/experiment/checkout");
  EXPECT_EQ(ObjectKindPrefix("experiment"), "obj/experiment/");
  EXPECT_EQ(kConfigVersionKey, "meta/version");
}

TEST(Keys, ParseObjectKeyRoundTripsKeysWithSlashes) {
  absl::string_view kind;
  absl::string_view key;
  const std::string raw = ObjectKey("segment", "eu/vip");
  ASSERT_TRUE(ParseObjectKey(raw, &kind, &key));
  EXPECT_EQ(kind, "segment");
  EXPECT_EQ(key, "eu/vip");
}

TEST(Keys, ParseObjectKeyRejectsMalformedKeys) {
  absl::string_view kind;
  absl::string_view key;
  for (absl::string_view raw : {"", "obj/", "obj/kind", "obj/kind/", "obj//key",
                                "meta/version", "ob/kind/key"}) {
    EXPECT_FALSE(ParseObjectKey(raw, &kind, &key)) << raw;
  }
}

TEST(Keys, KindPrefixDoesNotMatchLongerKinds) {
  const std::string prefix = ObjectKindPrefix("exp");
  EXPECT_NE(ObjectKey("experiment", "a").rfind(prefix, 0), 0u);
  EXPECT_EQ(ObjectKey("exp", "a").rfind(prefix, 0), 0u);
}

TEST(Keys, AuditKeysSortByVersion) {
  EXPECT_EQ(AuditKey(1), std::string("\0\0\0\0\0\0\0\x01", 8));
  EXPECT_LT(AuditKey(255), AuditKey(256));
  EXPECT_LT(AuditKey(9), AuditKey(10));
  EXPECT_LT(AuditKey(1), AuditKey(std::numeric_limits<int64_t>::max()));
  int64_t version = 0;
  ASSERT_TRUE(ParseAuditKey(AuditKey(123456789), &version));
  EXPECT_EQ(version, 123456789);
  EXPECT_FALSE(ParseAuditKey("short", &version));
  EXPECT_FALSE(ParseAuditKey(std::string(8, '\xff'), &version));
}

TEST(Keys, PrefixSuccessor) {
  EXPECT_EQ(PrefixSuccessor("obj/"), "obj0");
  EXPECT_EQ(PrefixSuccessor(std::string("a\xff", 2)), "b");
  EXPECT_EQ(PrefixSuccessor(std::string("\xff\xff", 2)), "");
  EXPECT_EQ(PrefixSuccessor(""), "");
}

}  // namespace
}  // namespace cxlab::storage::keys
