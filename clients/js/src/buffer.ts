// The event buffer behind CxlabClient.track: events are queued with their
// ids already chosen, sent in batches by one flush at a time, and retried
// with exponential backoff on transient errors — always with the same ids,
// so the server (which deduplicates by event id) counts each event once.

import { CxlabError, RETRYABLE_CODES, toCxlabError } from './errors';
import type { QueuedEvent, RejectedEvent, TrackResult } from './types';

/** What caused a flush. */
export type FlushTrigger = 'size' | 'interval' | 'explicit' | 'close' | 'exit';

/** The server's answer to one batch (TrackResponse). */
export interface BatchResponse {
  accepted: number;
  duplicates: number;
  errors: { index: number; message: string }[];
}

/** Sends one batch; rejects with the call's error. */
export type SendBatch = (events: QueuedEvent[]) => Promise<BatchResponse>;

export interface BufferOptions {
  /** Flush as soon as this many events are queued. Default 100. */
  flushSize?: number;
  /** Flush queued events this often (ms; the timer is unref'd). Default 1000. */
  flushIntervalMs?: number;
  /** Events per Track call, 1 to 10,000. Default 1000. */
  maxBatchSize?: number;
  /** track() throws RESOURCE_EXHAUSTED beyond this many queued events. Default 100,000. */
  maxBufferSize?: number;
  /** Retries of a batch after UNAVAILABLE, DEADLINE_EXCEEDED or RESOURCE_EXHAUSTED. Default 5. */
  maxRetries?: number;
  /** First retry delay (ms), doubled per retry, with jitter. Default 200. */
  retryBaseDelayMs?: number;
  /** Cap of the retry delay (ms). Default 10,000. */
  retryMaxDelayMs?: number;
  /** Called after every flush that sent something, with what it did. */
  onFlush?: (result: TrackResult, trigger: FlushTrigger) => void;
  /**
   * Called when events are lost by a background flush (size, interval,
   * process exit): a batch failed with a non-retryable error or ran out of
   * retries, or the server rejected single events. Default: a process
   * warning. flush() and close() reject instead.
   */
  onError?: (error: CxlabError, events: QueuedEvent[]) => void;
}

export const BUFFER_DEFAULTS = {
  flushSize: 100,
  flushIntervalMs: 1000,
  maxBatchSize: 1000,
  maxBufferSize: 100_000,
  maxRetries: 5,
  retryBaseDelayMs: 200,
  retryMaxDelayMs: 10_000,
};

const SERVER_MAX_BATCH = 10_000;

function emptyResult(): TrackResult {
  return { accepted: 0, duplicates: 0, rejected: [], calls: 0 };
}

function defaultOnError(error: CxlabError, events: QueuedEvent[]): void {
  process.emitWarning(`${events.length} event(s) not stored: ${error.code}: ${error.message}`, {
    code: 'CXLAB_TRACK',
  });
}

function positiveInt(name: string, value: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new CxlabError('INVALID_ARGUMENT', `${name}: must be an integer in [1, ${max}], got ${value}`);
  }
  return value;
}

function nonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) {
    throw new CxlabError('INVALID_ARGUMENT', `${name}: must be a number >= 0, got ${value}`);
  }
  return value;
}

export class EventBuffer {
  private queue: QueuedEvent[] = [];
  private inFlight = 0;
  private chain: Promise<unknown> = Promise.resolve();
  private backgroundScheduled = false;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  private readonly flushSize: number;
  private readonly maxBatchSize: number;
  private readonly maxBufferSize: number;
  private readonly maxRetries: number;
  private readonly retryBaseDelayMs: number;
  private readonly retryMaxDelayMs: number;
  private readonly onFlush: BufferOptions['onFlush'];
  private readonly onError: NonNullable<BufferOptions['onError']>;

  constructor(private readonly send: SendBatch, options: BufferOptions = {}) {
    const o = { ...BUFFER_DEFAULTS, ...stripUndefined(options) };
    this.flushSize = positiveInt('flushSize', o.flushSize);
    this.maxBatchSize = positiveInt('maxBatchSize', o.maxBatchSize, SERVER_MAX_BATCH);
    this.maxBufferSize = positiveInt('maxBufferSize', o.maxBufferSize);
    this.maxRetries = Math.floor(nonNegative('maxRetries', o.maxRetries));
    this.retryBaseDelayMs = nonNegative('retryBaseDelayMs', o.retryBaseDelayMs);
    this.retryMaxDelayMs = nonNegative('retryMaxDelayMs', o.retryMaxDelayMs);
    this.onFlush = options.onFlush;
    this.onError = options.onError ?? defaultOnError;
    const interval = positiveInt('flushIntervalMs', o.flushIntervalMs);
    this.timer = setInterval(() => {
      if (this.queue.length > 0) this.background('interval');
    }, interval);
    this.timer.unref();
  }

