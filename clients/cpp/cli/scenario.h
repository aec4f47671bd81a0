// Copyright 2026 The cxlab Authors.
//
// Scenarios for `cxlab simulate --scenario`: who visits the shop (personas
// with traffic shares and attribute values), how they behave (conversion
// funnel, order values, survey answers, support tickets, return visits) and
// what each experiment variant truly changes, per persona. This file holds
// the model, its YAML parser and the pure generator that turns (seed,
// visitor number, assigned variants) into exposures and events; the gRPC
// driver is simulate_scenario.h. The format is described in
// docs/simulator.md.
//
//   absl::StatusOr<Scenario> s = LoadScenario("experiments/scenarios/x.yaml");
//   if (!s.ok()) ...;  // one "file:line field: rule" per line
//   ScenarioGenerator gen(*s, /*seed=*/7, now, /*days=*/14);
//   SimVisitor v = gen.Visitor(0);            // id "sim-7-0", attributes
//   SimActivity a = gen.Activity(v, assigned);  // exposures and events
//
// Determinism: everything random is drawn from SplitMix64 streams seeded by
// (seed, visitor number, purpose) with the distributions implemented here
// (no std:: distributions, whose output differs between standard
// libraries), so the same scenario, seed, visitor number and assignments
// give the same visitor, event ids, values and times relative to `now` on
// every machine. A persona's draws do not depend on the assigned variants
// (common random numbers): an effect changes only the outcomes it touches.
//
// Thread-safety: Scenario and the Sim* types are plain values. A
// ScenarioGenerator is immutable after construction; its const methods may
// be called from many threads at once.

#ifndef CXLAB_CLIENTS_CPP_CLI_SCENARIO_H_
#define CXLAB_CLIENTS_CPP_CLI_SCENARIO_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "engine/definitions.h"
#include "engine/value.h"

namespace cxlab::cli {

// ---- The model ------------------------------------------------------------

// How one attribute value is drawn for a visitor.
struct AttributeSpec {
  enum class Kind {
    kFixed,    // `value` as written
    kObject,   // a mapping whose members are drawn one by one
    kInt,      // {$int: [lo, hi]}: a uniform integer in [lo, hi]
    kUniform,  // {$uniform: [lo, hi]}: a uniform number in [lo, hi), 2 decimals
    kChoice,   // {$choice: [...], $weights: [...]}: one of the values
    kMaybe,  // {$maybe: p, $value: SPEC}: SPEC with probability p, else absent
    kId,     // {$id: PREFIX}: PREFIX followed by the visitor number
  };
  Kind kind = Kind::kFixed;
  engine::Value value;                                         // kFixed
  std::vector<std::pair<std::string, AttributeSpec>> members;  // kObject
  double lo = 0;                                               // kInt, kUniform
  double hi = 0;
  std::vector<engine::Value> options;  // kChoice
  std::vector<double> cumulative;      // kChoice: normalised, last is 1
  double probability = 1;              // kMaybe
  std::vector<AttributeSpec> inner;    // kMaybe: exactly one element
  std::string prefix;                  // kId
};

// A log-normal distribution given by its median and the sigma of its log.
struct LogNormalSpec {
  double median = 1;  // > 0
  double sigma = 0;   // >= 0
};

// The answers to one survey question.
struct SurveySpec {
  double response = 0;  // probability that a buyer answers, [0, 1]
  // Relative weights (>= 0, not all 0), one per answer from the lowest.
  std::vector<double> weights;
};

// The behaviour of a persona's visitors, before any experiment's effect.
// Probabilities are per visitor unless said otherwise.
struct Behaviour {
  double add_to_cart = 0.2;       // adds to the cart on the visit
  double cart_abandonment = 0.7;  // leaves the checkout without ordering
  double orders = 1;              // mean orders of a converting visitor, >= 1
  LogNormalSpec order_value{60, 0.5};  // EUR per order
  double checkout_errors = 0.05;       // mean errors shown per checkout
  double refund = 0.02;                // per order
  double page_views = 3;               // mean page views per session
  double return_visit = 0.3;           // comes back after the visit
  double return_delay_min_days = 1;    // ... after this many days
  double return_delay_max_days = 14;
  double support_ticket = 0.03;  // opens a ticket after the visit
  LogNormalSpec resolution_hours{24, 0.8};
  // 11 answers, 0-10 (after delivery).
  SurveySpec nps{0.3, {3, 1, 1, 2, 2, 5, 6, 12, 20, 24, 24}};
  // 5 answers, 1-5 (after checkout).
  SurveySpec csat{0.35, {4, 6, 15, 40, 35}};
  // 7 answers, 1-7 (after checkout; 7 = very easy).
  SurveySpec ces{0.3, {3, 4, 8, 15, 25, 25, 20}};
  double pre_purchases = 0.25;    // mean purchases in the 14 days before
  double pre_sessions = 1;        // mean other sessions in those 14 days
  double propensity_sigma = 0.5;  // spread of the visitor's buying propensity
};

// A true effect: factors multiply a behaviour's rate or value (1 = none);
// shifts move survey answers by that many points on the scale (0 = none).
struct Effect {
  double add_to_cart = 1;
  double cart_abandonment = 1;
  double order_value = 1;
  double checkout_errors = 1;
  double refund = 1;
  double page_views = 1;
  double return_visit = 1;
  double support_ticket = 1;
  double resolution_hours = 1;
  double nps = 0;
  double csat = 0;
  double ces = 0;

