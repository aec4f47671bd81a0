// Copyright 2026 The cxlab Authors.
//
// Byte encodings used by cxlab's RocksDB keys and values: LEB128 varints,
// big-endian fixed-width integers (whose byte order equals their numeric
// order, so they make ordered keys) and length-prefixed strings.
//
//   std::string buf;
//   PutVarint64(&buf, 300);
//   PutLengthPrefixed(&buf, "checkout");
//   absl::string_view in = buf;
//   uint64_t n;
//   absl::string_view name;
//   if (!GetVarint64(&in, &n) || !GetLengthPrefixed(&in, &name)) { ... }
//
// The Put* functions append to `dst`; the Get* functions decode from the
// front of `*input`, advance it past what they consumed and return false
// (leaving `*input` in an unspecified position) when the bytes are truncated
// or malformed. All functions are pure and thread-compatible.

#ifndef CXLAB_STORAGE_CODING_H_
#define CXLAB_STORAGE_CODING_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace cxlab::storage {

// The most bytes a varint64 occupies.
inline constexpr size_t kMaxVarint64Length = 10;

// Appends `value` as a little-endian base-128 varint (1 to 10 bytes).
void PutVarint64(std::string* dst, uint64_t value);

// Decodes a varint64 from the front of `*input` into `*value`. Returns false
// on truncation or on an encoding longer than 10 bytes or overflowing 64 bits.
bool GetVarint64(absl::string_view* input, uint64_t* value);

// Number of bytes PutVarint64 appends for `value`.
size_t VarintLength(uint64_t value);

// Appends `value` as 8 big-endian bytes. Encoded values compare (bytewise,
// as RocksDB's default comparator does) in the same order as the numbers.
void PutFixed64BigEndian(std::string* dst, uint64_t value);

// Returns the 8 big-endian bytes of `value`.
std::string EncodeFixed64BigEndian(uint64_t value);

// Decodes 8 big-endian bytes from the front of `*input` into `*value`.
// Returns false if fewer than 8 bytes remain.
bool GetFixed64BigEndian(absl::string_view* input, uint64_t* value);

// Appends varint64(size of `value`) followed by the bytes of `value`.
void PutLengthPrefixed(std::string* dst, absl::string_view value);

// Decodes a length-prefixed string from the front of `*input`. On success
// `*value` points into the buffer `*input` viewed, so it is valid only as
// long as that buffer is. Returns false on truncation.
bool GetLengthPrefixed(absl::string_view* input, absl::string_view* value);

}  // namespace cxlab::storage

#endif  // CXLAB_STORAGE_CODING_H_
