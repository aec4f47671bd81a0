// Copyright 2026 The cxlab Authors.
//
// `cxlab simulate --scenario`: the scenario parser (every rule, with its
// file:line), the shipped sports-shop scenario against experiments/, the
// generator's determinism and realised rates, and an end-to-end run against
// a real cxlabd started in-process (exposures and statistics arrive, a
// re-run only produces duplicates, `verify` agrees).

#include "clients/cpp/cli/scenario.h"

#include <stdlib.h>

#include <cmath>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "clients/cpp/cli/cli_util.h"
#include "clients/cpp/client/client.h"
#include "clients/cpp/definitions_loader.h"
#include "engine/json.h"
#include "engine/snapshot.h"
#include "engine/value.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/cli/cli_test_util.h"
#include "tests/integration/server_fixture.h"

namespace cxlab::cli {
namespace {

using ::testing::AllOf;
using testing::CommandResult;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::Lines;
using testing::RunInProcess;
using ::testing::StartsWith;
using testing::TempDir;

std::string SourcePath(const std::string& relative) {
  return std::string(CXLAB_SOURCE_DIR) + "/" + relative;
}

std::string ShippedScenario() {
  return SourcePath("experiments/scenarios/sports-shop.yaml");
}

absl::Time At(const char* rfc3339) {
  absl::Time t;
  std::string error;
  EXPECT_TRUE(absl::ParseTime(absl::RFC3339_full, rfc3339, &t, &error))
      << error;
  return t;
}

// The error message of parsing `yaml` (empty when it parses).
std::string ParseErrors(const std::string& yaml) {
  absl::StatusOr<Scenario> s = ParseScenario(yaml, "s.yaml");
  return s.ok() ? "" : std::string(s.status().message());
}

// ---- Parsing
// ------------------------------------------------------------------

TEST(ScenarioParse, MinimalScenarioGetsDefaults) {
  absl::StatusOr<Scenario> s = ParseScenario(R"yaml(
kind: scenario
personas:
  - key: everyone
    share: 1
)yaml",
                                             "s.yaml");
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_EQ(s->personas.size(), 1u);
  EXPECT_EQ(s->personas[0].key, "everyone");
  EXPECT_EQ(s->personas[0].behaviour.add_to_cart, Behaviour().add_to_cart);
  EXPECT_EQ(s->personas[0].behaviour.nps.weights.size(), 11u);
  EXPECT_EQ(s->events.purchase, "purchase");
  EXPECT_THAT(s->effects, IsEmpty());
}

TEST(ScenarioParse, BaselineAndPersonaOverridesLayer) {
  absl::StatusOr<Scenario> s = ParseScenario(R"yaml(
kind: scenario
baseline:
  add_to_cart: 0.4
  nps: {response: 0.5}
personas:
  - {key: a, share: 0.25, behaviour: {add_to_cart: 0.1, csat: {weights: [1, 1, 1, 1, 6]}}}
  - {key: b, share: 0.75}
events: {purchase: order_completed}
effects:
  exp:
    treatment:
      default: {add_to_cart: 1.1, nps: 0.5}
      a: {cart_abandonment: 0.9}
    control: {}
  aa: {}
)yaml",
                                             "s.yaml");
  ASSERT_TRUE(s.ok()) << s.status();
  const Behaviour& a = s->personas[0].behaviour;
  const Behaviour& b = s->personas[1].behaviour;
  EXPECT_EQ(a.add_to_cart, 0.1);
  EXPECT_EQ(b.add_to_cart, 0.4);
  EXPECT_EQ(a.nps.response, 0.5);  // from the baseline
  EXPECT_EQ(a.nps.weights, Behaviour().nps.weights);
  EXPECT_EQ(a.csat.weights, (std::vector<double>{1, 1, 1, 1, 6}));
  EXPECT_EQ(b.csat.weights, Behaviour().csat.weights);
  EXPECT_EQ(s->events.purchase, "order_completed");
  ASSERT_EQ(s->effects.size(), 2u);
  EXPECT_EQ(s->effects[0].experiment, "exp");
  EXPECT_EQ(s->effects[0].line, 11);  // the raw string starts with \n
  ASSERT_EQ(s->effects[0].variants.size(), 2u);
  const VariantEffects& t = s->effects[0].variants[0];
  EXPECT_TRUE(t.has_default);
  EXPECT_EQ(t.everyone.add_to_cart, 1.1);
  EXPECT_EQ(t.everyone.nps, 0.5);
  ASSERT_EQ(t.personas.size(), 1u);
  EXPECT_EQ(t.personas[0].first, 0);
  EXPECT_EQ(t.personas[0].second.cart_abandonment, 0.9);
  EXPECT_THAT(s->effects[1].variants, IsEmpty());
}

