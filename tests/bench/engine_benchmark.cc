// Copyright 2026 The cxlab Authors.
//
// Engine benchmarks against DESIGN §8's budget (2-core machine):
//   one experiment for one unit           <= 100 ns
//   all of 100 running experiments        <= 10 us
// and the content of 20 personalization slots x 10 rules for one unit
// (GetContent's engine part; issue 6). Run with `make bench`.

#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "engine/condition.h"
#include "engine/evaluator.h"
#include "engine/hashing.h"
#include "engine/json.h"
#include "engine/personalization.h"
#include "engine/snapshot.h"

// Counts heap allocations so each benchmark can report allocations per
// operation (the engine aims to evaluate without allocating).
static std::atomic<int64_t> g_allocations{0};

void* operator new(size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }

namespace cxlab::engine {
namespace {

// Reports allocations per iteration as the counter "allocs/op".
class AllocationCounter {
 public:
  explicit AllocationCounter(benchmark::State& state)
      : state_(state), start_(g_allocations.load()) {}
  ~AllocationCounter() {
    state_.counters["allocs/op"] =
        benchmark::Counter(static_cast<double>(g_allocations.load() - start_),
                           benchmark::Counter::kAvgIterations);
  }

 private:
  benchmark::State& state_;
  int64_t start_;
};

const absl::Time kNow = absl::FromUnixSeconds(1795000000);

Value MustParse(const std::string& text) {
  absl::StatusOr<Value> v = ParseJson(text);
  if (!v.ok()) std::abort();
  return *v;
}

std::shared_ptr<const ConfigSnapshot> MustBuild(Definitions d) {
  absl::StatusOr<std::shared_ptr<const ConfigSnapshot>> snap =
      ConfigSnapshot::Build(std::move(d));
  if (!snap.ok()) {
    std::fprintf(stderr, "%s\n", std::string(snap.status().message()).c_str());
    std::abort();
  }
  return *snap;
}

// 1,024 realistic visitors with ids and attributes.
std::vector<Unit> MakeUnits() {
  static const char* kCountries[] = {"US", "CA", "DE", "FR", "GB", "NL"};
  static const char* kDevices[] = {"mobile", "desktop", "tablet"};
  std::vector<Unit> units;
  for (int i = 0; i < 1024; ++i) {
    Unit u;
    u.ids = {{"user", absl::StrCat("visitor-", i * 7919)}};
    u.attributes = MustParse(absl::StrCat(
        R"({"country":")", kCountries[i % 6], R"(","device":")",
        kDevices[i % 3], R"(","age":)", 18 + i % 50, R"(,"children":)", i % 3,
        R"(,"is_returning":)", (i % 2 ? "true" : "false"), R"(,"cart_items":)",
        i % 4, R"(,"interests":["running","yoga","hiking"],"app_version":"4.)",
        i % 10, R"(.0","address":{"country":"US","city":"Austin"}})"));
    units.push_back(std::move(u));
  }
  return units;
}

ExperimentDef MakeExperiment(int i, bool targeted) {
  ExperimentDef e;
  e.key = absl::StrCat("exp_", i);
  e.status = ExperimentStatus::kRunning;
  for (int v = 0; v < 2 + i % 2; ++v) {
    VariantDef var;
    var.key = absl::StrCat("v", v);
    var.payload = MustParse(R"({"headline":"Run further","color":"blue"})");
    e.variants.push_back(var);
  }
  e.coverage = 0.9;
  if (targeted) {
    if (i % 4 == 0) {
      e.segments = {absl::StrCat("segment_", i % 5)};
    } else {
      e.condition = MustParse(
          absl::StrCat(R"({"country":{"$in":["US","CA","GB"]},"age":{"$gte":)",
                       18 + i % 20, R"(},"device":{"$ne":"tablet"}})"));
    }
  }
  return e;
}

