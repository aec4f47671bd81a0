// Copyright 2026 The cxlab Authors.
//
// Tests for engine/groups.h: strict scalar membership and named id lists.

#include "engine/groups.h"

#include <limits>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace cxlab::engine {
namespace {

Value Arr(std::vector<Value> items) { return Value::Array(std::move(items)); }

// ---------------------------------------------------------------- ScalarSet

TEST(ScalarSet, StrictMembership) {
  ScalarSet set({Value("1"), Value(2), Value(true), Value()},
                /*lowercase=*/false);
  EXPECT_TRUE(set.Contains(Value("1")));
  EXPECT_FALSE(set.Contains(Value(1)));  // "1" is not 1
  EXPECT_TRUE(set.Contains(Value(2)));
  EXPECT_TRUE(set.Contains(Value(2.0)));
  EXPECT_FALSE(set.Contains(Value("2")));  // 2 is not "2"
  EXPECT_TRUE(set.Contains(Value(true)));
  EXPECT_FALSE(set.Contains(Value(false)));
  EXPECT_FALSE(set.Contains(Value("true")));
  EXPECT_TRUE(set.Contains(Value()));
  EXPECT_FALSE(set.Contains(Value("null")));
  EXPECT_FALSE(set.Contains(Value(0)));
}

TEST(ScalarSet, EmptySetHoldsNothing) {
  ScalarSet set;
  EXPECT_FALSE(set.Contains(Value()));
  EXPECT_FALSE(set.Contains(Value(false)));
  EXPECT_FALSE(set.Contains(Value(0)));
  EXPECT_FALSE(set.Contains(Value("")));
}

TEST(ScalarSet, ZeroAndNegativeZeroAreTheSame) {
  ScalarSet zero({Value(0)}, false);
  EXPECT_TRUE(zero.Contains(Value(-0.0)));
  ScalarSet neg_zero({Value(-0.0)}, false);
  EXPECT_TRUE(neg_zero.Contains(Value(0)));
}

TEST(ScalarSet, NaNIsNeverAMember) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  ScalarSet set({Value(nan)}, false);
  EXPECT_FALSE(set.Contains(Value(nan)));
}

TEST(ScalarSet, ArraysAndObjectsAreNeverMembers) {
  Value obj = Value::Object();
  obj.Set("a", Value(1));
  ScalarSet set({Arr({Value(1)}), obj, Value(1)}, false);
  EXPECT_TRUE(set.Contains(Value(1)));
  EXPECT_FALSE(set.Contains(Arr({Value(1)})));
  EXPECT_FALSE(set.Contains(obj));
  EXPECT_FALSE(set.Contains(Value::Array()));
  EXPECT_FALSE(set.Contains(Value::Object()));
}

TEST(ScalarSet, Insert) {
  ScalarSet set;
  set.Insert(Value("x"), false);
  set.Insert(Value(false), false);
  EXPECT_TRUE(set.Contains(Value("x")));
  EXPECT_TRUE(set.Contains(Value(false)));
  EXPECT_FALSE(set.Contains(Value(true)));
}

TEST(ScalarSet, LowercaseStoresLowerCasedStrings) {
  ScalarSet set({Value("US"), Value("Ca"), Value(5)}, /*lowercase=*/true);
  EXPECT_TRUE(set.Contains(Value("us")));
  EXPECT_TRUE(set.ContainsString("ca"));
  // Lookups are as-is: callers lower-case the probe themselves.
  EXPECT_FALSE(set.Contains(Value("US")));
  EXPECT_TRUE(set.Contains(Value(5)));

  ScalarSet exact({Value("US")}, /*lowercase=*/false);
  EXPECT_TRUE(exact.ContainsString("US"));
  EXPECT_FALSE(exact.ContainsString("us"));
}

// ---------------------------------------------------------------- GroupSet