// Every rule, with the line and field it names.
TEST(ScenarioParse, EveryRuleIsReportedWithFileLineAndField) {
  struct Case {
    const char* yaml;
    const char* error;
  };
  const Case cases[] = {
      {"personas: [{key: a, share: 1}]\n", "s.yaml:1 kind: is required"},
      {"kind: experiment\nkey: x\n",
       "s.yaml:1 kind: must be 'scenario' (definitions are applied with cxlab "
       "apply"},
      {"kind: scenario\n", "s.yaml:1 personas: is required"},
      {"kind: scenario\npersonas: []\n",
       "s.yaml:2 personas: must be a non-empty list of personas"},
      {"kind: scenario\npersonas:\n  - {key: a, share: 0.5}\n  - {key: b, "
       "share: 0.4}\n",
       "s.yaml:2 personas: persona shares must sum to 1, got 0.9"},
      {"kind: scenario\npersonas:\n  - {key: a, share: 1.5}\n",
       "s.yaml:3 personas[0].share: must be in [0, 1], got 1.5"},
      {"kind: scenario\npersonas:\n  - {key: a}\n",
       "s.yaml:3 personas[0].share: is required"},
      {"kind: scenario\npersonas:\n  - {share: 1}\n",
       "s.yaml:3 personas[0].key: is required"},
      {"kind: scenario\npersonas:\n  - {key: a, share: 0.5}\n  - {key: a, "
       "share: 0.5}\n",
       "s.yaml:4 personas[1].key: duplicate persona 'a'"},
      {"kind: scenario\npersonas:\n  - {key: default, share: 1}\n",
       "s.yaml:3 personas[0].key: 'default' is reserved"},
      {"kind: scenario\npersonas:\n  - {key: 'a b', share: 1}\n",
       "s.yaml:3 personas[0].key: must be 1-64 characters"},
      {"kind: scenario\nbaseline:\n  add_to_cart: 1.2\npersonas: [{key: a, "
       "share: 1}]\n",
       "s.yaml:3 baseline.add_to_cart: must be a probability in [0, 1], got "
       "1.2"},
      {"kind: scenario\nbaseline:\n  refund: -0.1\npersonas: [{key: a, "
       "share: 1}]\n",
       "s.yaml:3 baseline.refund: must be a probability in [0, 1], got -0.1"},
      {"kind: scenario\npersonas:\n  - key: a\n    share: 1\n    "
       "behaviour:\n      cart_abandonment: lots\n",
       "s.yaml:6 personas[0].behaviour.cart_abandonment: must be a finite "
       "number"},
      {"kind: scenario\nbaseline:\n  orders: 0.5\npersonas: [{key: a, share: "
       "1}]\n",
       "s.yaml:3 baseline.orders: must be in [1, 100], got 0.5"},
      {"kind: scenario\nbaseline:\n  order_value: {median: 0}\npersonas: "
       "[{key: a, share: 1}]\n",
       "s.yaml:3 baseline.order_value.median: must be > 0, got 0"},
      {"kind: scenario\nbaseline:\n  nps: {weights: [1, 2, 3]}\npersonas: "
       "[{key: a, share: 1}]\n",
       "s.yaml:3 baseline.nps.weights: must be a list of 11 numbers"},
      {"kind: scenario\nbaseline:\n  csat: {weights: [1, 1, -1, 1, "
       "1]}\npersonas: [{key: a, share: 1}]\n",
       "s.yaml:3 baseline.csat.weights[2]: weights must be >= 0, got -1"},
      {"kind: scenario\nbaseline:\n  ces: {weights: [0, 0, 0, 0, 0, 0, "
       "0]}\npersonas: [{key: a, share: 1}]\n",
       "s.yaml:3 baseline.ces.weights: weights must not all be 0"},
      {"kind: scenario\nbaseline:\n  return_delay_days: [5, 2]\npersonas: "
       "[{key: a, share: 1}]\n",
       "s.yaml:3 baseline.return_delay_days: must be [min, max] days"},
      {"kind: scenario\nbaseline:\n  add_to_kart: 0.2\npersonas: [{key: a, "
       "share: 1}]\n",
       "s.yaml:3 baseline: unknown field 'add_to_kart' (expected one of "
       "add_to_cart,"},
      {"kind: scenario\nkind: scenario\npersonas: [{key: a, share: 1}]\n",
       "s.yaml:2 duplicate field 'kind'"},
      {"kind: scenario\npersonas:\n  - {key: a, share: 1}\n  - [\n",
       "s.yaml:5 invalid YAML"},
      {"kind: scenario\npersonas:\n  - key: a\n    share: 1\n    "
       "attributes:\n      id: me\n",
       "s.yaml:6 personas[0].attributes.id: is set by the simulator"},
      {"kind: scenario\npersonas:\n  - key: a\n    share: 1\n    "
       "attributes:\n      age: {$int: [40, 20]}\n",
       "s.yaml:6 personas[0].attributes.age.$int: must be [lo, hi] with lo "
       "<= hi"},
      {"kind: scenario\npersonas:\n  - key: a\n    share: 1\n    "
       "attributes:\n      age: {$int: [1.5, 20]}\n",
       "s.yaml:6 personas[0].attributes.age.$int: bounds must be integers"},
      {"kind: scenario\npersonas:\n  - key: a\n    share: 1\n    "
       "attributes:\n      os: {$choice: [ios, android], $weights: [1]}\n",
       "s.yaml:6 personas[0].attributes.os.$weights: must be a list of 2 "
       "numbers"},
      {"kind: scenario\npersonas:\n  - key: a\n    share: 1\n    "
       "attributes:\n      os: {$choice: []}\n",
       "s.yaml:6 personas[0].attributes.os.$choice: must be a non-empty "
       "list"},
      {"kind: scenario\npersonas:\n  - key: a\n    share: 1\n    "
       "attributes:\n      vip: {$maybe: 0.5}\n",
       "s.yaml:6 personas[0].attributes.vip: $maybe needs $value"},
      {"kind: scenario\npersonas:\n  - key: a\n    share: 1\n    "
       "attributes:\n      vip: {$maybe: 1.5, $value: true}\n",
       "s.yaml:6 personas[0].attributes.vip.$maybe: must be a probability"},
      {"kind: scenario\npersonas:\n  - key: a\n    share: 1\n    "
       "attributes:\n      x: {$int: [1, 2], $choice: [1]}\n",
       "s.yaml:6 personas[0].attributes.x: needs exactly one of $int"},
      {"kind: scenario\npersonas:\n  - key: a\n    share: 1\n    "
       "attributes:\n      x: {$int: [1, 2], y: 3}\n",
       "s.yaml:6 personas[0].attributes.x: a generator ($int, $uniform, "
       "$choice, $maybe, $id) cannot be mixed with attribute names"},
      {"kind: scenario\npersonas:\n  - key: a\n    share: 1\n    "
       "attributes:\n      x: {$random: 3}\n",
       "s.yaml:6 personas[0].attributes.x: unknown field '$random'"},
      {"kind: scenario\npersonas: [{key: a, share: 1}]\neffects:\n  exp:\n  "
       "  v:\n      b: {add_to_cart: 1.1}\n",
       "s.yaml:6 effects.exp.v.b: unknown persona 'b' (expected default or "
       "one of a)"},
      {"kind: scenario\npersonas: [{key: a, share: 1}]\neffects:\n  exp:\n  "
       "  v:\n      default: {cart_abandonment: 0}\n",
       "s.yaml:6 effects.exp.v.default.cart_abandonment: must be > 0, got 0"},
      {"kind: scenario\npersonas: [{key: a, share: 1}]\neffects:\n  exp:\n  "
       "  v:\n      a: {nps: 11}\n",
       "s.yaml:6 effects.exp.v.a.nps: must be a shift in [-10, 10] points, "
       "got 11"},
      {"kind: scenario\npersonas: [{key: a, share: 1}]\neffects:\n  exp:\n  "
       "  v:\n      a: {conversion: 1.1}\n",
       "s.yaml:6 effects.exp.v.a: unknown field 'conversion'"},
      {"kind: scenario\npersonas: [{key: a, share: 1}]\neffects:\n  exp: "
       "[1, 2]\n",
       "s.yaml:4 effects.exp: must be a mapping"},
      {"kind: scenario\npersonas: [{key: a, share: 1}]\nevents: {purchase: "
       "''}\n",
       "s.yaml:3 events.purchase: must not be empty"},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(ParseErrors(c.yaml), HasSubstr(c.error)) << c.yaml;
  }
}

