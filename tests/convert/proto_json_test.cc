// Copyright 2026 The cxlab Authors.
//
// Tests for api/convert/proto_json: ProtoToJson / ProtoFromJson against
// protobuf's own util::MessageToJsonString (always_print_primitive_fields)
// and util::JsonStringToMessage on the cxlab.v1 messages and on a test
// message (built at run time) with every field kind:
//   (a) our text is byte-identical to protobuf's and protobuf parses it back
//       to the same message;
//   (b) we parse protobuf's text (json names and proto names) back to the
//       same message;
//   (c) bad input is InvalidArgument naming the JSON path (messages pinned);
//   (d) deep nesting is rejected without crashing;
//   (e) a seeded random round-trip property over randomly filled messages.

#include "api/convert/proto_json.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "cxlab/v1/assignment.pb.h"
#include "cxlab/v1/definitions.pb.h"
#include "cxlab/v1/events.pb.h"
#include "cxlab/v1/experiment_service.pb.h"
#include "cxlab/v1/personalization.pb.h"
#include "cxlab/v1/reports.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/any.pb.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/duration.pb.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/empty.pb.h"
#include "google/protobuf/field_mask.pb.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/util/field_comparator.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "google/protobuf/wrappers.pb.h"
#include "gtest/gtest.h"

namespace cxlab::api {
namespace {

namespace pb = ::google::protobuf;
using ::google::protobuf::Message;
using ::google::protobuf::util::MessageDifferencer;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// ---- helpers ----------------------------------------------------------------

// protobuf's text for `m` (always_print_primitive_fields).
std::string PbJson(const Message& m, bool preserve_names = false) {
  pb::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = preserve_names;
  std::string out;
  const auto status = pb::util::MessageToJsonString(m, &out, options);
  EXPECT_TRUE(status.ok()) << status.ToString();
  return out;
}

// Message equality with NaN equal to NaN; `equivalent`: an unset field
// equals one set to its default (protobuf reads the "-0" it prints for a
// double -0.0 as 0, which proto3 then holds as unset).
bool Same(const Message& a, const Message& b, std::string* diff,
          bool equivalent = false) {
  pb::util::DefaultFieldComparator comparator;
  comparator.set_treat_nan_as_equal(true);
  MessageDifferencer differencer;
  differencer.set_field_comparator(&comparator);
  if (equivalent) {
    differencer.set_message_field_comparison(MessageDifferencer::EQUIVALENT);
  }
  differencer.ReportDifferencesToString(diff);
  return differencer.Compare(a, b);
}

#define EXPECT_SAME_IMPL(a, b, equivalent)                               \
  do {                                                                   \
    std::string diff_;                                                   \
    EXPECT_TRUE(Same((a), (b), &diff_, equivalent))                      \
        << diff_ << "\n"                                                 \
        << (a).ShortDebugString() << "\n vs " << (b).ShortDebugString(); \
  } while (0)
#define EXPECT_SAME(a, b) EXPECT_SAME_IMPL(a, b, false)
#define EXPECT_EQUIVALENT(a, b) EXPECT_SAME_IMPL(a, b, true)

// (a) and (b) for one message. `byte_identical`: our text must equal
// protobuf's.
void ExpectEquivalent(const Message& m, bool byte_identical = true) {
  SCOPED_TRACE(m.GetDescriptor()->full_name());
  const std::string ours = ProtoToJson(m);
  if (byte_identical) {
    const std::string theirs = PbJson(m);
    if (ours != theirs) {
      size_t i = 0;
      while (i < ours.size() && i < theirs.size() && ours[i] == theirs[i]) ++i;
      const size_t from = i < 60 ? 0 : i - 60;
      ADD_FAILURE() << "texts differ at byte " << i
                    << "\n  ours:     " << ours.substr(from, 160)
                    << "\n  protobuf: " << theirs.substr(from, 160);
    }
  }

  // (a) protobuf reads our text back to m.
  std::unique_ptr<Message> back(m.New());
  const auto status = pb::util::JsonStringToMessage(ours, back.get());
  ASSERT_TRUE(status.ok()) << status.ToString() << "\n" << ours;
  EXPECT_EQUIVALENT(*back, m);

  // (b) we read protobuf's text (both name styles) and our own back to m.
  for (const std::string& text : {PbJson(m), PbJson(m, true), ours}) {
    std::unique_ptr<Message> parsed(m.New());
    const absl::Status s = ProtoFromJson(text, parsed.get());
    ASSERT_TRUE(s.ok()) << s << "\n" << text;
    EXPECT_SAME(*parsed, m);
  }
}

pb::Value J(const std::string& json) {
  pb::Value v;
  const auto status = pb::util::JsonStringToMessage(json, &v);
  EXPECT_TRUE(status.ok()) << json;
  return v;
}

pb::Struct S(const std::string& json) {
  pb::Struct s;
  const auto status = pb::util::JsonStringToMessage(json, &s);
  EXPECT_TRUE(status.ok()) << json;
  return s;
}

pb::Timestamp Ts(int64_t seconds, int32_t nanos) {
  pb::Timestamp t;
  t.set_seconds(seconds);
  t.set_nanos(nanos);
  return t;
}

void ExpectInvalid(const absl::Status& status, const std::string& message) {
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_EQ(status.message(), message);
}

template <typename T>
absl::Status Parse(const std::string& json) {
  T m;
  return ProtoFromJson(json, &m);
}

// ---- cxlab.v1 messages ------------------------------------------------------

cxlab::v1::AssignResponse SevenAssignments() {
  cxlab::v1::AssignResponse r;
  const char* kPayloads[] = {
      R"({"layout": "steps", "steps": 3, "live_chat": false})",
      R"({"layout": "single_page", "steps": 1, "live_chat": true,
          "chat": {"team": "checkout-help", "open_after_seconds": 20,
                   "hours": "08:00-20:00"}})",
      R"({"express_checkout": true, "wallets": ["apple_pay", "google_pay"]})",
      R"({"hero": "default"})",
      R"({"carousel": {"model": "complete-the-look-v2", "items": 8}})",
      R"({"free_shipping_threshold_eur": 35.5})",
      R"({"bundle": null})",
  };
  const cxlab::v1::Reason kReasons[] = {
      cxlab::v1::REASON_ASSIGNED, cxlab::v1::REASON_ASSIGNED,
      cxlab::v1::REASON_LAUNCHED, cxlab::v1::REASON_FORCED,
      cxlab::v1::REASON_ASSIGNED, cxlab::v1::REASON_HOLDOUT,
      cxlab::v1::REASON_ASSIGNED};
  for (int i = 0; i < 7; ++i) {
    cxlab::v1::Assignment* a = r.add_assignments();
    a->set_experiment_key(absl::StrCat("experiment_", i));
    a->set_variant_key(i % 2 ? "treatment" : "control");
    a->set_variant_index(i % 3);
    *a->mutable_payload() = J(kPayloads[i]);
    a->set_reason(kReasons[i]);
    a->set_in_experiment(i != 5);
    a->set_used_fallback(i == 4);
  }
  r.set_config_version(1234567);
  return r;
}

TEST(ProtoJson, AssignRequest) {
  cxlab::v1::AssignRequest m;
  ExpectEquivalent(m);
  EXPECT_EQ(ProtoToJson(m), R"({"experimentKeys":[],"omitPayloads":false})");
  m.mutable_unit()->set_unit_id("bench-123");
  *m.mutable_unit()->mutable_attributes() =
      S(R"({"device": {"type": "mobile"}, "visits": 3})");
  ExpectEquivalent(m);
  m.mutable_unit()->set_unit_type("user");
  (*m.mutable_unit()->mutable_ids())["device"] = "d-9";
  (*m.mutable_unit()->mutable_ids())["account"] = "a-1";
  (*m.mutable_unit()->mutable_ids())["session"] = "s \"x\"";
  *m.mutable_unit()->mutable_attributes() = S(
      R"({"country": "US", "cart": {"items": 2, "total": 99.95},
          "tags": ["a", "b", 1, true, null, {"x": []}], "new": false,
          "empty": {}, "none": null, "big": 1e300, "neg": -0.5})");
  m.add_experiment_keys("checkout");
  m.add_experiment_keys("homepage");
  m.set_omit_payloads(true);
  m.set_log_exposure(false);
  ExpectEquivalent(m);
}

TEST(ProtoJson, AssignResponse) {
  cxlab::v1::AssignResponse m = SevenAssignments();
  ExpectEquivalent(m);
  // Payloads that are not objects print last (protobuf's order).
  m.mutable_assignments(0)->mutable_payload()->set_string_value("blue");
  m.mutable_assignments(1)->mutable_payload()->set_number_value(0.1);
  *m.mutable_assignments(2)->mutable_payload() = J("[1, [2], {}]");
  m.mutable_assignments(3)->mutable_payload()->set_null_value(pb::NULL_VALUE);
  m.mutable_assignments(4)->mutable_payload()->set_bool_value(false);
  m.mutable_assignments(5)->clear_payload();
  ExpectEquivalent(m);
  EXPECT_THAT(ProtoToJson(m),
              StartsWith(R"({"assignments":[{"experimentKey":"experiment_0",)"
                         R"("variantKey":"control","variantIndex":0,)"
                         R"("reason":"REASON_ASSIGNED","inExperiment":true,)"
                         R"("usedFallback":false,"payload":"blue"},)"));
}

TEST(ProtoJson, AssignBatchResponse) {
  cxlab::v1::AssignBatchResponse m;
  ExpectEquivalent(m);
  for (int i = 0; i < 3; ++i) {
    cxlab::v1::UnitAssignments* u = m.add_results();
    u->set_unit_id(absl::StrCat("u-", i));
    *u->mutable_assignments() = SevenAssignments().assignments();
  }
  m.add_results();
  m.set_config_version(-9);
  ExpectEquivalent(m);
}

TEST(ProtoJson, GetContentResponse) {
  cxlab::v1::GetContentResponse m;
  cxlab::v1::SlotContent* c = m.add_contents();
  c->set_slot("home.hero");
  *c->mutable_content() =
      J(R"({"title": "Spring <sale> & more", "image": "/img/h\u00e9ro.png",
            "ctas": [{"text": "Shop", "href": "/shop?a=1&b=2"}]})");
  c->set_rule_id("returning");
  c->add_matched_segments("returning_visitors");
  c->add_matched_segments("mobile");
  c->set_reason("rule");
  cxlab::v1::SlotContent* d = m.add_contents();
  d->set_slot("checkout.hint");
  d->mutable_content()->set_string_value("Free shipping over 50 \xe2\x82\xac");
  d->set_is_default(true);
  d->set_reason("default");
  m.add_contents()->set_slot("empty");
  m.set_config_version(42);
  ExpectEquivalent(m);
}