TEST(GroupSet, Membership) {
  GroupSet groups;
  groups.Add("vip_customers", {Value("u1"), Value("u7")});
  EXPECT_TRUE(groups.Contains("vip_customers", Value("u7")));
  EXPECT_TRUE(groups.Contains("vip_customers", Value("u1")));
  EXPECT_FALSE(groups.Contains("vip_customers", Value("u2")));
  EXPECT_FALSE(groups.Contains("vip_customers", Value("U7")));
  EXPECT_FALSE(groups.Contains("vip_customers", Value()));
  EXPECT_TRUE(groups.Has("vip_customers"));
  EXPECT_EQ(groups.size(), 1u);
}

TEST(GroupSet, StringAndNumberIdsAreDistinct) {
  GroupSet groups;
  groups.Add("ids", {Value(1), Value("2")});
  EXPECT_TRUE(groups.Contains("ids", Value(1)));
  EXPECT_FALSE(groups.Contains("ids", Value("1")));
  EXPECT_TRUE(groups.Contains("ids", Value("2")));
  EXPECT_FALSE(groups.Contains("ids", Value(2)));
}

TEST(GroupSet, UnknownGroupHoldsNothing) {
  GroupSet groups;
  groups.Add("beta", {Value("u1")});
  EXPECT_FALSE(groups.Has("alpha"));
  EXPECT_FALSE(groups.Contains("alpha", Value("u1")));
  EXPECT_FALSE(groups.Contains("alpha", Value()));
  EXPECT_FALSE(groups.Contains("", Value("u1")));
}

TEST(GroupSet, EmptyGroupExistsButHoldsNothing) {
  GroupSet groups;
  groups.Add("empty", {});
  EXPECT_TRUE(groups.Has("empty"));
  EXPECT_FALSE(groups.Contains("empty", Value("u1")));
}

TEST(GroupSet, ArrayValueMatchesWhenAnyElementIsMember) {
  GroupSet groups;
  groups.Add("vip", {Value("u1"), Value("u7"), Value(42)});
  EXPECT_TRUE(groups.Contains("vip", Arr({Value("x"), Value("u7")})));
  EXPECT_TRUE(groups.Contains("vip", Arr({Value(42)})));
  EXPECT_FALSE(groups.Contains("vip", Arr({Value("x"), Value("y")})));
  EXPECT_FALSE(groups.Contains("vip", Arr({Value("42")})));
  EXPECT_FALSE(groups.Contains("vip", Value::Array()));
  // Elements that are themselves arrays never match.
  EXPECT_FALSE(groups.Contains("vip", Arr({Arr({Value("u1")})})));
}

TEST(GroupSet, ArrayAndObjectMembersAreIgnored) {
  GroupSet groups;
  groups.Add("g", {Arr({Value("a")}), Value::Object(), Value("b")});
  EXPECT_TRUE(groups.Contains("g", Value("b")));
  EXPECT_FALSE(groups.Contains("g", Value("a")));
  EXPECT_FALSE(groups.Contains("g", Arr({Arr({Value("a")})})));
  EXPECT_FALSE(groups.Contains("g", Value::Object()));
}

TEST(GroupSet, AddReplacesAGroup) {
  GroupSet groups;
  groups.Add("g", {Value("old")});
  groups.Add("g", {Value("new")});
  EXPECT_EQ(groups.size(), 1u);
  EXPECT_FALSE(groups.Contains("g", Value("old")));
  EXPECT_TRUE(groups.Contains("g", Value("new")));
}

TEST(GroupSet, GroupsAreIndependent) {
  GroupSet groups;
  groups.Add("a", {Value("u1")});
  groups.Add("b", {Value("u2")});
  EXPECT_EQ(groups.size(), 2u);
  EXPECT_TRUE(groups.Contains("a", Value("u1")));
  EXPECT_FALSE(groups.Contains("a", Value("u2")));
  EXPECT_TRUE(groups.Contains("b", Value("u2")));
}

}  // namespace
}  // namespace cxlab::engine
