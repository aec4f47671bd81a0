// Copyright 2026 The cxlab Authors.
//
// Personalization on compiled snapshots: rules tried by priority with the
// slot default as fallback, persona overlap (the first rule by priority
// wins), schedule windows, conditions with segments, experiment-backed
// rules (variant payload, control -> slot default, units outside the
// experiment -> the rule's content or the next rule), determinism, and the
// compiled slot itself (sorted rules, contents serialised once).

#include "engine/personalization.h"

#include <map>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "engine/json.h"
#include "engine/snapshot.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cxlab::engine {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

const absl::Time kNow = absl::FromUnixSeconds(1795000000);  // 2026-11

Value Json(const char* text) {
  absl::StatusOr<Value> v = ParseJson(text);
  EXPECT_TRUE(v.ok()) << v.status() << ": " << text;
  return v.ok() ? *v : Value();
}

SegmentDef Segment(const std::string& key, const char* condition) {
  SegmentDef s;
  s.key = key;
  s.condition = Json(condition);
  return s;
}

SlotRuleDef Rule(const std::string& key, int64_t priority,
                 std::vector<std::string> segments, const char* content) {
  SlotRuleDef r;
  r.key = key;
  r.priority = priority;
  r.segments = std::move(segments);
  if (content != nullptr) r.content = Json(content);
  return r;
}

// Personas of the sports shop: families, runners, bargain hunters.
Definitions ShopDefinitions() {
  Definitions d;
  d.segments.push_back(Segment("families", R"({"children": {"$gt": 0}})"));
  d.segments.push_back(
      Segment("runners", R"({"interests": {"$elemMatch": {"$eq": "running"}}})"));
  d.segments.push_back(Segment("bargain", R"({"coupon": true})"));
  SlotDef hero;
  hero.key = "home.hero";
  hero.default_content = Json(R"({"title": "Welcome"})");
  // Listed out of priority order on purpose.
  hero.rules.push_back(Rule("for_runners", 20, {"runners"},
                            R"({"title": "Run further"})"));
  hero.rules.push_back(Rule("for_families", 10, {"families"},
                            R"({"title": "Kids gear"})"));
  hero.rules.push_back(Rule("for_bargains", 30, {"bargain", "runners"},
                            R"({"title": "Deals"})"));
  d.slots.push_back(hero);
  return d;
}

std::shared_ptr<const ConfigSnapshot> Build(Definitions defs) {
  auto snap = ConfigSnapshot::Build(std::move(defs), 1);
  EXPECT_TRUE(snap.ok()) << snap.status();
  return snap.ok() ? *snap : nullptr;
}

Unit UserUnit(const std::string& id, const char* attributes = "{}") {
  Unit u;
  u.ids = {{"user", id}};
  u.attributes = Json(attributes);
  return u;
}

SlotContentChoice Choose(const ConfigSnapshot& snap, const std::string& slot,
                         const Unit& unit, absl::Time now = kNow) {
  UnitEvaluator evaluator(snap, unit, now);
  SlotContentChoice choice;
  ChooseContent(*snap.FindSlot(slot), evaluator, choice);
  return choice;
}

std::string RuleKey(const SlotContentChoice& c) {
  return c.rule == nullptr ? "" : c.rule->key();
}

std::vector<std::string> Personas(const ConfigSnapshot& snap,
                                  const SlotContentChoice& c) {
  std::vector<std::string> out;
  for (int s : c.personas) out.push_back(snap.segments()[s].def->key);
  return out;
}

TEST(PersonalizationSnapshot, CompilesRulesByPriorityAndSerialisesContent) {
  auto snap = Build(ShopDefinitions());
  ASSERT_NE(snap, nullptr);
  ASSERT_EQ(snap->slots().size(), 1u);
  const CompiledSlot* hero = snap->FindSlot("home.hero");
  ASSERT_NE(hero, nullptr);
  EXPECT_EQ(snap->FindSlot("nope"), nullptr);
  std::vector<std::string> order;
  for (const CompiledRule& r : hero->rules) order.push_back(r.key());
  EXPECT_THAT(order, ElementsAre("for_families", "for_runners", "for_bargains"));
  EXPECT_EQ(snap->contents()[hero->default_content].json,
            R"({"title":"Welcome"})");
  EXPECT_EQ(snap->contents()[hero->rules[0].content].json,
            R"({"title":"Kids gear"})");
  EXPECT_EQ(hero->rules[0].experiment, -1);
  for (const CompiledContent& c : snap->contents()) {
    EXPECT_EQ(&snap->contents()[c.index], &c);
    EXPECT_EQ(c.json, ToJson(*c.value));
  }
}

