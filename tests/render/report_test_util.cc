// Copyright 2026 The cxlab Authors.

#include "tests/render/report_test_util.h"

#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace cxlab::render::testing {

int CountOf(const std::string& text, const std::string& needle) {
  int n = 0;
  for (size_t at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + needle.size())) {
    ++n;
  }
  return n;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::string line;
  std::istringstream in(text);
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

v1::Report ReportFromText(const std::string& text) {
  v1::Report report;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &report))
      << text;
  return report;
}

v1::Report SampleReport() {
  return ReportFromText(R"pb(
    experiment_key: "checkout_redesign"
    name: "Checkout redesign (one page, live chat)"
    status: "running"
    method: METHOD_FREQUENTIST
    alpha: 0.05
    correction: CORRECTION_NONE
    computed_at { seconds: 1773482400 }
    days_running: 13.6
    variant_keys: [ "control", "one_page", "one_page_chat" ]
    units: [ 6812, 6601, 6587 ]
    srm {
      units: [ 6812, 6601, 6587 ]
      weights: [ 0.34, 0.33, 0.33 ]
      chi_square: 1.78
      p_value: 0.41
    }
    metrics {
      metric_key: "checkout_errors"
      name: "Checkout errors"
      type: "binomial"
      direction: "lower"
      guardrail: true
      guardrail_status: "violated"
      variants { variant_key: "control" units: 6812 value: 0.02 }
      variants {
        variant_key: "one_page"
        units: 6601
        value: 0.027
        absolute {
          estimate: 0.007
          ci { lower: 0.001 }
          p_value: 0.01
        }
        relative {
          estimate: 0.35
          ci { lower: 0.05 }
          p_value: 0.01
        }
        verdict: VERDICT_WORSE
        significant: true
      }
      variants {
        variant_key: "one_page_chat"
        units: 6587
        value: 0.0196
        absolute {
          estimate: -0.0004
          ci { lower: -0.005 }
          p_value: 0.9
        }
        relative {
          estimate: -0.02
          ci { lower: -0.25 }
          p_value: 0.9
        }
        verdict: VERDICT_INCONCLUSIVE
      }
    }
    metrics {
      metric_key: "conversion"
      name: "Conversion"
      type: "binomial"
      direction: "higher"
      primary: true
      variants {
        variant_key: "control"
        units: 6812
        value: 0.312
        value_ci { lower: 0.301 upper: 0.323 }
      }
      variants {
        variant_key: "one_page"
        units: 6601
        value: 0.3201
        absolute {
          estimate: 0.0081
          ci { lower: -0.006 upper: 0.022 }
          p_value: 0.2631
          adjusted_p_value: 0.2631
        }
        relative {
          estimate: 0.026
          ci { lower: -0.019 upper: 0.071 }
          p_value: 0.2631
          adjusted_p_value: 0.2631
        }
        verdict: VERDICT_INCONCLUSIVE
      }
      variants {
        variant_key: "one_page_chat"
        units: 6587
        value: 0.331
        absolute {
          estimate: 0.019
          ci { lower: 0.007 upper: 0.031 }
          p_value: 0.0012
          adjusted_p_value: 0.0012
        }
        relative {
          estimate: 0.061
          ci { lower: 0.023 upper: 0.099 }
          p_value: 0.0012
          adjusted_p_value: 0.0012
        }
        verdict: VERDICT_BETTER
        significant: true
      }
    }
    metrics {
      metric_key: "ces"
      name: "Customer effort score"
      type: "ces"
      direction: "lower"
      variants { variant_key: "control" units: 812 value: 3.412 }
      variants {
        variant_key: "one_page"
        units: 0
        verdict: VERDICT_UNDEFINED
        warnings {
          code: "no_units"
          message: "one_page has no units for this metric"
        }
      }
      variants {
        variant_key: "one_page_chat"
        units: 790
        value: 3.139
        absolute {
          estimate: -0.273
          ci { lower: -0.41 upper: -0.136 }
          p_value: 0.0001
          adjusted_p_value: 0.0001
        }
        relative {
          estimate: -0.08
          ci { lower: -0.12 upper: -0.04 }
          p_value: 0.00009
          adjusted_p_value: 0.00009
        }
        verdict: VERDICT_BETTER
        significant: true
      }
    }
    power {
      metric_key: "conversion"
      variant_key: "one_page_chat"
      mde_relative: 0.042
      target_relative_effect: 0.05
      units_still_needed: 3119.2
      days_left: 4.1
      units_per_day: 760
    }
    verdict: "one_page_chat raises conversion by +6.1% [+2.3%, +9.9%]; "
             "one_page raises checkout_errors"
    by_segment {
      segment: "families"
      name: "Families"
      units: [ 1200, 1190, 1210 ]
      srm { p_value: 0.9 }
      metrics {
        metric_key: "conversion"
        primary: true
        variants { variant_key: "control" units: 1200 value: 0.30 }
        variants {
          variant_key: "one_page"
          units: 1190
          value: 0.31
          relative {
            estimate: 0.033
            ci { lower: -0.04 upper: 0.11 }
            p_value: 0.4
          }
          verdict: VERDICT_INCONCLUSIVE
        }
        variants {
          variant_key: "one_page_chat"
          units: 1210
          value: 0.336
          relative {
            estimate: 0.12
            ci { lower: 0.04 upper: 0.2 }
            p_value: 0.003
          }
          verdict: VERDICT_BETTER
        }
      }
    }
    by_segment {
      segment: "runners"
      name: "Runners"
      units: [ 900, 870, 860 ]
      srm { p_value: 0.0001 mismatch: true }
      metrics {
        metric_key: "conversion"
        primary: true
        variants { variant_key: "control" units: 900 value: 0.33 }
        variants {
          variant_key: "one_page"
          units: 870
          value: 0.30
          relative {
            estimate: -0.09
            ci { lower: -0.17 upper: -0.01 }
            p_value: 0.03
          }
          verdict: VERDICT_WORSE
        }
        variants {
          variant_key: "one_page_chat"
          units: 860
          value: 0.335
          relative {
            estimate: 0.015
            ci { lower: -0.06 upper: 0.09 }
            p_value: 0.7
          }
          verdict: VERDICT_INCONCLUSIVE
        }
      }
    }
    by_segment {
      segment: "bargain_hunters"
      name: "Bargain hunters"
      units: [ 0, 0, 0 ]
    }
  )pb");
}

v1::GetTimeSeriesResponse SampleSeries() {
  v1::GetTimeSeriesResponse series;
  series.set_metric_key("conversion");
  for (int day = 1; day <= 5; ++day) {
    for (const char* variant : {"one_page", "one_page_chat"}) {
      v1::TimeSeriesPoint* p = series.add_points();
      p->set_day(absl::StrCat("2026-03-0", day));
      p->set_variant_key(variant);
      p->set_units(day * 1300);
      p->set_control_units(day * 1350);
      if (day == 1 && std::string(variant) == "one_page") continue;
      const double lift = std::string(variant) == "one_page" ? 0.02 : 0.06;
      const double half = 0.2 / day;
      p->set_value(0.31 * (1 + lift));
      p->set_control_value(0.31);
      p->mutable_relative()->set_estimate(lift);
      p->mutable_relative()->mutable_ci()->set_lower(lift - half);
      p->mutable_relative()->mutable_ci()->set_upper(lift + half);
    }
  }
  return series;
}

}  // namespace cxlab::render::testing
