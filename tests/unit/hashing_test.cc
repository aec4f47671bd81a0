// Copyright 2026 The cxlab Authors.
//
// Golden vectors for the assignment hash. These values are pinned FOREVER:
// changing any of them reshuffles every visitor of every experiment. They
// were computed independently with Debian's python3-xxhash and are repeated
// in docs/hashing.md (tests/unit/check_hashing_doc.py keeps the two equal).

#include "engine/hashing.h"

#include <cstdint>

#include "gtest/gtest.h"

namespace cxlab::engine {
namespace {

struct Golden {
  const char* salt;
  const char* unit_id;
  uint64_t seed;
  uint64_t hash;
  double position;
};

constexpr Golden kGolden[] = {
    {"checkout_redesign", "visitor-42", 0x86c013013d9d386dULL,
     0x5d6b592c7e38fa81ULL, 0.36491925560241956},
    {"checkout_redesign", "visitor-43", 0x86c013013d9d386dULL,
     0x826eeff589c43c64ULL, 0.5095052694757819},
    {"checkout_redesign", "", 0x86c013013d9d386dULL, 0x0ca56b67cb801c90ULL,
     0.04939910205894227},
    {"hero_banner", "u1", 0x9b0393c0758236ffULL, 0xd812e92d47530e14ULL,
     0.8440385566276057},
    {"hero_banner", "u2", 0x9b0393c0758236ffULL, 0x95d32837219a9720ULL,
     0.5852532515142264},
    {"hero_banner", "123", 0x9b0393c0758236ffULL, 0x37b17f14ff977898ULL,
     0.21755213034302112},
    {"free_shipping_threshold", "user-0001", 0xabb34330735ccb15ULL,
     0x94270718ae9c0566ULL, 0.5787205157526927},
    {"pricing", "user-0001", 0xe55e3967b509b19fULL, 0x2ebbe2790c7e0ddaULL,
     0.1825543923882763},
    {"aa_test", "a", 0x36cc8b4131a1ca14ULL, 0xb9d20625252773e6ULL,
     0.7258609619795189},
    {"aa_test", "b", 0x36cc8b4131a1ca14ULL, 0xd0f63717a1f825e2ULL,
     0.8162569458672526},
    {"", "visitor-42", 0x2d06800538d394c2ULL, 0x7c3188ab21671186ULL,
     0.4851308267401715},
    {"salt with spaces", "id with spaces", 0x106ff578582c0997ULL,
     0xc82c11451968f35eULL, 0.7819224160861358},
    {"checkout_redesign", "Jos\xC3\xA9", 0x86c013013d9d386dULL,
     0xc5415c20c550636fULL, 0.7705285625464184},
    {"checkout_redesign", "Zo\xC3\xAB-M\xC3\xBCller", 0x86c013013d9d386dULL,
     0xe927d809f428c736ULL, 0.9107642196942463},
    {"hero_banner", "\xE6\x9D\xB1\xE4\xBA\xAC\xE9\x83\xBD",
     0x9b0393c0758236ffULL, 0x64d4cbf5df6f6da5ULL, 0.3938720202708602},
    {"hero_banner",
     "\xF0\x9F\x8F\x83\xE2\x80\x8D\xE2\x99\x80\xEF\xB8\x8Frunner",
     0x9b0393c0758236ffULL, 0xf2bb5eb8169a9b10ULL, 0.9481715392526929},
    {"\xD0\xB0\xD0\xBD\xD0\xB0\xD0\xBB\xD0\xB8\xD1\x82\xD0\xB8\xD0\xBA\xD0\xB0",
     "\xD0\xBF\xD0\xBE\xD0\xBB\xD1\x8C\xD0\xB7\xD0\xBE\xD0\xB2\xD0\xB0\xD1\x82"
     "\xD0\xB5\xD0\xBB\xD1\x8C-7",
     0xee246bbec7ef8c77ULL, 0xb12ba326397e228dULL, 0.6920721023866396},
    {"checkout_redesign", "na\xC3\xAFve caf\xC3\xA9", 0x86c013013d9d386dULL,
     0x1a01e82d7d5282c4ULL, 0.10159159765800929},
    {"global_holdout", "visitor-42", 0xc001ec27bc105e11ULL,
     0x2d5ccb4cae25704fULL, 0.1771971761901534},
    {"k", "0", 0xa921e3704fda881dULL, 0x10c93bd4ee382a99ULL,
     0.06557058285235995},
    {"k", "-1", 0xa921e3704fda881dULL, 0x5590711b081b14ffULL,
     0.3342352572436591},
};

TEST(Hashing, GoldenVectorsArePinned) {
  ASSERT_GE(sizeof(kGolden) / sizeof(kGolden[0]), 20u);
  for (const Golden& g : kGolden) {
    SCOPED_TRACE(testing::Message()
                 << "salt='" << g.salt << "' id='" << g.unit_id << "'");
    EXPECT_EQ(SeedForSalt(g.salt), g.seed);
    EXPECT_EQ(HashUnit(g.seed, g.unit_id), g.hash);
    // Exact equality: positions are (h >> 11) * 2^-53, exact doubles.
    EXPECT_EQ(HashPosition(g.seed, g.unit_id), g.position);
    EXPECT_EQ(HashPositionForSalt(g.salt, g.unit_id), g.position);
  }
}

TEST(Hashing, PositionIsTopBitsScaled) {
  for (const Golden& g : kGolden) {
    EXPECT_EQ(HashPosition(g.seed, g.unit_id),
              static_cast<double>(g.hash >> 11) / 9007199254740992.0);
  }
}

TEST(Hashing, PositionStaysInUnitInterval) {
  uint64_t seed = SeedForSalt("range-check");
  double lo = 1, hi = 0;
  for (int i = 0; i < 100000; ++i) {
    double u = HashPosition(seed, "unit-" + std::to_string(i));
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    lo = std::min(lo, u);
    hi = std::max(hi, u);
  }
  // 100,000 uniform draws reach both ends of [0, 1).
  EXPECT_LT(lo, 0.001);
  EXPECT_GT(hi, 0.999);
}

TEST(Hashing, SaltChangesPositionIdDoesNotDependOnOtherUnits) {
  EXPECT_NE(HashPositionForSalt("a", "visitor-42"),
            HashPositionForSalt("b", "visitor-42"));
  EXPECT_EQ(HashPositionForSalt("a", "visitor-42"),
            HashPositionForSalt("a", "visitor-42"));
}

}  // namespace
}  // namespace cxlab::engine