TEST(Personalization, FallsBackToTheSlotDefault) {
  auto snap = Build(ShopDefinitions());
  SlotContentChoice c = Choose(*snap, "home.hero", UserUnit("u1"));
  EXPECT_EQ(c.reason, ContentReason::kDefault);
  EXPECT_EQ(c.rule, nullptr);
  EXPECT_EQ(c.content->json, R"({"title":"Welcome"})");
  EXPECT_THAT(c.personas, IsEmpty());
  EXPECT_EQ(c.assignment.experiment, nullptr);
  EXPECT_EQ(ContentReasonName(c.reason), "default");
}

TEST(Personalization, RulesAreTriedInPriorityOrder) {
  auto snap = Build(ShopDefinitions());
  SlotContentChoice runner = Choose(
      *snap, "home.hero", UserUnit("u1", R"({"interests": ["running"]})"));
  EXPECT_EQ(runner.reason, ContentReason::kRule);
  EXPECT_EQ(ContentReasonName(runner.reason), "rule");
  EXPECT_EQ(RuleKey(runner), "for_runners");
  EXPECT_EQ(runner.content->json, R"({"title":"Run further"})");
  EXPECT_THAT(Personas(*snap, runner), ElementsAre("runners"));

  SlotContentChoice bargain =
      Choose(*snap, "home.hero", UserUnit("u2", R"({"coupon": true})"));
  EXPECT_EQ(RuleKey(bargain), "for_bargains");
  // Only the matching segments of the rule are reported.
  EXPECT_THAT(Personas(*snap, bargain), ElementsAre("bargain"));
}

TEST(Personalization, PersonaOverlapFirstRuleByPriorityWins) {
  auto snap = Build(ShopDefinitions());
  // A running parent with a coupon matches all three rules.
  Unit all = UserUnit(
      "u1", R"({"children": 2, "interests": ["running"], "coupon": true})");
  SlotContentChoice c = Choose(*snap, "home.hero", all);
  EXPECT_EQ(RuleKey(c), "for_families");
  EXPECT_THAT(Personas(*snap, c), ElementsAre("families"));

  // Without children, runners (priority 20) beats bargains (30), which
  // would also match on both of its segments.
  Unit runner_with_coupon =
      UserUnit("u2", R"({"interests": ["running"], "coupon": true})");
  c = Choose(*snap, "home.hero", runner_with_coupon);
  EXPECT_EQ(RuleKey(c), "for_runners");

  // Reordering priorities changes the winner.
  Definitions d = ShopDefinitions();
  d.slots[0].rules[2].priority = 5;  // for_bargains first
  auto reordered = Build(d);
  c = Choose(*reordered, "home.hero", all);
  EXPECT_EQ(RuleKey(c), "for_bargains");
  EXPECT_THAT(Personas(*reordered, c), ElementsAre("bargain", "runners"));
}

TEST(Personalization, ScheduleWindowsAreHalfOpen) {
  Definitions d = ShopDefinitions();
  SlotRuleDef sale = Rule("summer_sale", 1, {}, R"({"title": "Sale"})");
  sale.start = kNow;
  sale.end = kNow + absl::Hours(24);
  d.slots[0].rules.push_back(sale);
  auto snap = Build(d);
  const Unit unit = UserUnit("u1", R"({"children": 1})");
  EXPECT_EQ(RuleKey(Choose(*snap, "home.hero", unit, kNow - absl::Seconds(1))),
            "for_families");
  EXPECT_EQ(RuleKey(Choose(*snap, "home.hero", unit, kNow)), "summer_sale");
  EXPECT_EQ(RuleKey(Choose(*snap, "home.hero", unit,
                           kNow + absl::Hours(24) - absl::Seconds(1))),
            "summer_sale");
  EXPECT_EQ(
      RuleKey(Choose(*snap, "home.hero", unit, kNow + absl::Hours(24))),
      "for_families");
  // A rule without segments has no persona requirement: everyone gets it.
  SlotContentChoice anyone = Choose(*snap, "home.hero", UserUnit("u2"), kNow);
  EXPECT_EQ(RuleKey(anyone), "summer_sale");
  EXPECT_THAT(anyone.personas, IsEmpty());
}

