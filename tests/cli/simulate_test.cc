// Copyright 2026 The cxlab Authors.

#include <cmath>
#include <cstdlib>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "clients/cpp/cli/cli_util.h"
#include "clients/cpp/cli/simulate_command.h"
#include "clients/cpp/cli/synthetic_visitors.h"
#include "engine/json.h"
#include "engine/value.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/cli/cli_test_util.h"

namespace cxlab::cli {
namespace {

using testing::CommandResult;
using ::testing::DoubleNear;
using ::testing::HasSubstr;
using testing::kDefinitionsYaml;
using testing::kNow;
using testing::Lines;
using ::testing::Not;
using testing::RunBinary;
using ::testing::SizeIs;
using ::testing::StartsWith;
using testing::TempDir;

struct Row {
  double weight = 0;
  int64_t observed = 0;
  double share = 0;  // percent
};

struct Block {
  bool found = false;
  std::map<std::string, Row> rows;
  std::string enrolled_line;
  std::string not_enrolled_line;
  std::string chi_square_line;
};

// Parses the block `simulate` prints for `experiment`.
Block ParseBlock(const std::string& out, const std::string& experiment) {
  Block block;
  std::vector<std::string> lines = Lines(out);
  size_t i = 0;
  while (i < lines.size() && lines[i].rfind(experiment + "  (", 0) != 0) ++i;
  if (i == lines.size()) return block;
  block.found = true;
  for (i += 2; i < lines.size() && !lines[i].empty(); ++i) {
    const std::string& line = lines[i];
    if (line.rfind("  enrolled:", 0) == 0) {
      block.enrolled_line = line;
    } else if (line.rfind("  not enrolled:", 0) == 0) {
      block.not_enrolled_line = line;
    } else if (line.rfind("  chi-square", 0) == 0) {
      block.chi_square_line = line;
    } else {
      std::vector<std::string> cells =
          absl::StrSplit(line, ' ', absl::SkipEmpty());
      if (cells.size() != 5) continue;
      Row row;
      row.weight = std::atof(cells[1].c_str());
      row.observed = std::atoll(cells[3].c_str());
      row.share = std::atof(cells[4].c_str());
      block.rows[cells[0]] = row;
    }
  }
  return block;
}

class SimulateTest : public ::testing::Test {
 protected:
  SimulateTest() : defs_(dir_.Write("defs.yaml", kDefinitionsYaml)) {}

  CommandResult Simulate(std::vector<std::string> args) {
    std::vector<std::string> full = {"simulate", "-f", defs_, "--now", kNow};
    full.insert(full.end(), args.begin(), args.end());
    return RunBinary(dir_, full);
  }