TEST(ProtoJson, TrackRequestWithTimestamps) {
  cxlab::v1::TrackRequest m;
  const int32_t kNanos[] = {0,         21000000,  1000,   999999999, 1,
                            500000000, 123456789, 120000, 100000000, 10};
  for (int i = 0; i < 10; ++i) {
    cxlab::v1::Event* e = m.add_events();
    e->set_event_id(absl::StrCat("e", i));
    e->set_name(i % 2 ? "purchase" : "survey_nps");
    e->set_unit_id("u-1");
    *e->mutable_time() = Ts(1795000000 + i * 86399, kNanos[i]);
    e->set_value(i * 10.25);
    *e->mutable_properties() =
        S(R"({"sku": "A-1", "qty": 2, "price": 19.99, "gift": false})");
  }
  *m.mutable_events(0)->mutable_time() = Ts(-62135596800, 0);  // 0001-01-01
  *m.mutable_events(1)->mutable_time() = Ts(253402300799, 999999999);
  *m.mutable_events(2)->mutable_time() = Ts(-1, 999999999);  // 1969
  *m.mutable_events(3)->mutable_time() = Ts(951782400, 0);   // 2000-02-29
  m.add_events();  // all defaults, no time
  ExpectEquivalent(m);
  EXPECT_THAT(ProtoToJson(m), HasSubstr(R"("time":"0001-01-01T00:00:00Z")"));
  EXPECT_THAT(ProtoToJson(m),
              HasSubstr(R"("time":"9999-12-31T23:59:59.999999999Z")"));
  EXPECT_THAT(ProtoToJson(m),
              HasSubstr(R"("time":"1969-12-31T23:59:59.999999999Z")"));
  EXPECT_THAT(ProtoToJson(m), HasSubstr(R"("time":"2000-02-29T00:00:00Z")"));
}

cxlab::v1::Experiment FullExperiment() {
  cxlab::v1::Experiment e;
  e.set_key("checkout_flow");
  e.set_name("Checkout flow");
  e.set_description("Three steps vs one page.\nSecond line\twith tab.");
  e.set_hypothesis("One page converts better");
  e.set_owner("cx-team");
  e.add_tags("checkout");
  e.add_tags("q3");
  e.set_status(cxlab::v1::EXPERIMENT_STATUS_RUNNING);
  e.set_salt("s1");
  e.set_unit_type("user");
  e.set_hash_attribute("customer_id");
  e.set_fallback_attribute("device_id");
  for (int i = 0; i < 3; ++i) {
    cxlab::v1::Variant* v = e.add_variants();
    v->set_key(absl::StrCat("v", i));
    v->set_name(absl::StrCat("Variant ", i));
    if (i != 1) v->set_weight(i == 0 ? 0.0 : 1.0 / 3);
    if (i != 0) *v->mutable_payload() = J(R"({"layout": "single_page"})");
  }
  e.set_coverage(0.8);
  e.add_segments("returning_visitors");
  *e.mutable_condition() =
      S(R"({"cart.items": {"$gt": 0}, "customer_id": {"$notInGroup": "x"}})");
  e.set_layer("checkout_layer");
  e.mutable_layer_range()->set_start(0.25);
  e.mutable_layer_range()->set_end(0.75);
  e.set_exempt_from_holdout(true);
  cxlab::v1::ForcedVariant* f = e.add_forced();
  f->set_unit_id("qa-user-1");
  f->set_variant_key("v1");
  *e.mutable_start() = Ts(1790000000, 0);
  *e.mutable_end() = Ts(1800000000, 500000000);
  e.set_winner("");
  e.add_metrics("conversion");
  e.add_metrics("revenue");
  e.add_guardrails("refunds");
  e.set_sticky(true);
  e.set_bucket_version(3);
  e.mutable_bandit()->set_metric("conversion");
  e.mutable_bandit()->set_min_share(0.05);
  e.mutable_meta()->set_version(17);
  e.mutable_meta()->set_created_version(2);
  *e.mutable_meta()->mutable_updated_at() = Ts(1795000000, 123000);
  e.mutable_meta()->set_updated_by("key-1");
  return e;
}

TEST(ProtoJson, ExperimentDefinitions) {
  ExpectEquivalent(cxlab::v1::Experiment());
  ExpectEquivalent(FullExperiment());

  cxlab::v1::Definitions d;
  *d.add_experiments() = FullExperiment();
  d.add_experiments()->set_key("bare");
  cxlab::v1::Segment* s = d.add_segments();
  s->set_key("mobile");
  *s->mutable_condition() = S(R"({"device.type": "mobile"})");
  cxlab::v1::Group* g = d.add_groups();
  g->set_key("internal");
  *g->add_ids() = J("\"u-1\"");
  *g->add_ids() = J("42");
  *g->add_ids() = J("-0.5");
  cxlab::v1::Metric* m = d.add_metrics();
  m->set_key("revenue");
  m->set_type(cxlab::v1::METRIC_TYPE_MEAN);
  m->set_event("purchase");
  m->set_window_hours(72);
  m->set_direction(cxlab::v1::METRIC_DIRECTION_HIGHER);
  m->set_cap(0);
  m->set_scale_max(10);
  *m->mutable_filter() = S(R"({"currency": "EUR"})");
  d.add_metrics()->set_type(static_cast<cxlab::v1::MetricType>(77));
  d.add_layers()->set_holdout(0.1);
  d.add_holdouts()->set_share(0.05);
  cxlab::v1::Slot* slot = d.add_slots();
  slot->set_key("home.hero");
  *slot->mutable_default_content() = J(R"({"hero": "default"})");
  cxlab::v1::SlotRule* rule = slot->add_rules();
  rule->set_key("r1");
  rule->set_priority(-5);
  *rule->mutable_content() = J("\"text\"");
  *rule->mutable_start() = Ts(0, 0);
  ExpectEquivalent(d);

  cxlab::v1::ValidateResponse v;
  v.set_valid(false);
  cxlab::v1::FieldError* err = v.add_errors();
  err->set_kind("experiment");
  err->set_field("variants[1].weight");
  err->set_message("weights must sum to 1, got 0.9");
  cxlab::v1::PlannedChange* c = v.add_changes();
  c->set_action(cxlab::v1::PlannedChange::ACTION_UPDATE);
  c->add_changed_fields("variants");
  ExpectEquivalent(v);

  cxlab::v1::ListChangesResponse changes;
  cxlab::v1::Change* ch = changes.add_changes();
  ch->set_version(5);
  *ch->mutable_time() = Ts(1795000000, 7);
  ch->set_before_json(R"({"a":"<b>"})");
  ch->set_after_json("\x01\x1f\x7f");
  changes.set_next_page_token("tok");
  ExpectEquivalent(changes);
}

cxlab::v1::Effect MakeEffect(double base) {
  cxlab::v1::Effect e;
  e.set_estimate(base);
  e.set_std_error(base / 7);
  e.mutable_ci()->set_lower(base - 0.01);
  e.mutable_ci()->set_upper(base + 0.01);
  e.set_p_value(0.0123456789);
  e.set_adjusted_p_value(0.05);
  e.set_chance_to_win(0.97);
  e.set_risk_control(1e-9);
  e.set_risk_treatment(0);
  return e;
}

cxlab::v1::Report FullReport() {
  cxlab::v1::Report r;
  r.set_experiment_key("checkout_flow");
  r.set_name("Checkout flow");
  r.set_status("running");
  r.set_method(cxlab::v1::METHOD_SEQUENTIAL);
  r.set_alpha(0.05);
  r.set_cuped(true);
  r.set_correction(cxlab::v1::CORRECTION_HOLM);
  *r.mutable_computed_at() = Ts(1795000000, 250000000);
  r.set_days_running(12.345678901234567);
  r.add_variant_keys("control");
  r.add_variant_keys("one_page");
  r.add_units(10234);
  r.add_units(10199);
  r.mutable_srm()->add_units(10234);
  r.mutable_srm()->add_units(10199);
  r.mutable_srm()->add_weights(0.5);
  r.mutable_srm()->add_weights(0.5);
  r.mutable_srm()->set_chi_square(0.06);
  r.mutable_srm()->set_p_value(0.8);
  for (int k = 0; k < 3; ++k) {
    cxlab::v1::MetricResult* mr = r.add_metrics();
    mr->set_metric_key(absl::StrCat("m", k));
    mr->set_type("binomial");
    mr->set_direction("higher");
    mr->set_primary(k == 0);
    mr->set_guardrail(k == 2);
    if (k == 2) mr->set_guardrail_status("ok");
    if (k == 1) mr->set_cuped_theta(0.42);
    for (int v = 0; v < 2; ++v) {
      cxlab::v1::VariantResult* vr = mr->add_variants();
      vr->set_variant_key(v ? "one_page" : "control");
      vr->set_units(10000 + v);
      vr->set_value(0.1 + v * 0.006);
      vr->mutable_value_ci()->set_lower(0.09);
      if (v) {
        *vr->mutable_absolute() = MakeEffect(0.006);
        *vr->mutable_relative() = MakeEffect(0.06);
        vr->set_verdict(cxlab::v1::VERDICT_BETTER);
        vr->set_significant(true);
        vr->set_cuped_variance_reduction(0.21);
      }
      cxlab::v1::Warning* w = vr->add_warnings();
      w->set_code("low_units");
      w->set_message("fewer than 100 units");
    }
  }
  r.mutable_power()->set_metric_key("m0");
  r.mutable_power()->set_mde_relative(0.031);
  r.mutable_power()->set_target_relative_effect(0.05);
  r.mutable_power()->set_units_still_needed(1234.5);
  r.mutable_power()->set_units_per_day(850);
  r.set_verdict("one_page raises conversion by +6.1% [+2.3%, +9.9%]");
  cxlab::v1::SegmentReport* sr = r.add_by_segment();
  sr->set_segment("mobile");
  sr->add_units(5000);
  *sr->mutable_metrics() = r.metrics();
  r.add_warnings()->set_code("srm");
  r.set_from_day("2026-01-01");
  return r;
}