TEST(Personalization, ConditionAndSegmentsMustBothMatch) {
  Definitions d = ShopDefinitions();
  SlotRuleDef german_runners =
      Rule("german_runners", 1, {"runners"}, R"({"title": "Laufen"})");
  german_runners.condition = Json(R"({"country": "DE"})");
  d.slots[0].rules.push_back(german_runners);
  SlotRuleDef condition_only =
      Rule("mobile", 2, {}, R"({"title": "On the go"})");
  condition_only.condition = Json(R"({"device": "mobile"})");
  d.slots[0].rules.push_back(condition_only);
  auto snap = Build(d);
  EXPECT_EQ(RuleKey(Choose(
                *snap, "home.hero",
                UserUnit("u1", R"({"interests": ["running"], "country": "DE"})"))),
            "german_runners");
  // Segment matches, condition does not.
  EXPECT_EQ(RuleKey(Choose(
                *snap, "home.hero",
                UserUnit("u1", R"({"interests": ["running"], "country": "FR"})"))),
            "for_runners");
  // Condition matches, segment does not.
  EXPECT_EQ(RuleKey(Choose(*snap, "home.hero",
                           UserUnit("u1", R"({"country": "DE"})"))),
            "");
  EXPECT_EQ(RuleKey(Choose(*snap, "home.hero",
                           UserUnit("u1", R"({"device": "mobile"})"))),
            "mobile");
}

// A slot whose top rule is backed by an experiment: variant "control" has no
// payload, "bold" and "calm" carry content.
Definitions ExperimentDefinitions() {
  Definitions d = ShopDefinitions();
  ExperimentDef e;
  e.key = "hero_test";
  e.status = ExperimentStatus::kRunning;
  VariantDef control;
  control.key = "control";
  VariantDef bold;
  bold.key = "bold";
  bold.payload = Json(R"({"title": "RUN!"})");
  VariantDef calm;
  calm.key = "calm";
  calm.payload = Json(R"({"title": "Run, gently"})");
  e.variants = {control, bold, calm};
  d.experiments.push_back(e);
  SlotRuleDef tested = Rule("runners_tested", 1, {"runners"}, nullptr);
  tested.experiment = "hero_test";
  d.slots[0].rules.push_back(tested);
  return d;
}

TEST(Personalization, ExperimentVariantsCarryTheContent) {
  auto snap = Build(ExperimentDefinitions());
  const CompiledSlot& hero = *snap->FindSlot("home.hero");
  ASSERT_EQ(hero.rules[0].key(), "runners_tested");
  EXPECT_THAT(hero.rules[0].variant_contents.size(), 3u);
  EXPECT_EQ(hero.rules[0].variant_contents[0], -1);
  std::map<std::string, int> seen;
  for (int i = 0; i < 300; ++i) {
    Unit unit = UserUnit("runner-" + std::to_string(i),
                         R"({"interests": ["running"]})");
    SlotContentChoice c = Choose(*snap, "home.hero", unit);
    ASSERT_EQ(RuleKey(c), "runners_tested");
    ASSERT_NE(c.assignment.experiment, nullptr);
    EXPECT_EQ(c.assignment.experiment->key(), "hero_test");
    EXPECT_EQ(c.assignment.reason, Reason::kAssigned);
    EXPECT_TRUE(c.decided_by_experiment());
    EXPECT_THAT(Personas(*snap, c), ElementsAre("runners"));
    const std::string variant(c.assignment.variant_key());
    ++seen[variant];
    if (variant == "control") {
      EXPECT_EQ(c.reason, ContentReason::kExperimentControlDefault);
      EXPECT_EQ(c.content->json, R"({"title":"Welcome"})");
    } else {
      EXPECT_EQ(c.reason, ContentReason::kExperimentVariant);
      EXPECT_EQ(c.content->json, variant == "bold"
                                     ? R"({"title":"RUN!"})"
                                     : R"({"title":"Run, gently"})");
    }
  }
  EXPECT_EQ(seen.size(), 3u);
  EXPECT_EQ(ContentReasonName(ContentReason::kExperimentVariant),
            "experiment_variant");
  EXPECT_EQ(ContentReasonName(ContentReason::kExperimentControlDefault),
            "experiment_control_default");
}

TEST(Personalization, ForcedAndLaunchedVariantsDecideToo) {
  Definitions d = ExperimentDefinitions();
  d.experiments[0].forced = {{"qa-1", "calm"}};
  auto snap = Build(d);
  const char* runner = R"({"interests": ["running"]})";
  SlotContentChoice forced = Choose(*snap, "home.hero", UserUnit("qa-1", runner));
  EXPECT_EQ(forced.assignment.reason, Reason::kForced);
  EXPECT_EQ(forced.content->json, R"({"title":"Run, gently"})");

  d.experiments[0].status = ExperimentStatus::kLaunched;
  d.experiments[0].winner = "bold";
  auto launched = Build(d);
  SlotContentChoice c = Choose(*launched, "home.hero", UserUnit("u9", runner));
  EXPECT_EQ(c.assignment.reason, Reason::kLaunched);
  EXPECT_EQ(c.reason, ContentReason::kExperimentVariant);
  EXPECT_EQ(c.content->json, R"({"title":"RUN!"})");
}

