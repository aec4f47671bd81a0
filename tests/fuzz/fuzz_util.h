// Copyright 2026 The cxlab Authors.
//
// Helpers shared by the fuzz targets of tests/fuzz: a reader that carves
// typed values out of the fuzzer's bytes (a small, portable stand-in for
// clang's FuzzedDataProvider, so the targets also build with GCC for the
// corpus replay tests) and FUZZ_CHECK, which aborts with a message so both
// libFuzzer and the replay binary report a property violation as a crash.
//
//   FuzzInput in(data, size);
//   const int variants = in.IntInRange(2, 5);
//   const double x = in.Double();
//   std::string rest = in.Rest();
//   FUZZ_CHECK(std::isfinite(x), "x must be finite");
//
// Thread-compatible: a FuzzInput is a plain cursor over borrowed bytes.

#ifndef CXLAB_TESTS_FUZZ_FUZZ_UTIL_H_
#define CXLAB_TESTS_FUZZ_FUZZ_UTIL_H_

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "absl/strings/string_view.h"

// Aborts (a crash for libFuzzer and for the replay binary) when `cond` is
// false, printing the condition, `what` and the source line.
#define FUZZ_CHECK(cond, what)                                             \
  do {                                                                     \
    if (!(cond)) {                                                         \
      std::fprintf(stderr, "%s:%d: FUZZ_CHECK(%s) failed: %s\n", __FILE__, \
                   __LINE__, #cond, std::string(what).c_str());            \
      std::abort();                                                        \
    }                                                                      \
  } while (0)

namespace cxlab::fuzz {

// Reads values from the front of the fuzzer's input; once it is exhausted
// every read returns zeros (so any input decodes to something).
class FuzzInput {
 public:
  // Borrows `data`, which must outlive this object.
  FuzzInput(const uint8_t* data, size_t size) : data_(data), size_(size) {}

  size_t remaining() const { return size_ - pos_; }

  uint8_t Byte() { return pos_ < size_ ? data_[pos_++] : 0; }

  bool Bool() { return (Byte() & 1) != 0; }

  uint64_t Uint64() {
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = (v << 8) | Byte();
    return v;
  }

  // An integer in [lo, hi] (lo <= hi) from one byte (two when the range
  // needs it).
  int64_t IntInRange(int64_t lo, int64_t hi) {
    const uint64_t span = static_cast<uint64_t>(hi - lo) + 1;
    uint64_t v = Byte();
    if (span > 256) v = (v << 8) | Byte();
    if (span > 65536) v = (v << 16) | (static_cast<uint64_t>(Byte()) << 8) |
                          Byte();
    return lo + static_cast<int64_t>(v % span);
  }

  // Any double, NaN and infinities included (8 raw bytes).
  double RawDouble() {
    const uint64_t bits = Uint64();
    double d;
    std::memcpy(&d, &bits, sizeof d);
    return d;
  }

  // A double drawn to hit interesting values often: a small integer, a
  // simple fraction, a power of ten, or (rarely) any bit pattern.
  double Double() {
    switch (Byte() % 8) {
      case 0:
      case 1:
      case 2:
        return static_cast<double>(IntInRange(-8, 120));
      case 3:
        return static_cast<double>(IntInRange(-1000, 1000)) / 64.0;
      case 4:
        return std::pow(10.0, static_cast<double>(IntInRange(-320, 310)));
      case 5:
        return -std::pow(10.0, static_cast<double>(IntInRange(-320, 310)));
      case 6:
        return static_cast<double>(IntInRange(0, 1000000));
      default:
        return RawDouble();
    }
  }

  // Up to `max` bytes, as a string.
  std::string Bytes(size_t max) {
    const size_t n = std::min<size_t>(max, remaining());
    std::string out(reinterpret_cast<const char*>(data_ + pos_), n);
    pos_ += n;
    return out;
  }

  // A length-prefixed string: one length byte, then up to that many bytes.
  std::string ShortString() { return Bytes(Byte()); }

  // Everything not read yet.
  absl::string_view Rest() {
    absl::string_view out(reinterpret_cast<const char*>(data_ + pos_),
                          remaining());
    pos_ = size_;
    return out;
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

// Splits `text` at the first occurrence of `separator`: the part before
// goes to `*head`, the part after to `*tail` (empty when absent).
inline void SplitOnce(absl::string_view text, absl::string_view separator,
                      absl::string_view* head, absl::string_view* tail) {
  const size_t at = text.find(separator);
  if (at == absl::string_view::npos) {
    *head = text;
    *tail = absl::string_view();
    return;
  }
  *head = text.substr(0, at);
  *tail = text.substr(at + separator.size());
}

}  // namespace cxlab::fuzz

#endif  // CXLAB_TESTS_FUZZ_FUZZ_UTIL_H_