TEST(ProtoJson, Report) {
  ExpectEquivalent(cxlab::v1::Report());
  cxlab::v1::Report r = FullReport();
  ExpectEquivalent(r);
  // Reports never hold them, but optional doubles may be NaN or infinite.
  cxlab::v1::Effect* e =
      r.mutable_metrics(0)->mutable_variants(1)->mutable_relative();
  e->set_estimate(std::numeric_limits<double>::quiet_NaN());
  e->mutable_ci()->set_lower(-std::numeric_limits<double>::infinity());
  e->mutable_ci()->set_upper(std::numeric_limits<double>::infinity());
  r.set_alpha(std::numeric_limits<double>::quiet_NaN());
  ExpectEquivalent(r);
  EXPECT_THAT(ProtoToJson(r), HasSubstr(R"("alpha":"NaN")"));
  EXPECT_THAT(ProtoToJson(r),
              HasSubstr(R"("lower":"-Infinity","upper":"Infinity")"));

  cxlab::v1::GetTimeSeriesResponse ts;
  ts.set_metric_key("m0");
  cxlab::v1::TimeSeriesPoint* p = ts.add_points();
  p->set_day("2026-01-02");
  p->set_control_value(0.1);
  *p->mutable_relative() = MakeEffect(-0.02);
  ExpectEquivalent(ts);

  cxlab::v1::BanditState b;
  b.set_experiment_key("x");
  b.set_interval_minutes(60);
  cxlab::v1::BanditContextWeights* w = b.add_contexts();
  w->add_weights(0.25);
  w->add_weights(0.75);
  w->add_units(-1);
  w->add_conversions(std::numeric_limits<int64_t>::max());
  cxlab::v1::BanditVersion* v = b.add_history();
  v->set_version(std::numeric_limits<int64_t>::min());
  *v->mutable_time() = Ts(1, 1000000);
  *v->add_contexts() = *w;
  ExpectEquivalent(b);
}

TEST(ProtoJson, Doubles) {
  const double kValues[] = {0.0,
                            -0.0,
                            1,
                            -1,
                            0.1,
                            0.1 + 0.2,
                            0.1 + 0.7,
                            1.0 / 3,
                            2.0 / 3,
                            1e15,
                            1e15 - 1,
                            999999999999999.9,
                            123456789012345678.0,
                            1e21,
                            1e22,
                            1e-5,
                            1e-7,
                            0.0001,
                            5e-324,
                            2.2250738585072014e-308,
                            std::numeric_limits<double>::max(),
                            -std::numeric_limits<double>::max(),
                            9007199254740993.0,
                            4.35,
                            100.0 / 3,
                            std::numeric_limits<double>::quiet_NaN(),
                            std::numeric_limits<double>::infinity(),
                            -std::numeric_limits<double>::infinity()};
  cxlab::v1::SrmCheck m;
  for (double d : kValues) m.add_weights(d);
  ExpectEquivalent(m);
  // Floats, subnormals included.
  pb::FloatValue f;
  for (float v : {0.1f, 1e-40f, -1.92911014e-39f, 3.4028235e38f,
                  1.17549435e-38f, 16777216.0f, 0.3f, 1e-5f, 123456.7f}) {
    cxlab::v1::Experiment unused;
    (void)unused;
    f.set_value(v);
    pb::Any any;
    any.PackFrom(f);  // a FloatValue inside a message prints normally
    ExpectEquivalent(any);
  }
  for (double d : kValues) {
    pb::DoubleValue w;
    w.set_value(d);
    ExpectEquivalent(w);
    if (std::isfinite(d)) {
      pb::Value v;
      v.set_number_value(d);
      ExpectEquivalent(v);
    }
  }
  // Many doubles (random bits, quotients, binary fractions, decimal
  // magnitudes), against protobuf's printer.
  std::mt19937_64 rng(42);
  cxlab::v1::SrmCheck many;
  for (int i = 0; i < 20000; ++i) {
    const uint64_t bits = rng();
    double d;
    std::memcpy(&d, &bits, sizeof d);
    if (std::isfinite(d)) many.add_weights(d);
    many.add_weights(static_cast<double>(rng() % 100000) /
                     static_cast<double>(1 + rng() % 1000));
    many.add_weights(std::ldexp(static_cast<double>(rng() % 1000000),
                                -static_cast<int>(rng() % 60)));
    many.add_weights(static_cast<double>(rng() % 1000) *
                     std::pow(10.0, static_cast<double>(rng() % 40) - 20));
  }
  EXPECT_EQ(ProtoToJson(many), PbJson(many));
  ExpectEquivalent(many);

  // A Value holding NaN prints as protobuf prints it (it reads back as the
  // string "NaN": the JSON mapping cannot say more).
  pb::Value nan;
  nan.set_number_value(std::numeric_limits<double>::quiet_NaN());
  EXPECT_EQ(ProtoToJson(nan), PbJson(nan));
  EXPECT_EQ(ProtoToJson(nan), "\"NaN\"");
}

