import { randomUUID } from 'crypto';
import * as fs from 'fs';
import * as grpc from '@grpc/grpc-js';
import { BatchResponse, BufferOptions, EventBuffer } from './buffer';
import { MessageDecoder, ProtoStruct, ProtoTimestamp, toStruct, toTimestamp } from './convert';
import { CxlabError, toCxlabError } from './errors';
import { loadProtos } from './proto';
import type {
  AssignOptions,
  AssignResult,
  Assignment,
  ContentOptions,
  ContentResult,
  QueuedEvent,
  Report,
  ReportOptions,
  SlotContent,
  TrackEvent,
  TrackResult,
  UnitOptions,
} from './types';

export interface ClientOptions extends BufferOptions {
  /** cxlabd's gRPC address, HOST:PORT. */
  address: string;
  /** API key secret, sent as `authorization: Bearer <key>`. */
  apiKey: string;
  /** PEM file of the CA that signed cxlabd's certificate: use TLS. */
  caFile?: string;
  /** Use TLS with the system's root certificates (implied by caFile). */
  tls?: boolean;
  /** Deadline of each call (each Track attempt), in ms. Default 10,000. */
  deadlineMs?: number;
  /** Flush buffered events when the process is about to exit (beforeExit). Default true. */
  flushOnExit?: boolean;
  /** grpc-js interceptors applied to every call (tracing, tests). */
  interceptors?: grpc.Interceptor[];
  /** Extra grpc-js channel options. */
  channelOptions?: grpc.ChannelOptions;
  /** Directory holding cxlab/v1/*.proto; default the copy in dist/proto. */
  protoDir?: string;
}

type UnaryCallback = (err: grpc.ServiceError | null, res?: unknown) => void;
type UnaryMethod = (req: unknown, md: grpc.Metadata, opts: grpc.CallOptions, cb: UnaryCallback) => grpc.ClientUnaryCall;

interface ProtoUnit {
  unitId: string;
  unitType?: string;
  ids?: Record<string, string>;
  attributes?: ProtoStruct;
}

interface ProtoEvent {
  eventId: string;
  name: string;
  unitId: string;
  unitType?: string;
  value?: number;
  time?: ProtoTimestamp;
  properties?: ProtoStruct;
}

const METHODS: Record<string, string> = {
  frequentist: 'METHOD_FREQUENTIST',
  sequential: 'METHOD_SEQUENTIAL',
  bayesian: 'METHOD_BAYESIAN',
};
const CORRECTIONS: Record<string, string> = {
  none: 'CORRECTION_NONE',
  holm: 'CORRECTION_HOLM',
  bh: 'CORRECTION_BH',
};

// Clients that flush on process exit; one beforeExit listener for all.
const flushOnExitClients = new Set<CxlabClient>();
function onBeforeExit(): void {
  for (const client of flushOnExitClients) client.flushBeforeExit();
}
function watchExit(client: CxlabClient): void {
  if (flushOnExitClients.size === 0) process.on('beforeExit', onBeforeExit);
  flushOnExitClients.add(client);
}
function unwatchExit(client: CxlabClient): void {
  if (!flushOnExitClients.delete(client)) return;
  if (flushOnExitClients.size === 0) process.removeListener('beforeExit', onBeforeExit);
}

function withLookup<T extends object, V>(
  obj: T,
  items: V[],
  key: (v: V) => string,
): T & { get(k: string): V | undefined } {
  Object.defineProperty(obj, 'get', {
    value: (k: string) => items.find((v) => key(v) === k),
    enumerable: false,
  });
  return obj as T & { get(k: string): V | undefined };
}

/**
 * A client of cxlabd: assignments, personalized content, buffered event
 * tracking and reports over one gRPC channel.
 *
 * ```ts
 * const cx = new CxlabClient({ address: '127.0.0.1:7070', apiKey: process.env.CXLAB_KEY! });
 * const res = await cx.assign('visitor-42', { attributes: { visits: 3 } });
 * cx.track({ name: 'purchase', unitId: 'visitor-42', value: 59.9 });
 * await cx.close(); // flushes
 * ```
 */
export class CxlabClient {
  private readonly assignment: grpc.Client;
  private readonly personalization: grpc.Client;
  private readonly events: grpc.Client;
  private readonly reports: grpc.Client;
  private readonly decoder: MessageDecoder;
  private readonly buffer: EventBuffer;
  private readonly authorization: string;
  private readonly deadlineMs: number;
  private closing: Promise<TrackResult> | undefined;
  private closed = false;
  private readonly protoEvents = new WeakMap<QueuedEvent, ProtoEvent>();

