// Copyright 2026 The cxlab Authors.
//
// Tests for engine/semver.h: versions padded into strings whose plain
// (bytewise) order is the version order GrowthBook's $v* operators use.

#include "engine/semver.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace cxlab::engine {
namespace {

TEST(PaddedVersion, DocumentedExample) {
  EXPECT_EQ(PaddedVersion("v1.2.3+build"), "    1-    2-    3-~");
}

TEST(PaddedVersion, Forms) {
  EXPECT_EQ(PaddedVersion("1.2.3"), "    1-    2-    3-~");
  EXPECT_EQ(PaddedVersion("1.0.0"), "    1-    0-    0-~");
  EXPECT_EQ(PaddedVersion("1.0.0-beta"), "    1-    0-    0-beta");
  EXPECT_EQ(PaddedVersion("1.0.0-rc.1"), "    1-    0-    0-rc-    1");
  EXPECT_EQ(PaddedVersion("1.0.0-alpha.beta"), "    1-    0-    0-alpha-beta");
  EXPECT_EQ(PaddedVersion("10.20.30"), "   10-   20-   30-~");
  EXPECT_EQ(PaddedVersion("12345.0.0"), "12345-    0-    0-~");
  EXPECT_EQ(PaddedVersion("123456.0.0"), "123456-    0-    0-~");
  // Fewer or more than three release parts get no "~".
  EXPECT_EQ(PaddedVersion("1.2"), "    1-    2");
  EXPECT_EQ(PaddedVersion("7"), "    7");
  // An empty version means "0".
  EXPECT_EQ(PaddedVersion(""), "    0");
}

TEST(PaddedVersion, LeadingVAndBuildMetadataAreIgnored) {
  EXPECT_EQ(PaddedVersion("v1.2.3"), PaddedVersion("1.2.3"));
  EXPECT_EQ(PaddedVersion("1.2.3+build.5"), PaddedVersion("1.2.3"));
  EXPECT_EQ(PaddedVersion("1.2.3+exp.sha.5114f85"), PaddedVersion("1.2.3"));
  EXPECT_EQ(PaddedVersion("v1.0.0-rc.1+build.1"), PaddedVersion("1.0.0-rc.1"));
}

// Versions listed in increasing order; every pair must compare that way.
void ExpectIncreasing(const std::vector<std::string>& versions) {
  for (size_t i = 0; i < versions.size(); ++i) {
    for (size_t j = i + 1; j < versions.size(); ++j) {
      EXPECT_LT(PaddedVersion(versions[i]), PaddedVersion(versions[j]))
          << versions[i] << " should sort before " << versions[j];
    }
  }
}

TEST(PaddedVersion, PreReleaseOrdering) {
  // The SemVer 2.0.0 spec's example chain (item 11).
  ExpectIncreasing({"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta",
                    "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1",
                    "1.0.0"});
}

TEST(PaddedVersion, NumericPartsCompareNumerically) {
  ExpectIncreasing({"0.9.9", "1.0.0", "1.2.0", "1.2.9", "1.10.0", "2.0.0",
                    "10.0.0", "v11.0.0"});
}

TEST(PaddedVersion, EqualVersionsPadEqually) {
  EXPECT_EQ(PaddedVersion("v2.0.0+abc"), PaddedVersion("2.0.0+def"));
  EXPECT_NE(PaddedVersion("2.0.0"), PaddedVersion("2.0.0-rc.1"));
}

}  // namespace
}  // namespace cxlab::engine