TEST(ProtoJson, Strings) {
  const std::string kStrings[] = {
      "",
      "plain",
      "quote \" backslash \\ slash /",
      std::string("nul \0 byte", 10),
      "\x01\x02\x08\x09\x0a\x0b\x0c\x0d\x1f\x7f",
      "<script>alert('x' & \"y\")</script>",
      "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
      "\xc2\x80\xc2\x9f\xc2\xa0\xc2\xad",                  // C1, nbsp, shy
      "\xe2\x80\xa8\xe2\x80\xa9\xef\xbb\xbf\xe2\x80\x8b",  // U+2028 ...
      "\xd8\x80\xdb\x9d\xdc\x8f\xe1\x9e\xb4\xe2\x81\xa0\xe2\x81\xaf",
      "\xef\xbf\xb9\xef\xbf\xbb\xef\xbf\xbc",
      "\xf3\xa0\x80\x81\xf3\xa0\x80\xa0\xf0\x9d\x85\xb3",  // tags, music
  };
  cxlab::v1::Experiment e;
  for (const std::string& s : kStrings) {
    e.set_name(s);
    e.add_tags(s);
    ExpectEquivalent(e);
    pb::Value v;
    v.set_string_value(s);
    ExpectEquivalent(v);
  }
  EXPECT_EQ(ProtoToJson(J(R"("<a href=\"x\">\u2028")")),
            R"("\u003ca href=\"x\"\u003e\u2028")");
}

// Bytes that are not UTF-8 are dropped as protobuf drops them; protobuf
// logs an error when it serializes such a string, so only our side runs on
// all of them.
TEST(ProtoJson, InvalidUtf8IsDroppedLikeProtobuf) {
  pb::Value v;
  // protobuf reads a lead byte's continuation bytes, and drops all it read
  // when one is not a continuation byte ("d" goes with "\xe2\x82");
  // overlong forms pass (\xc0\x80 is NUL).
  v.set_string_value(
      "a\xff"
      "b\xc3"
      "c\xe2\x82"
      "d\xed\xa0\x80"
      "e\xc0\x80"
      "\xf4\x90\x80\x80"
      "f\xc1\xbf\xe0\x80\xaf\xc3");
  EXPECT_EQ(ProtoToJson(v), "\"abe\\u0000f\\u007f\xe0\x80\xaf\"");
  EXPECT_EQ(ProtoToJson(v), PbJson(v));  // protobuf logs an error here
  for (const char* s : {"\x80", "\xbf\xc0", "\xf8\x88\x80\x80\x80", "x\xe2",
                        "\xf0\x9f\x98", "\xc3\xa9\xc3"}) {
    v.set_string_value(s);
    EXPECT_EQ(ProtoToJson(v), PbJson(v)) << s;
  }
}

TEST(ProtoJson, TimestampsAndDurations) {
  const int64_t kSeconds[] = {0,
                              1,
                              -1,
                              59,
                              1795000000,
                              -62135596800,
                              253402300799,
                              951782400,
                              4107542400,
                              -2208988800};
  const int32_t kNanos[] = {0,      1,         10,        999,
                            1000,   1000000,   21000000,  999999999,
                            123456, 123456789, 500000000, 999000};
  for (int64_t s : kSeconds) {
    for (int32_t n : kNanos) {
      ExpectEquivalent(Ts(s, n));
    }
  }
  EXPECT_EQ(ProtoToJson(Ts(63115220, 21000000)),
            R"("1972-01-01T12:00:20.021Z")");

  const int64_t kDurSeconds[] = {0, 1, 59, 3600, 315576000000, 1234567890};
  for (int64_t s : kDurSeconds) {
    for (int32_t n : kNanos) {
      for (int sign : {1, -1}) {
        pb::Duration d;
        d.set_seconds(sign * s);
        d.set_nanos(sign * n);
        ExpectEquivalent(d);
      }
    }
  }
  pb::Duration d;
  d.set_seconds(1);
  d.set_nanos(500000000);
  EXPECT_EQ(ProtoToJson(d), R"("1.500s")");
  d.set_seconds(0);
  d.set_nanos(-5);
  EXPECT_EQ(ProtoToJson(d), R"("-0.000000005s")");

  // Out of range: protobuf fails; we clamp / normalise (documented).
  EXPECT_EQ(ProtoToJson(Ts(-62135596801, 0)), R"("0001-01-01T00:00:00Z")");
  EXPECT_EQ(ProtoToJson(Ts(253402300800, 0)),
            R"("9999-12-31T23:59:59.999999999Z")");
  EXPECT_EQ(ProtoToJson(Ts(10, -1)), R"("1970-01-01T00:00:09.999999999Z")");
  d.set_seconds(1);
  d.set_nanos(-1);
  EXPECT_EQ(ProtoToJson(d), R"("0.999999999s")");
  d.set_seconds(std::numeric_limits<int64_t>::min());
  d.set_nanos(0);
  EXPECT_EQ(ProtoToJson(d), R"("-315576000000.999999999s")");

  // Parsing: offsets, fractions of any length, rounding-free.
  pb::Timestamp t;
  ASSERT_TRUE(ProtoFromJson(R"("1972-01-01T10:00:20.021+01:00")", &t).ok());
  EXPECT_EQ(t.seconds(), 63104420);
  EXPECT_EQ(t.nanos(), 21000000);
  ASSERT_TRUE(ProtoFromJson(R"("1972-01-01T10:00:20.0211-00:30")", &t).ok());
  EXPECT_EQ(t.seconds(), 63109820);
  EXPECT_EQ(t.nanos(), 21100000);
  ASSERT_TRUE(ProtoFromJson(R"("1.s")", &d).ok());
  EXPECT_EQ(d.seconds(), 1);
  ASSERT_TRUE(ProtoFromJson(R"("-0.5s")", &d).ok());
  EXPECT_EQ(d.seconds(), 0);
  EXPECT_EQ(d.nanos(), -500000000);
}

TEST(ProtoJson, TopLevelWellKnownTypes) {
  ExpectEquivalent(J("null"));
  ExpectEquivalent(J("[1, \"a\", [], {}, {\"b\": [null]}]"));
  ExpectEquivalent(S("{}"));
  pb::ListValue l;
  *l.add_values() = J("1");
  *l.add_values() = J("[true, null]");
  ExpectEquivalent(l);
  // protobuf's printer adds a bogus "values":[] to objects in a top-level
  // ListValue; we do not.
  *l.add_values() = J("{\"a\": {}}");
  EXPECT_EQ(PbJson(l), R"([1,[true,null],{"values":[],"a":{}}])");
  EXPECT_EQ(ProtoToJson(l), R"([1,[true,null],{"a":{}}])");
  pb::ListValue back;
  ASSERT_TRUE(pb::util::JsonStringToMessage(ProtoToJson(l), &back).ok());
  EXPECT_SAME(back, l);
  ExpectEquivalent(pb::Empty());
  pb::Int64Value i64;
  i64.set_value(-5);
  ExpectEquivalent(i64);
  pb::UInt64Value u64;
  u64.set_value(std::numeric_limits<uint64_t>::max());
  ExpectEquivalent(u64);
  pb::BytesValue bytes;
  bytes.set_value(std::string("\0\xff\x10hello", 8));
  ExpectEquivalent(bytes);
  pb::StringValue str;
  str.set_value("x");
  ExpectEquivalent(str);
  pb::BoolValue b;
  b.set_value(true);
  ExpectEquivalent(b);
  // protobuf prints a top-level FloatValue as `true` when printing
  // primitive fields (a bug); we print the number.
  pb::FloatValue f;
  f.set_value(0.1f);
  EXPECT_EQ(ProtoToJson(f), "0.1");
  pb::FieldMask mask;
  mask.add_paths("foo_bar.baz_qux");
  mask.add_paths("a");
  ExpectEquivalent(mask);
  EXPECT_EQ(ProtoToJson(mask), R"("fooBar.bazQux,a")");
  pb::Any any;
  any.PackFrom(FullExperiment());
  ExpectEquivalent(any);
  any.PackFrom(Ts(5, 0));
  ExpectEquivalent(any);

  // A Value with no kind: left out where it appears, null at the top level
  // (protobuf prints nothing there).
  EXPECT_EQ(ProtoToJson(pb::Value()), "null");
  pb::Struct s;
  (*s.mutable_fields())["a"];
  (*s.mutable_fields())["b"].set_bool_value(true);
  EXPECT_EQ(ProtoToJson(s), PbJson(s));
  EXPECT_EQ(ProtoToJson(s), R"({"b":true})");
  l.Clear();
  l.add_values();
  l.add_values()->set_number_value(1);
  EXPECT_EQ(ProtoToJson(l), "[1]");
  cxlab::v1::Assignment a;
  a.mutable_payload();
  EXPECT_EQ(ProtoToJson(a), PbJson(a));
}

// ---- a run-time test message with every field kind -------------------------

// Builds cxlab_test.All (see BuildTestFile) in a pool over the generated
// one, so its well-known types are the generated classes.
class TestTypes {
 public:
  explicit TestTypes(bool delegate_to_generated = true)
      : pool_(pb::DescriptorPool::generated_pool()) {
    const pb::FileDescriptor* file = pool_.BuildFile(FileProto());
    EXPECT_NE(file, nullptr);
    all_ = file->FindMessageTypeByName("All");
    factory_.SetDelegateToGeneratedFactory(delegate_to_generated);
  }
  std::unique_ptr<Message> NewAll() {
    return std::unique_ptr<Message>(factory_.GetPrototype(all_)->New());
  }
  const pb::Descriptor* all() const { return all_; }

 private:
  using F = pb::FieldDescriptorProto;

  static F* Add(pb::DescriptorProto* m, const std::string& name, int number,
                F::Type type, const std::string& type_name = "",
                bool repeated = false) {
    F* f = m->add_field();
    f->set_name(name);
    f->set_number(number);
    f->set_type(type);
    f->set_label(repeated ? F::LABEL_REPEATED : F::LABEL_OPTIONAL);
    if (!type_name.empty()) f->set_type_name(type_name);
    return f;
  }
  static void AddMap(pb::DescriptorProto* m, const std::string& name,
                     const std::string& entry, int number, F::Type key,
                     F::Type value, const std::string& value_type = "") {
    pb::DescriptorProto* e = m->add_nested_type();
    e->set_name(entry);
    e->mutable_options()->set_map_entry(true);
    Add(e, "key", 1, key);
    Add(e, "value", 2, value, value_type);
    Add(m, name, number, F::TYPE_MESSAGE, ".cxlab_test.All." + entry, true);
  }

  static pb::FileDescriptorProto FileProto() {
    pb::FileDescriptorProto file;
    file.set_name("cxlab_test/all.proto");
    file.set_package("cxlab_test");
    file.set_syntax("proto3");
    for (const char* dep :
         {"google/protobuf/struct.proto", "google/protobuf/timestamp.proto",
          "google/protobuf/duration.proto", "google/protobuf/wrappers.proto",
          "google/protobuf/field_mask.proto", "google/protobuf/empty.proto",
          "google/protobuf/any.proto"}) {
      file.add_dependency(dep);
    }
    pb::EnumDescriptorProto* color = file.add_enum_type();
    color->set_name("Color");
    const char* kColors[] = {"COLOR_UNSPECIFIED", "RED", "GREEN"};
    for (int i = 0; i < 3; ++i) {
      auto* v = color->add_value();
      v->set_name(kColors[i]);
      v->set_number(i);
    }
    pb::DescriptorProto* inner = file.add_message_type();
    inner->set_name("Inner");
    Add(inner, "a", 1, F::TYPE_INT32);
    Add(inner, "b", 2, F::TYPE_STRING);

    pb::DescriptorProto* all = file.add_message_type();
    all->set_name("All");
    int n = 0;
    Add(all, "i32", ++n, F::TYPE_INT32);
    Add(all, "i64", ++n, F::TYPE_INT64);
    Add(all, "u32", ++n, F::TYPE_UINT32);
    Add(all, "u64", ++n, F::TYPE_UINT64);
    Add(all, "s32", ++n, F::TYPE_SINT32);
    Add(all, "s64", ++n, F::TYPE_SINT64);
    Add(all, "f32", ++n, F::TYPE_FIXED32);
    Add(all, "f64", ++n, F::TYPE_FIXED64);
    Add(all, "sf32", ++n, F::TYPE_SFIXED32);
    Add(all, "sf64", ++n, F::TYPE_SFIXED64);
    Add(all, "fl", ++n, F::TYPE_FLOAT);
    Add(all, "db", ++n, F::TYPE_DOUBLE);
    Add(all, "bo", ++n, F::TYPE_BOOL);
    Add(all, "st", ++n, F::TYPE_STRING);
    Add(all, "by", ++n, F::TYPE_BYTES);
    Add(all, "co", ++n, F::TYPE_ENUM, ".cxlab_test.Color");
    Add(all, "inner", ++n, F::TYPE_MESSAGE, ".cxlab_test.Inner");
    Add(all, "child", ++n, F::TYPE_MESSAGE, ".cxlab_test.All");
    // 19..
    Add(all, "r_i32", ++n, F::TYPE_INT32, "", true);
    Add(all, "r_i64", ++n, F::TYPE_INT64, "", true);
    Add(all, "r_u64", ++n, F::TYPE_UINT64, "", true);
    Add(all, "r_fl", ++n, F::TYPE_FLOAT, "", true);
    Add(all, "r_db", ++n, F::TYPE_DOUBLE, "", true);
    Add(all, "r_bo", ++n, F::TYPE_BOOL, "", true);
    Add(all, "r_st", ++n, F::TYPE_STRING, "", true);
    Add(all, "r_by", ++n, F::TYPE_BYTES, "", true);
    Add(all, "r_co", ++n, F::TYPE_ENUM, ".cxlab_test.Color", true);
    Add(all, "r_inner", ++n, F::TYPE_MESSAGE, ".cxlab_test.Inner", true);
    Add(all, "r_val", ++n, F::TYPE_MESSAGE, ".google.protobuf.Value", true);
    Add(all, "r_ts", ++n, F::TYPE_MESSAGE, ".google.protobuf.Timestamp", true);
    Add(all, "r_wrap", ++n, F::TYPE_MESSAGE, ".google.protobuf.Int64Value",
        true);
    Add(all, "r_null", ++n, F::TYPE_ENUM, ".google.protobuf.NullValue", true);
    // 33..
    AddMap(all, "m_si", "MSiEntry", ++n, F::TYPE_STRING, F::TYPE_INT32);
    AddMap(all, "m_is", "MIsEntry", ++n, F::TYPE_INT32, F::TYPE_STRING);
    AddMap(all, "m_bi", "MBiEntry", ++n, F::TYPE_BOOL, F::TYPE_MESSAGE,
           ".cxlab_test.Inner");
    AddMap(all, "m_u64", "MU64Entry", ++n, F::TYPE_UINT64, F::TYPE_DOUBLE);
    AddMap(all, "m_s64", "MS64Entry", ++n, F::TYPE_SINT64, F::TYPE_BYTES);
    AddMap(all, "m_val", "MValEntry", ++n, F::TYPE_STRING, F::TYPE_MESSAGE,
           ".google.protobuf.Value");
    AddMap(all, "m_co", "MCoEntry", ++n, F::TYPE_UINT32, F::TYPE_ENUM,
           ".cxlab_test.Color");
    // 40..
    Add(all, "stru", ++n, F::TYPE_MESSAGE, ".google.protobuf.Struct");
    Add(all, "val", ++n, F::TYPE_MESSAGE, ".google.protobuf.Value");
    Add(all, "lv", ++n, F::TYPE_MESSAGE, ".google.protobuf.ListValue");
    Add(all, "ts", ++n, F::TYPE_MESSAGE, ".google.protobuf.Timestamp");
    Add(all, "du", ++n, F::TYPE_MESSAGE, ".google.protobuf.Duration");
    Add(all, "w_db", ++n, F::TYPE_MESSAGE, ".google.protobuf.DoubleValue");
    Add(all, "w_fl", ++n, F::TYPE_MESSAGE, ".google.protobuf.FloatValue");
    Add(all, "w_i64", ++n, F::TYPE_MESSAGE, ".google.protobuf.Int64Value");
    Add(all, "w_u64", ++n, F::TYPE_MESSAGE, ".google.protobuf.UInt64Value");
    Add(all, "w_i32", ++n, F::TYPE_MESSAGE, ".google.protobuf.Int32Value");
    Add(all, "w_u32", ++n, F::TYPE_MESSAGE, ".google.protobuf.UInt32Value");
    Add(all, "w_bo", ++n, F::TYPE_MESSAGE, ".google.protobuf.BoolValue");
    Add(all, "w_st", ++n, F::TYPE_MESSAGE, ".google.protobuf.StringValue");
    Add(all, "w_by", ++n, F::TYPE_MESSAGE, ".google.protobuf.BytesValue");
    Add(all, "fm", ++n, F::TYPE_MESSAGE, ".google.protobuf.FieldMask");
    Add(all, "em", ++n, F::TYPE_MESSAGE, ".google.protobuf.Empty");
    Add(all, "an", ++n, F::TYPE_MESSAGE, ".google.protobuf.Any");
    Add(all, "nv", ++n, F::TYPE_ENUM, ".google.protobuf.NullValue");
    Add(all, "with_json", ++n, F::TYPE_STRING)->set_json_name("customName");
    // 59.. a oneof
    all->add_oneof_decl()->set_name("choice");
    Add(all, "c_i", ++n, F::TYPE_INT32)->set_oneof_index(0);
    Add(all, "c_s", ++n, F::TYPE_STRING)->set_oneof_index(0);
    Add(all, "c_m", ++n, F::TYPE_MESSAGE, ".cxlab_test.Inner")
        ->set_oneof_index(0);
    Add(all, "c_ts", ++n, F::TYPE_MESSAGE, ".google.protobuf.Timestamp")
        ->set_oneof_index(0);
    Add(all, "c_co", ++n, F::TYPE_ENUM, ".cxlab_test.Color")
        ->set_oneof_index(0);
    // 64.. proto3 optional (synthetic oneofs after the real one)
    const char* kOptional[] = {"o_i32",   "o_st", "o_db",
                               "o_inner", "o_co", "o_nv"};
    const F::Type kOptionalTypes[] = {F::TYPE_INT32,  F::TYPE_STRING,
                                      F::TYPE_DOUBLE, F::TYPE_MESSAGE,
                                      F::TYPE_ENUM,   F::TYPE_ENUM};
    const char* kOptionalTypeNames[] = {"",
                                        "",
                                        "",
                                        ".cxlab_test.Inner",
                                        ".cxlab_test.Color",
                                        ".google.protobuf.NullValue"};
    for (int i = 0; i < 6; ++i) {
      all->add_oneof_decl()->set_name(absl::StrCat("_", kOptional[i]));
      F* f =
          Add(all, kOptional[i], ++n, kOptionalTypes[i], kOptionalTypeNames[i]);
      f->set_oneof_index(i + 1);
      f->set_proto3_optional(true);
    }
    // A field declared out of number order.
    Add(all, "early", 1000, F::TYPE_MESSAGE, ".google.protobuf.Duration");
    Add(all, "late_scalar", 999, F::TYPE_INT32);
    return file;
  }

  pb::DescriptorPool pool_;
  const pb::Descriptor* all_ = nullptr;
  pb::DynamicMessageFactory factory_;
};

void SetByName(Message* m, const std::string& json) {
  const auto status = pb::util::JsonStringToMessage(json, m);
  ASSERT_TRUE(status.ok()) << status.ToString() << "\n" << json;
}

TEST(ProtoJson, EveryFieldKind) {
  TestTypes types;
  std::unique_ptr<Message> m = types.NewAll();
  ExpectEquivalent(*m);
  SetByName(m.get(), R"({
    "i32": -2147483648, "i64": "-9223372036854775808", "u32": 4294967295,
    "u64": "18446744073709551615", "s32": -5, "s64": "-6", "f32": 7,
    "f64": "8", "sf32": -9, "sf64": "-10", "fl": 0.1, "db": 0.30000000000000004,
    "bo": true, "st": "s\u00e9", "by": "AP8QaGVsbG8=", "co": "GREEN",
    "inner": {"a": 1}, "child": {"i32": 1, "child": {"st": "deep"}},
    "rI32": [1, -2], "rI64": ["3", "-4"], "rU64": ["5"], "rFl": [1.5, -0.25],
    "rDb": [1e21, 1e-7, "NaN"], "rBo": [true, false], "rSt": ["a", ""],
    "rBy": ["", "YQ=="], "rCo": ["RED", 7], "rInner": [{}, {"b": "x"}],
    "rVal": [1, "a", null, [], {}], "rTs": ["1970-01-01T00:00:00Z"],
    "rWrap": ["1", "-2"], "rNull": [null, null],
    "mSi": {"a": 1}, "mIs": {"-3": "x"}, "mBi": {"true": {"a": 2}},
    "mU64": {"18446744073709551615": 1.5}, "mS64": {"-7": "YWI="},
    "mVal": {"k": {"x": [true]}}, "mCo": {"4": "RED"},
    "stru": {"a": {"b": null}}, "val": [1, 2], "lv": ["x"],
    "ts": "2026-03-04T05:06:07.080Z", "du": "-3.000000001s",
    "wDb": "Infinity", "wFl": 3.4028235e38, "wI64": "9", "wU64": "10",
    "wI32": -11, "wU32": 12, "wBo": false, "wSt": "", "wBy": "AA==",
    "fm": "fooBar,x.yZ", "em": {}, "nv": null, "customName": "c",
    "cTs": "2000-01-01T00:00:00Z", "oI32": 0, "oSt": "", "oDb": -0.0,
    "oInner": {}, "oCo": "COLOR_UNSPECIFIED", "early": "1s", "lateScalar": 3
  })");
  // A set optional NullValue prints as null (protobuf parses null as
  // unset, so it does not read back).
  m->GetReflection()->SetEnumValue(m.get(),
                                   types.all()->FindFieldByName("o_nv"), 0);
  EXPECT_EQ(ProtoToJson(*m), PbJson(*m));
  EXPECT_THAT(ProtoToJson(*m), HasSubstr(R"("oNv":null)"));
  m->GetReflection()->ClearField(m.get(), types.all()->FindFieldByName("o_nv"));
  ExpectEquivalent(*m);
  // Each oneof member alone.
  for (const char* member :
       {R"({"cI": 0})", R"({"cS": "x"})", R"({"cM": {}})",
        R"({"cTs": "1970-01-01T00:00:00Z"})", R"({"cCo": "RED"})"}) {
    SetByName(m.get(), member);
    ExpectEquivalent(*m);
  }
  // Each message-typed field alone (placement differs by type).
  const pb::Descriptor* d = types.all();
  for (int i = 0; i < d->field_count(); ++i) {
    const pb::FieldDescriptor* f = d->field(i);
    if (f->is_repeated() || f->message_type() == nullptr) continue;
    m->Clear();
    m->GetReflection()->MutableMessage(m.get(), f);
    if (f->message_type()->full_name() == "google.protobuf.Value") {
      // No kind: left out, as protobuf leaves it out.
      EXPECT_EQ(ProtoToJson(*m), PbJson(*m));
      EXPECT_THAT(ProtoToJson(*m), testing::Not(HasSubstr("\"val\"")));
      continue;
    }
    ExpectEquivalent(*m);
  }
}

