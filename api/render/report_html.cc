// Copyright 2026 The cxlab Authors.

#include "api/render/report_html.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "api/render/report_format.h"

namespace cxlab::render {
namespace {

// Plot geometry (SVG user units = CSS pixels).
constexpr double kPlotWidth = 880;
constexpr double kRowHeight = 24;

// Colours by verdict, and per treatment.
constexpr char kBetterColor[] = "#1a7f37";
constexpr char kWorseColor[] = "#cf222e";
constexpr char kInconclusiveColor[] = "#57606a";
constexpr char kUndefinedColor[] = "#bf8700";
constexpr char kControlColor[] = "#8c959f";
constexpr const char* kPalette[] = {"#0969da", "#8250df", "#bc4c00",
                                    "#1b7c83", "#bf3989", "#4d2d00"};

const char* VerdictColor(v1::Verdict verdict) {
  switch (verdict) {
    case v1::VERDICT_BETTER:
      return kBetterColor;
    case v1::VERDICT_WORSE:
      return kWorseColor;
    case v1::VERDICT_INCONCLUSIVE:
      return kInconclusiveColor;
    default:
      return kUndefinedColor;
  }
}

// The CSS class of a verdict ("better", ..., "control").
std::string VerdictClass(v1::Verdict verdict) {
  const std::string name = VerdictName(verdict);
  return name.empty() ? "control" : name;
}

const char* TreatmentColor(int treatment_index) {
  constexpr int n = sizeof(kPalette) / sizeof(kPalette[0]);
  return kPalette[((treatment_index % n) + n) % n];
}

// A coordinate.
std::string C(double x) { return absl::StrFormat("%.1f", x); }

// At most `max` code points of `text`, "…" marking a cut.
std::string Truncate(absl::string_view text, size_t max) {
  size_t points = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;
    if (points == max - 1) {
      // Is there more than one code point left?
      size_t rest = 0;
      for (size_t j = i; j < text.size(); ++j) {
        if ((static_cast<unsigned char>(text[j]) & 0xC0) != 0x80) ++rest;
      }
      if (rest > 1) return absl::StrCat(text.substr(0, i), "\u2026");
      return std::string(text);
    }
    ++points;
  }
  return std::string(text);
}

// An SVG <text> element with escaped content; `title` (when set) is a
// tooltip with the untruncated text.
std::string SvgText(double x, double y, absl::string_view text,
                    absl::string_view attributes = "",
                    absl::string_view title = "") {
  return absl::StrCat(
      "<text x=\"", C(x), "\" y=\"", C(y), "\"", attributes.empty() ? "" : " ",
      attributes, ">",
      title.empty() ? ""
                    : absl::StrCat("<title>", HtmlEscape(title), "</title>"),
      HtmlEscape(text), "</text>");
}

std::string SvgOpen(double width, double height, absl::string_view label) {
  return absl::StrCat("<svg class=\"plot\" viewBox=\"0 0 ", C(width), " ",
                      C(height), "\" width=\"", C(width), "\" height=\"",
                      C(height), "\" role=\"img\" aria-label=\"",
                      HtmlEscape(label), "\"><title>", HtmlEscape(label),
                      "</title>");
}

// A value axis for relative lifts: covers 0 and the estimates, and the
// interval bounds up to a cap, so one very wide interval (few units) does
// not squash every other row; clipped intervals end in an arrow.
struct Axis {
  double lo = -0.01;
  double hi = 0.01;
  std::vector<double> ticks;
  int decimals = 0;  // of the tick labels, in percent
};

double NiceStep(double span, int target) {
  const double raw = span / target;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    if (m * magnitude >= raw) return m * magnitude;
  }
  return 10 * magnitude;
}

Axis MakeAxis(const std::vector<double>& estimates,
              const std::vector<double>& bounds) {
  double largest_estimate = 0;
  for (double e : estimates)
    largest_estimate = std::max(largest_estimate, std::fabs(e));
  std::vector<double> sizes;
  for (double b : bounds) sizes.push_back(std::fabs(b));
  double cap = std::max(2 * largest_estimate, 0.01);
  if (!sizes.empty()) {
    std::nth_element(sizes.begin(), sizes.begin() + sizes.size() / 2,
                     sizes.end());
    cap = std::max(cap, 4 * sizes[sizes.size() / 2]);
  }
  Axis axis;
  axis.lo = 0;
  axis.hi = 0;
  for (const std::vector<double>* values : {&estimates, &bounds}) {
    for (double v : *values) {
      const double clipped = std::clamp(v, -cap, cap);
      axis.lo = std::min(axis.lo, clipped);
      axis.hi = std::max(axis.hi, clipped);
    }
  }
  if (axis.hi - axis.lo < 0.02) {
    const double mid = (axis.hi + axis.lo) / 2;
    axis.lo = std::min(axis.lo, mid - 0.01);
    axis.hi = std::max(axis.hi, mid + 0.01);
  }
  const double pad = (axis.hi - axis.lo) * 0.06;
  axis.lo -= pad;
  axis.hi += pad;
  const double step = NiceStep(axis.hi - axis.lo, 5);
  for (double t = std::ceil(axis.lo / step) * step; t <= axis.hi + 1e-12;
       t += step) {
    axis.ticks.push_back(std::fabs(t) < step * 1e-6 ? 0 : t);
  }
  const double step_pct = step * 100;
  axis.decimals =
      step_pct >= 1
          ? (std::fabs(std::round(step_pct) - step_pct) < 1e-9 ? 0 : 1)
          : (step_pct >= 0.1 ? 1 : 2);
  return axis;
}