TEST(ScenarioParse, ReportsEveryErrorInLineOrder) {
  const std::string errors = ParseErrors(R"yaml(kind: scenario
baseline:
  add_to_cart: 2
personas:
  - {key: a, share: 0.5}
  - {key: b, share: 0.6, behaviour: {refund: 3}}
)yaml");
  const std::vector<std::string> lines = Lines(errors);
  ASSERT_EQ(lines.size(), 3u) << errors;
  EXPECT_THAT(lines[0], StartsWith("s.yaml:3 baseline.add_to_cart: "));
  EXPECT_THAT(lines[1], StartsWith("s.yaml:4 personas: persona shares must "
                                   "sum to 1, got 1.1"));
  EXPECT_THAT(lines[2], StartsWith("s.yaml:6 personas[1].behaviour.refund: "));
}

TEST(ScenarioParse, LoadScenarioNamesAnUnreadableFile) {
  absl::StatusOr<Scenario> s = LoadScenario("/nonexistent/s.yaml");
  EXPECT_TRUE(absl::IsNotFound(s.status())) << s.status();
  EXPECT_THAT(s.status().message(), HasSubstr("/nonexistent/s.yaml"));
}

TEST(ScenarioParse, EffectsMustNameExperimentsAndVariantsThatExist) {
  absl::StatusOr<Scenario> s = ParseScenario(R"yaml(kind: scenario
personas: [{key: a, share: 1}]
effects:
  checkout:
    treatment: {default: {add_to_cart: 1.1}}
    treatmnt: {}
  nosuch: {}
)yaml",
                                             "s.yaml");
  ASSERT_TRUE(s.ok()) << s.status();
  engine::ExperimentDef def;
  def.key = "checkout";
  def.variants = {{"control", "", 0.5, {}}, {"treatment", "", 0.5, {}}};
  absl::Status checked = CheckScenarioEffects(*s, {def});
  EXPECT_EQ(checked.message(),
            "s.yaml:6 effects.checkout.treatmnt: unknown variant 'treatmnt' "
            "(the experiment has control, treatment)\n"
            "s.yaml:7 effects.nosuch: unknown experiment 'nosuch'");
}

