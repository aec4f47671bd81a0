// Copyright 2026 The cxlab Authors.

#include "clients/cpp/cli/simulate_command.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "boost/math/distributions/chi_squared.hpp"
#include "clients/cpp/cli/cli_util.h"
#include "clients/cpp/cli/synthetic_visitors.h"
#include "engine/definitions.h"
#include "engine/evaluator.h"
#include "engine/snapshot.h"

namespace cxlab::cli {
namespace {

// More visitors than this would take minutes; nobody needs it for a split.
constexpr int64_t kMaxVisitors = 100'000'000;

// Every Reason value, in enum order (for the not-enrolled line).
constexpr engine::Reason kReasons[] = {
    engine::Reason::kAssigned,      engine::Reason::kNotRunning,
    engine::Reason::kNotTargeted,   engine::Reason::kNotInCoverage,
    engine::Reason::kLayerExcluded, engine::Reason::kHoldout,
    engine::Reason::kForced,        engine::Reason::kOutsideSchedule,
    engine::Reason::kLaunched,      engine::Reason::kMissingUnitId,
};
static_assert(sizeof(kReasons) / sizeof(kReasons[0]) == kNumReasons,
              "kReasons must list every engine::Reason in enum order");

// Counts for one experiment over all visitors.
struct ExperimentTally {
  const engine::CompiledExperiment* experiment = nullptr;
  SplitTally split;
};

// The configured weights of `def` (equal weights when unset).
std::vector<double> WeightsOf(const engine::ExperimentDef& def) {
  std::vector<double> weights;
  const double equal = def.variants.empty() ? 0 : 1.0 / def.variants.size();
  for (const engine::VariantDef& v : def.variants) {
    weights.push_back(v.weight.value_or(equal));
  }
  return weights;
}

std::string FormatPValue(double p) {
  if (p == 0) return "0";
  if (p < 1e-4) return absl::StrFormat("%.2e", p);
  return absl::StrFormat("%.4f", p);
}

std::string Percent(double share) {
  return absl::StrFormat("%.2f%%", 100 * share);
}

}  // namespace

void PrintSplit(const engine::ExperimentDef& def, const SplitTally& tally,
                int64_t visitors, std::ostream& out) {
  std::string header =
      absl::StrCat(def.key, "  (unit ", def.unit_type, ", coverage ",
                   absl::StrFormat("%g", def.coverage));
  if (!def.layer.empty()) {
    absl::StrAppend(&header, ", layer ", def.layer);
    if (def.layer_range.has_value()) {
      absl::StrAppend(&header,
                      absl::StrFormat(" [%g, %g)", def.layer_range->start,
                                      def.layer_range->end));
    }
  }
  if (!def.segments.empty()) {
    absl::StrAppend(&header, ", segments ", absl::StrJoin(def.segments, "+"));
  }
  if (!def.condition.is_null() &&
      !(def.condition.is_object() && def.condition.members().empty())) {
    absl::StrAppend(&header, ", condition");
  }
  out << header << ")\n";

  const std::vector<double> weights = WeightsOf(def);
  double weight_sum = 0;
  for (double w : weights) weight_sum += w;
  int64_t enrolled = 0;
  for (int64_t n : tally.assigned) enrolled += n;

  // Rows: variant, weight, expected, observed, share.
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"variant", "weight", "expected", "observed", "share"});
  for (size_t i = 0; i < def.variants.size(); ++i) {
    rows.push_back({
        def.variants[i].key,
        absl::StrFormat("%.4g", weights[i]),
        weight_sum > 0 ? Percent(weights[i] / weight_sum) : "-",
        absl::StrCat(tally.assigned[i]),
        enrolled > 0 ? Percent(static_cast<double>(tally.assigned[i]) /
                               static_cast<double>(enrolled))
                     : "-",
    });
  }
  std::vector<size_t> width(5, 0);
  for (const auto& row : rows) {
    for (size_t c = 0; c < row.size(); ++c) {
      width[c] = std::max(width[c], row[c].size());
    }
  }
  for (const auto& row : rows) {
    out << "  " << row[0] << std::string(width[0] - row[0].size(), ' ');
    for (size_t c = 1; c < row.size(); ++c) {
      out << "  " << std::string(width[c] - row[c].size(), ' ') << row[c];
    }
    out << "\n";
  }

  out << "  enrolled: " << enrolled << " of " << visitors << " ("
      << Percent(static_cast<double>(enrolled) / visitors) << ")\n";
  std::vector<std::string> not_enrolled;
  for (int r = 0; r < kNumReasons; ++r) {
    if (kReasons[r] == engine::Reason::kAssigned || tally.reasons[r] == 0) {
      continue;
    }
    not_enrolled.push_back(
        absl::StrCat(engine::ReasonName(kReasons[r]), " ", tally.reasons[r]));
  }
  if (tally.unknown > 0) {
    not_enrolled.push_back(absl::StrCat("unknown_experiment ", tally.unknown));
  }
  out << "  not enrolled: "
      << (not_enrolled.empty() ? "none" : absl::StrJoin(not_enrolled, ", "))
      << "\n";

  ChiSquareResult chi = ChiSquareTest(tally.assigned, weights);
  if (chi.df == 0) {
    out << "  chi-square: n/a (needs 2+ weighted variants and enrolled "
           "units)\n";
  } else {
    out << "  chi-square " << absl::StrFormat("%.3f", chi.statistic) << ", df "
        << chi.df << ", p " << FormatPValue(chi.p_value) << ": "
        << (chi.p_value < kSrmThreshold ? "SRM (p < 0.001)" : "ok") << "\n";
  }
}

