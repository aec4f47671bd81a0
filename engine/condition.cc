// Copyright 2026 The cxlab Authors.

#include "engine/condition.h"

#include <re2/re2.h>

#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "engine/js_semantics.h"
#include "engine/semver.h"
#include "engine/status_macros.h"

namespace cxlab::engine {
namespace condition_internal {

enum class Op {
  kEq,
  kNe,
  kLt,
  kLte,
  kGt,
  kGte,
  kIn,
  kNin,
  kIni,
  kNini,
  kExists,
  kType,
  kRegex,
  kElemMatch,
  kSize,
  kAll,
  kNot,
  kInGroup,
  kNotInGroup,
  kVeq,
  kVne,
  kVgt,
  kVgte,
  kVlt,
  kVlte,
  kNever,  // unknown operator or bad operand in lenient mode
};

const absl::flat_hash_map<absl::string_view, Op>& OperatorTable() {
  static const auto* table = new absl::flat_hash_map<absl::string_view, Op>{
      {"$eq", Op::kEq},
      {"$ne", Op::kNe},
      {"$lt", Op::kLt},
      {"$lte", Op::kLte},
      {"$gt", Op::kGt},
      {"$gte", Op::kGte},
      {"$in", Op::kIn},
      {"$nin", Op::kNin},
      {"$ini", Op::kIni},
      {"$nini", Op::kNini},
      {"$exists", Op::kExists},
      {"$type", Op::kType},
      {"$regex", Op::kRegex},
      {"$regexi", Op::kRegex},
      {"$elemMatch", Op::kElemMatch},
      {"$size", Op::kSize},
      {"$all", Op::kAll},
      {"$alli", Op::kAll},
      {"$not", Op::kNot},
      {"$inGroup", Op::kInGroup},
      {"$notInGroup", Op::kNotInGroup},
      {"$veq", Op::kVeq},
      {"$vne", Op::kVne},
      {"$vgt", Op::kVgt},
      {"$vgte", Op::kVgte},
      {"$vlt", Op::kVlt},
      {"$vlte", Op::kVlte},
  };
  return *table;
}

struct ValueTest;
struct CondNode;

struct OpTest {
  Op op = Op::kNever;
  Value operand;                         // comparison operators
  bool flag = false;                     // $exists: truthy operand
  bool case_insensitive = false;         // $ini $nini $alli
  std::string text;                      // $type name, group key, version
  ScalarSet set;                         // $in $nin $ini $nini
  std::unique_ptr<RE2> regex;            // $regex $regexi
  std::unique_ptr<ValueTest> inner;      // $not $size, $elemMatch on values
  std::unique_ptr<CondNode> inner_cond;  // $elemMatch on objects
  std::vector<ValueTest> all;            // $all $alli
};

struct ValueTest {
  enum class Kind { kString, kNumber, kBool, kNull, kDeepEqual, kOps };
  Kind kind = Kind::kNull;
  Value literal;
  std::string lowered;  // kString when case_insensitive
  bool case_insensitive = false;
  std::vector<OpTest> ops;
};

struct CondNode {
  enum class Kind { kAnd, kOr, kNor, kNot, kField, kTrue, kFalse };
  Kind kind = Kind::kAnd;
  std::vector<CondNode> children;
  std::vector<std::string> path;
  std::unique_ptr<ValueTest> test;
};

namespace {

bool IsOperatorObject(const Value& v) {
  if (!v.is_object() || v.members().empty()) return false;
  for (const auto& m : v.members()) {
    if (m.first.empty() || m.first[0] != '$') return false;
  }
  return true;
}

class Compiler {
 public:
  Compiler(bool strict, bool collect_all)
      : strict_(strict), collect_all_(collect_all) {}

  const std::vector<std::string>& errors() const { return errors_; }

