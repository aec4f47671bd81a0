// Hand-written shapes of the cxlab.v1 messages the client returns. Field
// names are the proto3 JSON names (camelCase); enums are their proto names as
// strings ("REASON_ASSIGNED"); int64 counts are numbers; google.protobuf.Value
// and Struct are plain JSON values; Timestamps are Dates; proto3 `optional`
// numbers and unset sub-messages are left out (undefined) when unset. This is
// the shape `cxlab --output json` prints, except for int64s and timestamps.

/** A JSON value, as google.protobuf.Value carries it. */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
/** A JSON object, as google.protobuf.Struct carries it. */
export interface JsonObject {
  [key: string]: JsonValue;
}

// ---- assignment -------------------------------------------------------------

/** Why a unit got (or did not get) a variant (assignment.proto `Reason`). */
export type Reason =
  | 'REASON_UNSPECIFIED'
  | 'REASON_ASSIGNED'
  | 'REASON_NOT_RUNNING'
  | 'REASON_NOT_TARGETED'
  | 'REASON_NOT_IN_COVERAGE'
  | 'REASON_LAYER_EXCLUDED'
  | 'REASON_HOLDOUT'
  | 'REASON_FORCED'
  | 'REASON_OUTSIDE_SCHEDULE'
  | 'REASON_LAUNCHED'
  | 'REASON_MISSING_UNIT_ID'
  | 'REASON_UNKNOWN_EXPERIMENT';

/** One experiment's answer for one unit. */
export interface Assignment {
  experimentKey: string;
  /** Empty when the unit sees no variant. */
  variantKey: string;
  /** Index into the experiment's variants; -1 when none. */
  variantIndex: number;
  /** The variant's JSON payload; undefined when none (or omitted). */
  payload?: JsonValue;
  reason: Reason;
  /** True when the unit sees a variant (assigned, forced or launched). */
  inExperiment: boolean;
  /** True when the experiment's fallback attribute was hashed. */
  usedFallback: boolean;
}

/** The answer of `assign`. */
export interface AssignResult {
  /** One per requested experiment, in request order (or snapshot order). */
  assignments: Assignment[];
  /** The config version that answered. */
  configVersion: number;
  /** The assignment of one experiment by key (undefined when absent). */
  get(experimentKey: string): Assignment | undefined;
}

export interface UnitOptions {
  /** Targeting attributes: any JSON object (country, age, cart.items ...). */
  attributes?: JsonObject;
  /** Type of the unit id: user (the server's default), device, session ... */
  unitType?: string;
  /** Further ids of the same visitor by unit type, e.g. `{ device: 'd-9' }`. */
  ids?: Record<string, string>;
}

export interface AssignOptions extends UnitOptions {
  /** Experiment keys to evaluate; default every running or launched one. */
  experiments?: string[];
  /**
   * Record an exposure for every experiment the unit is assigned to
   * (default true). Set false for previews and prefetching the visitor never
   * sees.
   */
  logExposure?: boolean;
  /** Leave payloads out of the answer. */
  omitPayloads?: boolean;
}

// ---- personalization --------------------------------------------------------

/** The content chosen for one slot. */
export interface SlotContent {
  slot: string;
  /** The JSON content to render. */
  content: JsonValue;
  /** The rule that matched; empty when the slot default was served. */
  ruleId: string;
  /** Persona segments of the visitor that the rule matched on. */
  matchedSegments: string[];
  /** The experiment (and the unit's variant) that decided the content, if any. */
  experimentKey: string;
  variantKey: string;
  /** True when no rule matched and the slot default was served. */
  isDefault: boolean;
  /** "rule", "experiment_variant", "experiment_control_default" or "default". */
  reason: string;
}

/** The answer of `getContent`. */
export interface ContentResult {
  /** One per requested slot, in request order (every slot by key if none). */
  contents: SlotContent[];
  configVersion: number;
  /** The content of one slot by key (undefined when absent). */
  get(slot: string): SlotContent | undefined;
}

export interface ContentOptions extends UnitOptions {
  /** Record exposures for experiment-backed rules (default true). */
  logExposure?: boolean;
}

// ---- events -----------------------------------------------------------------

/** An event for `track`. */
export interface TrackEvent {
  /** Event name, e.g. "purchase", "survey_nps". Required. */
  name: string;
  /** The unit the event belongs to. Required. */
  unitId: string;
  /** user (the server's default), device, session, account ... */
  unitType?: string;
  /** The numeric value (revenue, score, seconds). */
  value?: number;
  /**
   * When it happened: a Date, an RFC 3339 string or milliseconds since the
   * epoch. Default: the time the server receives it.
   */
  time?: Date | string | number;
  /** Further properties for metric filters and value properties. */
  properties?: JsonObject;
  /**
   * The idempotency key. Default: a random UUID chosen when the event is
   * enqueued, so every retry of it carries the same id and counts once.
   */
  eventId?: string;
}

/** An event as buffered: its id is fixed. */
export interface QueuedEvent extends TrackEvent {
  eventId: string;
}

