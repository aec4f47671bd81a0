// Copyright 2026 The cxlab Authors.

#include "storage/coding.h"

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace cxlab::storage {

void PutVarint64(std::string* dst, uint64_t value) {
  char buf[kMaxVarint64Length];
  size_t n = 0;
  while (value >= 0x80) {
    buf[n++] = static_cast<char>((value & 0x7f) | 0x80);
    value >>= 7;
  }
  buf[n++] = static_cast<char>(value);
  dst->append(buf, n);
}

bool GetVarint64(absl::string_view* input, uint64_t* value) {
  uint64_t result = 0;
  for (size_t i = 0; i < kMaxVarint64Length && i < input->size(); ++i) {
    const uint64_t byte = static_cast<unsigned char>((*input)[i]);
    const int shift = static_cast<int>(7 * i);
    // The tenth byte may carry only the top bit of a 64-bit value.
    if (i == kMaxVarint64Length - 1 && byte > 1) return false;
    result |= (byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      input->remove_prefix(i + 1);
      *value = result;
      return true;
    }
  }
  return false;
}

size_t VarintLength(uint64_t value) {
  size_t n = 1;
  while (value >= 0x80) {
    value >>= 7;
    ++n;
  }
  return n;
}

void PutFixed64BigEndian(std::string* dst, uint64_t value) {
  char buf[8];
  for (int i = 7; i >= 0; --i) {
    buf[i] = static_cast<char>(value & 0xff);
    value >>= 8;
  }
  dst->append(buf, sizeof(buf));
}

std::string EncodeFixed64BigEndian(uint64_t value) {
  std::string out;
  PutFixed64BigEndian(&out, value);
  return out;
}

bool GetFixed64BigEndian(absl::string_view* input, uint64_t* value) {
  if (input->size() < 8) return false;
  uint64_t result = 0;
  for (size_t i = 0; i < 8; ++i) {
    result = (result << 8) | static_cast<unsigned char>((*input)[i]);
  }
  input->remove_prefix(8);
  *value = result;
  return true;
}

void PutLengthPrefixed(std::string* dst, absl::string_view value) {
  PutVarint64(dst, value.size());
  dst->append(value.data(), value.size());
}

bool GetLengthPrefixed(absl::string_view* input, absl::string_view* value) {
  uint64_t length = 0;
  if (!GetVarint64(input, &length)) return false;
  if (length > input->size()) return false;
  *value = input->substr(0, static_cast<size_t>(length));
  input->remove_prefix(static_cast<size_t>(length));
  return true;
}

}  // namespace cxlab::storage
