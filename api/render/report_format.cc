// Copyright 2026 The cxlab Authors.

#include "api/render/report_format.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"

namespace cxlab::render {
namespace {

// ANSI styles.
constexpr char kGreen[] = "\x1b[32m";
constexpr char kRed[] = "\x1b[31m";
constexpr char kBoldRed[] = "\x1b[1;31m";
constexpr char kBold[] = "\x1b[1m";
constexpr char kDim[] = "\x1b[2m";
constexpr char kReset[] = "\x1b[0m";

// Wraps `text` in `style` when colour is on.
class Painter {
 public:
  explicit Painter(bool on) : on_(on) {}
  std::string operator()(const char* style, absl::string_view text) const {
    if (!on_ || text.empty()) return std::string(text);
    return absl::StrCat(style, text, kReset);
  }

 private:
  bool on_;
};

// Terminal columns of `text`: UTF-8 code points, ANSI escapes excluded
// (every symbol used here is one column wide).
size_t DisplayWidth(absl::string_view text) {
  size_t width = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == 0x1b) {  // ESC [ ... m
      while (i < text.size() && text[i] != 'm') ++i;
      continue;
    }
    if ((c & 0xC0) != 0x80) ++width;
  }
  return width;
}

// `rows` as columns separated by two spaces, each line prefixed by
// `indent`; columns flagged in `right` are right-aligned. Trailing padding
// is trimmed.
std::string Columns(const std::vector<std::vector<std::string>>& rows,
                    const std::vector<bool>& right, absl::string_view indent) {
  std::vector<size_t> width;
  for (const auto& row : rows) {
    if (width.size() < row.size()) width.resize(row.size(), 0);
    for (size_t c = 0; c < row.size(); ++c) {
      width[c] = std::max(width[c], DisplayWidth(row[c]));
    }
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line(indent);
    for (size_t c = 0; c < row.size(); ++c) {
      const std::string pad(width[c] - DisplayWidth(row[c]), ' ');
      const bool align_right = c < right.size() && right[c];
      if (c > 0) line += "  ";
      absl::StrAppend(&line, align_right ? pad : "", row[c],
                      align_right ? "" : pad);
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    absl::StrAppend(&out, line, "\n");
  }
  return out;
}

// `x` with `decimals` digits after the point and its sign ("+1.20",
// "-0.05"); a value that rounds to zero prints without one ("0.00"), so no
// display ever reads "-0.0".
std::string SignedFixed(double x, int decimals) {
  std::string text = absl::StrFormat("%+.*f", decimals, x);
  if (text.find_first_of("123456789") == std::string::npos) {
    text = absl::StrFormat("%.*f", decimals, 0.0);
  }
  return text;
}

// `x` with `digits` significant digits, no exponent; `sign` adds '+' (and
// a value that rounds to zero prints unsigned, as SignedFixed).
std::string SignificantDigits(double x, int digits, bool sign) {
  if (x == 0) return "0";
  const int magnitude = static_cast<int>(std::floor(std::log10(std::fabs(x))));
  const int decimals = std::clamp(digits - 1 - magnitude, 0, 6);
  return sign ? SignedFixed(x, decimals) : absl::StrFormat("%.*f", decimals, x);
}

// The text of a relative effect (FormatRelativeLift); `floor_lower` clamps
// the displayed lower bound at -100% (IsNonNegativeMetric).
std::string RelativeLiftText(const v1::Effect& relative, bool floor_lower) {
  if (!relative.has_estimate()) return kUndefined;
  const v1::Interval& ci = relative.ci();
  // Display only: a metric that cannot be negative cannot fall by more than
  // 100%, whatever the normal approximation of the ratio says.
  const double lower =
      floor_lower && ci.has_lower() ? std::max(ci.lower(), -1.0) : ci.lower();
  double largest = std::fabs(relative.estimate());
  if (ci.has_lower()) largest = std::max(largest, std::fabs(lower));
  if (ci.has_upper()) largest = std::max(largest, std::fabs(ci.upper()));
  const int decimals = largest < 0.01 ? 2 : 1;
  const std::string estimate =
      FormatSignedPercent(relative.estimate(), decimals);
  if (!ci.has_lower() && !ci.has_upper()) {
    return absl::StrCat(estimate, " [", kUndefined, "]");
  }
  // An unbounded side is open: "[+5.0%, +∞)".
  return absl::StrCat(
      estimate, ci.has_lower() ? " [" : " (",
      ci.has_lower() ? FormatSignedPercent(lower, decimals) : "-\u221e", ", ",
      ci.has_upper() ? FormatSignedPercent(ci.upper(), decimals) : "+\u221e",
      ci.has_upper() ? "]" : ")");
}

// Shortest decimal that reads back as `x` (CSV).
std::string RoundTrip(double x) {
  char buffer[64];
  const std::to_chars_result r =
      std::to_chars(buffer, buffer + sizeof buffer, x);
  return std::string(buffer, r.ptr);
}

bool IsNps(absl::string_view type) { return type == "nps"; }

// "%g": 0.05 -> "0.05".
std::string Short(double x) { return absl::StrFormat("%g", x); }

// Units per variant: "control 6,812 · one_page 6,601".
std::string UnitsLine(const v1::Report& report,
                      const google::protobuf::RepeatedField<int64_t>& units) {
  std::vector<std::string> parts;
  int64_t total = 0;
  for (int i = 0; i < units.size(); ++i) {
    parts.push_back(
        absl::StrCat(VariantKey(report, i), " ", FormatCount(units[i])));
    total += units[i];
  }
  if (parts.empty()) return kUndefined;
  return absl::StrCat(absl::StrJoin(parts, " \u00b7 "), " \u00b7 total ",
                      FormatCount(total));
}

// The warnings of a metric and its variants, identical messages merged:
// each text ("<message> [code]") with the variants that have it (none for
// the metric's own warnings).
std::vector<std::pair<std::string, std::vector<std::string>>> GroupWarnings(
    const v1::MetricResult& metric) {
  std::vector<std::pair<std::string, std::vector<std::string>>> grouped;
  auto add = [&](const v1::Warning& w, const std::string& who) {
    std::string text = w.message().empty()
                           ? w.code()
                           : absl::StrCat(w.message(), " [", w.code(), "]");
    auto it = std::find_if(grouped.begin(), grouped.end(),
                           [&](const auto& g) { return g.first == text; });
    if (it == grouped.end()) {
      grouped.push_back({std::move(text), {}});
      it = grouped.end() - 1;
    }
    if (!who.empty()) it->second.push_back(who);
  };
  for (const v1::Warning& w : metric.warnings()) add(w, "");
  for (const v1::VariantResult& v : metric.variants()) {
    for (const v1::Warning& w : v.warnings()) add(w, v.variant_key());
  }
  return grouped;
}

// The warning lines of `metric`: "  ! one_page, one_page_chat: <message>
// [code]", or "  ! <segment> / one_page: ..." in a segment's breakdown.
std::string WarningLines(const v1::MetricResult& metric, const Painter& paint,
                         absl::string_view segment = "") {
  std::string out;
  for (const auto& [text, whos] : GroupWarnings(metric)) {
    std::string who = absl::StrJoin(whos, ", ");
    if (!segment.empty()) {
      who = who.empty() ? std::string(segment)
                        : absl::StrCat(segment, " / ", who);
    }
    absl::StrAppend(&out, "  ", paint(kBold, "!"), " ",
                    who.empty() ? "" : absl::StrCat(who, ": "), text, "\n");
  }
  return out;
}

// The result cell of a treatment: its marker, coloured by verdict.
std::string ResultCell(const v1::VariantResult& v, const Painter& paint) {
  const std::string marker = VerdictMarker(v.verdict());
  switch (v.verdict()) {
    case v1::VERDICT_BETTER:
      return paint(kGreen, marker);
    case v1::VERDICT_WORSE:
      return paint(kRed, marker);
    case v1::VERDICT_UNSPECIFIED:
      return kUndefined;
    default:
      return marker;
  }
}

std::string Optional(bool has, double value, std::string (*format)(double)) {
  return has ? format(value) : std::string(kUndefined);
}

std::string PercentOf(double fraction) { return FormatPercent(fraction); }

// Whether any variant of `metric` reports a CUPED variance reduction.
bool HasCuped(const v1::MetricResult& metric) {
  return std::any_of(metric.variants().begin(), metric.variants().end(),
                     [](const v1::VariantResult& v) {
                       return v.has_cuped_variance_reduction();
                     });
}

// One metric's table.
std::string MetricTable(const v1::Report& report,
                        const v1::MetricResult& metric, const Painter& paint) {
  const bool bayesian = report.method() == v1::METHOD_BAYESIAN;
  const bool cuped = HasCuped(metric);
  const std::string level = IntervalLevel(report.alpha());
  std::vector<std::string> header = {
      "variant", "units", "value",
      absl::StrCat("relative lift [", level, bayesian ? " credible]" : " CI]"),
      "abs. lift"};
  if (bayesian) {
    header.insert(header.end(), {"chance to win", "risk if shipped"});
  } else {
    header.push_back(
        CorrectionApplies(report.correction()) && !metric.guardrail()
            ? absl::StrCat("p (", CorrectionName(report.correction()), ")")
            : "p-value");
  }
  if (cuped) header.push_back("CUPED var. red.");
  header.push_back("result");

  std::vector<std::vector<std::string>> rows = {header};
  for (int i = 0; i < metric.variants_size(); ++i) {
    const v1::VariantResult& v = metric.variants(i);
    std::vector<std::string> row = {v.variant_key(), FormatCount(v.units()),
                                    FormatMetricValue(metric, v)};
    const bool control = i == 0;
    if (control) {
      row.resize(header.size(), "");
      row.back() = paint(kDim, "(control)");
      rows.push_back(std::move(row));
      continue;
    }
    row.push_back(FormatRelativeLift(metric, v.relative()));
    row.push_back(FormatAbsoluteLift(metric, v.absolute()));
    const v1::Effect& effect = DecisionEffect(v);
    if (bayesian) {
      row.push_back(Optional(effect.has_chance_to_win(), effect.chance_to_win(),
                             PercentOf));
      // The risk is on the decision effect's scale.
      if (!effect.has_risk_treatment()) {
        row.push_back(kUndefined);
      } else if (&effect == &v.relative()) {
        row.push_back(FormatPercent(effect.risk_treatment(), 2));
      } else {
        row.push_back(SignificantDigits(effect.risk_treatment(), 3, false));
      }
    } else {
      row.push_back(FormatShownPValue(v, report.correction()));
    }
    if (cuped) {
      row.push_back(Optional(v.has_cuped_variance_reduction(),
                             v.cuped_variance_reduction(), PercentOf));
    }
    row.push_back(ResultCell(v, paint));
    rows.push_back(std::move(row));
  }
  std::vector<bool> right = {false, true, true, false, true, true};
  if (bayesian) right.push_back(true);
  if (cuped) right.push_back(true);
  return Columns(rows, right, "  ");
}

// The breakdown of one metric by persona segment: the whole report first
// ("all units"), then every segment, one row per treatment.
std::string SegmentTable(const v1::Report& report,
                         const v1::MetricResult& overall,
                         const Painter& paint) {
  const bool bayesian = report.method() == v1::METHOD_BAYESIAN;
  std::vector<std::vector<std::string>> rows = {
      {"segment", "variant", "units", "control units",
       absl::StrCat("relative lift [", IntervalLevel(report.alpha()),
                    bayesian ? " credible]" : " CI]"),
       bayesian ? "chance to win" : "p-value", "result"}};
  auto add_rows = [&](const std::string& label, const v1::MetricResult& m) {
    if (m.variants_size() == 0) {
      rows.push_back({label, "(no data for this metric)", "", "", "", "", ""});
      return;
    }
    const v1::VariantResult& control = m.variants(0);
    for (int i = 1; i < m.variants_size(); ++i) {
      const v1::VariantResult& v = m.variants(i);
      const v1::Effect& effect = DecisionEffect(v);
      rows.push_back({i == 1 ? label : "", v.variant_key(),
                      FormatCount(v.units()), FormatCount(control.units()),
                      FormatRelativeLift(m, v.relative()),
                      bayesian ? Optional(effect.has_chance_to_win(),
                                          effect.chance_to_win(), PercentOf)
                               : FormatShownPValue(v, report.correction()),
                      ResultCell(v, paint)});
    }
  };
  add_rows("all units", overall);
  bool srm_note = false;
  for (const v1::SegmentReport& s : report.by_segment()) {
    std::string label = s.segment();
    if (SrmMismatch(s.srm())) {
      label += " (SRM!)";
      srm_note = true;
    }
    if (SegmentUnits(s) == 0) {
      rows.push_back({label, "(no units in this segment)", "", "", "", "", ""});
      continue;
    }
    const v1::MetricResult* found = nullptr;
    for (const v1::MetricResult& m : s.metrics()) {
      if (m.metric_key() == overall.metric_key()) found = &m;
    }
    add_rows(label, found != nullptr ? *found : v1::MetricResult());
  }
  std::string out =
      Columns(rows, {false, false, true, true, false, true}, "  ");
  // The warnings behind undefined rows.
  for (const v1::SegmentReport& segment : report.by_segment()) {
    if (SegmentUnits(segment) == 0) continue;
    for (const v1::MetricResult& m : segment.metrics()) {
      if (m.metric_key() == overall.metric_key()) {
        out += WarningLines(m, paint, segment.segment());
      }
    }
  }
  if (srm_note) {
    absl::StrAppend(&out, "  ", paint(kBoldRed, "!"),
                    " (SRM!): the split within this segment does not match "
                    "the weights; do not trust its row\n");
  }
  return out;
}

}  // namespace

