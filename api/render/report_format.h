// Copyright 2026 The cxlab Authors.
//
// Text renderings of a significance report (cxlab.v1.Report, see
// api/proto/cxlab/v1/reports.proto) for `cxlab report`: the terminal table,
// CSV, and the number and label formatting the HTML report (report_html.h)
// and cxlabd's web pages (web_ui.h) share. Everything here is pure: a Report
// in, a string out; no I/O, clock or global state.
//
//   v1::Report report = ...;  // ReportService.GetReport
//   ReportTableOptions options;
//   options.color = stdout_is_a_terminal;
//   std::cout << FormatReportTable(report, options);
//   std::cout << FormatReportCsv(report);
//
// The table reads top to bottom as a newcomer would ask: is the experiment
// healthy (a sample ratio mismatch is printed first, before anything else),
// what happened (the header and the plain-language verdict), then per metric
// (primary first, then the others, guardrails last) each variant's units and
// value and each treatment's lift with its interval, its p-value (or chance
// to win and risk for the Bayesian method) and a verdict marker:
//
//   ▲ better        significantly better, in the metric's good direction
//   ▼ worse         significantly worse
//   · inconclusive  not significant
//   ? undefined     the data cannot say (the warning below the table says why)
//
// With colour the markers are also green (better) and red (worse). A number
// the report leaves unset (undefined) prints as "—" (kUndefined).
//
// Thread-safety: all functions are reentrant; none keeps state.

#ifndef CXLAB_API_RENDER_REPORT_FORMAT_H_
#define CXLAB_API_RENDER_REPORT_FORMAT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "cxlab/v1/reports.pb.h"