  // Combines two effects (factors multiply, shifts add).
  void Combine(const Effect& other);
};

// `behaviour` with the factors of `effect` applied, probabilities clamped
// to [0, 1]. The survey shifts are not part of a Behaviour; the generator
// applies them when it draws an answer.
Behaviour ApplyEffect(const Behaviour& behaviour, const Effect& effect);

// The effects of one variant: `everyone` for personas not listed (key
// `default` in the file; none when absent), `personas` overriding it.
struct VariantEffects {
  std::string variant;
  int line = 0;
  bool has_default = false;
  Effect everyone;
  std::vector<std::pair<int, Effect>> personas;  // persona index -> effect
};

// The variants of one experiment that have effects (or none: an A/A test).
struct ExperimentEffects {
  std::string experiment;
  int line = 0;
  std::vector<VariantEffects> variants;
};

// The event names the generator sends; the defaults are what the metrics
// in experiments/metrics.yaml read.
struct EventNames {
  std::string session = "session_start";
  std::string page_view = "page_view";
  std::string add_to_cart = "add_to_cart";
  std::string checkout = "begin_checkout";
  std::string checkout_error = "checkout_error";
  std::string purchase = "purchase";   // value and property `amount`
  std::string order = "order_placed";  // value 1, per order
  std::string refund = "refund_requested";
  std::string nps = "survey_nps";    // value and property `score`
  std::string csat = "survey_csat";  // value and property `score`
  std::string ces = "survey_ces";    // value and property `score`
  std::string ticket_opened = "support_ticket_opened";
  std::string ticket_resolved = "support_ticket_resolved";  // `hours`

  // Every name, in the order above.
  std::vector<std::string> All() const;
};

struct Persona {
  std::string key;
  std::string name;
  std::string description;
  int line = 0;
  double share = 0;          // of the traffic; the shares sum to 1
  AttributeSpec attributes;  // kObject
  Behaviour behaviour;
};

// A parsed, locally valid scenario.
struct Scenario {
  std::string file;  // as given to ParseScenario
  std::string name;
  std::string description;
  EventNames events;
  std::vector<Persona> personas;
  std::vector<ExperimentEffects> effects;