  absl::StatusOr<CondNode> CompileCond(const Value& doc,
                                       const std::string& field) {
    CondNode node;
    node.kind = CondNode::Kind::kAnd;
    if (!doc.is_object()) {
      if (strict_) RETURN_IF_ERROR(Error(field, "must be an object"));
      node.kind = CondNode::Kind::kTrue;
      return node;
    }
    for (const auto& [key, value] : doc.members()) {
      std::string sub = absl::StrCat(field, ".", key);
      if (key == "$or" || key == "$nor" || key == "$and") {
        CondNode list;
        list.kind = key == "$or"    ? CondNode::Kind::kOr
                    : key == "$nor" ? CondNode::Kind::kNor
                                    : CondNode::Kind::kAnd;
        if (!value.is_array()) {
          if (strict_) RETURN_IF_ERROR(Error(sub, "operand must be an array"));
          // JavaScript: a non-array passes $or/$and and fails $nor.
          list.kind =
              key == "$nor" ? CondNode::Kind::kFalse : CondNode::Kind::kTrue;
        } else {
          for (size_t i = 0; i < value.items().size(); ++i) {
            ASSIGN_OR_RETURN(
                CondNode child,
                CompileCond(value.items()[i], absl::StrCat(sub, "[", i, "]")));
            list.children.push_back(std::move(child));
          }
        }
        node.children.push_back(std::move(list));
      } else if (key == "$not") {
        CondNode neg;
        neg.kind = CondNode::Kind::kNot;
        ASSIGN_OR_RETURN(CondNode child, CompileCond(value, sub));
        neg.children.push_back(std::move(child));
        node.children.push_back(std::move(neg));
      } else {
        CondNode leaf;
        leaf.kind = CondNode::Kind::kField;
        leaf.path = absl::StrSplit(key, '.');
        ASSIGN_OR_RETURN(leaf.test, CompileValue(value, sub, false));
        node.children.push_back(std::move(leaf));
      }
    }
    return node;
  }

  absl::StatusOr<std::unique_ptr<ValueTest>> CompileValue(
      const Value& cond, const std::string& field, bool case_insensitive) {
    auto test = std::make_unique<ValueTest>();
    test->case_insensitive = case_insensitive;
    switch (cond.type()) {
      case Value::Type::kString:
        test->kind = ValueTest::Kind::kString;
        test->literal = cond;
        if (case_insensitive) {
          test->lowered = absl::AsciiStrToLower(cond.as_string());
        }
        return test;
      case Value::Type::kNumber:
        test->kind = ValueTest::Kind::kNumber;
        test->literal = cond;
        return test;
      case Value::Type::kBool:
        test->kind = ValueTest::Kind::kBool;
        test->literal = cond;
        return test;
      case Value::Type::kNull:
        test->kind = ValueTest::Kind::kNull;
        return test;
      default:
        break;
    }
    if (!IsOperatorObject(cond)) {
      if (strict_ && cond.is_object()) {
        for (const auto& m : cond.members()) {
          if (!m.first.empty() && m.first[0] == '$') {
            RETURN_IF_ERROR(
                Error(field, "mixes operators and plain fields in one object"));
            break;
          }
        }
      }
      test->kind = ValueTest::Kind::kDeepEqual;
      test->literal = cond;
      return test;
    }
    test->kind = ValueTest::Kind::kOps;
    for (const auto& [name, operand] : cond.members()) {
      ASSIGN_OR_RETURN(
          OpTest op, CompileOp(name, operand, absl::StrCat(field, ".", name)));
      test->ops.push_back(std::move(op));
    }
    return test;
  }

 private:
  // Records a strict-mode error. Returns it (stopping compilation) unless
  // the caller asked for every error, in which case compilation goes on with
  // the lenient meaning of the broken part and Compile() fails at the end.
  absl::Status Error(const std::string& field, absl::string_view rule) {
    errors_.push_back(absl::StrCat(field, ": ", rule));
    if (collect_all_) return absl::OkStatus();
    return absl::InvalidArgumentError(errors_.back());
  }

  // In lenient mode a bad operand yields an operator that never matches.
  absl::StatusOr<OpTest> Bad(const std::string& field, absl::string_view rule) {
    if (strict_) RETURN_IF_ERROR(Error(field, rule));
    OpTest never;
    never.op = Op::kNever;
    return never;
  }