bool IsRateMetric(absl::string_view type) {
  return type == "binomial" || type == "retention" || type == "csat";
}

bool IsNonNegativeMetric(absl::string_view type) {
  return IsRateMetric(type) || type == "count" || type == "duration";
}

std::string FormatMetricNumber(const v1::MetricResult& metric, double value) {
  if (IsRateMetric(metric.type())) {
    const double pct = value * 100;
    return absl::StrFormat("%.*f%%", std::fabs(pct) < 10 ? 2 : 1, pct);
  }
  if (IsNps(metric.type())) return absl::StrFormat("%+.1f", value * 100);
  return SignificantDigits(value, 4, false);
}

std::string FormatMetricValue(const v1::MetricResult& metric,
                              const v1::VariantResult& variant) {
  if (!variant.has_value()) return kUndefined;
  return FormatMetricNumber(metric, variant.value());
}

const v1::Effect& DecisionEffect(const v1::VariantResult& variant) {
  return variant.relative().has_estimate() ? variant.relative()
                                           : variant.absolute();
}

std::string FormatSignedPercent(double fraction, int decimals) {
  return absl::StrCat(SignedFixed(fraction * 100, decimals), "%");
}

std::string FormatPercent(double fraction, int decimals) {
  return absl::StrFormat("%.*f%%", decimals, fraction * 100);
}