TEST(ProtoJson, DynamicWellKnownTypesWithoutGeneratedClasses) {
  // The well-known types inside are DynamicMessages: printed and parsed
  // through a copy to the generated classes.
  TestTypes types(/*delegate_to_generated=*/false);
  std::unique_ptr<Message> m = types.NewAll();
  SetByName(m.get(), R"({"stru": {"a": [1, {"b": null}]}, "val": "x",
                         "lv": [true], "rVal": [{"z": 1}],
                         "mVal": {"k": 2}, "ts": "2026-01-01T00:00:00Z"})");
  ExpectEquivalent(*m);
}

// ---- (c) errors -------------------------------------------------------------

TEST(ProtoJsonErrors, MalformedJson) {
  using cxlab::v1::AssignRequest;
  ExpectInvalid(Parse<AssignRequest>(""),
                "expected a JSON value, got end of input");
  ExpectInvalid(Parse<AssignRequest>(" \n\t "),
                "expected a JSON value, got end of input");
  ExpectInvalid(Parse<AssignRequest>(R"({"unit":{"unitId":"x")"),
                "unit: expected ',' or '}' at byte 21, got end of input");
  ExpectInvalid(Parse<AssignRequest>(R"({"unit":{"unitId":"x)"),
                "unit.unitId: unterminated string");
  ExpectInvalid(Parse<AssignRequest>(R"({"unit":{}} x)"),
                "expected end of input after the JSON value at byte 12, got "
                "'x'");
  ExpectInvalid(Parse<AssignRequest>(R"({"unit":{}}{})"),
                "expected end of input after the JSON value at byte 11, got "
                "'{'");
  ExpectInvalid(Parse<AssignRequest>(R"({"unit":{"unitId":"a\qb"}})"),
                "unit.unitId: invalid escape in a string at byte 20");
  ExpectInvalid(Parse<AssignRequest>(R"({"unit":{"unitId":"a\u12"}})"),
                "unit.unitId: invalid \\u escape at byte 20");
  ExpectInvalid(Parse<AssignRequest>(R"({"unit":{"unitId":"\ud83d"}})"),
                "unit.unitId: lone surrogate \\ud83d at byte 25");
  ExpectInvalid(Parse<AssignRequest>(R"({"unit":{"unitId":"\ude00x"}})"),
                "unit.unitId: lone surrogate \\ude00 at byte 25");
  ExpectInvalid(Parse<AssignRequest>("{\"unit\":{\"unitId\":\"a\x01\"}}"),
                "unit.unitId: unescaped control character in a string at "
                "byte 20");
  ExpectInvalid(Parse<AssignRequest>("{\"unit\":{\"unitId\":\"a\xff\"}}"),
                "unit.unitId: invalid UTF-8 at byte 20");
  ExpectInvalid(Parse<AssignRequest>(R"({"unit":{},})"),
                "expected a '\"' starting a key at byte 11, got '}'");
  ExpectInvalid(Parse<AssignRequest>(R"({'unit':{}})"),
                "expected a '\"' starting a key at byte 1, got '''");
  ExpectInvalid(Parse<AssignRequest>(R"({"unit" {}})"),
                "expected ':' after the key at byte 8, got '{'");
  ExpectInvalid(Parse<AssignRequest>(R"({"experimentKeys":["a",]})"),
                "experimentKeys[1]: expected a JSON value at byte 23, got ']'");
  ExpectInvalid(Parse<AssignRequest>(R"({"omitPayloads":tru})"),
                "omitPayloads: expected a JSON value at byte 16, got 't'");
  ExpectInvalid(Parse<AssignRequest>(R"(/* c */ {})"),
                "expected a JSON value at byte 0, got '/'");
  ExpectInvalid(Parse<cxlab::v1::Assignment>(R"({"variantIndex":01})"),
                "variantIndex: leading zero in a number at byte 16");
  ExpectInvalid(Parse<cxlab::v1::Assignment>(R"({"variantIndex":1.})"),
                "variantIndex: expected a digit at byte 18, got '}'");
  ExpectInvalid(Parse<cxlab::v1::Assignment>(R"({"variantIndex":-})"),
                "variantIndex: expected a digit at byte 17, got '}'");
}