  constructor(options: ClientOptions) {
    if (!options || typeof options.address !== 'string' || options.address === '') {
      throw new CxlabError('INVALID_ARGUMENT', 'address: must be HOST:PORT');
    }
    if (typeof options.apiKey !== 'string' || options.apiKey === '') {
      throw new CxlabError('INVALID_ARGUMENT', 'apiKey: must not be empty');
    }
    this.deadlineMs = options.deadlineMs ?? 10_000;
    if (!(this.deadlineMs > 0)) {
      throw new CxlabError('INVALID_ARGUMENT', `deadlineMs: must be > 0, got ${options.deadlineMs}`);
    }
    this.authorization = `Bearer ${options.apiKey}`;

    // Validates the buffer options (throws) before any channel exists.
    this.buffer = new EventBuffer((batch) => this.sendBatch(batch), options);
    try {
      const { definition, services } = loadProtos(options.protoDir);
      this.decoder = new MessageDecoder(definition);

      let credentials: grpc.ChannelCredentials;
      if (options.caFile !== undefined) {
        let ca: Buffer;
        try {
          ca = fs.readFileSync(options.caFile);
        } catch (err) {
          throw new CxlabError('INVALID_ARGUMENT', `caFile: cannot read ${options.caFile}: ${(err as Error).message}`);
        }
        credentials = grpc.credentials.createSsl(ca);
      } else if (options.tls) {
        credentials = grpc.credentials.createSsl();
      } else {
        credentials = grpc.credentials.createInsecure();
      }
      const clientOptions: grpc.ClientOptions = { ...(options.channelOptions ?? {}) };
      if (options.interceptors) clientOptions.interceptors = options.interceptors;
      // The four stubs share one channel (one connection).
      this.assignment = new services.AssignmentService(options.address, credentials, clientOptions);
      const shared = { ...clientOptions, channelOverride: this.assignment.getChannel() };
      this.personalization = new services.PersonalizationService(options.address, credentials, shared);
      this.events = new services.EventService(options.address, credentials, shared);
      this.reports = new services.ReportService(options.address, credentials, shared);
    } catch (err) {
      this.buffer.stop();
      throw err;
    }
    if (options.flushOnExit ?? true) watchExit(this);
  }

  // ---- assignment -----------------------------------------------------------

  /**
   * Which variant of each experiment the unit sees, and why. Records
   * exposures for assigned experiments unless `logExposure: false`.
   * Unknown experiment keys are answered with REASON_UNKNOWN_EXPERIMENT.
   */
  async assign(unitId: string, options: AssignOptions = {}): Promise<AssignResult> {
    const request: Record<string, unknown> = {
      unit: this.unit(unitId, options),
      experimentKeys: options.experiments ?? [],
      omitPayloads: options.omitPayloads ?? false,
    };
    if (options.logExposure !== undefined) request.logExposure = options.logExposure;
    const res = await this.unary(this.assignment, 'Assign', request);
    const decoded = this.decoder.decode<{ assignments: Assignment[]; configVersion: number }>(
      'cxlab.v1.AssignResponse',
      res,
    );
    const result = { assignments: decoded.assignments ?? [], configVersion: decoded.configVersion ?? 0 };
    return withLookup(result, result.assignments, (a) => a.experimentKey);
  }

  // ---- personalization ------------------------------------------------------

  /**
   * The content of each slot ("home.hero" ...) for the unit's personas, in
   * order; no slots means every slot. An unknown slot is INVALID_ARGUMENT.
   */
  async getContent(unitId: string, slots: string[] = [], options: ContentOptions = {}): Promise<ContentResult> {
    const request: Record<string, unknown> = { unit: this.unit(unitId, options), slots };
    if (options.logExposure !== undefined) request.logExposure = options.logExposure;
    const res = await this.unary(this.personalization, 'GetContent', request);
    const decoded = this.decoder.decode<{ contents: SlotContent[]; configVersion: number }>(
      'cxlab.v1.GetContentResponse',
      res,
    );
    const result = {
      contents: (decoded.contents ?? []).map((c) => ({ ...c, content: c.content === undefined ? null : c.content })),
      configVersion: decoded.configVersion ?? 0,
    };
    return withLookup(result, result.contents, (c) => c.slot);
  }

  // ---- events ---------------------------------------------------------------

  /**
   * Queues an event and returns its id. The id (event.eventId, else a random
   * UUID) is fixed now, so every retry sends the same id and the server
   * counts the event once. Sent when flushSize events are queued, every
   * flushIntervalMs, on flush(), close() and process exit. Throws a
   * CxlabError for a value that is not JSON, after close(), or when the
   * buffer is full.
   */
  track(event: TrackEvent): string {
    if (this.closing) throw new CxlabError('FAILED_PRECONDITION', 'client is closed');
    if (event === null || typeof event !== 'object') {
      throw new CxlabError('INVALID_ARGUMENT', 'event: must be an object');
    }
    const eventId = event.eventId ?? randomUUID();
    if (typeof eventId !== 'string' || eventId === '') {
      throw new CxlabError('INVALID_ARGUMENT', 'event.event_id: must be a non-empty string');
    }
    const queued: QueuedEvent = { ...event, eventId };
    // Convert now: a bad value throws here, at the caller, not in a flush.
    const proto = this.toProtoEvent(queued);
    this.buffer.push(queued);
    this.protoEvents.set(queued, proto);
    return eventId;
  }