std::string TickLabel(const Axis& axis, double t) {
  return t == 0 ? "0%" : FormatSignedPercent(t, axis.decimals);
}

// The lower bound of a relative effect as drawn: clamped at -100% when
// `floor_lower` (a metric that cannot be negative, IsNonNegativeMetric;
// display only, as FormatRelativeLift).
double ShownLower(const v1::Effect& e, bool floor_lower) {
  return floor_lower ? std::max(e.ci().lower(), -1.0) : e.ci().lower();
}

// Collects an effect's estimate and finite bounds (as drawn).
void Collect(const v1::Effect& e, bool floor_lower,
             std::vector<double>& estimates, std::vector<double>& bounds) {
  if (!e.has_estimate()) return;
  estimates.push_back(e.estimate());
  if (e.ci().has_lower()) bounds.push_back(ShownLower(e, floor_lower));
  if (e.ci().has_upper()) bounds.push_back(e.ci().upper());
}

// A small arrow head at (x, y) pointing left (dir -1) or right (+1).
std::string ArrowHead(double x, double y, int dir, const char* color) {
  return absl::StrCat("<polygon points=\"", C(x), ",", C(y), " ",
                      C(x - dir * 7), ",", C(y - 4), " ", C(x - dir * 7), ",",
                      C(y + 4), "\" fill=\"", color, "\"/>");
}

// ---- Forest plot ------------------------------------------------------------

struct ForestRow {
  std::string group;        // printed on the group's first row
  std::string group_title;  // its tooltip
  std::string label;        // the variant
  const v1::Effect* effect = nullptr;
  // The effect's metric: its type decides the display clamping.
  const v1::MetricResult* metric = nullptr;
  v1::Verdict verdict = v1::VERDICT_UNDEFINED;
  bool first_of_group = false;
  bool emphasise_group = false;  // red group label (SRM mismatch)
  // Shown instead of the interval when the effect is undefined.
  std::string undefined_text = "undefined (see warnings)";
};

std::string ForestSvg(const std::vector<ForestRow>& rows,
                      absl::string_view label) {
  constexpr double kLeft = 300;   // plot area starts
  constexpr double kWidth = 300;  // plot area width
  constexpr double kTop = 30;
  const double height = kTop + rows.size() * kRowHeight + 8;
  auto floor_lower = [](const ForestRow& r) {
    return r.metric != nullptr && IsNonNegativeMetric(r.metric->type());
  };
  std::vector<double> estimates, bounds;
  for (const ForestRow& r : rows) {
    if (r.effect != nullptr) {
      Collect(*r.effect, floor_lower(r), estimates, bounds);
    }
  }
  const Axis axis = MakeAxis(estimates, bounds);
  auto x = [&](double v) {
    return kLeft + (v - axis.lo) / (axis.hi - axis.lo) * kWidth;
  };
  std::string svg = SvgOpen(kPlotWidth, height, label);
  for (double t : axis.ticks) {
    absl::StrAppend(&svg, "<line class=\"grid\" x1=\"", C(x(t)), "\" y1=\"",
                    C(kTop - 6), "\" x2=\"", C(x(t)), "\" y2=\"", C(height - 8),
                    "\"/>",
                    SvgText(x(t), kTop - 12, TickLabel(axis, t),
                            "class=\"tick\" text-anchor=\"middle\""));
  }
  absl::StrAppend(&svg, "<line class=\"zero\" x1=\"", C(x(0)), "\" y1=\"",
                  C(kTop - 6), "\" x2=\"", C(x(0)), "\" y2=\"", C(height - 8),
                  "\"/>");
  for (size_t i = 0; i < rows.size(); ++i) {
    const ForestRow& r = rows[i];
    const double top = kTop + i * kRowHeight;
    const double y = top + kRowHeight / 2;
    if (r.first_of_group && i > 0) {
      absl::StrAppend(&svg, "<line class=\"sep\" x1=\"0\" y1=\"", C(top),
                      "\" x2=\"", C(kPlotWidth), "\" y2=\"", C(top), "\"/>");
    }
    if (r.first_of_group) {
      svg +=
          SvgText(6, y + 4, Truncate(r.group, 28),
                  r.emphasise_group ? "class=\"group srm\"" : "class=\"group\"",
                  r.group_title.empty() ? r.group : r.group_title);
    }
    svg +=
        SvgText(196, y + 4, Truncate(r.label, 14), "class=\"label\"", r.label);
    const char* color = VerdictColor(r.verdict);
    const bool defined = r.effect != nullptr && r.effect->has_estimate();
    if (defined) {
      const v1::Effect& e = *r.effect;
      const bool has_interval = e.ci().has_lower() || e.ci().has_upper();
      if (has_interval) {
        const double lower = ShownLower(e, floor_lower(r));
        const bool open_left = !e.ci().has_lower() || lower < axis.lo;
        const bool open_right = !e.ci().has_upper() || e.ci().upper() > axis.hi;
        const double x1 = open_left ? x(axis.lo) : x(lower);
        const double x2 = open_right ? x(axis.hi) : x(e.ci().upper());
        absl::StrAppend(&svg, "<line x1=\"", C(x1), "\" y1=\"", C(y),
                        "\" x2=\"", C(x2), "\" y2=\"", C(y), "\" stroke=\"",
                        color, "\" stroke-width=\"2.5\"/>");
        if (open_left) svg += ArrowHead(x1, y, -1, color);
        if (open_right) svg += ArrowHead(x2, y, 1, color);
      }
      const double est = std::clamp(e.estimate(), axis.lo, axis.hi);
      absl::StrAppend(&svg, "<circle cx=\"", C(x(est)), "\" cy=\"", C(y),
                      "\" r=\"4.5\" fill=\"", color, "\"/>");
    } else {
      svg += SvgText(kLeft + kWidth / 2, y + 4, r.undefined_text,
                     "class=\"undefined\" text-anchor=\"middle\"");
    }
    svg += SvgText(kLeft + kWidth + 12, y + 4,
                   absl::StrCat(r.effect == nullptr ? std::string(kUndefined)
                                : r.metric != nullptr
                                    ? FormatRelativeLift(*r.metric, *r.effect)
                                    : FormatRelativeLift(*r.effect),
                                "  ", VerdictMarker(r.verdict)),
                   absl::StrCat("class=\"value\" fill=\"", color, "\""));
  }
  svg += "</svg>";
  return svg;
}