TEST(ProtoJsonErrors, WrongTypes) {
  using cxlab::v1::AssignRequest;
  ExpectInvalid(Parse<AssignRequest>(R"({"experimentKeys":["a","b",3]})"),
                "experimentKeys[2]: expected a string, got a number");
  ExpectInvalid(Parse<AssignRequest>(R"({"experiment_keys":"a"})"),
                "experiment_keys: expected an array, got a string");
  ExpectInvalid(Parse<AssignRequest>(R"({"unit":{"attributes":"x"}})"),
                "unit.attributes: expected an object, got a string");
  ExpectInvalid(Parse<AssignRequest>(R"({"unit":[]})"),
                "unit: expected an object, got an array");
  ExpectInvalid(Parse<AssignRequest>(R"({"omitPayloads":"true"})"),
                "omitPayloads: expected a boolean, got a string");
  ExpectInvalid(Parse<AssignRequest>(R"({"unit":{"ids":{"a":1}}})"),
                "unit.ids.a: expected a string, got a number");
  ExpectInvalid(Parse<AssignRequest>("[]"), "expected an object, got an array");
  ExpectInvalid(Parse<AssignRequest>("null"), "expected an object, got null");
  ExpectInvalid(Parse<cxlab::v1::AssignResponse>(R"({"configVersion":true})"),
                "configVersion: expected an int64, got a boolean");
  ExpectInvalid(Parse<cxlab::v1::Event>(R"({"value":"abc"})"),
                "value: expected a number, got \"abc\"");
  ExpectInvalid(Parse<cxlab::v1::Event>(R"({"value":"nan"})"),
                "value: expected a number, got \"nan\"");
  ExpectInvalid(Parse<cxlab::v1::Event>(R"({"time":12})"),
                "time: expected an RFC 3339 timestamp string, got a number");
}

TEST(ProtoJsonErrors, UnknownAndRepeatedFields) {
  using cxlab::v1::AssignRequest;
  ExpectInvalid(Parse<AssignRequest>(R"({"bogus":1})"),
                "bogus: unknown field of cxlab.v1.AssignRequest");
  ExpectInvalid(Parse<AssignRequest>(R"({"unit":{"unit_idx":"a"}})"),
                "unit.unit_idx: unknown field of cxlab.v1.Unit");
  ExpectInvalid(Parse<AssignRequest>(R"({"unit":{"a b":1}})"),
                "unit[\"a b\"]: unknown field of cxlab.v1.Unit");
  ExpectInvalid(
      Parse<AssignRequest>(R"({"omitPayloads":true,"omit_payloads":false})"),
      "omit_payloads: field given twice");
  ExpectInvalid(
      Parse<AssignRequest>(R"({"unit":{"attributes":{"a":1,"a":2}}})"),
      "unit.attributes.a: duplicate key");
  ExpectInvalid(Parse<AssignRequest>(R"({"unit":{"ids":{"d":"1","d":"2"}}})"),
                "unit.ids.d: duplicate key");
  ExpectInvalid(Parse<cxlab::v1::Experiment>(R"({"variants":[{},{"x":1}]})"),
                "variants[1].x: unknown field of cxlab.v1.Variant");
  ExpectInvalid(Parse<pb::Empty>(R"({"a":1})"),
                "a: unknown field of google.protobuf.Empty");
}

TEST(ProtoJsonErrors, Numbers) {
  using cxlab::v1::Assignment;
  ExpectInvalid(Parse<Assignment>(R"({"variantIndex":2147483648})"),
                "variantIndex: value out of range for int32: 2147483648");
  ExpectInvalid(Parse<Assignment>(R"({"variantIndex":-2147483649})"),
                "variantIndex: value out of range for int32: -2147483649");
  ExpectInvalid(Parse<Assignment>(R"({"variantIndex":"9999999999"})"),
                "variantIndex: value out of range for int32: 9999999999");
  ExpectInvalid(Parse<Assignment>(R"({"variantIndex":1.5})"),
                "variantIndex: expected an int32, got 1.5");
  ExpectInvalid(Parse<Assignment>(R"({"variantIndex":3e9})"),
                "variantIndex: value out of range for int32: 3e9");
  ExpectInvalid(Parse<Assignment>(R"({"variantIndex":"1.0"})"),
                "variantIndex: expected an int32, got \"1.0\"");
  ExpectInvalid(Parse<cxlab::v1::AssignResponse>(R"({"configVersion":"1e3"})"),
                "configVersion: expected an int64, got \"1e3\"");
  ExpectInvalid(
      Parse<cxlab::v1::AssignResponse>(
          R"({"configVersion":"9223372036854775808"})"),
      "configVersion: value out of range for int64: 9223372036854775808");
  ExpectInvalid(
      Parse<cxlab::v1::AssignResponse>(
          R"({"configVersion":99999999999999999999999})"),
      "configVersion: value out of range for int64: 99999999999999999999999");
  ExpectInvalid(Parse<pb::UInt32Value>("-1"),
                "value out of range for uint32: -1");
  ExpectInvalid(Parse<cxlab::v1::Event>(R"({"value":1e400})"),
                "value: number out of range: 1e400");
  ExpectInvalid(Parse<pb::FloatValue>("1e39"), "float out of range: 1e+39");

  // Accepted forms.
  Assignment a;
  ASSERT_TRUE(ProtoFromJson(R"({"variantIndex":1e2})", &a).ok());
  EXPECT_EQ(a.variant_index(), 100);
  ASSERT_TRUE(ProtoFromJson(R"({"variantIndex":"-7"})", &a).ok());
  EXPECT_EQ(a.variant_index(), -7);
  ASSERT_TRUE(ProtoFromJson(R"({"variantIndex":-0})", &a).ok());
  EXPECT_EQ(a.variant_index(), 0);
  cxlab::v1::AssignResponse r;
  ASSERT_TRUE(
      ProtoFromJson(R"({"configVersion":-9223372036854775808})", &r).ok());
  EXPECT_EQ(r.config_version(), std::numeric_limits<int64_t>::min());
  pb::DoubleValue d;
  ASSERT_TRUE(ProtoFromJson("1e-400", &d).ok());
  EXPECT_EQ(d.value(), 0);
  ASSERT_TRUE(ProtoFromJson("\"-Infinity\"", &d).ok());
  EXPECT_EQ(d.value(), -std::numeric_limits<double>::infinity());
  ASSERT_TRUE(ProtoFromJson("\"1.5\"", &d).ok());
  EXPECT_EQ(d.value(), 1.5);
  pb::FloatValue f;
  ASSERT_TRUE(ProtoFromJson("3.40282347e+38", &f).ok());
  EXPECT_EQ(f.value(), std::numeric_limits<float>::max());
}

TEST(ProtoJsonErrors, EnumsBytesTimesOneofs) {
  ExpectInvalid(Parse<cxlab::v1::AssignResponse>(
                    R"({"assignments":[{"reason":"REASON_BOGUS"}]})"),
                "assignments[0].reason: unknown value \"REASON_BOGUS\" of enum "
                "cxlab.v1.Reason");
  ExpectInvalid(
      Parse<cxlab::v1::Assignment>(R"({"reason":true})"),
      "reason: expected a value of enum cxlab.v1.Reason, got a boolean");
  cxlab::v1::Assignment a;
  ASSERT_TRUE(ProtoFromJson(R"({"reason":5})", &a).ok());
  EXPECT_EQ(a.reason(), cxlab::v1::REASON_LAYER_EXCLUDED);
  ASSERT_TRUE(ProtoFromJson(R"({"reason":"3"})", &a).ok());
  EXPECT_EQ(a.reason(), cxlab::v1::REASON_NOT_TARGETED);
  ASSERT_TRUE(ProtoFromJson(R"({"reason":1234})", &a).ok());
  EXPECT_EQ(static_cast<int>(a.reason()), 1234);

  ExpectInvalid(
      Parse<cxlab::v1::TrackRequest>(
          R"({"events":[{},{"time":"2024-13-01T00:00:00Z"}]})"),
      "events[1].time: invalid timestamp \"2024-13-01T00:00:00Z\" (want RFC "
      "3339 between years 0001 and 9999, e.g. \"1972-01-01T10:00:20.021Z\")");
  for (const char* bad :
       {"1972-02-30T00:00:00Z", "1972-01-01T24:00:00Z", "1972-01-01T10:00:60Z",
        "1972-01-01t10:00:00z", "1972-01-01T10:00:00", "0000-01-01T00:00:00Z",
        "1972-01-01T10:00:00.Z", "1972-01-01T10:00:00.0123456789Z",
        "9999-12-31T23:59:59-01:00", "1972-1-01T10:00:00Z", ""}) {
    pb::Timestamp t;
    const absl::Status s = ProtoFromJson(absl::StrCat("\"", bad, "\""), &t);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(std::string(s.message()), StartsWith("invalid timestamp"))
        << bad;
  }
  for (const char* bad : {"1", "1 s", ".5s", "1e3s", "+1s", "--1s",
                          "315576000001s", "1.0000000001s", "s", ""}) {
    pb::Duration d;
    const absl::Status s = ProtoFromJson(absl::StrCat("\"", bad, "\""), &d);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(std::string(s.message()), StartsWith("invalid duration"))
        << bad;
  }

  TestTypes types;
  std::unique_ptr<Message> m = types.NewAll();
  ExpectInvalid(ProtoFromJson(R"({"by":"!!"})", m.get()), "by: invalid base64");
  ExpectInvalid(ProtoFromJson(R"({"cI":1,"cS":"x"})", m.get()),
                "cS: another field of oneof choice is already set");
  EXPECT_TRUE(ProtoFromJson(R"({"cI":null,"cS":"x"})", m.get()).ok());
  ExpectInvalid(ProtoFromJson(R"({"mIs":{"a":"x"}})", m.get()),
                "mIs.a: invalid map key: expected an int32");
  ExpectInvalid(ProtoFromJson(R"({"mBi":{"True":{}}})", m.get()),
                "mBi.True: invalid map key: expected true or false");
  ExpectInvalid(ProtoFromJson(R"({"mIs":{"1":"x","01":"y"}})", m.get()),
                "mIs[\"01\"]: duplicate key");
  ExpectInvalid(ProtoFromJson(R"({"rInner":[{},{"c":1}]})", m.get()),
                "rInner[1].c: unknown field of cxlab_test.Inner");
  EXPECT_THAT(
      std::string(
          ProtoFromJson(R"({"an":{"@type":"nope"}})", m.get()).message()),
      StartsWith("an: invalid Any: "));
}