/** An event the server rejected, and why ("events[3].name: must not be empty"). */
export interface RejectedEvent {
  eventId: string;
  message: string;
  event: QueuedEvent;
}

/** What one or more Track calls did. */
export interface TrackResult {
  /** Events stored and counted. */
  accepted: number;
  /** Events the server had already seen (same event id): counted once. */
  duplicates: number;
  /** Events rejected by the server, with the rule they broke. */
  rejected: RejectedEvent[];
  /** Track calls made (each retry counts). */
  calls: number;
}

// ---- reports ----------------------------------------------------------------

export type Method = 'METHOD_UNSPECIFIED' | 'METHOD_FREQUENTIST' | 'METHOD_SEQUENTIAL' | 'METHOD_BAYESIAN';
export type Correction = 'CORRECTION_UNSPECIFIED' | 'CORRECTION_NONE' | 'CORRECTION_HOLM' | 'CORRECTION_BH';
export type Verdict =
  | 'VERDICT_UNSPECIFIED'
  | 'VERDICT_UNDEFINED'
  | 'VERDICT_INCONCLUSIVE'
  | 'VERDICT_BETTER'
  | 'VERDICT_WORSE';

export interface ReportOptions {
  /** frequentist (default), sequential or bayesian. */
  method?: 'frequentist' | 'sequential' | 'bayesian' | Method;
  /** Significance level in (0, 1); default 0.05. */
  alpha?: number;
  /** Regression-adjust on the pre-exposure covariate. */
  cuped?: boolean;
  /** Multiple-testing correction: none (default), holm or bh. */
  correction?: 'none' | 'holm' | 'bh' | Correction;
  /** Bayesian prior on the relative lift (default flat). */
  prior?: { mean: number; variance: number };
  /** Only units first exposed on these UTC days (inclusive, "YYYY-MM-DD"). */
  fromDay?: string;
  toDay?: string;
  /** Only the units that matched this persona segment at exposure. */
  segment?: string;
  /** Also report every persona segment separately (`Report.bySegment`). */
  bySegment?: boolean;
  /** Power: the relative effect to plan for (default 0.05). */
  targetEffect?: number;
  /** Sequential: the tuning N* (default 5000). */
  sequentialTuning?: number;
}

/** Unset bounds are unbounded. */
export interface Interval {
  lower?: number;
  upper?: number;
}

export interface ReportWarning {
  /** Stable name, e.g. "zero_control_mean", "no_units", "srm". */
  code: string;
  message: string;
}

export interface Effect {
  estimate?: number;
  stdError?: number;
  ci?: Interval;
  pValue?: number;
  adjustedPValue?: number;
  chanceToWin?: number;
  riskControl?: number;
  riskTreatment?: number;
}

export interface VariantResult {
  variantKey: string;
  units: number;
  value?: number;
  valueCi?: Interval;
  adjustedValue?: number;
  /** Versus control; undefined for the control. */
  absolute?: Effect;
  relative?: Effect;
  cupedVarianceReduction?: number;
  verdict: Verdict;
  significant: boolean;
  warnings: ReportWarning[];
}

export interface MetricResult {
  metricKey: string;
  name: string;
  /** "binomial", "mean", "nps", ... */
  type: string;
  /** "higher" or "lower". */
  direction: string;
  guardrail: boolean;
  primary: boolean;
  variants: VariantResult[];
  /** Guardrails: "ok", "violated" or "unknown"; empty for other metrics. */
  guardrailStatus: string;
  cupedTheta?: number;
  warnings: ReportWarning[];
}

export interface SrmCheck {
  units: number[];
  weights: number[];
  chiSquare?: number;
  pValue?: number;
  /** p < 0.001: the split does not match the weights. */
  mismatch: boolean;
  warnings: ReportWarning[];
}

export interface Power {
  metricKey: string;
  variantKey: string;
  mdeRelative?: number;
  mdeAbsolute?: number;
  targetRelativeEffect: number;
  unitsStillNeeded?: number;
  daysLeft?: number;
  unitsPerDay: number;
  warnings: ReportWarning[];
}

export interface SegmentReport {
  segment: string;
  name: string;
  units: number[];
  srm?: SrmCheck;
  metrics: MetricResult[];
}

/** An experiment's significance report (reports.proto `Report`). */
export interface Report {
  experimentKey: string;
  name: string;
  /** "running", "paused", ... */
  status: string;
  method: Method;
  alpha: number;
  cuped: boolean;
  correction: Correction;
  computedAt?: Date;
  /** Days since the first exposure day (UTC), fractional. */
  daysRunning: number;
  variantKeys: string[];
  /** Exposed units per variant. */
  units: number[];
  srm?: SrmCheck;
  metrics: MetricResult[];
  power?: Power;
  /** Plain language summary. */
  verdict: string;
  segment: string;
  bySegment: SegmentReport[];
  warnings: ReportWarning[];
  fromDay: string;
  toDay: string;
}
