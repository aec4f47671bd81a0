// Copyright 2026 The cxlab Authors.
//
// A fast proto3 JSON codec for any protobuf message, driven by reflection:
// the HTTP gateway's replacement for protobuf's util::MessageToJsonString
// and util::JsonStringToMessage (3.21), which are an order of magnitude
// slower. Part of `cxlab_api_convert`.
//
//   std::string json = ProtoToJson(response);
//   // {"assignments":[{"experimentKey":"checkout",...}],"configVersion":"7"}
//
//   AssignRequest request;
//   absl::Status s = ProtoFromJson(body, &request);
//   // s.message(): "unit.attributes: expected an object, got a string"
//
// Printing follows protobuf 3.21's MessageToJsonString with
// always_print_primitive_fields = true and preserve_proto_field_names =
// false, byte for byte, compact (no whitespace):
//   - Names are the fields' json_name (lowerCamelCase).
//   - Every singular scalar, enum and string field is printed, defaults
//     included; repeated and map fields always ([] and {} when empty);
//     singular message fields, proto3 `optional` fields and oneof members
//     only when set.
//   - Fields print in declaration order, except that set oneof members and
//     proto3 `optional` scalars, and set message fields whose JSON is not an
//     object (Timestamp, Duration, FieldMask, wrappers, ListValue, a Value
//     that is not a struct) come last, in field-number order. This is
//     protobuf's own (odd) order, kept so both print the same text.
//   - int64, uint64 and their fixed/signed variants print as quoted decimal
//     strings; 32-bit integers as numbers. double prints as C's "%.15g"
//     when that reads back exactly, else "%.17g"; float as "%.6g" / "%.9g"
//     (protobuf's SimpleDtoa / SimpleFtoa). NaN and infinities print as the
//     strings "NaN", "Infinity", "-Infinity".
//   - Enums print by value name; values without a name as numbers.
//   - bytes print as standard base64 with padding.
//   - Strings are escaped as protobuf does: '"', '\\', control characters
//     and DEL/C1 controls (\b \t \n \f \r or \u00XX), '<' and '>' (\u003c,
//     \u003e), and the invisible or separator code points protobuf lists
//     (U+00AD, U+2028, U+FEFF, ...). Other UTF-8 passes through. Bytes that
//     are not valid UTF-8 are dropped, as protobuf drops them.
//   - Map keys print as strings ("true", "-5"); map entries, like Struct
//     members, print in the map's iteration order, which is the order
//     protobuf serializes them in (not sorted).
//   - Well-known types: Struct -> object, Value -> its JSON value
//     (null_value -> null), ListValue -> array, Timestamp -> RFC 3339 in UTC
//     with 0, 3, 6 or 9 fractional digits ("1972-01-01T10:00:20.021Z"),
//     Duration -> "1.500s", wrappers -> their bare value, Empty -> {},
//     FieldMask -> comma-joined lowerCamelCase paths, Any -> protobuf's own
//     printer (an Any it cannot print, of an unknown type, prints {}).
// Deviations from protobuf, all where protobuf fails or prints something
// wrong:
//   - A Value with no kind set is left out where it appears (a field, a list
//     element, a struct member or map entry), as protobuf does; at the top
//     level it prints null (protobuf prints nothing).
//   - A Timestamp or Duration outside the range the JSON mapping allows
//     (years 0001-9999; +-315,576,000,000 s; nanos of the wrong sign) is
//     clamped / normalised to the nearest printable value (protobuf fails).
//   - At the top level, a ListValue's objects get no bogus "values":[] and
//     a FloatValue prints its number (protobuf prints `true`).
//   - Map order: a generated message's map filled through reflection (or by
//     ProtoFromJson) and not read since prints in insertion order; protobuf
//     first syncs it to its hash map and prints that order. Maps built
//     through the generated API (as services build them) print alike.
//
// Parsing accepts the proto3 JSON mapping:
//   - Field names as json_name or as the proto field name.
//   - Integers as numbers (1, 1.0, 1e2; fractions and out-of-range values
//     are errors) or as decimal strings ("-12"); 64-bit ones likewise.
//   - float/double as numbers or strings, including "NaN", "Infinity",
//     "-Infinity"; float values beyond its range are errors.
//   - Enums by value name or number (or a decimal string); unknown names are
//     errors; unknown numbers are kept for proto3 (open) enums.
//   - bytes as standard or URL-safe base64, padded or not.
//   - null for a field leaves it unset, except for a Value field (null_value)
//     and a NullValue enum; null elements of a repeated non-Value field are
//     skipped and a null map value is the value type's default (as protobuf
//     does).
//   - Struct / Value / ListValue take any JSON; Timestamp an RFC 3339 string
//     with 'T', 'Z' or a +hh:mm offset, 0 to 9 fractional digits, years
//     0001-9999; Duration "-1.5s" style within +-315,576,000,000 s;
//     wrappers their bare value; FieldMask "a.bC,d"; Empty {}; Any via
//     protobuf's own parser.
//   - Map keys are strings converted to the key type ("true", "-5").
//   - The message is cleared first; parsing never merges.
// It rejects (InvalidArgument): malformed JSON (strict RFC 8259: no
// comments, trailing commas, leading zeros, single quotes, raw control
// characters in strings, bad escapes or lone surrogates, invalid UTF-8),
// anything after the value, unknown fields, a field given twice (protobuf
// 3.21 keeps the last), two members of one oneof, duplicate map or Struct
// keys, wrong JSON types (a quoted bool is an error, protobuf 3.21 accepts
// "true"), out-of-range numbers, unknown enum names, bad base64, bad
// timestamps and durations, and nesting deeper than kMaxProtoJsonDepth.
// An empty or whitespace-only input is an error too.
//
// Error messages name the place in the JSON by the keys as written and
// array indices, then say what was wrong:
//   "unit.attributes: expected an object, got a string"
//   "experimentKeys[2]: expected a string, got a number"
//   "bogus: unknown field of cxlab.v1.AssignRequest"
//   "unit: expected ',' or '}' at byte 42, got end of input"
// (a key that is not an identifier appears as ["a b"]). With no path the
// message has no prefix ("expected an object, got an array").
//
// Thread-safety: pure functions, safe to call concurrently (on distinct
// output messages). The message printed must not be mutated meanwhile.

#ifndef CXLAB_API_CONVERT_PROTO_JSON_H_
#define CXLAB_API_CONVERT_PROTO_JSON_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"

namespace cxlab::api {

// The deepest nesting of JSON containers (objects and arrays, message
// objects included) ProtoFromJson accepts: `{}` is depth 1, `{"a": []}` is
// depth 2.
inline constexpr int kMaxProtoJsonDepth = 100;

// Appends `message` as compact proto3 JSON (see the file comment) to
// `*out`. Never fails. `out` must not be null.
void AppendProtoJson(const google::protobuf::Message& message,
                     std::string* out);

// `message` as compact proto3 JSON (see the file comment).
std::string ProtoToJson(const google::protobuf::Message& message);

// Clears `*message` and fills it from the proto3 JSON `json` (see the file
// comment for what is accepted). Returns InvalidArgument "<path>: <what was
// wrong>" on bad input, in which case `*message` holds what was parsed so
// far. `message` must not be null.
absl::Status ProtoFromJson(absl::string_view json,
                           google::protobuf::Message* message);

}  // namespace cxlab::api

#endif  // CXLAB_API_CONVERT_PROTO_JSON_H_