TEST(ProtoJson, NullsAndNames) {
  TestTypes types;
  std::unique_ptr<Message> m = types.NewAll();
  // null leaves fields unset, except a Value (null_value) or NullValue.
  const absl::Status s = ProtoFromJson(
      R"({"i32":null,"inner":null,"rI32":[1,null,2],"mSi":{"a":null},
          "stru":null,"ts":null,"wI32":null,"val":null,"nv":null,
          "rVal":[null],"rNull":[null],"with_json":"j"})",
      m.get());
  ASSERT_TRUE(s.ok()) << s;
  std::unique_ptr<Message> want = types.NewAll();
  SetByName(want.get(), R"({"rI32":[1,2],"mSi":{"a":0},"val":null,
                            "rVal":[null],"rNull":[null],"customName":"j"})");
  EXPECT_SAME(*m, *want);
  // The custom json_name and the proto name are accepted, the default
  // lowerCamelCase one is not.
  ExpectInvalid(ProtoFromJson(R"({"withJson":"x"})", m.get()),
                "withJson: unknown field of cxlab_test.All");
  // Escaped keys.
  ASSERT_TRUE(ProtoFromJson(R"({"\u0069\u0033\u0032":5})", m.get()).ok());
  EXPECT_EQ(ProtoToJson(*m).substr(0, 9), R"({"i32":5,)");
}

// ---- (d) nesting ------------------------------------------------------------

std::string Nested(int depth) {
  std::string s;
  for (int i = 0; i < depth; ++i) s += R"({"a":)";
  s += "1";
  for (int i = 0; i < depth; ++i) s += "}";
  return s;
}

TEST(ProtoJsonNesting, DepthLimit) {
  cxlab::v1::AssignRequest r;
  // The request and the unit are 2 levels; the attributes 98 more.
  EXPECT_TRUE(
      ProtoFromJson(absl::StrCat(R"({"unit":{"attributes":)", Nested(98), "}}"),
                    &r)
          .ok());
  const absl::Status s = ProtoFromJson(
      absl::StrCat(R"({"unit":{"attributes":)", Nested(99), "}}"), &r);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), StartsWith("unit.attributes.a.a.a."));
  EXPECT_THAT(std::string(s.message()),
              testing::EndsWith("a: nesting deeper than 100 levels"));

  pb::Value v;
  for (int depth : {101, 1000, 1000000}) {
    const absl::Status deep =
        ProtoFromJson(std::string(depth, '[') + std::string(depth, ']'), &v);
    EXPECT_EQ(deep.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(deep.message()),
                testing::EndsWith("nesting deeper than 100 levels"));
    // Unbalanced too.
    EXPECT_FALSE(ProtoFromJson(std::string(depth, '['), &v).ok());
    EXPECT_FALSE(ProtoFromJson(std::string(depth, '{'), &v).ok());
  }
  EXPECT_TRUE(
      ProtoFromJson(std::string(100, '[') + std::string(100, ']'), &v).ok());

  // Recursive messages.
  TestTypes types;
  std::unique_ptr<Message> m = types.NewAll();
  std::string deep;
  for (int i = 0; i < 150; ++i) deep += R"({"child":)";
  deep += "{}";
  for (int i = 0; i < 150; ++i) deep += "}";
  EXPECT_THAT(std::string(ProtoFromJson(deep, m.get()).message()),
              testing::EndsWith("child: nesting deeper than 100 levels"));
  // Printing nests as deep as the message does (protobuf's printer stops
  // at 100 levels of its own, which cost it 2 per message here). 98
  // children and their empty maps are 100 JSON levels.
  for (int depth : {40, 98}) {
    m->Clear();
    Message* cur = m.get();
    for (int i = 0; i < depth; ++i) {
      cur = cur->GetReflection()->MutableMessage(
          cur, types.all()->FindFieldByName("child"));
    }
    if (depth < 45) {
      ExpectEquivalent(*m);
    } else {
      std::unique_ptr<Message> back = types.NewAll();
      ASSERT_TRUE(ProtoFromJson(ProtoToJson(*m), back.get()).ok());
      EXPECT_SAME(*back, *m);
    }
  }
}

// Truncated and randomly mutated documents: an answer (OK or
// InvalidArgument), never a crash or an out-of-bounds read (run under
// valgrind / ASan to see the latter).
TEST(ProtoJsonNesting, MutatedInputsNeverCrash) {
  const std::string kDocs[] = {
      R"({"unit":{"unitId":"bench-123","ids":{"device":"d-9"},)"
      R"("attributes":{"device":{"type":"mobile"},"visits":3,)"
      R"("tags":["a\u00e9\ud83d\ude00",1.5e3,true,null]}},)"
      R"("experimentKeys":["a","b"],"omitPayloads":true,"logExposure":false})",
      PbJson(SevenAssignments()),
      PbJson(FullExperiment()),
      PbJson(FullReport()),
  };
  std::mt19937 rng(99);
  const char kBytes[] = "{}[]\":,\\u0123456789-+.eEtrufalsn \xc3\xa9\xff";
  int ok = 0;
  for (const std::string& doc : kDocs) {
    for (size_t cut = 0; cut < doc.size(); ++cut) {
      cxlab::v1::Experiment m;
      (void)ProtoFromJson(doc.substr(0, cut), &m);
    }
    for (int i = 0; i < 3000; ++i) {
      std::string mutated = doc;
      for (int k = 1 + static_cast<int>(rng() % 3); k > 0; --k) {
        const size_t at = rng() % mutated.size();
        switch (rng() % 3) {
          case 0:
            mutated[at] = kBytes[rng() % (sizeof(kBytes) - 1)];
            break;
          case 1:
            mutated.erase(at, 1 + rng() % 4);
            break;
          default:
            mutated.insert(at, 1, kBytes[rng() % (sizeof(kBytes) - 1)]);
            break;
        }
        if (mutated.empty()) mutated = "{";
      }
      cxlab::v1::AssignRequest request;
      cxlab::v1::Report report;
      const absl::Status a = ProtoFromJson(mutated, &request);
      const absl::Status b = ProtoFromJson(mutated, &report);
      for (const absl::Status& s : {a, b}) {
        if (s.ok()) {
          ++ok;
        } else {
          EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << mutated;
        }
      }
    }
  }
  EXPECT_GT(ok, 0);
}

// ---- (e) random round trips -------------------------------------------------

class RandomFiller {
 public:
  explicit RandomFiller(uint32_t seed) : rng_(seed) {}

  void Fill(Message* m, int depth) {
    const pb::Descriptor* d = m->GetDescriptor();
    const pb::Reflection* r = m->GetReflection();
    const std::string& name = d->full_name();
    if (name == "google.protobuf.Timestamp") {
      r->SetInt64(m, d->field(0), Between(-62135596800, 253402300799));
      r->SetInt32(m, d->field(1), Nanos());
      return;
    }
    if (name == "google.protobuf.Duration") {
      const int64_t s = Between(0, Chance(0.5) ? 100 : 315576000000);
      const int32_t n = Nanos();
      const int sign = Chance(0.5) ? -1 : 1;
      r->SetInt64(m, d->field(0), sign * s);
      r->SetInt32(m, d->field(1), sign * n);
      return;
    }
    if (name == "google.protobuf.Value") {
      FillValue(pb::DynamicCastToGenerated<pb::Value>(m), depth);
      return;
    }
    if (name == "google.protobuf.Struct") {
      FillStruct(pb::DynamicCastToGenerated<pb::Struct>(m), depth);
      return;
    }
    if (name == "google.protobuf.ListValue") {
      FillList(pb::DynamicCastToGenerated<pb::ListValue>(m), depth);
      return;
    }
    if (name == "google.protobuf.FieldMask") {
      static const char* kPaths[] = {"a", "foo_bar", "foo_bar.baz", "x.y_z.w",
                                     "abc_def_ghi"};
      for (int i = Between(0, 3); i > 0; --i) {
        r->AddString(m, d->field(0), kPaths[Between(0, 4)]);
      }
      return;
    }
    if (name == "google.protobuf.Any") {
      pb::Any* any = pb::DynamicCastToGenerated<pb::Any>(m);
      cxlab::v1::Unit unit;
      unit.set_unit_id(String());
      any->PackFrom(unit);
      return;
    }
    for (int i = 0; i < d->field_count(); ++i) {
      const pb::FieldDescriptor* f = d->field(i);
      if (f->message_type() != nullptr && !f->is_map() && depth > 4) continue;
      if (f->is_map()) {
        FillMap(m, r, f, depth);
      } else if (f->is_repeated()) {
        for (int k = Between(0, 3); k > 0; --k) Set(m, r, f, true, depth);
      } else if (Chance(f->has_presence() ? 0.5 : 0.8)) {
        Set(m, r, f, false, depth);
      }
    }
  }

