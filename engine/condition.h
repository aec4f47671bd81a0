// Copyright 2026 The cxlab Authors.
//
// Condition: a targeting rule in the MongoDB-style JSON dialect GrowthBook
// documents, compiled once into a tree and then evaluated many times.
//
//   {"country": {"$in": ["US", "CA"]}, "age": {"$gte": 18},
//    "$or": [{"plan": "pro"}, {"cart.total": {"$gt": 100}}]}
//
// Supported: $eq $ne $lt $lte $gt $gte $in $nin $ini $nini $exists $type
// $regex $regexi $elemMatch $size $all $alli $not $and $or $nor, the semver
// operators $veq $vne $vgt $vgte $vlt $vlte, $inGroup/$notInGroup (named id
// lists, see groups.h) and dot paths ("address.country"). Semantics follow
// GrowthBook's JavaScript SDK exactly, including its type coercions; see
// docs/conditions.md.
//
// Compilation parses regexes with RE2 (linear time: no catastrophic
// backtracking) and pads version literals. Evaluation does not allocate for
// the common operators on string, number and boolean attributes.
//
//   ASSIGN_OR_RETURN(Condition c, Condition::Compile(doc, {}));
//   bool ok = c.Matches(attributes, groups);
//
// Thread-safety: a compiled Condition is immutable; Matches() may be called
// from many threads at once.

#ifndef CXLAB_ENGINE_CONDITION_H_
#define CXLAB_ENGINE_CONDITION_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/groups.h"
#include "engine/value.h"

namespace cxlab::engine {

namespace condition_internal {
struct CondNode;
}  // namespace condition_internal

class Condition {
 public:
  struct Options {
    // Strict (the default, used for definitions and the CLI): an unknown
    // operator, an invalid regex or a malformed operand is a compile error.
    // Lenient (GrowthBook compatible, used by the conformance suite): such a
    // part compiles to "never matches", as the JavaScript SDK behaves.
    bool strict = true;
    // Prefix for error messages, e.g. "experiments[checkout].condition".
    std::string field = "condition";
    // When set (strict mode), compilation does not stop at the first error:
    // every "field: rule" message is stored here and Compile() returns the
    // first. Borrowed; must outlive the Compile() call.
    std::vector<std::string>* all_errors = nullptr;
  };

  // Compiles `doc` (a JSON object; null means "no condition" and matches
  // everything, like {}). Errors are InvalidArgument naming the
  // field path and the rule, e.g.
  //   "condition.age.$in: operand must be an array".
  // `doc` is not retained.
  static absl::StatusOr<Condition> Compile(const Value& doc,
                                           const Options& options);

  // A condition that matches everything (the empty document {}).
  Condition();
  ~Condition();
  Condition(Condition&&) noexcept;
  Condition& operator=(Condition&&) noexcept;
  Condition(const Condition&) = delete;
  Condition& operator=(const Condition&) = delete;

  // True when `attributes` (normally an object) satisfies the condition.
  // `groups` resolves $inGroup / $notInGroup; it is only read.
  bool Matches(const Value& attributes, const GroupSet& groups) const;

  // True for the empty condition, which matches everything.
  bool is_empty() const;

 private:
  std::unique_ptr<condition_internal::CondNode> root_;
};

}  // namespace cxlab::engine

#endif  // CXLAB_ENGINE_CONDITION_H_