  TempDir dir_;
  std::string defs_;
};

TEST_F(SimulateTest, EveryRunningExperimentSplitsNearItsWeights) {
  CommandResult r = Simulate({"--visitors", "20000"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_THAT(r.out, StartsWith("simulated 20000 visitors (visitor-0 .. "
                                "visitor-19999) at 2026-03-01T12:00:00+00:00 "
                                "against 6 running experiments of 7\n"));
  EXPECT_THAT(r.out, Not(HasSubstr("draft_idea")));

  Block checkout = ParseBlock(r.out, "checkout_button");
  ASSERT_TRUE(checkout.found) << r.out;
  ASSERT_THAT(checkout.rows, SizeIs(2));
  EXPECT_EQ(checkout.rows["control"].weight, 0.5);
  EXPECT_EQ(checkout.rows["control"].observed + checkout.rows["green"].observed,
            20000);
  EXPECT_THAT(checkout.rows["control"].share, DoubleNear(50, 2));
  EXPECT_THAT(checkout.rows["green"].share, DoubleNear(50, 2));
  EXPECT_EQ(checkout.enrolled_line, "  enrolled: 20000 of 20000 (100.00%)");
  EXPECT_EQ(checkout.not_enrolled_line, "  not enrolled: none");
  EXPECT_THAT(checkout.chi_square_line, HasSubstr("df 1"));
  EXPECT_THAT(checkout.chi_square_line, HasSubstr(": ok"));

  // Layer range [0, 0.5) x coverage 0.8: ~40% enrolled, split 20/30/50.
  Block three = ParseBlock(r.out, "three_way");
  ASSERT_TRUE(three.found) << r.out;
  ASSERT_THAT(three.rows, SizeIs(3));
  int64_t enrolled = 0;
  for (const auto& [key, row] : three.rows) enrolled += row.observed;
  EXPECT_NEAR(enrolled, 8000, 400);
  EXPECT_THAT(three.rows["a"].share, DoubleNear(20, 2));
  EXPECT_THAT(three.rows["b"].share, DoubleNear(30, 2));
  EXPECT_THAT(three.rows["c"].share, DoubleNear(50, 2));
  EXPECT_THAT(three.not_enrolled_line, HasSubstr("layer_excluded"));
  EXPECT_THAT(three.not_enrolled_line, HasSubstr("not_in_coverage"));
  EXPECT_THAT(three.chi_square_line, HasSubstr("df 2"));
  EXPECT_THAT(three.chi_square_line, HasSubstr(": ok"));

  // Synthetic attributes: ~45% of visitors are returning.
  Block returning = ParseBlock(r.out, "returning_banner");
  ASSERT_TRUE(returning.found);
  int64_t returning_enrolled = 0;
  for (const auto& [key, row] : returning.rows) {
    returning_enrolled += row.observed;
  }
  EXPECT_NEAR(returning_enrolled, 9000, 600);
  EXPECT_THAT(returning.not_enrolled_line, HasSubstr("not_targeted"));

  // Not started yet at kNow: nobody enrolled, no test.
  Block sale = ParseBlock(r.out, "summer_sale");
  ASSERT_TRUE(sale.found);
  EXPECT_EQ(sale.not_enrolled_line, "  not enrolled: outside_schedule 20000");
  EXPECT_THAT(sale.chi_square_line, HasSubstr("n/a"));
}

TEST_F(SimulateTest, OutputIsDeterministic) {
  CommandResult a = Simulate({"--visitors", "3000", "--seed-prefix", "v"});
  CommandResult b = Simulate({"--visitors", "3000", "--seed-prefix", "v"});
  ASSERT_EQ(a.exit_code, 0) << a.err;
  EXPECT_EQ(a.out, b.out);
  EXPECT_THAT(a.out, HasSubstr("(v0 .. v2999)"));
  CommandResult c = Simulate({"--visitors", "3000", "--seed-prefix", "w"});
  EXPECT_NE(ParseBlock(a.out, "checkout_button").rows["control"].observed,
            ParseBlock(c.out, "checkout_button").rows["control"].observed);
}

TEST_F(SimulateTest, BadInputExitsTwo) {
  const std::vector<std::vector<std::string>> cases = {
      {"--visitors", "0"}, {"--visitors", "-3"}, {"--visitors", "many"},
      {"--now", "soon"},   {"--unknown-flag"},
  };
  for (const auto& args : cases) {
    CommandResult r = Simulate(args);
    EXPECT_EQ(r.exit_code, 2) << args[0];
    EXPECT_THAT(Lines(r.err), SizeIs(1)) << r.err;
    EXPECT_THAT(r.err, StartsWith("cxlab: "));
  }
  std::string bad = dir_.Write("bad.yaml", "kind: experiment\nkey: x\n");
  CommandResult r = RunBinary(dir_, {"simulate", "-f", bad});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(Lines(r.err).back(), StartsWith("cxlab: invalid definitions"));
}

TEST(ChiSquare, MatchesReferenceValues) {
  // Reference p-values: scipy.stats.chi2.sf(statistic, df).
  ChiSquareResult even = ChiSquareTest({5000, 5000}, {0.5, 0.5});
  EXPECT_EQ(even.df, 1);
  EXPECT_DOUBLE_EQ(even.statistic, 0);
  EXPECT_DOUBLE_EQ(even.p_value, 1);

  ChiSquareResult srm = ChiSquareTest({5300, 4700}, {0.5, 0.5});
  EXPECT_DOUBLE_EQ(srm.statistic, 36);
  EXPECT_NEAR(srm.p_value, 1.9731752900753933e-09, 1e-18);
  EXPECT_LT(srm.p_value, kSrmThreshold);

  // 3 variants, 20/30/50: expected 200/300/500.
  ChiSquareResult three = ChiSquareTest({210, 290, 500}, {0.2, 0.3, 0.5});
  EXPECT_EQ(three.df, 2);
  EXPECT_NEAR(three.statistic, 0.5 + 1.0 / 3, 1e-12);
  EXPECT_NEAR(three.p_value, 0.6592406302004439, 1e-12);

  // Weight-0 variants are excluded unless they received units.
  ChiSquareResult zero = ChiSquareTest({500, 500, 0}, {0.5, 0.5, 0});
  EXPECT_EQ(zero.df, 1);
  EXPECT_DOUBLE_EQ(zero.p_value, 1);
  EXPECT_EQ(ChiSquareTest({500, 500, 1}, {0.5, 0.5, 0}).p_value, 0);

  EXPECT_EQ(ChiSquareTest({0, 0}, {0.5, 0.5}).df, 0);
  EXPECT_EQ(ChiSquareTest({10}, {1}).df, 0);
}

TEST(SyntheticVisitors, DeterministicWithRealisticShares) {
  SyntheticVisitors visitors;
  EXPECT_EQ(engine::ToJson(visitors.Attributes("visitor-7")),
            engine::ToJson(SyntheticVisitors().Attributes("visitor-7")));
  const int n = 20000;
  int returning = 0, mobile = 0, parents = 0, runners = 0, carts = 0;
  for (int i = 0; i < n; ++i) {
    engine::Value a = visitors.Attributes("visitor-" + std::to_string(i));
    ASSERT_TRUE(a.is_object());
    EXPECT_EQ(a.Find("id")->as_string(), "visitor-" + std::to_string(i));
    if (a.Find("is_returning")->as_bool()) ++returning;
    const std::string& type = a.Find("device")->Find("type")->as_string();
    ASSERT_THAT(type, ::testing::AnyOf("mobile", "desktop", "tablet"));
    if (type == "mobile") ++mobile;
    if (a.Find("household")->Find("children")->as_number() > 0) ++parents;
    if (a.Find("cart")->Find("items")->as_number() > 0) ++carts;
    const double age = a.Find("age")->as_number();
    ASSERT_GE(age, 18);
    ASSERT_LT(age, 80);
    const engine::Value* interests = a.Find("interests");
    ASSERT_TRUE(interests->is_array());
    ASSERT_LE(interests->items().size(), 3u);
    if (!interests->items().empty() &&
        interests->items()[0] == engine::Value("running")) {
      ++runners;
    }
    // App users, and only they, send an app version.
    const bool app = a.Find("platform")->as_string() != "web";
    EXPECT_EQ(a.Find("app_version") != nullptr, app);
  }
  const double total = n;
  EXPECT_NEAR(returning / total, 0.45, 0.02);
  EXPECT_NEAR(mobile / total, 0.28 + 0.72 * 0.50, 0.02);
  EXPECT_NEAR(parents / total, 0.50, 0.02);
  EXPECT_NEAR(runners / total, 0.28, 0.02);
  EXPECT_NEAR(carts / total, 0.45, 0.02);
}

TEST(SimulateCommand, RunSimulateDirectly) {
  TempDir dir;
  SimulateOptions options;
  options.path = dir.Write("defs.yaml", kDefinitionsYaml);
  options.visitors = 1000;
  options.now = kNow;
  std::ostringstream out, err;
  ASSERT_EQ(RunSimulate(options, out, err), kExitOk) << err.str();
  EXPECT_TRUE(ParseBlock(out.str(), "checkout_button").found);
  EXPECT_FALSE(ParseBlock(out.str(), "draft_idea").found);
}

}  // namespace
}  // namespace cxlab::cli