  absl::StatusOr<OpTest> CompileOp(absl::string_view name, const Value& operand,
                                   const std::string& field) {
    auto it = OperatorTable().find(name);
    if (it == OperatorTable().end()) {
      return Bad(field, absl::StrCat("unknown operator ", name));
    }
    OpTest op;
    op.op = it->second;
    op.case_insensitive = name == "$ini" || name == "$nini" ||
                          name == "$alli" || name == "$regexi";
    switch (op.op) {
      case Op::kEq:
      case Op::kNe:
      case Op::kLt:
      case Op::kLte:
      case Op::kGt:
      case Op::kGte:
        op.operand = operand;
        return op;
      case Op::kExists:
        op.flag = js::Truthy(operand);
        return op;
      case Op::kIn:
      case Op::kNin:
      case Op::kIni:
      case Op::kNini:
        if (!operand.is_array()) {
          // JavaScript: a non-array list fails both $in and $nin.
          return Bad(field, "operand must be an array");
        }
        op.set = ScalarSet(operand.items(), op.case_insensitive);
        return op;
      case Op::kType:
        if (!operand.is_string()) {
          return Bad(field, "operand must be a type name string");
        }
        if (strict_) {
          static constexpr absl::string_view kTypes[] = {
              "null", "boolean", "number", "string", "array", "object"};
          bool known = false;
          for (absl::string_view t : kTypes)
            known = known || t == operand.as_string();
          if (!known) {
            RETURN_IF_ERROR(Error(field,
                                  "type must be one of null, boolean, number, "
                                  "string, array, object"));
          }
        }
        op.text = operand.as_string();
        return op;
      case Op::kRegex: {
        if (!operand.is_string()) {
          return Bad(field, "operand must be a regular expression string");
        }
        RE2::Options options;
        options.set_log_errors(false);
        options.set_case_sensitive(!op.case_insensitive);
        op.regex = std::make_unique<RE2>(operand.as_string(), options);
        if (!op.regex->ok()) {
          return Bad(field, absl::StrCat("invalid regular expression: ",
                                         op.regex->error()));
        }
        return op;
      }
      case Op::kElemMatch: {
        if (!operand.is_object()) {
          return Bad(field, "operand must be an object");
        }
        if (IsOperatorObject(operand)) {
          ASSIGN_OR_RETURN(op.inner, CompileValue(operand, field, false));
        } else {
          ASSIGN_OR_RETURN(CondNode node, CompileCond(operand, field));
          op.inner_cond = std::make_unique<CondNode>(std::move(node));
        }
        return op;
      }
      case Op::kSize:
      case Op::kNot: {
        ASSIGN_OR_RETURN(op.inner, CompileValue(operand, field, false));
        return op;
      }
      case Op::kAll: {
        if (!operand.is_array()) {
          if (strict_) RETURN_IF_ERROR(Error(field, "operand must be an array"));
          // JavaScript loops over nothing: any array passes.
          return op;
        }
        for (size_t i = 0; i < operand.items().size(); ++i) {
          ASSIGN_OR_RETURN(
              auto test,
              CompileValue(operand.items()[i], absl::StrCat(field, "[", i, "]"),
                           op.case_insensitive));
          op.all.push_back(std::move(*test));
        }
        return op;
      }
      case Op::kInGroup:
      case Op::kNotInGroup:
        if (!operand.is_string()) {
          if (strict_) {
            RETURN_IF_ERROR(Error(field, "operand must be a group key string"));
          }
          std::string scratch;
          op.text = std::string(js::ToString(operand, scratch));
          return op;
        }
        op.text = operand.as_string();
        return op;
      case Op::kVeq:
      case Op::kVne:
      case Op::kVgt:
      case Op::kVgte:
      case Op::kVlt:
      case Op::kVlte:
        if (!operand.is_string() && !operand.is_number()) {
          if (strict_) {
            RETURN_IF_ERROR(Error(field, "operand must be a version string"));
          }
        }
        op.text = PaddedVersion(VersionText(operand));
        return op;
      case Op::kNever:
        break;
    }
    return Bad(field, absl::StrCat("unknown operator ", name));
  }