// ---- The shipped scenario
// -----------------------------------------------------

class ShippedScenarioTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<Scenario> s = LoadScenario(ShippedScenario());
    ASSERT_TRUE(s.ok()) << s.status();
    scenario_ = *std::move(s);
    client::LoadResult loaded =
        client::LoadDefinitions(SourcePath("experiments"));
    ASSERT_TRUE(loaded.ok()) << loaded.errors[0].ToString();
    absl::StatusOr<std::shared_ptr<const engine::ConfigSnapshot>> snap =
        engine::ConfigSnapshot::Build(std::move(loaded.defs));
    ASSERT_TRUE(snap.ok()) << snap.status();
    snapshot_ = *std::move(snap);
  }

  Scenario scenario_;
  std::shared_ptr<const engine::ConfigSnapshot> snapshot_;
};

TEST_F(ShippedScenarioTest, CoversEveryRunningExperimentWithKnownVariants) {
  EXPECT_TRUE(
      CheckScenarioEffects(scenario_, snapshot_->definitions().experiments)
          .ok());
  std::set<std::string> covered;
  for (const ExperimentEffects& e : scenario_.effects) {
    covered.insert(e.experiment);
  }
  for (const engine::ExperimentDef& def :
       snapshot_->definitions().experiments) {
    // homepage_recommendations is a draft the demo starts.
    if (def.status == engine::ExperimentStatus::kRunning ||
        def.key == "homepage_recommendations") {
      EXPECT_TRUE(covered.count(def.key)) << def.key;
    }
  }
  // The A/A test has no effect at all.
  for (const ExperimentEffects& e : scenario_.effects) {
    if (e.experiment == "aa_randomization_check") {
      EXPECT_THAT(e.variants, IsEmpty());
    }
  }
}

TEST_F(ShippedScenarioTest, CheckoutRedesignHelpsFamiliesOnMobileMost) {
  ScenarioGenerator gen(scenario_, 7, absl::Now(), 14);
  auto abandonment = [&](const char* persona, const char* variant) {
    const int p = scenario_.FindPersona(persona);
    EXPECT_GE(p, 0) << persona;
    const Effect e =
        gen.CombinedEffect(p, {{"checkout_redesign", variant, "user", "u"}});
    return e.cart_abandonment;
  };
  EXPECT_EQ(abandonment("families_mobile", "control"), 1);
  EXPECT_LT(abandonment("families_mobile", "one_page_chat"),
            abandonment("families_desktop", "one_page_chat"));
  EXPECT_LT(abandonment("families_mobile", "one_page_chat"),
            abandonment("families_mobile", "one_page"));
  EXPECT_EQ(abandonment("bargain_hunters", "one_page"), 1);
  EXPECT_EQ(abandonment("bargain_hunters", "one_page_chat"), 1);
}

// The personas land in the segments of experiments/segments.yaml they are
// built for (and not in the ones they are not).
TEST_F(ShippedScenarioTest, PersonasFallIntoTheirSegments) {
  const std::map<std::string, std::set<std::string>> expected = {
      {"families_mobile",
       {"families", "returning_visitors", "mobile_shoppers"}},
      {"families_desktop", {"families", "returning_visitors"}},
      {"runners", {"runners", "returning_visitors"}},
      {"bargain_hunters", {"bargain_hunters", "returning_visitors"}},
      {"new_visitors", {"new_visitors"}},
      {"app_users", {"mobile_shoppers", "returning_visitors"}},
      {"loyal_desktop", {"returning_visitors"}},
  };
  // Segments a persona may or may not fall into (device mix).
  const std::map<std::string, std::set<std::string>> sometimes = {
      {"runners", {"mobile_shoppers"}},
      {"bargain_hunters", {"mobile_shoppers"}},
      {"new_visitors", {"mobile_shoppers"}},
  };
  ScenarioGenerator gen(scenario_, 11, absl::Now(), 14);
  std::map<std::string, int> seen;
  for (int64_t i = 0; i < 2000; ++i) {
    const SimVisitor v = gen.Visitor(i);
    const std::string& persona = scenario_.personas[v.persona].key;
    ++seen[persona];
    for (const engine::CompiledSegment& s : snapshot_->segments()) {
      const bool matches =
          s.condition.Matches(v.attributes, snapshot_->groups());
      const bool wanted = expected.at(persona).count(s.def->key) > 0;
      const bool optional = sometimes.count(persona) > 0 &&
                            sometimes.at(persona).count(s.def->key) > 0;
      if (!optional) {
        EXPECT_EQ(matches, wanted) << persona << " / " << s.def->key << ": "
                                   << engine::ToJson(v.attributes);
      }
    }
  }
  EXPECT_EQ(seen.size(), scenario_.personas.size());
}