Definitions MakeDefinitions(int experiments) {
  Definitions d;
  for (int s = 0; s < 5; ++s) {
    SegmentDef seg;
    seg.key = absl::StrCat("segment_", s);
    seg.condition = MustParse(absl::StrCat(
        R"({"age":{"$gte":25,"$lte":)", 45 + s,
        R"(},"children":{"$gt":0},"interests":{"$elemMatch":{"$eq":"running"}}})"));
    d.segments.push_back(seg);
  }
  for (int l = 0; l * 20 < experiments; ++l) {
    LayerDef layer;
    layer.key = absl::StrCat("layer_", l);
    d.layers.push_back(layer);
  }
  for (int i = 0; i < experiments; ++i) {
    ExperimentDef e = MakeExperiment(i, /*targeted=*/i % 2 == 0);
    // A fifth of the experiments share mutual-exclusion layers.
    if (i % 5 == 0) {
      int slot = (i / 5) % 4;
      e.layer = absl::StrCat("layer_", (i / 20));
      e.layer_range = BucketRange{slot * 0.25, (slot + 1) * 0.25};
    }
    d.experiments.push_back(std::move(e));
  }
  return d;
}

void BM_HashPosition(benchmark::State& state) {
  uint64_t seed = SeedForSalt("checkout_redesign");
  std::string id = "visitor-1234567";
  for (auto _ : state) {
    benchmark::DoNotOptimize(HashPosition(seed, id));
  }
}
BENCHMARK(BM_HashPosition);

void BM_EvaluateOneExperiment(benchmark::State& state) {
  const bool targeted = state.range(0) != 0;
  Definitions d = MakeDefinitions(0);
  ExperimentDef e = MakeExperiment(1, targeted);
  d.experiments.push_back(e);
  auto snap = MustBuild(std::move(d));
  const CompiledExperiment& exp = snap->experiments()[0];
  std::vector<Unit> units = MakeUnits();
  size_t i = 0;
  AllocationCounter allocations(state);
  for (auto _ : state) {
    const Unit& u = units[i++ & 1023];
    UnitEvaluator eval(*snap, u, kNow);
    benchmark::DoNotOptimize(eval.Evaluate(exp));
  }
}
BENCHMARK(BM_EvaluateOneExperiment)->Arg(0)->Arg(1)->ArgName("targeted");