// Forest rows of one metric's treatments under `group`.
void AddMetricRows(const v1::MetricResult& metric, const std::string& group,
                   const std::string& group_title, bool emphasise,
                   std::vector<ForestRow>& rows) {
  for (int i = 1; i < metric.variants_size(); ++i) {
    const v1::VariantResult& v = metric.variants(i);
    ForestRow row;
    row.group = group;
    row.group_title = group_title;
    row.label = v.variant_key();
    row.effect = &v.relative();
    row.metric = &metric;
    row.verdict = v.verdict();
    row.first_of_group = i == 1;
    row.emphasise_group = emphasise;
    rows.push_back(std::move(row));
  }
}

// ---- Lift over time
// ----------------------------------------------------------

std::string TimeSeriesSvg(const v1::Report& report,
                          const v1::GetTimeSeriesResponse& series) {
  constexpr double kLeft = 64, kTop = 16, kPlotW = 616, kPlotH = 230;
  constexpr double kHeight = kTop + kPlotH + 44;
  std::vector<std::string> days;
  {
    std::set<std::string> unique;
    for (const v1::TimeSeriesPoint& p : series.points()) unique.insert(p.day());
    days.assign(unique.begin(), unique.end());
  }
  std::map<std::string, size_t> day_index;
  for (size_t i = 0; i < days.size(); ++i) day_index[days[i]] = i;

  // Treatments in the report's order, then any others the series names.
  std::vector<std::string> treatments;
  for (int i = 1; i < report.variant_keys_size(); ++i) {
    treatments.push_back(report.variant_keys(i));
  }
  for (const v1::TimeSeriesPoint& p : series.points()) {
    if (std::find(treatments.begin(), treatments.end(), p.variant_key()) ==
        treatments.end()) {
      treatments.push_back(p.variant_key());
    }
  }

  // The series' metric, for the display clamping of its lower bounds.
  const v1::MetricResult* metric = nullptr;
  for (const v1::MetricResult& m : report.metrics()) {
    if (m.metric_key() == series.metric_key()) metric = &m;
  }
  const bool floor_lower =
      metric != nullptr && IsNonNegativeMetric(metric->type());
  auto lift_text = [&](const v1::Effect& e) {
    return metric != nullptr ? FormatRelativeLift(*metric, e)
                             : FormatRelativeLift(e);
  };
  std::vector<double> estimates, bounds;
  for (const v1::TimeSeriesPoint& p : series.points()) {
    Collect(p.relative(), floor_lower, estimates, bounds);
  }
  const Axis axis = MakeAxis(estimates, bounds);
  auto x = [&](size_t i) {
    return days.size() <= 1
               ? kLeft + kPlotW / 2
               : kLeft + static_cast<double>(i) * kPlotW / (days.size() - 1);
  };
  auto y = [&](double v) {
    v = std::clamp(v, axis.lo, axis.hi);
    return kTop + (axis.hi - v) / (axis.hi - axis.lo) * kPlotH;
  };

  std::string svg = SvgOpen(kPlotWidth, kHeight,
                            absl::StrCat("Cumulative relative lift of ",
                                         series.metric_key(), " per day"));
  for (double t : axis.ticks) {
    absl::StrAppend(&svg, "<line class=\"grid\" x1=\"", C(kLeft), "\" y1=\"",
                    C(y(t)), "\" x2=\"", C(kLeft + kPlotW), "\" y2=\"", C(y(t)),
                    "\"/>",
                    SvgText(kLeft - 6, y(t) + 4, TickLabel(axis, t),
                            "class=\"tick\" text-anchor=\"end\""));
  }
  absl::StrAppend(&svg, "<line class=\"zero\" x1=\"", C(kLeft), "\" y1=\"",
                  C(y(0)), "\" x2=\"", C(kLeft + kPlotW), "\" y2=\"", C(y(0)),
                  "\"/>");
  const size_t label_step = std::max<size_t>(1, (days.size() + 5) / 6);
  for (size_t i = 0; i < days.size(); ++i) {
    // Every label_step-th day, counted back from the latest one.
    if ((days.size() - 1 - i) % label_step != 0) continue;
    svg += SvgText(x(i), kTop + kPlotH + 18, days[i],
                   "class=\"tick\" text-anchor=\"middle\"");
  }
  svg += SvgText(kLeft, kTop + kPlotH + 38,
                 "UTC day (everything exposed up to and including it)",
                 "class=\"tick\"");

  for (size_t t = 0; t < treatments.size(); ++t) {
    const char* color = TreatmentColor(static_cast<int>(t));
    std::vector<const v1::TimeSeriesPoint*> points;
    for (const v1::TimeSeriesPoint& p : series.points()) {
      if (p.variant_key() == treatments[t]) points.push_back(&p);
    }
    std::stable_sort(
        points.begin(), points.end(),
        [](const v1::TimeSeriesPoint* a, const v1::TimeSeriesPoint* b) {
          return a->day() < b->day();
        });
    // Bands and lines break where a day's numbers are undefined.
    std::vector<std::vector<const v1::TimeSeriesPoint*>> band_runs(1),
        line_runs(1);
    for (const v1::TimeSeriesPoint* p : points) {
      const v1::Effect& e = p->relative();
      if (e.has_estimate() && e.ci().has_lower() && e.ci().has_upper()) {
        band_runs.back().push_back(p);
      } else if (!band_runs.back().empty()) {
        band_runs.emplace_back();
      }
      if (e.has_estimate()) {
        line_runs.back().push_back(p);
      } else if (!line_runs.back().empty()) {
        line_runs.emplace_back();
      }
    }
    for (const auto& run : band_runs) {
      if (run.size() < 2) continue;
      std::vector<std::string> pts;
      for (const v1::TimeSeriesPoint* p : run) {
        pts.push_back(absl::StrCat(C(x(day_index[p->day()])), ",",
                                   C(y(p->relative().ci().upper()))));
      }
      for (auto it = run.rbegin(); it != run.rend(); ++it) {
        pts.push_back(
            absl::StrCat(C(x(day_index[(*it)->day()])), ",",
                         C(y(ShownLower((*it)->relative(), floor_lower)))));
      }
      absl::StrAppend(&svg, "<polygon class=\"band\" fill=\"", color,
                      "\" points=\"", absl::StrJoin(pts, " "), "\"/>");
    }
    for (const auto& run : line_runs) {
      std::vector<std::string> pts;
      for (const v1::TimeSeriesPoint* p : run) {
        pts.push_back(absl::StrCat(C(x(day_index[p->day()])), ",",
                                   C(y(p->relative().estimate()))));
      }
      if (pts.size() >= 2) {
        absl::StrAppend(&svg, "<polyline fill=\"none\" stroke=\"", color,
                        "\" stroke-width=\"2\" points=\"",
                        absl::StrJoin(pts, " "), "\"/>");
      }
      for (const v1::TimeSeriesPoint* p : run) {
        absl::StrAppend(
            &svg, "<circle cx=\"", C(x(day_index[p->day()])), "\" cy=\"",
            C(y(p->relative().estimate())), "\" r=\"2.5\" fill=\"", color,
            "\"><title>",
            HtmlEscape(absl::StrCat(p->day(), " ", p->variant_key(), ": ",
                                    lift_text(p->relative()), ", ",
                                    FormatCount(p->units()), " vs ",
                                    FormatCount(p->control_units()), " units")),
            "</title></circle>");
      }
    }
    // The legend, with the latest lift.
    const double ly = kTop + 8 + t * 20;
    const double lx = kLeft + kPlotW + 18;
    std::string latest = kUndefined;
    for (auto it = points.rbegin(); it != points.rend(); ++it) {
      if ((*it)->relative().has_estimate()) {
        latest = FormatSignedPercent((*it)->relative().estimate());
        break;
      }
    }
    absl::StrAppend(
        &svg, "<rect x=\"", C(lx), "\" y=\"", C(ly - 9),
        "\" width=\"12\" height=\"12\" fill=\"", color, "\"/>",
        SvgText(lx + 18, ly + 1,
                absl::StrCat(Truncate(treatments[t], 16), " ", latest),
                "class=\"label\"", treatments[t]));
  }
  svg += "</svg>";
  return svg;
}

