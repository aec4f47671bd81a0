// Copyright 2026 The cxlab Authors.

#include "clients/cpp/cli/event_file.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cxlab::cli {
namespace {

using ::testing::ElementsAre;

TEST(EventFile, NdjsonEventsAndErrors) {
  ParsedEvents p = ParseEventsNdjson(
      R"({"id":"e1","unit_id":"u1","name":"purchase","value":59.9,"time":"2026-11-20T10:00:00Z","properties":{"sku":"shoe-9"}}

{"id":"e2","unit_id":42,"unit_type":"device","name":"survey_nps","value":9}
{"id":"e3","unit_id":"u3","name":"purchase","value":"abc"}
not json
{"id":"e5","unit_id":"u5","name":"x","colour":"red"}
[1,2]
{"id":"e7","unit_id":"u7","name":"purchase","time":"yesterday"}
)",
      "events.ndjson");
  ASSERT_EQ(p.events.size(), 2u);
  EXPECT_THAT(p.lines, ElementsAre(1, 3));
  const v1::Event& a = p.events[0];
  EXPECT_EQ(a.event_id(), "e1");
  EXPECT_EQ(a.unit_id(), "u1");
  EXPECT_EQ(a.name(), "purchase");
  EXPECT_DOUBLE_EQ(a.value(), 59.9);
  EXPECT_EQ(a.time().seconds(), 1795168800);  // 2026-11-20T10:00:00Z
  EXPECT_EQ(a.properties().fields().at("sku").string_value(), "shoe-9");
  EXPECT_EQ(p.events[1].unit_id(), "42");
  EXPECT_EQ(p.events[1].unit_type(), "device");
  EXPECT_THAT(
      p.errors,
      ElementsAre("events.ndjson:4: value: must be a number",
                  "events.ndjson:5: line 1, column 1: invalid literal "
                  "(expected null)",
                  "events.ndjson:6: unknown field 'colour'",
                  "events.ndjson:7: must be a JSON object",
                  "events.ndjson:8: time: must be an RFC 3339 time such as "
                  "2026-11-01T12:00:00Z, got 'yesterday'"));
}

TEST(EventFile, CsvWithQuotesExtraColumnsAndErrors) {
  ParsedEvents p = ParseEventsCsv(
      "id,unit_id,name,value,time,properties,channel\n"
      "e1,u1,purchase,59.9,2026-11-20T10:00:00Z,\"{\"\"sku\"\":\"\"shoe, 9\"\"}\",web\n"
      "\n"
      "e2,u2,survey_csat,5,,,\"app\n(ios)\"\n"
      "e3,u3,purchase,abc,,,web\n"
      "e4,u4,purchase\n",
      "events.csv");
  ASSERT_EQ(p.events.size(), 2u);
  EXPECT_THAT(p.lines, ElementsAre(2, 4));
  EXPECT_EQ(p.events[0].properties().fields().at("sku").string_value(),
            "shoe, 9");
  EXPECT_EQ(p.events[0].properties().fields().at("channel").string_value(),
            "web");
  EXPECT_EQ(p.events[1].properties().fields().at("channel").string_value(),
            "app\n(ios)");
  EXPECT_FALSE(p.events[1].has_time());
  EXPECT_THAT(p.errors,
              ElementsAre("events.csv:6: value: must be a number, got 'abc'",
                          "events.csv:7: has 3 columns, the header has 7"));
}

TEST(EventFile, CsvHeaderNeedsUnitAndName) {
  ParsedEvents p = ParseEventsCsv("id,value\ne1,1\n", "e.csv");
  EXPECT_TRUE(p.events.empty());
  ASSERT_EQ(p.errors.size(), 1u);
  EXPECT_EQ(p.errors[0].rfind("e.csv:1: header: needs the columns unit_id and name", 0),
            0u);
}

TEST(EventFile, ReadEventsFileChecksExtensionAndPath) {
  EXPECT_EQ(ReadEventsFile("/tmp/x.txt").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ReadEventsFile("/nonexistent/events.csv").status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace cxlab::cli