  // The index of the persona `key`, or -1.
  int FindPersona(absl::string_view key) const;
};

// Parses a scenario file's text. `filename` labels errors. Every problem
// found is reported (syntax, unknown or duplicate fields, wrong types, and
// the rules: `kind` must be `scenario`, at least one persona, unique
// persona keys, shares in [0, 1] summing to 1 (+-1e-6), probabilities in
// [0, 1], factors > 0, finite numbers, well-formed attribute generators,
// survey weights of the right length, effects naming known personas) as
// InvalidArgument whose message has one "file:line field: rule" per line,
// ordered by line. A `kind` other than `scenario` is the only error
// reported for a document. Never throws.
absl::StatusOr<Scenario> ParseScenario(absl::string_view text,
                                       absl::string_view filename);

// Reads `path` and parses it (see ParseScenario); NotFound "PATH: cannot
// read the file" when it cannot be read.
absl::StatusOr<Scenario> LoadScenario(const std::string& path);

// Checks the effects against the experiments a server (or a definitions
// directory) has: every experiment and variant named in `effects` must
// exist. InvalidArgument with one "file:line field: rule" per problem.
absl::Status CheckScenarioEffects(
    const Scenario& scenario,
    const std::vector<engine::ExperimentDef>& experiments);

// ---- The generator --------------------------------------------------------

// One simulated visitor.
struct SimVisitor {
  int64_t index = 0;
  std::string id;         // "sim-<seed>-<index>" (unit type user)
  std::string device_id;  // "<id>-d" (unit type device)
  int persona = 0;        // index into Scenario::personas
  engine::Value attributes;
  absl::Time visit_time;  // the visit that exposes the visitor
  double propensity = 1;  // the visitor's buying propensity, mean 1
};

// A variant the server assigned to the visitor, on the unit the experiment
// randomises on.
struct SimAssignment {
  std::string experiment;
  std::string variant;
  std::string unit_type;
  std::string unit_id;
};

// An exposure to report (at the visit time).
struct SimExposure {
  std::string experiment;
  std::string variant;
  std::string unit_type;
  std::string unit_id;
  absl::Time time;

  bool operator==(const SimExposure& other) const;
};

struct SimEvent {
  std::string event_id;  // "<unit_id>/<n>", unique per unit
  std::string unit_type;
  std::string unit_id;
  std::string name;
  double value = 0;
  absl::Time time;
  engine::Value properties;  // an object, or null for none

  bool operator==(const SimEvent& other) const;
};

// What one visitor does. Events are listed per unit, in generation order.
struct SimActivity {
  // Events in the 14 days before the visit (CUPED covariates); send them
  // before the exposures.
  std::vector<SimEvent> pre_events;
  std::vector<SimExposure> exposures;
  // Events at or after the visit, up to `now`.
  std::vector<SimEvent> events;
  // Events that would happen after `now`, left out (not yet observed).
  int64_t censored = 0;
};

class ScenarioGenerator {
 public:
  // How long before `now` the latest visit happens.
  static constexpr absl::Duration kLatestVisit = absl::Hours(1);
  // The pre-exposure period of CUPED covariates.
  static constexpr absl::Duration kPrePeriod = absl::Hours(14 * 24);

  // Visits are spread uniformly over [now - days, now - kLatestVisit];
  // `now` is truncated to the second. `scenario` is copied. days >= 1.
  ScenarioGenerator(Scenario scenario, uint64_t seed, absl::Time now, int days);

  const Scenario& scenario() const { return scenario_; }
  uint64_t seed() const { return seed_; }
  absl::Time now() const { return now_; }

  // Visitor number `index` (>= 0): persona drawn by traffic share, its
  // attributes (plus `id` and `device_id`), visit time and propensity.
  SimVisitor Visitor(int64_t index) const;

  // The activity of `visitor` given the variants the server assigned it
  // (only REASON_ASSIGNED ones). A visitor with no assignment does
  // nothing that any experiment counts, so it gets an empty activity.
  // Every assignment is exposed at the visit time; every event is sent once
  // per distinct unit of `assigned` (user and/or device). The effects of all
  // assigned variants combine (Effect::Combine); the pre-exposure period
  // uses the persona's behaviour without effects.
  SimActivity Activity(const SimVisitor& visitor,
                       const std::vector<SimAssignment>& assigned) const;

  // The combined effect of the variants in `assigned` on visitors of
  // persona number `persona` (no effect for variants the scenario does not
  // name).
  Effect CombinedEffect(int persona,
                        const std::vector<SimAssignment>& assigned) const;

 private:
  Scenario scenario_;
  uint64_t seed_;
  absl::Time now_;
  int days_;
  std::vector<double> cumulative_shares_;
  // "experiment\nvariant" -> its effects.
  absl::flat_hash_map<std::string, const VariantEffects*> effects_;
};

}  // namespace cxlab::cli

#endif  // CXLAB_CLIENTS_CPP_CLI_SCENARIO_H_