 private:
  bool Chance(double p) {
    return std::uniform_real_distribution<double>(0, 1)(rng_) < p;
  }
  int64_t Between(int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng_);
  }
  int32_t Nanos() {
    switch (Between(0, 3)) {
      case 0:
        return 0;
      case 1:
        return static_cast<int32_t>(Between(0, 999) * 1000000);
      case 2:
        return static_cast<int32_t>(Between(0, 999999) * 1000);
      default:
        return static_cast<int32_t>(Between(0, 999999999));
    }
  }
  double Double(bool finite) {
    static const double kSpecial[] = {0.0,
                                      -0.0,
                                      1,
                                      0.1,
                                      1e21,
                                      1e-7,
                                      5e-324,
                                      1.7976931348623157e308,
                                      123456789012345678.0,
                                      0.30000000000000004,
                                      1e15,
                                      -2.5};
    switch (Between(0, finite ? 3 : 4)) {
      case 0:
        return kSpecial[Between(0, 11)];
      case 1:
        return static_cast<double>(Between(-1000000, 1000000));
      case 2:
        return std::uniform_real_distribution<double>(-1, 1)(rng_) *
               std::pow(10.0, static_cast<double>(Between(-30, 30)));
      case 3: {
        uint64_t bits = std::uniform_int_distribution<uint64_t>()(rng_);
        double d;
        std::memcpy(&d, &bits, sizeof d);
        return std::isfinite(d) ? d : 1.0;
      }
      default: {
        const double kNonFinite[] = {std::numeric_limits<double>::quiet_NaN(),
                                     std::numeric_limits<double>::infinity(),
                                     -std::numeric_limits<double>::infinity()};
        return kNonFinite[Between(0, 2)];
      }
    }
  }
  float Float() {
    switch (Between(0, 3)) {
      case 0:
        return static_cast<float>(Between(-100000, 100000)) / 8;
      case 1: {
        uint32_t bits = static_cast<uint32_t>(
            std::uniform_int_distribution<uint64_t>()(rng_));
        float f;
        std::memcpy(&f, &bits, sizeof f);
        return std::isfinite(f) ? f : 2.0f;
      }
      case 2:
        return std::numeric_limits<float>::max();
      default:
        return std::numeric_limits<float>::quiet_NaN();
    }
  }
  std::string String() {
    static const char* kPieces[] = {"a",
                                    "Hello",
                                    " ",
                                    "\"",
                                    "\\",
                                    "/",
                                    "\n",
                                    "\t",
                                    "\x01",
                                    "\x1f",
                                    "\x7f",
                                    "<",
                                    ">",
                                    "&",
                                    "'",
                                    "\xc3\xa9",
                                    "\xe2\x82\xac",
                                    "\xf0\x9f\x98\x80",
                                    "\xc2\x85",
                                    "\xe2\x80\xa8",
                                    "\xef\xbb\xbf",
                                    "\xf3\xa0\x80\x81",
                                    std::string("\0", 1).c_str(),
                                    "0",
                                    "key_1"};
    std::string s;
    for (int i = Between(0, 6); i > 0; --i) {
      const int k = static_cast<int>(Between(0, 24));
      if (k == 22) {
        s.push_back('\0');
      } else {
        s += kPieces[k];
      }
    }
    return s;
  }
  std::string Bytes() {
    std::string s;
    for (int i = Between(0, 7); i > 0; --i) {
      s.push_back(static_cast<char>(Between(0, 255)));
    }
    return s;
  }
  int64_t Int(int64_t lo, int64_t hi) {
    switch (Between(0, 3)) {
      case 0:
        return lo;
      case 1:
        return hi;
      case 2:
        return Between(-100, 100) < lo
                   ? lo
                   : std::min<int64_t>(Between(-100, 100), hi);
      default:
        return Between(lo, hi);
    }
  }
  uint64_t UInt(uint64_t hi) {
    switch (Between(0, 2)) {
      case 0:
        return 0;
      case 1:
        return hi;
      default:
        return std::uniform_int_distribution<uint64_t>(0, hi)(rng_);
    }
  }

  void Set(Message* m, const pb::Reflection* r, const pb::FieldDescriptor* f,
           bool add, int depth) {
    using FD = pb::FieldDescriptor;
    switch (f->cpp_type()) {
      case FD::CPPTYPE_INT32: {
        const auto v =
            static_cast<int32_t>(Int(std::numeric_limits<int32_t>::min(),
                                     std::numeric_limits<int32_t>::max()));
        add ? r->AddInt32(m, f, v) : r->SetInt32(m, f, v);
        break;
      }
      case FD::CPPTYPE_INT64: {
        const int64_t v = Int(std::numeric_limits<int64_t>::min(),
                              std::numeric_limits<int64_t>::max());
        add ? r->AddInt64(m, f, v) : r->SetInt64(m, f, v);
        break;
      }
      case FD::CPPTYPE_UINT32: {
        const auto v =
            static_cast<uint32_t>(UInt(std::numeric_limits<uint32_t>::max()));
        add ? r->AddUInt32(m, f, v) : r->SetUInt32(m, f, v);
        break;
      }
      case FD::CPPTYPE_UINT64: {
        const uint64_t v = UInt(std::numeric_limits<uint64_t>::max());
        add ? r->AddUInt64(m, f, v) : r->SetUInt64(m, f, v);
        break;
      }
      case FD::CPPTYPE_DOUBLE: {
        const double v = Double(/*finite=*/false);
        add ? r->AddDouble(m, f, v) : r->SetDouble(m, f, v);
        break;
      }
      case FD::CPPTYPE_FLOAT: {
        const float v = Float();
        add ? r->AddFloat(m, f, v) : r->SetFloat(m, f, v);
        break;
      }
      case FD::CPPTYPE_BOOL: {
        const bool v = Chance(0.5);
        add ? r->AddBool(m, f, v) : r->SetBool(m, f, v);
        break;
      }
      case FD::CPPTYPE_ENUM: {
        const pb::EnumDescriptor* e = f->enum_type();
        int v = e->value(static_cast<int>(Between(0, e->value_count() - 1)))
                    ->number();
        if (e->full_name() != "google.protobuf.NullValue" && Chance(0.1)) {
          v = static_cast<int>(Between(-5, 100));
        }
        add ? r->AddEnumValue(m, f, v) : r->SetEnumValue(m, f, v);
        break;
      }
      case FD::CPPTYPE_STRING: {
        std::string v = f->type() == FD::TYPE_BYTES ? Bytes() : String();
        add ? r->AddString(m, f, std::move(v))
            : r->SetString(m, f, std::move(v));
        break;
      }
      case FD::CPPTYPE_MESSAGE:
        Fill(add ? r->AddMessage(m, f) : r->MutableMessage(m, f), depth + 1);
        break;
    }
  }

  void FillMap(Message* m, const pb::Reflection* r,
               const pb::FieldDescriptor* f, int depth) {
    const pb::FieldDescriptor* key = f->message_type()->map_key();
    const pb::FieldDescriptor* value = f->message_type()->map_value();
    std::vector<std::string> seen;
    for (int k = Between(0, 3); k > 0; --k) {
      Message* e = r->AddMessage(m, f);
      const pb::Reflection* er = e->GetReflection();
      Set(e, er, key, false, depth);
      // Keys must be unique (the repeated view is not deduplicated until
      // the map is synced).
      const std::string text = e->SerializeAsString();
      if (std::find(seen.begin(), seen.end(), text) != seen.end()) {
        r->RemoveLast(m, f);
        continue;
      }
      seen.push_back(text);
      Set(e, er, value, false, depth);
    }
  }

  void FillValue(pb::Value* v, int depth) {
    switch (Between(0, depth > 3 ? 3 : 5)) {
      case 0:
        v->set_null_value(pb::NULL_VALUE);
        break;
      case 1:
        v->set_number_value(Double(/*finite=*/true));
        break;
      case 2:
        v->set_string_value(String());
        break;
      case 3:
        v->set_bool_value(Chance(0.5));
        break;
      case 4:
        FillStruct(v->mutable_struct_value(), depth + 1);
        break;
      default:
        FillList(v->mutable_list_value(), depth + 1);
        break;
    }
  }
  void FillStruct(pb::Struct* s, int depth) {
    for (int k = Between(0, 4); k > 0; --k) {
      FillValue(&(*s->mutable_fields())[String()], depth + 1);
    }
  }
  void FillList(pb::ListValue* l, int depth) {
    for (int k = Between(0, 4); k > 0; --k) FillValue(l->add_values(), depth);
  }

  std::mt19937 rng_;
};

void ExpectRandomRoundTrips(
    const std::function<std::unique_ptr<Message>()>& make, uint32_t seed,
    int iterations) {
  RandomFiller filler(seed);
  for (int i = 0; i < iterations; ++i) {
    std::unique_ptr<Message> filled = make();
    filler.Fill(filled.get(), 0);
    // The filler adds map entries through reflection, which leaves a
    // generated message's maps unsynced; protobuf's printer syncs and
    // prints in hash-map order, ours prints in the entries' order. A copy
    // through the wire holds the maps as services build them.
    std::unique_ptr<Message> m = make();
    ASSERT_TRUE(m->ParseFromString(filled->SerializeAsString()));
    SCOPED_TRACE(absl::StrCat("seed ", seed, " iteration ", i));
    ExpectEquivalent(*m);
    if (testing::Test::HasFailure()) {
      ADD_FAILURE() << m->DebugString();
      return;
    }
  }
}

TEST(ProtoJsonProperty, RandomCxlabMessages) {
  uint32_t seed = 20260101;
  for (const Message* prototype : std::initializer_list<const Message*>{
           &cxlab::v1::AssignRequest::default_instance(),
           &cxlab::v1::AssignResponse::default_instance(),
           &cxlab::v1::GetContentResponse::default_instance(),
           &cxlab::v1::TrackRequest::default_instance(),
           &cxlab::v1::Definitions::default_instance(),
           &cxlab::v1::Report::default_instance(),
           &cxlab::v1::BanditState::default_instance(),
           &cxlab::v1::ListChangesResponse::default_instance()}) {
    ExpectRandomRoundTrips(
        [prototype] { return std::unique_ptr<Message>(prototype->New()); },
        ++seed, 60);
  }
}

TEST(ProtoJsonProperty, RandomEveryFieldKind) {
  TestTypes types;
  ExpectRandomRoundTrips([&types] { return types.NewAll(); }, 7, 300);
}

}  // namespace
}  // namespace cxlab::api