TEST(Personalization, UnitsOutsideTheExperimentFallThroughOrGetRuleContent) {
  const char* runner = R"({"interests": ["running"]})";
  // Paused: the rule has no content of its own, so the next rule applies.
  Definitions d = ExperimentDefinitions();
  d.experiments[0].status = ExperimentStatus::kPaused;
  auto paused = Build(d);
  SlotContentChoice c = Choose(*paused, "home.hero", UserUnit("u1", runner));
  EXPECT_EQ(RuleKey(c), "for_runners");
  EXPECT_EQ(c.reason, ContentReason::kRule);
  EXPECT_EQ(c.assignment.experiment, nullptr);

  // With content of its own, the rule serves it to units left out.
  d.slots[0].rules.back().content = Json(R"({"title": "Runners"})");
  auto with_content = Build(d);
  c = Choose(*with_content, "home.hero", UserUnit("u1", runner));
  EXPECT_EQ(RuleKey(c), "runners_tested");
  EXPECT_EQ(c.reason, ContentReason::kRule);
  EXPECT_EQ(c.content->json, R"({"title":"Runners"})");
  ASSERT_NE(c.assignment.experiment, nullptr);
  EXPECT_EQ(c.assignment.reason, Reason::kNotRunning);
  EXPECT_FALSE(c.decided_by_experiment());

  // Coverage: units outside it fall through; units inside get a variant.
  d = ExperimentDefinitions();
  d.experiments[0].coverage = 0.5;
  auto half = Build(d);
  int in = 0, out = 0;
  for (int i = 0; i < 400; ++i) {
    SlotContentChoice h =
        Choose(*half, "home.hero", UserUnit("r" + std::to_string(i), runner));
    if (h.assignment.in_experiment()) {
      ++in;
      EXPECT_EQ(RuleKey(h), "runners_tested");
    } else {
      ++out;
      EXPECT_EQ(RuleKey(h), "for_runners");
      EXPECT_EQ(h.assignment.experiment, nullptr);
    }
  }
  EXPECT_GT(in, 120);
  EXPECT_GT(out, 120);

  // Experiment targeting is applied on top of the rule's segments.
  d = ExperimentDefinitions();
  d.experiments[0].condition = Json(R"({"country": "DE"})");
  auto targeted = Build(d);
  EXPECT_EQ(RuleKey(Choose(*targeted, "home.hero", UserUnit("u1", runner))),
            "for_runners");
  // Non-runners never reach the experiment.
  EXPECT_EQ(RuleKey(Choose(*targeted, "home.hero",
                           UserUnit("u1", R"({"country": "DE"})"))),
            "");
}

TEST(Personalization, ChoicesAreDeterministicAndReusable) {
  Definitions d = ExperimentDefinitions();
  SlotDef hint;
  hint.key = "checkout.hint";
  hint.default_content = Json(R"("Free returns")");
  hint.rules.push_back(
      Rule("families_hint", 1, {"families"}, R"("Kids' sizes exchange free")"));
  d.slots.push_back(hint);
  auto snap = Build(d);
  std::vector<SlotContentChoice> first, again;
  const char* attrs = R"({"interests": ["running"], "children": 1})";
  for (int i = 0; i < 50; ++i) {
    Unit unit = UserUnit("v" + std::to_string(i), attrs);
    UnitEvaluator e1(*snap, unit, kNow);
    ChooseAllContent(*snap, e1, first);
    // A second evaluator (fresh memo) agrees.
    UnitEvaluator e2(*snap, unit, kNow);
    ChooseAllContent(*snap, e2, again);
    ASSERT_EQ(first.size(), 2u);
    ASSERT_EQ(again.size(), 2u);
    for (size_t s = 0; s < first.size(); ++s) {
      EXPECT_EQ(first[s].slot, &snap->slots()[s]);
      EXPECT_EQ(first[s].content, again[s].content);
      EXPECT_EQ(first[s].rule, again[s].rule);
      EXPECT_EQ(first[s].assignment.variant, again[s].assignment.variant);
    }
    EXPECT_EQ(RuleKey(first[1]), "families_hint");
  }
  // The same unit on a rebuilt snapshot gets the same variant.
  auto rebuilt = Build(ExperimentDefinitions());
  Unit unit = UserUnit("stable", R"({"interests": ["running"]})");
  EXPECT_EQ(Choose(*snap, "home.hero", unit).assignment.variant_key(),
            Choose(*rebuilt, "home.hero", unit).assignment.variant_key());
  // Reusing a longer output vector shrinks it to the snapshot's slots.
  auto small = Build(ShopDefinitions());
  UnitEvaluator e(*small, unit, kNow);
  ChooseAllContent(*small, e, first);
  EXPECT_EQ(first.size(), 1u);
}

}  // namespace
}  // namespace cxlab::engine