 public:
  // The string GrowthBook pads: numbers as text, other non-strings as "0".
  static std::string VersionText(const Value& v) {
    if (v.is_number()) {
      std::string scratch;
      return std::string(js::ToString(v, scratch));
    }
    if (v.is_string() && !v.as_string().empty()) return v.as_string();
    return "0";
  }

 private:
  bool strict_;
  bool collect_all_;
  std::vector<std::string> errors_;
};

const Value& NullValue() {
  static const Value* null_value = new Value();
  return *null_value;
}

// GrowthBook's getPath: walks objects (and arrays by index); anything missing
// reads as null.
const Value& GetPath(const Value& root, const std::vector<std::string>& path) {
  const Value* current = &root;
  for (const std::string& part : path) {
    if (current->is_object()) {
      current = current->Find(part);
      if (current == nullptr) return NullValue();
    } else if (current->is_array()) {
      // Only canonical decimal indexes ("0", "12"; not "01", "+1", " 1").
      size_t index = 0;
      bool canonical = !part.empty() && part.size() <= 9 &&
                       (part.size() == 1 || part[0] != '0');
      for (char c : part) {
        canonical = canonical && absl::ascii_isdigit(c);
        index = index * 10 + static_cast<size_t>(c - '0');
      }
      if (!canonical || index >= current->items().size()) return NullValue();
      current = &current->items()[index];
    } else {
      return NullValue();
    }
  }
  return *current;
}

bool EvalCond(const CondNode& node, const Value& obj, const GroupSet& groups);
bool EvalValue(const ValueTest& test, const Value& v, const GroupSet& groups);

bool InSet(const ScalarSet& set, const Value& actual, bool lowercase) {
  auto contains = [&](const Value& v) {
    if (lowercase && v.is_string()) {
      return set.ContainsString(absl::AsciiStrToLower(v.as_string()));
    }
    return set.Contains(v);
  };
  if (actual.is_array()) {
    for (const Value& item : actual.items()) {
      if (contains(item)) return true;
    }
    return false;
  }
  return contains(actual);
}

bool EvalOp(const OpTest& op, const Value& actual, const GroupSet& groups) {
  switch (op.op) {
    case Op::kEq:
      return js::StrictEquals(actual, op.operand);
    case Op::kNe:
      return !js::StrictEquals(actual, op.operand);
    case Op::kLt:
      return js::LessThan(actual, op.operand);
    case Op::kLte:
      return js::LessOrEqual(actual, op.operand);
    case Op::kGt:
      return js::LessThan(op.operand, actual);
    case Op::kGte:
      return js::LessOrEqual(op.operand, actual);
    case Op::kExists:
      return op.flag ? !actual.is_null() : actual.is_null();
    case Op::kIn:
    case Op::kIni:
      return InSet(op.set, actual, op.case_insensitive);
    case Op::kNin:
    case Op::kNini:
      return !InSet(op.set, actual, op.case_insensitive);
    case Op::kType:
      return actual.TypeName() == op.text;
    case Op::kRegex: {
      std::string scratch;
      absl::string_view s = js::ToString(actual, scratch);
      return RE2::PartialMatch(re2::StringPiece(s.data(), s.size()), *op.regex);
    }
    case Op::kElemMatch:
      if (!actual.is_array()) return false;
      for (const Value& item : actual.items()) {
        if (!js::Truthy(item)) continue;
        bool hit = op.inner != nullptr ? EvalValue(*op.inner, item, groups)
                                       : EvalCond(*op.inner_cond, item, groups);
        if (hit) return true;
      }
      return false;
    case Op::kSize:
      if (!actual.is_array()) return false;
      return EvalValue(
          *op.inner, Value(static_cast<double>(actual.items().size())), groups);
    case Op::kAll:
      if (!actual.is_array()) return false;
      for (const ValueTest& want : op.all) {
        bool found = false;
        for (const Value& item : actual.items()) {
          if (EvalValue(want, item, groups)) {
            found = true;
            break;
          }
        }
        if (!found) return false;
      }
      return true;
    case Op::kNot:
      return !EvalValue(*op.inner, actual, groups);
    case Op::kInGroup:
      return groups.Contains(op.text, actual);
    case Op::kNotInGroup:
      return !groups.Contains(op.text, actual);
    case Op::kVeq:
    case Op::kVne:
    case Op::kVgt:
    case Op::kVgte:
    case Op::kVlt:
    case Op::kVlte: {
      // A per-thread buffer keeps steady-state evaluation allocation-free.
      thread_local std::string mine;
      mine.clear();
      if (actual.is_string() && !actual.as_string().empty()) {
        AppendPaddedVersion(actual.as_string(), mine);
      } else {
        AppendPaddedVersion(Compiler::VersionText(actual), mine);
      }
      int c = mine.compare(op.text);
      switch (op.op) {
        case Op::kVeq:
          return c == 0;
        case Op::kVne:
          return c != 0;
        case Op::kVgt:
          return c > 0;
        case Op::kVgte:
          return c >= 0;
        case Op::kVlt:
          return c < 0;
        default:
          return c <= 0;
      }
    }
    case Op::kNever:
      return false;
  }
  return false;
}

bool EvalValue(const ValueTest& test, const Value& v, const GroupSet& groups) {
  switch (test.kind) {
    case ValueTest::Kind::kString: {
      std::string scratch;
      absl::string_view s = js::ToString(v, scratch);
      if (test.case_insensitive) {
        return absl::AsciiStrToLower(s) == test.lowered;
      }
      return s == test.literal.as_string();
    }
    case ValueTest::Kind::kNumber:
      return js::ToNumber(v) == test.literal.as_number();
    case ValueTest::Kind::kBool:
      return !v.is_null() && js::Truthy(v) == test.literal.as_bool();
    case ValueTest::Kind::kNull:
      return v.is_null();
    case ValueTest::Kind::kDeepEqual:
      return v == test.literal;
    case ValueTest::Kind::kOps:
      for (const OpTest& op : test.ops) {
        if (!EvalOp(op, v, groups)) return false;
      }
      return true;
  }
  return false;
}

bool EvalCond(const CondNode& node, const Value& obj, const GroupSet& groups) {
  switch (node.kind) {
    case CondNode::Kind::kAnd:
      for (const CondNode& child : node.children) {
        if (!EvalCond(child, obj, groups)) return false;
      }
      return true;
    case CondNode::Kind::kOr:
      if (node.children.empty()) return true;
      for (const CondNode& child : node.children) {
        if (EvalCond(child, obj, groups)) return true;
      }
      return false;
    case CondNode::Kind::kNor:
      if (node.children.empty()) return false;
      for (const CondNode& child : node.children) {
        if (EvalCond(child, obj, groups)) return false;
      }
      return true;
    case CondNode::Kind::kNot:
      return !EvalCond(node.children[0], obj, groups);
    case CondNode::Kind::kField:
      return EvalValue(*node.test, GetPath(obj, node.path), groups);
    case CondNode::Kind::kTrue:
      return true;
    case CondNode::Kind::kFalse:
      return false;
  }
  return false;
}

}  // namespace
}  // namespace condition_internal

using condition_internal::CondNode;

Condition::Condition() = default;
Condition::~Condition() = default;
Condition::Condition(Condition&&) noexcept = default;
Condition& Condition::operator=(Condition&&) noexcept = default;

absl::StatusOr<Condition> Condition::Compile(const Value& doc,
                                             const Options& options) {
  if (doc.is_null()) return Condition();  // no condition: everyone
  condition_internal::Compiler compiler(options.strict,
                                       options.all_errors != nullptr);
  ASSIGN_OR_RETURN(CondNode root, compiler.CompileCond(doc, options.field));
  if (!compiler.errors().empty()) {
    if (options.all_errors != nullptr) *options.all_errors = compiler.errors();
    return absl::InvalidArgumentError(compiler.errors().front());
  }
  Condition c;
  if (root.kind != CondNode::Kind::kAnd || !root.children.empty()) {
    c.root_ = std::make_unique<CondNode>(std::move(root));
  }
  return c;
}

bool Condition::Matches(const Value& attributes, const GroupSet& groups) const {
  if (root_ == nullptr) return true;
  return condition_internal::EvalCond(*root_, attributes, groups);
}

bool Condition::is_empty() const { return root_ == nullptr; }

}  // namespace cxlab::engine