// ---- The generator
// ------------------------------------------------------------

constexpr char kOnePersona[] = R"yaml(kind: scenario
personas:
  - key: shopper
    share: 0.7
    attributes:
      age: {$int: [20, 30]}
      device: {type: {$choice: [mobile, desktop], $weights: [3, 1]}}
      customer_id: {$maybe: 0.5, $value: {$id: c-}}
      score: {$uniform: [0, 1]}
    behaviour:
      add_to_cart: 0.4
      cart_abandonment: 0.5
      orders: 1
      order_value: {median: 50, sigma: 0.5}
      support_ticket: 0.2
      resolution_hours: {median: 10, sigma: 0.5}
      return_visit: 0.3
      return_delay_days: [1, 2]
      csat: {response: 1, weights: [1, 1, 1, 1, 1]}
      nps: {response: 1, weights: [0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0]}
      propensity_sigma: 0
      pre_purchases: 1
      pre_sessions: 0
  - key: browser
    share: 0.3
    behaviour: {add_to_cart: 0}
effects:
  exp:
    treatment:
      default: {cart_abandonment: 0.5, order_value: 2, nps: 2.5, csat: -1}
)yaml";

Scenario OnePersona() {
  absl::StatusOr<Scenario> s = ParseScenario(kOnePersona, "one.yaml");
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? *s : Scenario();
}

std::vector<SimAssignment> In(const SimVisitor& v, const char* variant) {
  return {{"exp", variant, "user", v.id}};
}

TEST(ScenarioGenerator, SameSeedSameVisitorsAndEvents) {
  const absl::Time now = At("2026-11-20T10:30:00Z");
  ScenarioGenerator a(OnePersona(), 42, now, 14);
  ScenarioGenerator b(OnePersona(), 42, now, 14);
  for (int64_t i = 0; i < 300; ++i) {
    const SimVisitor va = a.Visitor(i);
    const SimVisitor vb = b.Visitor(i);
    EXPECT_EQ(va.id, absl::StrCat("sim-42-", i));
    EXPECT_EQ(va.device_id, va.id + "-d");
    EXPECT_EQ(va.persona, vb.persona);
    EXPECT_EQ(va.attributes, vb.attributes);
    EXPECT_EQ(va.visit_time, vb.visit_time);
    const SimActivity x = a.Activity(va, In(va, "treatment"));
    const SimActivity y = b.Activity(vb, In(vb, "treatment"));
    EXPECT_EQ(x.pre_events, y.pre_events);
    EXPECT_EQ(x.exposures, y.exposures);
    EXPECT_EQ(x.events, y.events);
    EXPECT_EQ(x.censored, y.censored);
  }
}

TEST(ScenarioGenerator, TimesAreRelativeToNow) {
  const absl::Time now = At("2026-11-20T10:30:00Z");
  ScenarioGenerator a(OnePersona(), 5, now, 14);
  ScenarioGenerator b(OnePersona(), 5, now + absl::Hours(50), 14);
  for (int64_t i = 0; i < 100; ++i) {
    const SimVisitor va = a.Visitor(i);
    const SimVisitor vb = b.Visitor(i);
    EXPECT_EQ(vb.visit_time - va.visit_time, absl::Hours(50));
    const SimActivity x = a.Activity(va, In(va, "control"));
    const SimActivity y = b.Activity(vb, In(vb, "control"));
    ASSERT_EQ(x.events.size(), y.events.size());
    for (size_t k = 0; k < x.events.size(); ++k) {
      EXPECT_EQ(x.events[k].event_id, y.events[k].event_id);
      EXPECT_EQ(y.events[k].time - x.events[k].time, absl::Hours(50));
    }
  }
}

TEST(ScenarioGenerator, DifferentSeedDifferentVisitors) {
  const absl::Time now = At("2026-11-20T10:30:00Z");
  ScenarioGenerator a(OnePersona(), 1, now, 14);
  ScenarioGenerator b(OnePersona(), 2, now, 14);
  int same_attributes = 0, same_times = 0;
  for (int64_t i = 0; i < 200; ++i) {
    SimVisitor va = a.Visitor(i);
    SimVisitor vb = b.Visitor(i);
    EXPECT_NE(va.id, vb.id);
    // Compare without the ids.
    va.attributes.Set("id", engine::Value());
    va.attributes.Set("device_id", engine::Value());
    vb.attributes.Set("id", engine::Value());
    vb.attributes.Set("device_id", engine::Value());
    if (va.persona == 0 && vb.persona == 0 && va.attributes == vb.attributes) {
      ++same_attributes;
    }
    if (va.visit_time == vb.visit_time) ++same_times;
  }
  EXPECT_EQ(same_attributes, 0);
  EXPECT_EQ(same_times, 0);
}