// ---- Units per variant
// --------------------------------------------------------

std::string UnitsSvg(const v1::Report& report) {
  const v1::SrmCheck& srm = report.srm();
  const auto& units = srm.units_size() > 0 ? srm.units() : report.units();
  constexpr double kLeft = 170, kBarW = 360, kTop = 8;
  const double height = kTop + units.size() * kRowHeight + 8;
  int64_t total = 0;
  double weight_sum = 0;
  for (int64_t n : units) total += n;
  for (double w : srm.weights()) weight_sum += w;
  // A bandit moves traffic on purpose: its weights are no split to expect.
  const bool bandit = SrmNotApplicable(srm);
  auto expected = [&](int i) -> double {
    if (bandit || i >= srm.weights_size() || weight_sum <= 0) return -1;
    return total * srm.weights(i) / weight_sum;
  };
  double largest = 1;
  for (int i = 0; i < units.size(); ++i) {
    largest = std::max({largest, static_cast<double>(units[i]), expected(i)});
  }
  auto w = [&](double n) { return n / largest * kBarW; };
  std::string svg =
      SvgOpen(kPlotWidth, height,
              bandit ? "Units per variant (allocated by a bandit)"
                     : "Units per variant against the split the weights "
                       "expect");
  for (int i = 0; i < units.size(); ++i) {
    const double top = kTop + i * kRowHeight;
    const double y = top + kRowHeight / 2;
    const std::string key = VariantKey(report, i);
    const char* color = i == 0 ? kControlColor : TreatmentColor(i - 1);
    svg += SvgText(6, y + 4, Truncate(key, 24), "class=\"label\"", key);
    absl::StrAppend(&svg, "<rect x=\"", C(kLeft), "\" y=\"", C(top + 4),
                    "\" width=\"", C(w(static_cast<double>(units[i]))),
                    "\" height=\"", C(kRowHeight - 8), "\" fill=\"", color,
                    "\"/>");
    std::string text = FormatCount(units[i]);
    if (total > 0) {
      absl::StrAppend(&text, " (",
                      FormatPercent(static_cast<double>(units[i]) / total),
                      ")");
    }
    const double e = expected(i);
    if (e >= 0) {
      absl::StrAppend(&svg, "<line class=\"expected\" x1=\"", C(kLeft + w(e)),
                      "\" y1=\"", C(top + 1), "\" x2=\"", C(kLeft + w(e)),
                      "\" y2=\"", C(top + kRowHeight - 1), "\"/>");
      absl::StrAppend(&text, " \u00b7 expected ",
                      FormatCount(static_cast<int64_t>(std::llround(e))), " (",
                      FormatPercent(srm.weights(i) / weight_sum), ")");
    }
    svg += SvgText(kLeft + kBarW + 12, y + 4, text, "class=\"value\"");
  }
  svg += "</svg>";
  return svg;
}