std::string FormatRelativeLift(const v1::Effect& relative) {
  return RelativeLiftText(relative, /*floor_lower=*/false);
}

std::string FormatRelativeLift(const v1::MetricResult& metric,
                               const v1::Effect& relative) {
  return RelativeLiftText(relative, IsNonNegativeMetric(metric.type()));
}

std::string FormatValueInterval(const v1::MetricResult& metric,
                                const v1::Interval& ci) {
  if (!ci.has_lower() && !ci.has_upper()) return "";
  // Display only: a rate lies in [0, 1] and a count or duration is never
  // negative, though a normal interval near the edge reaches past it.
  double lower = ci.lower(), upper = ci.upper();
  if (IsNonNegativeMetric(metric.type())) lower = std::max(lower, 0.0);
  if (IsRateMetric(metric.type())) {
    lower = std::min(lower, 1.0);
    upper = std::clamp(upper, 0.0, 1.0);
  }
  return absl::StrCat(
      ci.has_lower() ? " [" : " (",
      ci.has_lower() ? FormatMetricNumber(metric, lower) : "-\u221e", ", ",
      ci.has_upper() ? FormatMetricNumber(metric, upper) : "+\u221e",
      ci.has_upper() ? "]" : ")");
}

std::string FormatLiftClaim(const v1::MetricResult& metric,
                            const v1::VariantResult& variant) {
  const bool relative = variant.relative().has_estimate();
  const v1::Effect& effect = relative ? variant.relative() : variant.absolute();
  if (!effect.has_estimate()) {
    return absl::StrCat(variant.variant_key(), " changes ", metric.metric_key(),
                        " by ", kUndefined);
  }
  std::string size = relative ? FormatRelativeLift(metric, effect)
                              : absl::StrCat(FormatAbsoluteLift(metric, effect),
                                             " (absolute)");
  const char* verb = " changes ";
  if (absl::StartsWith(size, "+")) {
    verb = " raises ";
  } else if (absl::StartsWith(size, "-")) {
    // "lowers conversion by 3.1%", not "by -3.1%".
    verb = " lowers ";
    size.erase(0, 1);
  }
  return absl::StrCat(variant.variant_key(), verb, metric.metric_key(), " by ",
                      size);
}

