// Copyright 2026 The cxlab Authors.
//
// Value: a JSON document held in memory (null, bool, number, string, array,
// object). It is the engine's representation of visitor attributes, condition
// documents and variant payloads. Objects keep their members in insertion
// order, so two objects compare equal only when their members are equal and
// in the same order (the JSON.stringify equality of GrowthBook's conditions).
//
//   Value attrs = Value::Object();
//   attrs.Set("country", Value("US"));
//   const Value* country = attrs.Find("country");
//
// Thread-safety: a const Value may be read from many threads at once.

#ifndef CXLAB_ENGINE_VALUE_H_
#define CXLAB_ENGINE_VALUE_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace cxlab::engine {

class Value {
 public:
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };
  using ArrayType = std::vector<Value>;
  using Member = std::pair<std::string, Value>;
  using ObjectType = std::vector<Member>;

  // A null value.
  Value() = default;
  explicit Value(bool b) : type_(Type::kBool), bool_(b) {}
  explicit Value(double n) : type_(Type::kNumber), number_(n) {}
  explicit Value(int n) : type_(Type::kNumber), number_(n) {}
  explicit Value(int64_t n)
      : type_(Type::kNumber), number_(static_cast<double>(n)) {}
  explicit Value(std::string s) : type_(Type::kString), string_(std::move(s)) {}
  explicit Value(const char* s) : type_(Type::kString), string_(s) {}
  explicit Value(absl::string_view s)
      : type_(Type::kString), string_(s.data(), s.size()) {}

  // An empty array / object.
  static Value Array();
  static Value Array(ArrayType items);
  static Value Object();

  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::kNull; }
  bool is_bool() const { return type_ == Type::kBool; }
  bool is_number() const { return type_ == Type::kNumber; }
  bool is_string() const { return type_ == Type::kString; }
  bool is_array() const { return type_ == Type::kArray; }
  bool is_object() const { return type_ == Type::kObject; }

  // Accessors. Calling one for another type returns a default (false, 0, an
  // empty string, array or object); they never crash.
  bool as_bool() const { return bool_; }
  double as_number() const { return number_; }
  const std::string& as_string() const { return string_; }
  const ArrayType& items() const { return array_; }
  ArrayType& mutable_items() { return array_; }
  const ObjectType& members() const { return object_; }
  ObjectType& mutable_members() { return object_; }

  // Object lookup; nullptr when this is not an object or has no such key.
  // Linear in the number of members (objects here are small).
  const Value* Find(absl::string_view key) const;

  // Sets `key` on an object (replacing an existing member, else appending).
  // A non-object value becomes an empty object first.
  void Set(absl::string_view key, Value value);

  // Appends to an array. A non-array value becomes an empty array first.
  void Append(Value value);

  // Deep structural equality; object members compare in order, numbers by
  // value (so 1 and 1.0 are equal).
  bool operator==(const Value& other) const;
  bool operator!=(const Value& other) const { return !(*this == other); }

  // The JSON type name: "null", "boolean", "number", "string", "array",
  // "object" (the names `$type` uses).
  absl::string_view TypeName() const;

 private:
  Type type_ = Type::kNull;
  bool bool_ = false;
  double number_ = 0;
  std::string string_;
  ArrayType array_;
  ObjectType object_;
};

}  // namespace cxlab::engine

#endif  // CXLAB_ENGINE_VALUE_H_