namespace cxlab::render {

// How an undefined (unset) number prints.
inline constexpr char kUndefined[] = "\u2014";  // "—"

// Options of FormatReportTable.
struct ReportTableOptions {
  // ANSI colours: markers green (better) / red (worse), the SRM warning bold
  // red, headings bold. The symbols are printed either way.
  bool color = false;
  // Print the per-segment breakdown when the report has one
  // (Report.by_segment).
  bool segments = true;
  // In the breakdown, every metric instead of only the primary one.
  bool all_segment_metrics = false;
};

// The whole report as an aligned, human-readable table ending in a newline
// (see the file comment for the layout). Never fails: missing parts of the
// report print as "—" or are left out.
std::string FormatReportTable(const v1::Report& report,
                              const ReportTableOptions& options = {});

// The CSV header columns of FormatReportCsv, in order. Stable: new columns
// are only ever appended.
const std::vector<std::string>& ReportCsvColumns();

// The report as CSV (RFC 4180, "\n" line ends): the header, then one row per
// (segment, metric, variant) — first the report itself (segment column:
// Report.segment, empty for all units), then every Report.by_segment entry.
// Numbers are shortest round-trip decimals (fractions, not percentages);
// unset numbers are empty cells; `warnings` joins the variant's and the
// metric's warning codes with ';'.
std::string FormatReportCsv(const v1::Report& report);

// ---- Shared formatting (also used by report_html and web_ui) ---------------

// True for metric types whose value is a proportion (binomial, retention,
// csat): shown as a percentage, absolute lifts in percentage points.
bool IsRateMetric(absl::string_view type);

// True for metric types whose per-unit values cannot be negative by
// construction: the rates (IsRateMetric), count and duration. Their mean
// cannot fall by more than 100%, so the displays clamp a relative lift's
// lower bound at -100% and a value's lower bound at 0 (see
// FormatRelativeLift). Other types (mean, ratio, nps, score, ces) sum or
// average whatever values the events carry, which may be negative.
bool IsNonNegativeMetric(absl::string_view type);

// A number on `metric`'s scale, as FormatMetricValue prints values.
std::string FormatMetricNumber(const v1::MetricResult& metric, double value);

// A difference on `metric`'s scale, as FormatAbsoluteLift prints it.
std::string FormatAbsoluteNumber(const v1::MetricResult& metric, double x);

// A variant's value on `metric`'s scale: "31.2%" for rates, "+23.4" for NPS
// (the mean of +1/0/-1 times 100), otherwise 4 significant digits ("4.213",
// "58.23"); kUndefined when unset.
std::string FormatMetricValue(const v1::MetricResult& metric,
                              const v1::VariantResult& variant);

// The effect a treatment's verdict reads: the relative one when its
// estimate is defined, else the absolute one.
const v1::Effect& DecisionEffect(const v1::VariantResult& variant);

// A fraction as a signed percentage: 0.061 -> "+6.1%", -0.5 -> "-50.0%".
// `decimals` digits after the point. A value that rounds to zero prints
// unsigned, "0.0%" (never "-0.0%" or "+0.0%").
std::string FormatSignedPercent(double fraction, int decimals = 1);

// A fraction as an unsigned percentage: 0.973 -> "97.3%".
std::string FormatPercent(double fraction, int decimals = 1);

// A relative effect with its interval: "+6.1% [+2.3%, +9.9%]"; an unbounded
// side prints open, as "(-∞" / "+∞)", an interval with neither bound as
// "[—]", and an unset estimate as kUndefined. Lifts under 1% (every number
// shown) get two decimals: "+0.30% [-0.10%, +0.70%]". Nothing rounding to
// zero prints a sign. The numbers are printed as they are; prefer the
// overload below when the metric is known.
std::string FormatRelativeLift(const v1::Effect& relative);

// FormatRelativeLift of a relative effect of `metric`. For a metric whose
// values cannot be negative (IsNonNegativeMetric) a lower bound below -100%
// is shown as -100.0%: the normal approximation of a noisy ratio can reach
// below it, but the metric cannot fall by more than everything. Display
// only; the report's numbers are not changed.
std::string FormatRelativeLift(const v1::MetricResult& metric,
                               const v1::Effect& relative);

// A variant value's interval on `metric`'s scale with a leading space,
// " [30.1%, 32.3%]" (open sides as FormatRelativeLift); "" when it has no
// bound. Display clamping: rate bounds stay within [0%, 100%] and the lower
// bound of any other non-negative metric at 0 (a normal interval of a rate
// near 0 can reach below it: "0.07% [0.00%, 0.16%]", not "[-0.01%, ...").
std::string FormatValueInterval(const v1::MetricResult& metric,
                                const v1::Interval& ci);

// A treatment's result in words for the plain-language verdict, formatted
// as the tables format it: "one_page_chat raises conversion by +6.1%
// [+2.3%, +9.9%]", "bundle_10 lowers conversion by 3.1% [-5.0%, -1.2%]" (the
// size without its sign, the interval as is), "x changes conversion by 0.0%
// [...]" when the estimate rounds to zero. Uses the relative effect when
// defined, else the absolute one ("raises revenue by +0.124 (absolute)").
std::string FormatLiftClaim(const v1::MetricResult& metric,
                            const v1::VariantResult& variant);

// An absolute effect on `metric`'s scale: "+1.9 pp" for rates, "+3.1 pts"
// for NPS, otherwise 3 significant digits ("+0.124"); kUndefined when
// unset.
std::string FormatAbsoluteLift(const v1::MetricResult& metric,
                               const v1::Effect& absolute);

// A p-value: "0.0123", "<0.0001" below 0.0001.
std::string FormatPValue(double p);

// The p-value shown for a treatment: the adjusted one when `correction`
// applies and it is set, else the raw one, of DecisionEffect; kUndefined
// when unset.
std::string FormatShownPValue(const v1::VariantResult& variant,
                              v1::Correction correction);

// A count with thousands separators: 6812 -> "6,812".
std::string FormatCount(int64_t n);

// Lower-case names: "frequentist", "holm", "better", ...; "bh" is printed
// as "benjamini-hochberg".
std::string MethodName(v1::Method method);
std::string CorrectionName(v1::Correction correction);
std::string VerdictName(v1::Verdict verdict);

// The marker of a treatment's verdict: "▲ better", "▼ worse",
// "· inconclusive", "? undefined"; "" for VERDICT_UNSPECIFIED (the control).
std::string VerdictMarker(v1::Verdict verdict);

// True when `correction` adjusts p-values (Holm or BH).
bool CorrectionApplies(v1::Correction correction);

// The interval level as a percentage: alpha 0.05 -> "95%" (0 means 0.05).
std::string IntervalLevel(double alpha);

// The warning code that marks an SRM check as not applicable: a bandit
// moves traffic between the variants on purpose, so the units cannot be
// held against fixed weights.
inline constexpr char kBanditSrmWarning[] = "bandit_weights_changed";

// True when `srm` carries the kBanditSrmWarning warning: the check does not
// apply, whatever p-value or mismatch flag it holds (older servers set
// them); the renderers show "n/a" and never a mismatch.
bool SrmNotApplicable(const v1::SrmCheck& srm);

// True when `srm` reports a mismatch the reader must act on: mismatch set
// and the check applicable (SrmNotApplicable false).
bool SrmMismatch(const v1::SrmCheck& srm);

// The SRM check in a few words: "ok (p = 0.412)", "MISMATCH (p = 0.0001)",
// "n/a — bandit reweights traffic" when SrmNotApplicable, or
// "— (no units)" style text when the p-value is undefined.
std::string SrmSummary(const v1::SrmCheck& srm);

// The SRM warning for a mismatch: what is wrong and what to do, one
// sentence per line (no trailing newline); "" when there is no mismatch
// (SrmMismatch false).
// `variant_keys` name the units (the report's variant_keys).
std::string SrmMismatchText(
    const v1::SrmCheck& srm,
    const google::protobuf::RepeatedPtrField<std::string>& variant_keys);

// The power line for the primary metric, e.g. "conversion, one_page_chat vs
// control: detectable now ±4.2% (80% power); to detect +5.0%: 3,120 more
// units, about 4.1 days at 760 units/day"; "" when the report has no power
// section.
std::string PowerSummary(const v1::Report& report);

// A metric's heading: "conversion — Conversion (binomial, higher is
// better) · primary"; guardrails end in "· guardrail: ok" / "VIOLATED".
std::string MetricHeading(const v1::MetricResult& metric);

// The metrics in display order: primary first, then the other
// non-guardrail metrics, then guardrails (stable within each group).
std::vector<const v1::MetricResult*> OrderedMetrics(
    const google::protobuf::RepeatedPtrField<v1::MetricResult>& metrics);

// The exposed units of a segment, over all variants.
int64_t SegmentUnits(const v1::SegmentReport& segment);

// The key of variant `i`: report.variant_keys(i), else "#i".
std::string VariantKey(const v1::Report& report, int i);

}  // namespace cxlab::render

#endif  // CXLAB_API_RENDER_REPORT_FORMAT_H_