TEST(ScenarioGenerator, EventsAreWellFormed) {
  const absl::Time now = At("2026-11-20T10:30:00Z");
  ScenarioGenerator gen(OnePersona(), 3, now, 14);
  std::set<std::string> ids;
  for (int64_t i = 0; i < 500; ++i) {
    const SimVisitor v = gen.Visitor(i);
    EXPECT_LE(v.visit_time, now - ScenarioGenerator::kLatestVisit);
    EXPECT_GE(v.visit_time, now - absl::Hours(14 * 24));
    // Exposed on both the user and the device unit: every event twice.
    std::vector<SimAssignment> assigned = In(v, "control");
    assigned.push_back({"other", "b", "device", v.device_id});
    const SimActivity a = gen.Activity(v, assigned);
    ASSERT_EQ(a.exposures.size(), 2u);
    EXPECT_EQ(a.exposures[0].time, v.visit_time);
    EXPECT_EQ(a.exposures[1].unit_id, v.device_id);
    EXPECT_EQ(a.events.size() % 2, 0u);
    for (const SimEvent& e : a.pre_events) {
      EXPECT_LT(e.time, v.visit_time);
      EXPECT_GE(e.time, v.visit_time - ScenarioGenerator::kPrePeriod);
    }
    for (const SimEvent& e : a.events) {
      EXPECT_GE(e.time, v.visit_time);
      EXPECT_LE(e.time, now);
      EXPECT_TRUE(ids.insert(e.event_id).second) << e.event_id;
      EXPECT_THAT(e.event_id, StartsWith(e.unit_id + "/"));
      if (e.name == "purchase") {
        EXPECT_EQ(e.properties.Find("amount")->as_number(), e.value);
      }
      if (e.name == "survey_nps") {
        EXPECT_EQ(e.properties.Find("score")->as_number(), e.value);
      }
    }
    // Not exposed: nothing to send.
    const SimActivity none = gen.Activity(v, {});
    EXPECT_TRUE(none.events.empty() && none.pre_events.empty() &&
                none.exposures.empty());
  }
}

// Over many visitors the realised rates match the declared ones, and an
// effect moves exactly what it names.
TEST(ScenarioGenerator, RealisedRatesMatchTheScenario) {
  const absl::Time now = At("2026-11-20T10:30:00Z");
  const Scenario scenario = OnePersona();
  ScenarioGenerator gen(scenario, 9, now, 60);
  struct Tally {
    int visitors = 0, carts = 0, buyers = 0, tickets = 0, returns = 0;
    int nps = 0, csat = 0, csat_satisfied = 0;
    double nps_sum = 0, hours_log_sum = 0;
    std::vector<double> amounts;
    double pre_purchases = 0;
  };
  std::map<std::string, Tally> by_variant;
  int shoppers = 0;
  const int kVisitors = 40000;
  for (int64_t i = 0; i < kVisitors; ++i) {
    const SimVisitor v = gen.Visitor(i);
    if (v.persona != 0) continue;
    ++shoppers;
    // Only visits old enough for everything to have happened.
    if (v.visit_time > now - absl::Hours(24 * 30)) continue;
    const char* variant = i % 2 == 0 ? "control" : "treatment";
    const SimActivity a = gen.Activity(v, In(v, variant));
    EXPECT_EQ(a.censored, 0);
    Tally& t = by_variant[variant];
    ++t.visitors;
    std::map<std::string, int> count;
    for (const SimEvent& e : a.events) {
      ++count[e.name];
      if (e.name == "purchase") t.amounts.push_back(e.value);
      if (e.name == "survey_nps") t.nps_sum += e.value;
      if (e.name == "survey_csat" && e.value >= 4) ++t.csat_satisfied;
      if (e.name == "support_ticket_resolved") {
        t.hours_log_sum += std::log(e.value);
      }
    }
    for (const SimEvent& e : a.pre_events) {
      if (e.name == "purchase") ++t.pre_purchases;
    }
    t.carts += count["add_to_cart"] > 0;
    t.buyers += count["purchase"] > 0;
    t.tickets += count["support_ticket_opened"] > 0;
    t.returns += count["session_start"] > 1;
    t.nps += count["survey_nps"];
    t.csat += count["survey_csat"];
  }
  // Persona shares.
  EXPECT_NEAR(shoppers / static_cast<double>(kVisitors), 0.7, 0.01);

  auto median = [](std::vector<double> x) {
    std::sort(x.begin(), x.end());
    return x.empty() ? 0 : x[x.size() / 2];
  };
  const Tally& c = by_variant["control"];
  const Tally& t = by_variant["treatment"];
  ASSERT_GT(c.visitors, 5000);
  ASSERT_GT(t.visitors, 5000);
  const double n = c.visitors;
  EXPECT_NEAR(c.carts / n, 0.4, 0.02);
  EXPECT_NEAR(c.buyers / n, 0.4 * 0.5, 0.015);  // add_to_cart x completion
  EXPECT_NEAR(c.tickets / n, 0.2, 0.015);
  EXPECT_NEAR(c.returns / n, 0.3, 0.015);
  EXPECT_NEAR(c.pre_purchases / n, 1.0, 0.05);
  EXPECT_NEAR(median(c.amounts), 50, 2.5);
  EXPECT_NEAR(std::exp(c.hours_log_sum / c.tickets), 10, 0.5);
  // Every buyer answers; NPS answers are all 5, CSAT uniform on 1-5.
  EXPECT_EQ(c.nps, c.buyers);
  EXPECT_EQ(c.nps_sum, 5.0 * c.nps);
  EXPECT_NEAR(c.csat_satisfied / static_cast<double>(c.csat), 0.4, 0.04);

  // Treatment: abandonment halves (0.5 -> 0.25), so buyers = 0.4 x 0.75;
  // order values double; NPS moves by 2.5 points (7 or 8, mean 7.5); CSAT
  // one point down (4-5 only from 5: 0.2).
  const double m = t.visitors;
  EXPECT_NEAR(t.carts / m, 0.4, 0.02);
  EXPECT_NEAR(t.buyers / m, 0.4 * 0.75, 0.015);
  EXPECT_NEAR(median(t.amounts), 100, 5);
  EXPECT_NEAR(t.nps_sum / t.nps, 7.5, 0.05);
  EXPECT_NEAR(t.csat_satisfied / static_cast<double>(t.csat), 0.2, 0.03);
  EXPECT_NEAR(t.tickets / m, 0.2, 0.015);  // untouched
}