ChiSquareResult ChiSquareTest(const std::vector<int64_t>& observed,
                              const std::vector<double>& weights) {
  ChiSquareResult result;
  if (observed.size() != weights.size()) return result;
  int64_t n = 0;
  double weight_sum = 0;
  int categories = 0;
  bool impossible = false;  // units in a variant of weight 0
  for (size_t i = 0; i < observed.size(); ++i) {
    n += observed[i];
    if (weights[i] > 0) {
      weight_sum += weights[i];
      ++categories;
    } else if (observed[i] > 0) {
      impossible = true;
    }
  }
  if (n == 0 || categories < 2) return result;
  result.df = categories - 1;
  if (impossible) {
    result.statistic = std::numeric_limits<double>::infinity();
    result.p_value = 0;
    return result;
  }
  double stat = 0;
  for (size_t i = 0; i < observed.size(); ++i) {
    if (weights[i] <= 0) continue;
    const double expected = static_cast<double>(n) * weights[i] / weight_sum;
    const double d = static_cast<double>(observed[i]) - expected;
    stat += d * d / expected;
  }
  result.statistic = stat;
  try {
    boost::math::chi_squared_distribution<double> dist(result.df);
    result.p_value = boost::math::cdf(boost::math::complement(dist, stat));
  } catch (const std::exception&) {
    // Only reachable for a non-finite statistic: treat it as certain SRM.
    result.p_value = 0;
  }
  return result;
}

absl::Status CheckVisitors(int64_t visitors) {
  if (visitors < 1 || visitors > kMaxVisitors) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--visitors must be between 1 and ", kMaxVisitors, ", got ", visitors));
  }
  return absl::OkStatus();
}

int RunSimulate(const SimulateOptions& options, std::ostream& out,
                std::ostream& err) {
  absl::Status visitors_ok = CheckVisitors(options.visitors);
  if (!visitors_ok.ok()) return ReportUsageError(err, visitors_ok);
  absl::StatusOr<absl::Time> now = ParseNow(options.now);
  if (!now.ok()) return ReportUsageError(err, now.status());
  std::shared_ptr<const engine::ConfigSnapshot> snapshot =
      LoadSnapshotOrReport(options.path, err);
  if (snapshot == nullptr) return kExitUsage;

  std::vector<ExperimentTally> tallies;
  std::vector<std::string> unit_types;
  for (const engine::CompiledExperiment& e : snapshot->experiments()) {
    if (e.def->status != engine::ExperimentStatus::kRunning) continue;
    ExperimentTally tally;
    tally.experiment = &e;
    tally.split.assigned.assign(e.def->variants.size(), 0);
    tallies.push_back(std::move(tally));
    if (std::find(unit_types.begin(), unit_types.end(), e.def->unit_type) ==
        unit_types.end()) {
      unit_types.push_back(e.def->unit_type);
    }
  }

  const int64_t last = options.visitors - 1;
  out << "simulated " << options.visitors << " visitors ("
      << options.seed_prefix << 0 << " .. " << options.seed_prefix << last
      << ") at " << FormatRfc3339(*now) << " against " << tallies.size()
      << " running experiment" << (tallies.size() == 1 ? "" : "s") << " of "
      << snapshot->experiments().size() << "\n";
  if (tallies.empty()) {
    out.flush();
    return kExitOk;
  }

  SyntheticVisitors generator;
  engine::Unit unit;
  std::string id;
  for (int64_t i = 0; i < options.visitors; ++i) {
    id = absl::StrCat(options.seed_prefix, i);
    unit.attributes = generator.Attributes(id);
    // Every unit type the experiments randomise on gets the visitor's id,
    // so each experiment sees N independent units.
    unit.ids.clear();
    for (const std::string& type : unit_types) unit.ids.emplace_back(type, id);
    engine::UnitEvaluator evaluator(*snapshot, unit, *now);
    for (ExperimentTally& tally : tallies) {
      engine::Assignment a = evaluator.Evaluate(*tally.experiment);
      if (a.reason == engine::Reason::kAssigned && a.in_experiment()) {
        ++tally.split.assigned[a.variant];
      } else {
        ++tally.split.reasons[static_cast<int>(a.reason)];
      }
    }
  }

  for (const ExperimentTally& tally : tallies) {
    out << "\n";
    PrintSplit(*tally.experiment->def, tally.split, options.visitors, out);
  }
  out.flush();
  return kExitOk;
}

}  // namespace cxlab::cli
