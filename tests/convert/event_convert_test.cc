// Copyright 2026 The cxlab Authors.
//
// Every bad-input rule of a tracked event, with its exact message, and the
// conversion of a good one.

#include "api/convert/event_convert.h"

#include <cmath>
#include <limits>
#include <string>

#include "gtest/gtest.h"

namespace cxlab::api {
namespace {

const absl::Time kNow =
    absl::FromUnixSeconds(1795000000);  // 2026-11-18T11:06:40Z

v1::Event Good() {
  v1::Event e;
  e.set_event_id("evt-1");
  e.set_unit_id("visitor-42");
  e.set_name("purchase");
  e.set_value(59.9);
  e.mutable_time()->set_seconds(1795000000 - 3600);
  (*e.mutable_properties()->mutable_fields())["sku"].set_string_value("shoe-9");
  return e;
}

std::string ErrorOf(const v1::Event& e) {
  absl::StatusOr<TrackedEvent> r = FromProto(e, kNow, "events[3]");
  if (r.ok()) return "ok";
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(r.status().message());
}

TEST(EventConvert, GoodEventConverts) {
  absl::StatusOr<TrackedEvent> r = FromProto(Good(), kNow, "events[0]");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->event_id, "evt-1");
  EXPECT_EQ(r->unit_type, "user");
  EXPECT_EQ(r->unit_id, "visitor-42");
  EXPECT_EQ(r->name, "purchase");
  EXPECT_DOUBLE_EQ(r->value, 59.9);
  EXPECT_EQ(r->time, kNow - absl::Hours(1));
  ASSERT_NE(r->properties.Find("sku"), nullptr);
  EXPECT_EQ(r->properties.Find("sku")->as_string(), "shoe-9");
}

TEST(EventConvert, DefaultsForTimeTypeAndProperties) {
  v1::Event e = Good();
  e.clear_time();
  e.clear_properties();
  e.set_unit_type("device");
  absl::StatusOr<TrackedEvent> r = FromProto(e, kNow, "events[0]");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->time, kNow);
  EXPECT_EQ(r->unit_type, "device");
  EXPECT_TRUE(r->properties.is_object());
  EXPECT_TRUE(r->properties.members().empty());
}

TEST(EventConvert, MissingFields) {
  v1::Event e = Good();
  e.clear_event_id();
  EXPECT_EQ(ErrorOf(e), "events[3].event_id: must not be empty");
  e = Good();
  e.clear_unit_id();
  EXPECT_EQ(ErrorOf(e), "events[3].unit_id: must not be empty");
  e = Good();
  e.clear_name();
  EXPECT_EQ(ErrorOf(e), "events[3].name: must not be empty");
}

TEST(EventConvert, OversizedFields) {
  v1::Event e = Good();
  e.set_event_id(std::string(257, 'x'));
  EXPECT_EQ(ErrorOf(e), "events[3].event_id: must be at most 256 bytes");
  e = Good();
  e.set_unit_id(std::string(1025, 'u'));
  EXPECT_EQ(ErrorOf(e), "events[3].unit_id: must be at most 1024 bytes");
  e = Good();
  e.set_name(std::string(257, 'n'));
  EXPECT_EQ(ErrorOf(e), "events[3].name: must be at most 256 bytes");
}

TEST(EventConvert, NulInUnitIsRejected) {
  v1::Event e = Good();
  e.set_unit_id(std::string("a\0b", 3));
  EXPECT_EQ(ErrorOf(e), "events[3].unit_id: must not contain NUL");
  e = Good();
  e.set_unit_type(std::string("us\0er", 6));
  EXPECT_EQ(ErrorOf(e), "events[3].unit_type: must not contain NUL");
}

TEST(EventConvert, NonFiniteValues) {
  v1::Event e = Good();
  e.set_value(std::numeric_limits<double>::quiet_NaN());
  EXPECT_EQ(ErrorOf(e), "events[3].value: must be a finite number, got nan");
  e.set_value(std::numeric_limits<double>::infinity());
  EXPECT_EQ(ErrorOf(e), "events[3].value: must be a finite number, got inf");
  e.set_value(-std::numeric_limits<double>::infinity());
  EXPECT_EQ(ErrorOf(e), "events[3].value: must be a finite number, got -inf");
}

TEST(EventConvert, TimesOutOfRange) {
  v1::Event e = Good();
  e.mutable_time()->set_seconds(absl::ToUnixSeconds(kNow + absl::Hours(25)));
  EXPECT_EQ(ErrorOf(e),
            "events[3].time: more than 24 hours in the future "
            "(2026-11-19T12:06:40Z)");
  // Exactly 24 hours ahead is still accepted (clock skew).
  e.mutable_time()->set_seconds(absl::ToUnixSeconds(kNow + absl::Hours(24)));
  EXPECT_EQ(ErrorOf(e), "ok");
  e.mutable_time()->set_seconds(absl::ToUnixSeconds(EarliestEventTime()) - 1);
  EXPECT_EQ(ErrorOf(e), "events[3].time: before 2000-01-01 (1999-12-31T23:59:59Z)");
  e.mutable_time()->set_seconds(absl::ToUnixSeconds(EarliestEventTime()));
  EXPECT_EQ(ErrorOf(e), "ok");
}

TEST(EventConvert, PropertiesTooLarge) {
  v1::Event e = Good();
  (*e.mutable_properties()->mutable_fields())["blob"].set_string_value(
      std::string(17 * 1024, 'p'));
  std::string error = ErrorOf(e);
  EXPECT_EQ(error.rfind("events[3].properties: must be at most 16 KiB, got ", 0),
            0u)
      << error;
  // Just under the limit is fine.
  e = Good();
  (*e.mutable_properties()->mutable_fields())["blob"].set_string_value(
      std::string(16 * 1024 - 64, 'p'));
  EXPECT_EQ(ErrorOf(e), "ok");
}

TEST(EventConvert, PropertiesTooDeep) {
  v1::Event e = Good();
  google::protobuf::Struct nested;
  for (int i = 0; i < 40; ++i) {
    google::protobuf::Struct outer;
    *(*outer.mutable_fields())["a"].mutable_struct_value() = std::move(nested);
    nested = std::move(outer);
  }
  *e.mutable_properties() = std::move(nested);
  EXPECT_EQ(ErrorOf(e),
            "events[3].properties: nesting deeper than 32 levels");
}

}  // namespace
}  // namespace cxlab::api