// ---- HTML pieces
// ---------------------------------------------------------------

constexpr char kStyle[] = R"css(
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
color:#1f2328;max-width:1400px;margin:24px auto;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}
h2{font-size:17px;margin:28px 0 6px;border-bottom:1px solid #d0d7de;
padding-bottom:4px}
.key{color:#57606a;margin:0 0 12px}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;
margin:0 0 12px}
dl.meta dt{color:#57606a}dl.meta dd{margin:0}
.badge{display:inline-block;padding:2px 10px;border-radius:12px;
font-weight:600}
.badge.ok{background:#dafbe1;color:#1a7f37}
.badge.bad{background:#ffebe9;color:#cf222e}
.badge.unknown{background:#fff8c5;color:#7d4e00}
.badge.na{background:#eaeef2;color:#424a53}
.srm-banner{background:#ffebe9;border:2px solid #cf222e;color:#82071e;
padding:12px 16px;border-radius:6px;margin:0 0 16px}
.srm-banner strong{font-size:16px}
.verdict{background:#f6f8fa;border-left:4px solid #0969da;padding:10px 14px;
margin:12px 0;font-size:15px}
.power{color:#1f2328}.warnings{color:#7d4e00}
.note{color:#57606a;font-style:italic}.legend span{margin-right:14px}
svg.plot{display:block;max-width:100%;height:auto;
font:12px system-ui,sans-serif;margin:6px 0}
svg .grid{stroke:#eaeef2;stroke-width:1}
svg .zero{stroke:#1f2328;stroke-width:1.2}
svg .sep{stroke:#d0d7de;stroke-dasharray:2 3}
svg .tick{fill:#57606a;font-size:11px}svg .group{font-weight:600}
svg .srm{fill:#cf222e}svg .label{fill:#1f2328}
svg .value{font-size:11.5px;font-variant-numeric:tabular-nums}
svg .undefined{fill:#bf8700;font-style:italic}
svg .band{fill-opacity:.15;stroke:none}
svg .expected{stroke:#1f2328;stroke-width:2;stroke-dasharray:3 2}
.table-scroll{overflow-x:auto;margin:6px 0}
.table-scroll:focus{outline:3px solid #0969da;outline-offset:2px}
.table-scroll:focus:not(:focus-visible){outline:none}
table.metrics{border-collapse:collapse;width:100%;font-size:12px;
font-variant-numeric:tabular-nums}
table.metrics th,table.metrics td{border-bottom:1px solid #eaeef2;
padding:4px 5px;text-align:right;vertical-align:top}
table.metrics th:nth-child(-n+2),table.metrics td:nth-child(-n+2),
table.metrics th:last-child,table.metrics td:last-child{
text-align:left}
table.metrics thead th{vertical-align:bottom}
table.metrics td{white-space:nowrap}
table.metrics td:first-child{white-space:normal;min-width:9em;
overflow-wrap:break-word}
table.metrics td:last-child{white-space:normal;min-width:9em}
table.metrics tr.first td{border-top:2px solid #d0d7de}
td.better{color:#1a7f37;font-weight:600}
td.worse{color:#cf222e;font-weight:600}td.inconclusive{color:#57606a}
td.undefined{color:#bf8700}.better{color:#1a7f37}.worse{color:#cf222e}
.inconclusive{color:#57606a}.undefined{color:#bf8700}
footer{margin-top:32px;color:#57606a;font-size:12px}
)css";

// " [lo, hi]" with `format` per bound; an unbounded side is open, "+∞)".
template <typename Format>
std::string IntervalText(const v1::Interval& ci, Format format) {
  if (!ci.has_lower() && !ci.has_upper()) return "";
  return absl::StrCat(ci.has_lower() ? " [" : " (",
                      ci.has_lower() ? format(ci.lower()) : "-\u221e", ", ",
                      ci.has_upper() ? format(ci.upper()) : "+\u221e",
                      ci.has_upper() ? "]" : ")");
}

std::string Td(absl::string_view text, absl::string_view cls = "") {
  return absl::StrCat("<td",
                      cls.empty() ? "" : absl::StrCat(" class=\"", cls, "\""),
                      ">", HtmlEscape(text), "</td>");
}

std::string WarningTexts(
    const google::protobuf::RepeatedPtrField<v1::Warning>& warnings) {
  std::vector<std::string> texts;
  for (const v1::Warning& w : warnings) {
    texts.push_back(w.message().empty()
                        ? w.code()
                        : absl::StrCat(w.message(), " [", w.code(), "]"));
  }
  return absl::StrJoin(texts, "; ");
}

std::string MetricsTable(const v1::Report& report) {
  const bool bayesian = report.method() == v1::METHOD_BAYESIAN;
  // A keyboard-focusable region: on a narrow screen the table scrolls
  // sideways inside it instead of widening the page.
  std::string html =
      "<div class=\"table-scroll\" tabindex=\"0\" role=\"region\" "
      "aria-label=\"All metrics table\">"
      "<table class=\"metrics\"><thead><tr><th scope=\"col\">metric</th>"
      "<th scope=\"col\">variant</th><th scope=\"col\">units</th>"
      "<th scope=\"col\">value</th><th scope=\"col\">relative lift</th>"
      "<th scope=\"col\">absolute lift</th>";
  html += bayesian ? "<th scope=\"col\">chance to win</th>"
                     "<th scope=\"col\">risk (control / ship)</th>"
                   : "<th scope=\"col\">p-value</th>"
                     "<th scope=\"col\">adjusted p</th>";
  html +=
      "<th scope=\"col\">CUPED var. red.</th><th scope=\"col\">result</th>"
      "<th scope=\"col\">warnings</th></tr></thead><tbody>";
  for (const v1::MetricResult* m : OrderedMetrics(report.metrics())) {
    for (int i = 0; i < m->variants_size(); ++i) {
      const v1::VariantResult& v = m->variants(i);
      const bool control = i == 0;
      absl::StrAppend(&html, control ? "<tr class=\"first\">" : "<tr>");
      html += control
                  ? absl::StrCat("<td title=\"", HtmlEscape(m->name()), "\">",
                                 HtmlEscape(MetricHeading(*m)), "</td>")
                  : Td("");
      html += Td(v.variant_key());
      html += Td(FormatCount(v.units()));
      html += Td(absl::StrCat(
          FormatMetricValue(*m, v),
          v.has_value() ? FormatValueInterval(*m, v.value_ci()) : ""));
      if (control) {
        html += absl::StrCat(Td(""), Td(""), Td(""), Td(""), Td(""),
                             Td("(control)", "control"));
      } else {
        const v1::Effect& decision = DecisionEffect(v);
        html += Td(FormatRelativeLift(*m, v.relative()));
        html += Td(absl::StrCat(
            FormatAbsoluteLift(*m, v.absolute()),
            v.absolute().has_estimate()
                ? IntervalText(
                      v.absolute().ci(),
                      [&](double b) { return FormatAbsoluteNumber(*m, b); })
                : ""));
        auto risk = [&](bool has, double r) -> std::string {
          if (!has) return kUndefined;
          return &decision == &v.relative() ? FormatPercent(r, 2)
                                            : FormatAbsoluteNumber(*m, r);
        };
        if (bayesian) {
          html += Td(decision.has_chance_to_win()
                         ? FormatPercent(decision.chance_to_win())
                         : std::string(kUndefined));
          html += Td(absl::StrCat(
              risk(decision.has_risk_control(), decision.risk_control()), " / ",
              risk(decision.has_risk_treatment(), decision.risk_treatment())));
        } else {
          html += Td(decision.has_p_value() ? FormatPValue(decision.p_value())
                                            : std::string(kUndefined));
          html += Td(decision.has_adjusted_p_value()
                         ? FormatPValue(decision.adjusted_p_value())
                         : std::string(kUndefined));
        }
        html += Td(v.has_cuped_variance_reduction()
                       ? FormatPercent(v.cuped_variance_reduction())
                       : std::string(kUndefined));
        html += Td(VerdictMarker(v.verdict()), VerdictClass(v.verdict()));
      }
      std::string warnings = WarningTexts(v.warnings());
      if (control && !m->warnings().empty()) {
        warnings = absl::StrCat(WarningTexts(m->warnings()),
                                warnings.empty() ? "" : "; ", warnings);
      }
      html += Td(warnings, "undefined");
      html += "</tr>";
    }
  }
  html += "</tbody></table></div>";
  return html;
}

std::string Section(absl::string_view title, absl::string_view intro,
                    absl::string_view body) {
  return absl::StrCat(
      "<section><h2>", HtmlEscape(title), "</h2>",
      intro.empty() ? "" : absl::StrCat("<p>", HtmlEscape(intro), "</p>"), body,
      "</section>\n");
}

std::string Paragraph(absl::string_view text, absl::string_view cls) {
  return absl::StrCat("<p class=\"", cls, "\">", HtmlEscape(text), "</p>");
}

}  // namespace

std::string HtmlEscape(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

absl::string_view ReportStyleSheet() { return kStyle; }

std::string HtmlPage(absl::string_view title, absl::string_view extra_css,
                     absl::string_view body) {
  return absl::StrCat(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, "
      "initial-scale=1\"><title>",
      HtmlEscape(title), "</title><style>", kStyle, extra_css,
      "</style></head><body>\n", body, "</body></html>\n");
}

std::string ReportTitle(const v1::Report& report) {
  return report.name().empty() ? report.experiment_key() : report.name();
}

std::string RenderReportHeader(const v1::Report& report) {
  const std::string title = ReportTitle(report);
  std::string html;

  // 1. A sample ratio mismatch before anything else.
  if (SrmMismatch(report.srm())) {
    const std::string text =
        SrmMismatchText(report.srm(), report.variant_keys());
    std::vector<std::string> lines = absl::StrSplit(text, '\n');
    absl::StrAppend(&html, "<div class=\"srm-banner\" role=\"alert\"><strong>",
                    HtmlEscape(lines.front()), "</strong>");
    for (size_t i = 1; i < lines.size(); ++i) {
      absl::StrAppend(&html, "<br>", HtmlEscape(lines[i]));
    }
    html += "</div>\n";
  }

  // 2. The header.
  absl::StrAppend(&html, "<header><h1>", HtmlEscape(title),
                  "</h1><p class=\"key\">", HtmlEscape(report.experiment_key()),
                  "</p><dl class=\"meta\">");
  auto meta = [&](absl::string_view key, absl::string_view value) {
    absl::StrAppend(&html, "<dt>", HtmlEscape(key), "</dt><dd>",
                    HtmlEscape(value), "</dd>");
  };
  meta("status",
       absl::StrCat(report.status().empty() ? kUndefined : report.status(),
                    absl::StrFormat(", %.1f days since the first exposure",
                                    report.days_running())));
  meta("analysis",
       absl::StrCat(
           MethodName(report.method()), ", alpha ",
           absl::StrFormat("%g", report.alpha() > 0 ? report.alpha() : 0.05),
           " (", IntervalLevel(report.alpha()), " intervals), ", "correction ",
           CorrectionName(report.correction()), ", CUPED ",
           report.cuped() ? "on" : "off"));
  {
    std::vector<std::string> parts;
    for (int i = 0; i < report.units_size(); ++i) {
      parts.push_back(absl::StrCat(VariantKey(report, i), " ",
                                   FormatCount(report.units(i))));
    }
    meta("units", parts.empty() ? std::string(kUndefined)
                                : absl::StrJoin(parts, " \u00b7 "));
  }
  if (!report.segment().empty()) {
    meta("segment", absl::StrCat(report.segment(),
                                 " (only units in this persona segment)"));
  }
  if (!report.from_day().empty() || !report.to_day().empty()) {
    meta("days",
         absl::StrCat(
             report.from_day().empty() ? "first exposure" : report.from_day(),
             " .. ", report.to_day().empty() ? "today" : report.to_day()));
  }
  if (report.has_computed_at() && report.computed_at().seconds() != 0) {
    meta("computed",
         absl::FormatTime("%Y-%m-%d %H:%M UTC",
                          absl::FromUnixSeconds(report.computed_at().seconds()),
                          absl::UTCTimeZone()));
  }
  html += "</dl>";
  const std::string srm_class = SrmMismatch(report.srm())        ? "bad"
                                : SrmNotApplicable(report.srm()) ? "na"
                                : report.srm().has_p_value()     ? "ok"
                                                                 : "unknown";
  absl::StrAppend(&html, "<p><span class=\"badge ", srm_class,
                  "\">SRM check: ", HtmlEscape(SrmSummary(report.srm())),
                  "</span></p>");
  absl::StrAppend(
      &html, "<div class=\"verdict\"><strong>Verdict:</strong> ",
      HtmlEscape(report.verdict().empty() ? kUndefined : report.verdict()),
      "</div>");
  const std::string power = PowerSummary(report);
  if (!power.empty()) {
    html += Paragraph(absl::StrCat("Power: ", power), "power");
  }
  std::vector<std::string> warnings;
  for (const auto* list : {&report.warnings(), &report.srm().warnings(),
                           &report.power().warnings()}) {
    for (const v1::Warning& w : *list) {
      warnings.push_back(absl::StrCat(
          w.message().empty() ? w.code() : w.message(), " [", w.code(), "]"));
    }
  }
  if (!warnings.empty()) {
    html += "<ul class=\"warnings\">";
    for (const std::string& w : warnings) {
      absl::StrAppend(&html, "<li>", HtmlEscape(w), "</li>");
    }
    html += "</ul>";
  }
  html +=
      "<p class=\"legend\"><span class=\"better\">\u25b2 better</span>"
      "<span class=\"worse\">\u25bc worse</span>"
      "<span class=\"inconclusive\">\u00b7 inconclusive</span>"
      "<span class=\"undefined\">? undefined</span> \u2014 better and worse "
      "are significant results in the metric's good or bad direction; "
      "\u2014 marks an undefined number.</p></header>\n";
  return html;
}

std::string RenderReportSections(const v1::Report& report,
                                 const v1::GetTimeSeriesResponse& series,
                                 const HtmlReportOptions& options) {
  std::string html;
  const std::vector<const v1::MetricResult*> metrics =
      OrderedMetrics(report.metrics());
  const v1::MetricResult* primary = nullptr;
  for (const v1::MetricResult* m : metrics) {
    if (m->primary() && primary == nullptr) primary = m;
  }
  if (primary == nullptr && !metrics.empty()) primary = metrics.front();

  // 3. The forest plot.
  {
    std::vector<ForestRow> rows;
    for (const v1::MetricResult* m : metrics) {
      AddMetricRows(*m,
                    m->guardrail()
                        ? absl::StrCat(m->metric_key(), " (guardrail)")
                        : m->metric_key(),
                    MetricHeading(*m), false, rows);
    }
    html += Section(
        "Relative lift per metric",
        absl::StrCat("Each treatment versus ", VariantKey(report, 0),
                     ": the dot is the estimated relative lift, the bar its ",
                     IntervalLevel(report.alpha()),
                     " interval. A bar clear of the zero line is a "
                     "significant result."),
        rows.empty()
            ? Paragraph("No metric has a treatment to compare.", "note")
            : ForestSvg(rows,
                        "Relative lift of every metric per "
                        "treatment with its interval"));
  }

  // 4. The lift over time.
  html += Section(
      absl::StrCat("Cumulative lift over time",
                   series.metric_key().empty()
                       ? std::string()
                       : absl::StrCat(": ", series.metric_key())),
      "Each day's result for everything exposed up to that day; the band is "
      "the interval. Early days swing; a stable line that clears zero is a "
      "robust effect.",
      series.points().empty() ? Paragraph(options.time_series_note.empty()
                                              ? "No daily data yet."
                                              : options.time_series_note,
                                          "note")
                              : TimeSeriesSvg(report, series));

  // 5. Units per variant and the SRM check.
  html += Section(
      "Units per variant",
      SrmNotApplicable(report.srm())
          ? absl::StrCat("Bars are the units each variant received. A bandit "
                         "moves traffic between the variants as it learns, "
                         "so there is no fixed split to expect. SRM check: ",
                         SrmSummary(report.srm()), ".")
          : absl::StrCat(
                "Bars are the units each variant received; the dashed "
                "line is what the weights expect. SRM check: ",
                SrmSummary(report.srm()),
                SrmMismatch(report.srm())
                    ? " \u2014 the split is off: do not trust the results."
                    : "."),
      report.units().empty() && report.srm().units().empty()
          ? Paragraph("No units yet.", "note")
          : UnitsSvg(report));

  // 6. The persona breakdown.
  {
    std::string body;
    if (report.by_segment().empty() || primary == nullptr) {
      body = Paragraph("No persona segment data in this report.", "note");
    } else {
      std::vector<ForestRow> rows;
      AddMetricRows(*primary, "all units", "every unit in the report", false,
                    rows);
      std::vector<v1::MetricResult> missing;  // keeps absent rows alive
      missing.reserve(report.by_segment_size());
      for (const v1::SegmentReport& s : report.by_segment()) {
        const v1::MetricResult* found = nullptr;
        for (const v1::MetricResult& m : s.metrics()) {
          if (m.metric_key() == primary->metric_key()) found = &m;
        }
        const int64_t total = SegmentUnits(s);
        const bool srm_mismatch = SrmMismatch(s.srm());
        const std::string group =
            srm_mismatch ? absl::StrCat(s.segment(), " (SRM!)") : s.segment();
        const std::string tooltip = absl::StrCat(
            s.name().empty() ? s.segment() : s.name(), ": ", FormatCount(total),
            " units",
            srm_mismatch ? "; sample ratio mismatch in this segment" : "");
        if (total == 0 || found == nullptr || found->variants_size() < 2) {
          ForestRow row;
          row.group = group;
          row.group_title = tooltip;
          row.label = "(no data)";
          row.undefined_text = total == 0 ? "no units in this segment"
                                          : "no data for this metric";
          row.first_of_group = true;
          row.emphasise_group = srm_mismatch;
          rows.push_back(std::move(row));
          continue;
        }
        AddMetricRows(*found, group, tooltip, srm_mismatch, rows);
      }
      body = ForestSvg(rows,
                       absl::StrCat("Relative lift of ", primary->metric_key(),
                                    " per persona segment"));
    }
    html += Section(
        primary == nullptr
            ? std::string("By persona segment")
            : absl::StrCat("By persona segment: ", primary->metric_key()),
        "The same comparison within each persona segment (units matched at "
        "exposure): which persona the change helps or hurts. Segments are "
        "smaller, so their intervals are wider.",
        body);
  }

  // 7. Every number.
  html += Section("All metrics", "",
                  metrics.empty() ? Paragraph("No metrics.", "note")
                                  : MetricsTable(report));

  return html;
}

std::string RenderReportHtml(const v1::Report& report,
                             const v1::GetTimeSeriesResponse& series,
                             const HtmlReportOptions& options) {
  return HtmlPage(
      absl::StrCat("Report: ", ReportTitle(report)), "",
      absl::StrCat(RenderReportHeader(report),
                   RenderReportSections(report, series, options),
                   "<footer>Generated by cxlab report for ",
                   HtmlEscape(report.experiment_key()),
                   ". Self-contained: no scripts, no network.</footer>\n"));
}

}  // namespace cxlab::render