// Common random numbers: a visitor's outcomes not touched by an effect are
// the same in every variant.
TEST(ScenarioGenerator, EffectsChangeOnlyWhatTheyName) {
  const absl::Time now = At("2026-11-20T10:30:00Z");
  ScenarioGenerator gen(OnePersona(), 4, now, 30);
  int differing_carts = 0, more_buyers = 0, fewer_buyers = 0;
  for (int64_t i = 0; i < 2000; ++i) {
    const SimVisitor v = gen.Visitor(i);
    const SimActivity c = gen.Activity(v, In(v, "control"));
    const SimActivity t = gen.Activity(v, In(v, "treatment"));
    auto has = [](const SimActivity& a, const char* name) {
      for (const SimEvent& e : a.events) {
        if (e.name == name) return true;
      }
      return false;
    };
    differing_carts += has(c, "add_to_cart") != has(t, "add_to_cart");
    more_buyers += !has(c, "purchase") && has(t, "purchase");
    fewer_buyers += has(c, "purchase") && !has(t, "purchase");
    EXPECT_EQ(c.pre_events, t.pre_events);
  }
  EXPECT_EQ(differing_carts, 0);
  EXPECT_EQ(fewer_buyers, 0);
  EXPECT_GT(more_buyers, 50);
}

// ---- The loader skips scenarios ---------------------------------------------

TEST(ScenarioFiles, DefinitionsLoaderSkipsScenarioDocuments) {
  TempDir dir;
  dir.Write("defs/segments.yaml",
            "kind: segment\nkey: us\ncondition: {country: US}\n");
  dir.Write("defs/scenarios/shop.yaml",
            "kind: scenario\npersonas: [{key: a, share: 1}]\n");
  client::LoadResult r = client::LoadDefinitions(dir.path() + "/defs");
  EXPECT_TRUE(r.ok()) << r.errors[0].ToString();
  EXPECT_EQ(r.defs.segments.size(), 1u);
}

// ---- End to end
// ---------------------------------------------------------------

// The integration tests' in-process server (127.0.0.1, port 0, a fresh
// data dir) with experiments/ applied and the draft started, driven through
// the command line.
class SimulateScenarioTest : public integration::ServerTest {
 protected:
  void SetUp() override {
    unsetenv("CXLAB_SERVER");
    unsetenv("CXLAB_KEY");
    ASSERT_NO_FATAL_FAILURE(integration::ServerTest::SetUp());
    address_ = absl::StrCat("127.0.0.1:", server_->port());
    CommandResult applied = Cli({"apply", "-f", SourcePath("experiments")});
    ASSERT_EQ(applied.exit_code, 0) << applied.err;
    CommandResult started = Cli({"start", "homepage_recommendations"});
    ASSERT_EQ(started.exit_code, 0) << started.err;
  }

  CommandResult Cli(const std::vector<std::string>& args) {
    std::vector<std::string> full = {"--server", address_, "--key",
                                     integration::kAdminKey};
    full.insert(full.end(), args.begin(), args.end());
    return RunInProcess(full);
  }

  // The summary object of `simulate --scenario --output json`.
  engine::Value Summary(const CommandResult& r) {
    const std::vector<std::string> lines = Lines(r.out);
    EXPECT_FALSE(lines.empty());
    if (lines.empty()) return engine::Value();
    absl::StatusOr<engine::Value> doc = engine::ParseJson(lines[0]);
    EXPECT_TRUE(doc.ok()) << doc.status();
    return doc.ok() ? *doc : engine::Value();
  }

  static double Number(const engine::Value& doc, const char* key) {
    const engine::Value* v = doc.Find(key);
    EXPECT_NE(v, nullptr) << key;
    return v == nullptr ? -1 : v->as_number();
  }

  TempDir files_;
  std::string address_;
};