std::string FormatAbsoluteNumber(const v1::MetricResult& metric, double x) {
  if (IsRateMetric(metric.type())) {
    const double pp = x * 100;
    return absl::StrCat(SignedFixed(pp, std::fabs(pp) < 1 ? 2 : 1), " pp");
  }
  if (IsNps(metric.type())) {
    return absl::StrCat(SignedFixed(x * 100, 1), " pts");
  }
  return SignificantDigits(x, 3, true);
}

std::string FormatAbsoluteLift(const v1::MetricResult& metric,
                               const v1::Effect& absolute) {
  if (!absolute.has_estimate()) return kUndefined;
  return FormatAbsoluteNumber(metric, absolute.estimate());
}

std::string FormatPValue(double p) {
  if (p < 0.0001) return "<0.0001";
  return absl::StrFormat("%.4f", p);
}

std::string FormatShownPValue(const v1::VariantResult& variant,
                              v1::Correction correction) {
  const v1::Effect& effect = DecisionEffect(variant);
  if (CorrectionApplies(correction) && effect.has_adjusted_p_value()) {
    return FormatPValue(effect.adjusted_p_value());
  }
  return effect.has_p_value() ? FormatPValue(effect.p_value())
                              : std::string(kUndefined);
}

std::string FormatCount(int64_t n) {
  std::string digits = absl::StrCat(n < 0 ? -n : n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

std::string MethodName(v1::Method method) {
  if (method == v1::METHOD_UNSPECIFIED) return "frequentist";
  return absl::AsciiStrToLower(
      absl::StripPrefix(v1::Method_Name(method), "METHOD_"));
}

std::string CorrectionName(v1::Correction correction) {
  switch (correction) {
    case v1::CORRECTION_HOLM:
      return "holm";
    case v1::CORRECTION_BH:
      return "benjamini-hochberg";
    default:
      return "none";
  }
}

std::string VerdictName(v1::Verdict verdict) {
  if (verdict == v1::VERDICT_UNSPECIFIED) return "";
  return absl::AsciiStrToLower(
      absl::StripPrefix(v1::Verdict_Name(verdict), "VERDICT_"));
}

std::string VerdictMarker(v1::Verdict verdict) {
  switch (verdict) {
    case v1::VERDICT_UNDEFINED:
      return "? undefined";
    case v1::VERDICT_INCONCLUSIVE:
      return "\u00b7 inconclusive";
    case v1::VERDICT_BETTER:
      return "\u25b2 better";
    case v1::VERDICT_WORSE:
      return "\u25bc worse";
    default:
      return "";
  }
}

bool CorrectionApplies(v1::Correction correction) {
  return correction == v1::CORRECTION_HOLM || correction == v1::CORRECTION_BH;
}

std::string IntervalLevel(double alpha) {
  if (alpha <= 0 || alpha >= 1) alpha = 0.05;
  return absl::StrFormat("%g%%", std::round((1 - alpha) * 10000) / 100);
}

bool SrmNotApplicable(const v1::SrmCheck& srm) {
  return std::any_of(
      srm.warnings().begin(), srm.warnings().end(),
      [](const v1::Warning& w) { return w.code() == kBanditSrmWarning; });
}

bool SrmMismatch(const v1::SrmCheck& srm) {
  return srm.mismatch() && !SrmNotApplicable(srm);
}

std::string SrmSummary(const v1::SrmCheck& srm) {
  if (SrmNotApplicable(srm)) {
    return "n/a \u2014 bandit reweights traffic";
  }
  if (!srm.has_p_value()) {
    return absl::StrCat(
        srm.mismatch() ? "MISMATCH" : kUndefined,
        srm.warnings().empty()
            ? ""
            : absl::StrCat(" (", srm.warnings(0).message(), ")"));
  }
  return absl::StrCat(srm.mismatch() ? "MISMATCH" : "ok",
                      " (p = ", FormatPValue(srm.p_value()), ")");
}

std::string SrmMismatchText(
    const v1::SrmCheck& srm,
    const google::protobuf::RepeatedPtrField<std::string>& variant_keys) {
  if (!SrmMismatch(srm)) return "";
  double weight_sum = 0;
  int64_t total = 0;
  for (double w : srm.weights()) weight_sum += w;
  for (int64_t n : srm.units()) total += n;
  std::vector<std::string> split;
  for (int i = 0; i < srm.units_size(); ++i) {
    const std::string key =
        i < variant_keys.size() ? variant_keys[i] : absl::StrCat("#", i);
    std::string part = absl::StrCat(key, " ", FormatCount(srm.units(i)));
    if (total > 0 && i < srm.weights_size() && weight_sum > 0) {
      absl::StrAppend(
          &part, " (", PercentOf(static_cast<double>(srm.units(i)) / total),
          ", expected ", PercentOf(srm.weights(i) / weight_sum), ")");
    }
    split.push_back(std::move(part));
  }
  return absl::StrCat(
      "SAMPLE RATIO MISMATCH: the results below are not trustworthy.\n"
      "The units per variant do not match the configured weights (",
      srm.has_p_value()
          ? absl::StrCat("chi-square p = ", FormatPValue(srm.p_value()),
                         " < 0.001")
          : "units in a variant of weight 0",
      "):\n", absl::StrJoin(split, " \u00b7 "),
      "\nAssignment or exposure logging is broken; find the cause before "
      "reading any result.");
}

std::string PowerSummary(const v1::Report& report) {
  if (!report.has_power() || report.power().metric_key().empty()) return "";
  const v1::Power& p = report.power();
  std::string out = p.metric_key();
  if (!p.variant_key().empty()) {
    absl::StrAppend(&out, ", ", p.variant_key(), " vs ", VariantKey(report, 0));
  }
  absl::StrAppend(&out, ": detectable now ",
                  p.has_mde_relative()
                      ? absl::StrCat("\u00b1", FormatPercent(p.mde_relative()))
                      : std::string(kUndefined),
                  " (MDE)");
  const double target =
      p.target_relative_effect() > 0 ? p.target_relative_effect() : 0.05;
  absl::StrAppend(&out, "; to detect ", FormatSignedPercent(target), ": ");
  if (!p.has_units_still_needed()) {
    absl::StrAppend(&out, kUndefined);
  } else if (p.units_still_needed() <= 0) {
    absl::StrAppend(&out, "enough units already");
  } else {
    absl::StrAppend(
        &out,
        FormatCount(static_cast<int64_t>(std::ceil(p.units_still_needed()))),
        " more units, ",
        p.has_days_left() ? absl::StrFormat("about %.1f days", p.days_left())
                          : absl::StrCat(kUndefined, " days"),
        " at ",
        FormatCount(static_cast<int64_t>(std::llround(p.units_per_day()))),
        " units/day");
  }
  return out;
}

std::string MetricHeading(const v1::MetricResult& metric) {
  std::string out = metric.metric_key();
  if (!metric.name().empty() && metric.name() != metric.metric_key()) {
    absl::StrAppend(&out, " \u2014 ", metric.name());
  }
  std::vector<std::string> about;
  if (!metric.type().empty()) about.push_back(metric.type());
  if (!metric.direction().empty()) {
    about.push_back(absl::StrCat(metric.direction(), " is better"));
  }
  if (!about.empty())
    absl::StrAppend(&out, " (", absl::StrJoin(about, ", "), ")");
  if (metric.primary()) absl::StrAppend(&out, " \u00b7 primary");
  if (metric.guardrail()) {
    const std::string& status = metric.guardrail_status();
    absl::StrAppend(&out, " \u00b7 guardrail: ",
                    status == "violated" ? "VIOLATED"
                    : status.empty()     ? kUndefined
                                         : status);
  }
  return out;
}

std::vector<const v1::MetricResult*> OrderedMetrics(
    const google::protobuf::RepeatedPtrField<v1::MetricResult>& metrics) {
  std::vector<const v1::MetricResult*> out;
  for (const v1::MetricResult& m : metrics) out.push_back(&m);
  auto rank = [](const v1::MetricResult* m) {
    return m->primary() ? 0 : m->guardrail() ? 2 : 1;
  };
  std::stable_sort(out.begin(), out.end(),
                   [&](const v1::MetricResult* a, const v1::MetricResult* b) {
                     return rank(a) < rank(b);
                   });
  return out;
}

int64_t SegmentUnits(const v1::SegmentReport& segment) {
  int64_t total = 0;
  for (int64_t n : segment.units()) total += n;
  return total;
}

std::string VariantKey(const v1::Report& report, int i) {
  return i < report.variant_keys_size() ? report.variant_keys(i)
                                        : absl::StrCat("#", i);
}

std::string FormatReportTable(const v1::Report& report,
                              const ReportTableOptions& options) {
  const Painter paint(options.color);
  std::string out;

  // An SRM mismatch comes before anything else.
  if (SrmMismatch(report.srm())) {
    const std::string text =
        SrmMismatchText(report.srm(), report.variant_keys());
    bool first = true;
    for (absl::string_view line : absl::StrSplit(text, '\n')) {
      absl::StrAppend(&out, first ? paint(kBoldRed, "!! ") : "   ",
                      first ? paint(kBoldRed, line) : std::string(line), "\n");
      first = false;
    }
    out += "\n";
  }

  // The header.
  const std::string title =
      report.name().empty() || report.name() == report.experiment_key()
          ? report.experiment_key()
          : absl::StrCat(report.name(), " (", report.experiment_key(), ")");
  absl::StrAppend(&out, paint(kBold, title), "\n");
  std::vector<std::vector<std::string>> header;
  std::string status =
      report.status().empty() ? std::string(kUndefined) : report.status();
  absl::StrAppend(&status,
                  absl::StrFormat(", %.1f days since the first exposure",
                                  report.days_running()));
  if (report.has_computed_at() && report.computed_at().seconds() != 0) {
    absl::StrAppend(
        &status, " (computed ",
        absl::FormatTime("%Y-%m-%d %H:%M UTC",
                         absl::FromUnixSeconds(report.computed_at().seconds()),
                         absl::UTCTimeZone()),
        ")");
  }
  header.push_back({"status", status});
  header.push_back(
      {"analysis",
       absl::StrCat(MethodName(report.method()), ", alpha ",
                    Short(report.alpha() > 0 ? report.alpha() : 0.05), " (",
                    IntervalLevel(report.alpha()), " intervals)",
                    ", correction ", CorrectionName(report.correction()),
                    ", CUPED ", report.cuped() ? "on" : "off")});
  header.push_back({"units", UnitsLine(report, report.units())});
  if (!report.segment().empty()) {
    header.push_back(
        {"segment", absl::StrCat(report.segment(),
                                 " (only units in this persona segment)")});
  }
  if (!report.from_day().empty() || !report.to_day().empty()) {
    header.push_back(
        {"days",
         absl::StrCat(
             report.from_day().empty() ? "first exposure" : report.from_day(),
             " .. ", report.to_day().empty() ? "today" : report.to_day(),
             " (UTC, by first exposure)")});
  }
  header.push_back(
      {"SRM check", SrmMismatch(report.srm())
                        ? paint(kBoldRed, absl::StrCat(SrmSummary(report.srm()),
                                                       " - see above"))
                        : SrmSummary(report.srm())});
  for (const v1::Warning& w : report.srm().warnings()) {
    header.push_back(
        {"", absl::StrCat("! ", w.message(), " [", w.code(), "]")});
  }
  header.push_back({"verdict", report.verdict().empty()
                                   ? std::string(kUndefined)
                                   : paint(kBold, report.verdict())});
  for (const v1::Warning& w : report.warnings()) {
    header.push_back(
        {"warning", absl::StrCat(w.message().empty() ? w.code() : w.message(),
                                 " [", w.code(), "]")});
  }
  out += Columns(header, {}, "  ");

  // The metrics.
  const std::vector<const v1::MetricResult*> metrics =
      OrderedMetrics(report.metrics());
  const v1::MetricResult* primary = nullptr;
  for (const v1::MetricResult* m : metrics) {
    absl::StrAppend(&out, "\n", paint(kBold, MetricHeading(*m)), "\n");
    out += MetricTable(report, *m, paint);
    if (m->primary()) {
      primary = m;
      const std::string power = PowerSummary(report);
      if (!power.empty()) absl::StrAppend(&out, "  power: ", power, "\n");
      for (const v1::Warning& w : report.power().warnings()) {
        absl::StrAppend(&out, "  ", paint(kBold, "!"), " power: ", w.message(),
                        " [", w.code(), "]\n");
      }
    }
    out += WarningLines(*m, paint);
  }
  if (metrics.empty()) absl::StrAppend(&out, "\nno metrics\n");

  // The persona breakdown.
  if (options.segments && report.by_segment_size() > 0) {
    std::vector<const v1::MetricResult*> shown;
    for (const v1::MetricResult* m : metrics) {
      if (options.all_segment_metrics || m == primary) shown.push_back(m);
    }
    if (shown.empty() && !metrics.empty()) shown.push_back(metrics.front());
    for (const v1::MetricResult* m : shown) {
      absl::StrAppend(
          &out, "\n",
          paint(kBold, absl::StrCat("By persona segment: ", MetricHeading(*m))),
          "\n");
      out += SegmentTable(report, *m, paint);
    }
  }

  // The legend.
  absl::StrAppend(
      &out, "\n",
      paint(
          kDim,
          absl::StrCat(
              "\u25b2 better / \u25bc worse: significant at alpha ",
              Short(report.alpha() > 0 ? report.alpha() : 0.05),
              report.method() == v1::METHOD_BAYESIAN ? " (chance to win)" : "",
              ", in the metric's good / bad direction; \u00b7 inconclusive: "
              "not significant; ? undefined: see the warnings; \u2014: "
              "undefined")),
      "\n");
  return out;
}

const std::vector<std::string>& ReportCsvColumns() {
  static const std::vector<std::string>* const columns = [] {
    auto* c = new std::vector<std::string>{
        "experiment_key", "segment",        "metric_key",
        "metric_name",    "metric_type",    "direction",
        "primary",        "guardrail",      "guardrail_status",
        "variant_key",    "control",        "units",
        "value",          "value_ci_lower", "value_ci_upper",
        "adjusted_value"};
    for (const char* scale : {"absolute", "relative"}) {
      for (const char* field : {"lift", "std_error", "ci_lower", "ci_upper",
                                "p_value", "adjusted_p_value", "chance_to_win",
                                "risk_control", "risk_treatment"}) {
        c->push_back(absl::StrCat(scale, "_", field));
      }
    }
    c->insert(c->end(), {"cuped_variance_reduction", "verdict", "significant",
                         "warnings"});
    return c;
  }();
  return *columns;
}

std::string FormatReportCsv(const v1::Report& report) {
  auto cell = [](absl::string_view text) {
    if (text.find_first_of(",\"\n\r") == absl::string_view::npos) {
      return std::string(text);
    }
    std::string quoted = "\"";
    for (char c : text) {
      if (c == '"') quoted += '"';
      quoted += c;
    }
    return quoted + "\"";
  };
  auto num = [](bool has, double x) { return has ? RoundTrip(x) : ""; };
  auto flag = [](bool b) { return std::string(b ? "true" : "false"); };

  std::string out = absl::StrJoin(ReportCsvColumns(), ",") + "\n";
  auto add_metrics =
      [&](const std::string& segment,
          const google::protobuf::RepeatedPtrField<v1::MetricResult>& metrics) {
        for (const v1::MetricResult& m : metrics) {
          for (int i = 0; i < m.variants_size(); ++i) {
            const v1::VariantResult& v = m.variants(i);
            std::vector<std::string> row = {
                report.experiment_key(),
                segment,
                m.metric_key(),
                m.name(),
                m.type(),
                m.direction(),
                flag(m.primary()),
                flag(m.guardrail()),
                m.guardrail_status(),
                v.variant_key(),
                flag(i == 0),
                absl::StrCat(v.units()),
                num(v.has_value(), v.value()),
                num(v.value_ci().has_lower(), v.value_ci().lower()),
                num(v.value_ci().has_upper(), v.value_ci().upper()),
                num(v.has_adjusted_value(), v.adjusted_value())};
            for (const v1::Effect* e : {&v.absolute(), &v.relative()}) {
              row.insert(row.end(),
                         {num(e->has_estimate(), e->estimate()),
                          num(e->has_std_error(), e->std_error()),
                          num(e->ci().has_lower(), e->ci().lower()),
                          num(e->ci().has_upper(), e->ci().upper()),
                          num(e->has_p_value(), e->p_value()),
                          num(e->has_adjusted_p_value(), e->adjusted_p_value()),
                          num(e->has_chance_to_win(), e->chance_to_win()),
                          num(e->has_risk_control(), e->risk_control()),
                          num(e->has_risk_treatment(), e->risk_treatment())});
            }
            std::vector<std::string> codes;
            for (const v1::Warning& w : v.warnings()) codes.push_back(w.code());
            for (const v1::Warning& w : m.warnings()) codes.push_back(w.code());
            row.insert(row.end(), {num(v.has_cuped_variance_reduction(),
                                       v.cuped_variance_reduction()),
                                   VerdictName(v.verdict()),
                                   i == 0 ? "" : flag(v.significant()),
                                   absl::StrJoin(codes, ";")});
            std::vector<std::string> cells;
            for (const std::string& c : row) cells.push_back(cell(c));
            absl::StrAppend(&out, absl::StrJoin(cells, ","), "\n");
          }
        }
      };
  add_metrics(report.segment(), report.metrics());
  for (const v1::SegmentReport& s : report.by_segment()) {
    add_metrics(s.segment(), s.metrics());
  }
  return out;
}

}  // namespace cxlab::render