  /** Events queued or being sent. */
  get pending(): number {
    return this.queue.length + this.inFlight;
  }

  /** Queues one event (its id already set); flushes when flushSize is reached. */
  push(event: QueuedEvent): void {
    if (this.stopped) throw new CxlabError('FAILED_PRECONDITION', 'client is closed');
    if (this.queue.length >= this.maxBufferSize) {
      throw new CxlabError(
        'RESOURCE_EXHAUSTED',
        `event buffer full (${this.maxBufferSize} events not yet sent); is cxlabd reachable?`,
      );
    }
    this.queue.push(event);
    if (this.queue.length >= this.flushSize) this.background('size');
  }

  /**
   * Sends every event queued now (after any flush already running). Resolves
   * with what the server did; rejects with a CxlabError when a batch could
   * not be sent (after retries for transient errors): that batch is dropped,
   * later ones stay queued.
   */
  flush(trigger: FlushTrigger = 'explicit'): Promise<TrackResult> {
    const run = this.chain.then(() => this.drain(trigger));
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Stops the timer and refuses new events; then flush() what is left. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** A flush nobody awaits: losses go to onError. */
  background(trigger: FlushTrigger): void {
    if (this.backgroundScheduled) return;
    this.backgroundScheduled = true;
    const run = this.chain.then(() => {
      this.backgroundScheduled = false;
      return this.drain(trigger);
    });
    this.chain = run.catch(() => undefined);
  }

  private async drain(trigger: FlushTrigger): Promise<TrackResult> {
    const background = trigger === 'size' || trigger === 'interval' || trigger === 'exit';
    const total = emptyResult();
    let remaining = this.queue.length;
    while (remaining > 0) {
      const batch = this.queue.splice(0, Math.min(remaining, this.maxBatchSize));
      remaining -= batch.length;
      this.inFlight += batch.length;
      try {
        const response = await this.sendWithRetry(batch, total);
        total.accepted += response.accepted;
        total.duplicates += response.duplicates;
        const rejected: RejectedEvent[] = response.errors.map((e) => ({
          eventId: batch[e.index]?.eventId ?? '',
          message: e.message,
          event: batch[e.index],
        }));
        total.rejected.push(...rejected);
        if (background && rejected.length > 0) {
          this.report(
            new CxlabError('INVALID_ARGUMENT', rejected.map((r) => r.message).join('\n')),
            rejected.map((r) => r.event),
          );
        }
      } catch (err) {
        const error = toCxlabError(err);
        if (!background) throw error;
        this.report(error, batch);
        break; // later events stay queued for the next flush
      } finally {
        this.inFlight -= batch.length;
      }
    }
    if (total.calls > 0 && this.onFlush) {
      try {
        this.onFlush(total, trigger);
      } catch {
        // a throwing callback must not break the buffer
      }
    }
    return total;
  }

  private report(error: CxlabError, events: QueuedEvent[]): void {
    try {
      this.onError(error, events);
    } catch {
      // a throwing callback must not break the buffer
    }
  }

  private async sendWithRetry(batch: QueuedEvent[], total: TrackResult): Promise<BatchResponse> {
    for (let attempt = 0; ; attempt++) {
      total.calls++;
      try {
        return await this.send(batch);
      } catch (err) {
        const error = toCxlabError(err);
        if (!RETRYABLE_CODES.has(error.code) || attempt >= this.maxRetries) throw error;
        await sleep(this.backoff(attempt));
      }
    }
  }

  /** Exponential backoff with "equal jitter": half fixed, half random. */
  private backoff(attempt: number): number {
    const delay = Math.min(this.retryMaxDelayMs, this.retryBaseDelayMs * 2 ** attempt);
    return delay / 2 + Math.random() * (delay / 2);
  }
}

function sleep(ms: number): Promise<void> {
  // Not unref'd: a flush in progress (e.g. on beforeExit) keeps the process
  // alive until its retries are done.
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