TEST_F(SimulateScenarioTest, SendsExposuresAndEventsOnceAndVerifies) {
  const std::string now = FormatRfc3339(absl::Now());
  const std::vector<std::string> args = {
      "simulate", "--scenario", ShippedScenario(), "--visitors", "400",
      "--seed",   "3",          "--now",           now};

  CommandResult table = Cli(args);
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_THAT(table.out,
              AllOf(StartsWith("simulating 400 visitors of scenario "
                               "sports-shop ("),
                    HasSubstr("families_mobile"), HasSubstr("\nexposures  "),
                    HasSubstr(" 0 duplicates, 0 rejected"),
                    HasSubstr("== checkout_redesign\n"),
                    HasSubstr("exposed units: control ")));
  EXPECT_THAT(table.err, IsEmpty());

  absl::StatusOr<std::unique_ptr<client::Client>> client =
      client::Client::Connect(address_, integration::kAdminKey);
  ASSERT_TRUE(client.ok()) << client.status();
  for (const char* key : {"aa_randomization_check", "checkout_redesign",
                          "homepage_recommendations"}) {
    v1::GetStatsRequest request;
    request.set_experiment_key(key);
    absl::StatusOr<v1::GetStatsResponse> stats = (*client)->GetStats(request);
    ASSERT_TRUE(stats.ok()) << stats.status();
    int64_t exposed = 0, counted = 0;
    double sum = 0;
    for (int64_t n : stats->exposed_units()) exposed += n;
    for (const v1::MetricStats& s : stats->stats()) {
      counted += s.n();
      sum += s.sum();
    }
    EXPECT_GT(exposed, 0) << key;
    EXPECT_GT(counted, 0) << key;
    // The device experiment has too few units here to be sure of a sale.
    if (std::string(key) != "homepage_recommendations") {
      EXPECT_GT(sum, 0) << key;
    }
  }

  // The same simulation again: nothing new.
  std::vector<std::string> json_args = args;
  json_args.insert(json_args.begin(), {"--output", "json"});
  CommandResult again = Cli(json_args);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  const engine::Value summary = Summary(again);
  EXPECT_EQ(Number(summary, "visitors"), 400);
  EXPECT_GT(Number(summary, "events"), 400);
  EXPECT_EQ(Number(summary, "accepted"), 0);
  EXPECT_EQ(Number(summary, "duplicates"), Number(summary, "events"));
  EXPECT_EQ(Number(summary, "rejected"), 0);
  EXPECT_EQ(Number(summary, "exposuresRecorded"), 0);
  EXPECT_EQ(Number(summary, "exposuresAlreadyKnown"),
            Number(summary, "exposures"));
  // The summary, then one GetStats document per running experiment.
  EXPECT_EQ(Lines(again.out).size(),
            1 + summary.Find("experiments")->items().size());

  CommandResult verify = Cli({"verify"});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  EXPECT_THAT(verify.out, StartsWith("ok: "));
}

TEST_F(SimulateScenarioTest, UnknownVariantInEffectsIsRefused) {
  const std::string file = files_.Write("s.yaml", R"yaml(kind: scenario
personas: [{key: a, share: 1}]
effects:
  checkout_redesign:
    one_pager: {default: {cart_abandonment: 0.9}}
)yaml");
  CommandResult r = Cli({"simulate", "--scenario", file, "--visitors", "10"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr(file + ":5 effects.checkout_redesign.one_pager: "
                                      "unknown variant 'one_pager'"));
  EXPECT_THAT(r.err, HasSubstr("cxlab: invalid scenario: 1 error\n"));
  EXPECT_THAT(r.out, IsEmpty());
}

TEST_F(SimulateScenarioTest, Usage) {
  const std::string scenario = ShippedScenario();
  auto usage = [&](std::vector<std::string> args, const std::string& message) {
    CommandResult r = Cli(args);
    EXPECT_EQ(r.exit_code, 2) << r.out;
    EXPECT_THAT(r.err, HasSubstr(message));
  };
  usage({"simulate", "--scenario", scenario, "-f", SourcePath("experiments")},
        "--scenario cannot be combined with -f");
  usage({"simulate", "--seed", "3"},
        "--seed, --days and --progress need "
        "--scenario");
  usage({"simulate", "--scenario", scenario, "--days", "0"},
        "--days must be between 1 and 365, got 0");
  usage({"simulate", "--scenario", scenario, "--visitors", "0"},
        "--visitors must be between 1 and");
  usage({"simulate", "--scenario", scenario, "--now", "2999-01-01T00:00:00Z"},
        "more than 24 hours in the future");
  usage({"simulate", "--scenario", scenario, "--now", "yesterday"}, "--now");
  usage({"simulate", "--scenario", files_.path() + "/none.yaml"},
        "--scenario " + files_.path() + "/none.yaml: cannot read the file");
  CommandResult no_server = RunInProcess({"simulate", "--scenario", scenario});
  EXPECT_EQ(no_server.exit_code, 2);
  EXPECT_THAT(no_server.err, HasSubstr("needs --server"));
}

}  // namespace
}  // namespace cxlab::cli