  /** Events queued or being sent. */
  get pending(): number {
    return this.buffer.pending;
  }

  /**
   * Sends every queued event now. Resolves with the server's counts;
   * rejects with a CxlabError when a batch could not be sent (after retries
   * for UNAVAILABLE, DEADLINE_EXCEEDED and RESOURCE_EXHAUSTED).
   */
  flush(): Promise<TrackResult> {
    return this.buffer.flush('explicit');
  }

  /**
   * Flushes the buffer, then closes the channel. Idempotent. Later calls of
   * any method fail with FAILED_PRECONDITION.
   */
  close(): Promise<TrackResult> {
    if (!this.closing) {
      unwatchExit(this);
      this.buffer.stop();
      this.closing = this.buffer.flush('close').finally(() => {
        this.closed = true;
        this.assignment.close();
      });
    }
    return this.closing;
  }

  /** @internal The beforeExit hook. */
  flushBeforeExit(): void {
    if (this.closing || this.buffer.pending === 0) return;
    this.buffer.background('exit');
  }

  private toProtoEvent(event: QueuedEvent): ProtoEvent {
    const proto: ProtoEvent = {
      eventId: event.eventId,
      name: event.name,
      unitId: event.unitId,
    };
    if (event.unitType !== undefined) proto.unitType = event.unitType;
    if (event.value !== undefined) proto.value = event.value;
    if (event.time !== undefined) proto.time = toTimestamp(event.time, 'event.time');
    if (event.properties !== undefined) proto.properties = toStruct(event.properties, 'event.properties');
    return proto;
  }

  private async sendBatch(batch: QueuedEvent[]): Promise<BatchResponse> {
    const events = batch.map((e) => this.protoEvents.get(e) ?? this.toProtoEvent(e));
    const res = (await this.unary(this.events, 'Track', { events })) as BatchResponse;
    return { accepted: res.accepted ?? 0, duplicates: res.duplicates ?? 0, errors: res.errors ?? [] };
  }

  // ---- reports --------------------------------------------------------------

  /** An experiment's significance report (reader role). */
  async getReport(experimentKey: string, options: ReportOptions = {}): Promise<Report> {
    const request: Record<string, unknown> = {
      experimentKey,
      alpha: options.alpha ?? 0,
      cuped: options.cuped ?? false,
      fromDay: options.fromDay ?? '',
      toDay: options.toDay ?? '',
      segment: options.segment ?? '',
      bySegment: options.bySegment ?? false,
      targetEffect: options.targetEffect ?? 0,
      sequentialTuning: options.sequentialTuning ?? 0,
    };
    if (options.method !== undefined) request.method = METHODS[options.method] ?? options.method;
    if (options.correction !== undefined) request.correction = CORRECTIONS[options.correction] ?? options.correction;
    if (options.prior !== undefined) {
      request.prior = { proper: true, mean: options.prior.mean, variance: options.prior.variance };
    }
    const res = await this.unary(this.reports, 'GetReport', request);
    return this.decoder.decode<Report>('cxlab.v1.Report', res);
  }

  // ---- plumbing -------------------------------------------------------------

  private unit(unitId: string, options: UnitOptions): ProtoUnit {
    const unit: ProtoUnit = { unitId: unitId ?? '' };
    if (options.unitType !== undefined) unit.unitType = options.unitType;
    if (options.ids !== undefined) unit.ids = options.ids;
    if (options.attributes !== undefined) unit.attributes = toStruct(options.attributes, 'unit.attributes');
    return unit;
  }

  private unary(stub: grpc.Client, method: string, request: unknown): Promise<unknown> {
    if (this.closed) return Promise.reject(new CxlabError('FAILED_PRECONDITION', 'client is closed'));
    const metadata = new grpc.Metadata();
    metadata.set('authorization', this.authorization);
    const fn = (stub as unknown as Record<string, UnaryMethod>)[method];
    return new Promise((resolve, reject) => {
      try {
        fn.call(stub, request, metadata, { deadline: Date.now() + this.deadlineMs }, (err, res) => {
          if (err) reject(toCxlabError(err));
          else resolve(res);
        });
      } catch (err) {
        reject(toCxlabError(err));
      }
    });
  }
}
