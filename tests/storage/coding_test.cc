// Copyright 2026 The cxlab Authors.

#include "storage/coding.h"

#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "gtest/gtest.h"

namespace cxlab::storage {
namespace {

constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();

std::vector<uint64_t> InterestingValues() {
  std::vector<uint64_t> values = {0, kMax, kMax - 1};
  for (int bits = 1; bits < 64; ++bits) {
    const uint64_t p = uint64_t{1} << bits;
    values.push_back(p - 1);
    values.push_back(p);
    values.push_back(p + 1);
  }
  return values;
}

TEST(Varint, RoundTripsAndHasExpectedLength) {
  for (uint64_t value : InterestingValues()) {
    std::string buf;
    PutVarint64(&buf, value);
    EXPECT_EQ(buf.size(), VarintLength(value)) << value;
    EXPECT_LE(buf.size(), kMaxVarint64Length);
    absl::string_view in = buf;
    uint64_t decoded = 0;
    ASSERT_TRUE(GetVarint64(&in, &decoded)) << value;
    EXPECT_EQ(decoded, value);
    EXPECT_TRUE(in.empty());
  }
}

TEST(Varint, KnownEncodings) {
  std::string buf;
  PutVarint64(&buf, 300);
  EXPECT_EQ(buf, std::string("\xac\x02", 2));
  buf.clear();
  PutVarint64(&buf, 0);
  EXPECT_EQ(buf, std::string("\x00", 1));
  buf.clear();
  PutVarint64(&buf, kMax);
  EXPECT_EQ(buf, std::string(9, '\xff') + "\x01");
}

TEST(Varint, RejectsTruncatedAndOverlongInput) {
  uint64_t value = 0;
  absl::string_view empty;
  EXPECT_FALSE(GetVarint64(&empty, &value));

  std::string buf;
  PutVarint64(&buf, uint64_t{1} << 40);
  for (size_t n = 0; n < buf.size(); ++n) {
    absl::string_view truncated(buf.data(), n);
    EXPECT_FALSE(GetVarint64(&truncated, &value)) << n;
  }

  // Eleven bytes: longer than any varint64.
  const std::string overlong = std::string(10, '\x80') + "\x01";
  absl::string_view in = overlong;
  EXPECT_FALSE(GetVarint64(&in, &value));

  // A tenth byte above 1 overflows 64 bits.
  const std::string overflow = std::string(9, '\xff') + "\x02";
  in = overflow;
  EXPECT_FALSE(GetVarint64(&in, &value));
}

TEST(Varint, DecodesASequence) {
  std::string buf;
  const std::vector<uint64_t> values = InterestingValues();
  for (uint64_t v : values) PutVarint64(&buf, v);
  absl::string_view in = buf;
  for (uint64_t v : values) {
    uint64_t decoded = 0;
    ASSERT_TRUE(GetVarint64(&in, &decoded));
    EXPECT_EQ(decoded, v);
  }
  EXPECT_TRUE(in.empty());
}

TEST(Fixed64BigEndian, KnownBytesAndRoundTrip) {
  EXPECT_EQ(EncodeFixed64BigEndian(0x0102030405060708),
            std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8));
  for (uint64_t value : InterestingValues()) {
    const std::string buf = EncodeFixed64BigEndian(value);
    ASSERT_EQ(buf.size(), 8u);
    absl::string_view in = buf;
    uint64_t decoded = 0;
    ASSERT_TRUE(GetFixed64BigEndian(&in, &decoded));
    EXPECT_EQ(decoded, value);
    EXPECT_TRUE(in.empty());
  }
}

TEST(Fixed64BigEndian, RejectsShortInput) {
  const std::string buf = EncodeFixed64BigEndian(42);
  uint64_t value = 0;
  absl::string_view in(buf.data(), 7);
  EXPECT_FALSE(GetFixed64BigEndian(&in, &value));
}

TEST(Fixed64BigEndian, ByteOrderEqualsNumericOrder) {
  std::vector<uint64_t> values = InterestingValues();
  std::mt19937_64 rng(20260101);
  for (int i = 0; i < 2000; ++i) values.push_back(rng());
  for (size_t i = 0; i < values.size(); ++i) {
    for (size_t j = i; j < values.size(); j += 7) {
      const uint64_t a = values[i];
      const uint64_t b = values[j];
      const std::string ea = EncodeFixed64BigEndian(a);
      const std::string eb = EncodeFixed64BigEndian(b);
      // std::string compares as unsigned bytes, like RocksDB's comparator.
      EXPECT_EQ(a < b, ea < eb) << a << " vs " << b;
      EXPECT_EQ(a == b, ea == eb);
    }
  }
}

TEST(LengthPrefixed, RoundTripsIncludingEmptyAndBinary) {
  const std::vector<std::string> values = {
      "", "a", std::string("nul\0inside", 10), std::string(300, 'x'),
      std::string("\xff\x00\x80", 3)};
  std::string buf;
  for (const std::string& v : values) PutLengthPrefixed(&buf, v);
  absl::string_view in = buf;
  for (const std::string& v : values) {
    absl::string_view decoded;
    ASSERT_TRUE(GetLengthPrefixed(&in, &decoded));
    EXPECT_EQ(decoded, v);
  }
  EXPECT_TRUE(in.empty());
}

TEST(LengthPrefixed, RejectsTruncatedInput) {
  std::string buf;
  PutLengthPrefixed(&buf, "checkout");
  for (size_t n = 0; n < buf.size(); ++n) {
    absl::string_view in(buf.data(), n);
    absl::string_view value;
    EXPECT_FALSE(GetLengthPrefixed(&in, &value)) << n;
  }
}

}  // namespace
}  // namespace cxlab::storage