void BM_EvaluateAll100Experiments(benchmark::State& state) {
  auto snap = MustBuild(MakeDefinitions(100));
  std::vector<Unit> units = MakeUnits();
  std::vector<Assignment> out;
  out.reserve(128);
  size_t i = 0;
  int64_t assigned = 0;
  AllocationCounter allocations(state);
  for (auto _ : state) {
    const Unit& u = units[i++ & 1023];
    UnitEvaluator eval(*snap, u, kNow);
    eval.EvaluateAll(out);
    assigned += static_cast<int64_t>(out.size());
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(assigned);
}
BENCHMARK(BM_EvaluateAll100Experiments);

void BM_ConditionPersona(benchmark::State& state) {
  Condition c = *Condition::Compile(
      MustParse(R"({"age":{"$gte":25,"$lte":45},"children":{"$gt":0},)"
                R"("interests":{"$elemMatch":{"$eq":"running"}}})"),
      {});
  std::vector<Unit> units = MakeUnits();
  GroupSet groups;
  size_t i = 0;
  AllocationCounter allocations(state);
  for (auto _ : state) {
    benchmark::DoNotOptimize(c.Matches(units[i++ & 1023].attributes, groups));
  }
}
BENCHMARK(BM_ConditionPersona);

void BM_ConditionMixed(benchmark::State& state) {
  Condition c = *Condition::Compile(
      MustParse(R"({"$or":[{"country":{"$in":["US","CA"]}},)"
                R"({"address.country":"US"}],"app_version":{"$vgte":"4.2.0"},)"
                R"("device":{"$regex":"^(mobile|tablet)$"}})"),
      {});
  std::vector<Unit> units = MakeUnits();
  GroupSet groups;
  size_t i = 0;
  AllocationCounter allocations(state);
  for (auto _ : state) {
    benchmark::DoNotOptimize(c.Matches(units[i++ & 1023].attributes, groups));
  }
}
BENCHMARK(BM_ConditionMixed);

// 20 slots x 10 rules over 10 personas. Rule r of slot s (priority 10 r)
// targets persona (s + r) % 10, every third rule adds a condition, rule 9
// has no persona but a condition and a schedule window, and rule 0 of every
// other slot is backed by a running experiment (3 variants, the control
// without payload, 80 % coverage; the rule's own content for units left
// out).
Definitions MakeContentDefinitions() {
  static const char* kPersonas[] = {
      R"({"children":{"$gt":0}})",
      R"({"country":"US"})",
      R"({"device":"mobile"})",
      R"({"age":{"$gte":40}})",
      R"({"is_returning":true})",
      R"({"cart_items":{"$gte":2}})",
      R"({"country":{"$in":["DE","FR"]}})",
      R"({"age":{"$lt":25}})",
      R"({"device":"desktop","is_returning":true})",
      R"({"app_version":{"$vgte":"4.5.0"}})",
  };
  Definitions d;
  for (int p = 0; p < 10; ++p) {
    SegmentDef seg;
    seg.key = absl::StrCat("persona_", p);
    seg.condition = MustParse(kPersonas[p]);
    d.segments.push_back(seg);
  }
  auto content = [](int slot, int rule) {
    return MustParse(absl::StrCat(
        R"({"headline":"Offer )", slot, "-", rule,
        R"( for you","image":"/img/hero/)", slot, "-", rule,
        R"(.jpg","cta":{"text":"Shop now","href":"/shop/)", rule,
        R"("},"badges":["new","sale"]})"));
  };
  for (int s = 0; s < 20; ++s) {
    SlotDef slot;
    slot.key = absl::StrCat("page.slot_", s);
    slot.default_content = content(s, 99);
    for (int r = 0; r < 10; ++r) {
      SlotRuleDef rule;
      rule.key = absl::StrCat("rule_", r);
      rule.priority = 10 * r;
      rule.content = content(s, r);
      if (r < 9) {
        rule.segments = {absl::StrCat("persona_", (s + r) % 10)};
      } else {
        rule.condition = MustParse(R"({"country":"GB"})");
        rule.start = kNow - absl::Hours(24);
        rule.end = kNow + absl::Hours(24);
      }
      if (r % 3 == 1) {
        rule.condition = MustParse(R"({"cart_items":{"$gt":0}})");
      }
      if (r == 0 && s % 2 == 0) {
        ExperimentDef e;
        e.key = absl::StrCat("content_exp_", s);
        e.status = ExperimentStatus::kRunning;
        e.coverage = 0.8;
        for (int v = 0; v < 3; ++v) {
          VariantDef var;
          var.key = absl::StrCat("v", v);
          if (v > 0) var.payload = content(s, 100 + v);
          e.variants.push_back(var);
        }
        d.experiments.push_back(e);
        rule.experiment = e.key;
      }
      slot.rules.push_back(std::move(rule));
    }
    d.slots.push_back(std::move(slot));
  }
  return d;
}

// GetContent's engine work for one unit: every slot of the snapshot (20 x
// 10 rules). Arg 1: units without attributes, which match few personas, so
// more rules are tried per slot and more slots end at their default (the
// counter default_share).
void BM_ChooseContent20Slots10Rules(benchmark::State& state) {
  auto snap = MustBuild(MakeContentDefinitions());
  std::vector<Unit> units = MakeUnits();
  if (state.range(0) != 0) {
    for (Unit& u : units) u.attributes = Value::Object();
  }
  std::vector<SlotContentChoice> out;
  size_t i = 0;
  int64_t slots = 0, defaults = 0;
  {
    // Grow `out` before counting, as a server thread reuses its vector.
    UnitEvaluator eval(*snap, units[0], kNow);
    ChooseAllContent(*snap, eval, out);
  }
  AllocationCounter allocations(state);
  for (auto _ : state) {
    const Unit& u = units[i++ & 1023];
    UnitEvaluator eval(*snap, u, kNow);
    ChooseAllContent(*snap, eval, out);
    slots += static_cast<int64_t>(out.size());
    for (const SlotContentChoice& c : out) {
      defaults += c.reason == ContentReason::kDefault;
    }
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(slots);
  state.counters["default_share"] =
      slots == 0 ? 0 : static_cast<double>(defaults) / slots;
}
BENCHMARK(BM_ChooseContent20Slots10Rules)
    ->Arg(0)
    ->Arg(1)
    ->ArgName("no_attributes");

void BM_BuildSnapshot100(benchmark::State& state) {
  Definitions d = MakeDefinitions(100);
  for (auto _ : state) {
    benchmark::DoNotOptimize(ConfigSnapshot::Build(d));
  }
}
BENCHMARK(BM_BuildSnapshot100)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace cxlab::engine

BENCHMARK_MAIN();
