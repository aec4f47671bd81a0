// Unit tests of the event buffer's semantics with a scripted sender (no
// server): size and interval flushes, retries with the same events, which
// errors are retried, backoff, losses, limits. client.test.ts checks the
// same against a real cxlabd.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BatchResponse, EventBuffer, FlushTrigger } from '../src/buffer';
import { CxlabError } from '../src/errors';
import type { QueuedEvent, TrackResult } from '../src/types';

function ev(i: number): QueuedEvent {
  return { eventId: `e${i}`, name: 'purchase', unitId: `u${i}` };
}

const ok = (batch: QueuedEvent[]): BatchResponse => ({ accepted: batch.length, duplicates: 0, errors: [] });

/** A sender that records every call's event ids and answers from a script. */
function scripted(script: ((batch: QueuedEvent[]) => BatchResponse | Error)[] = []) {
  const calls: { ids: string[]; at: number }[] = [];
  let concurrent = 0;
  let maxConcurrent = 0;
  const send = async (batch: QueuedEvent[]): Promise<BatchResponse> => {
    calls.push({ ids: batch.map((e) => e.eventId), at: Date.now() });
    concurrent++;
    maxConcurrent = Math.max(maxConcurrent, concurrent);
    await new Promise((r) => setTimeout(r, 2));
    concurrent--;
    const step = script.length > 0 ? script.shift()! : ok;
    const out = step(batch);
    if (out instanceof Error) throw out;
    return out;
  };
  return { send, calls, maxConcurrent: () => maxConcurrent };
}

function nextFlush(buffer: { onFlushes: [TrackResult, FlushTrigger][] }, n: number): Promise<void> {
  return new Promise((resolve) => {
    const poll = setInterval(() => {
      if (buffer.onFlushes.length >= n) {
        clearInterval(poll);
        resolve();
      }
    }, 2);
  });
}

function make(send: (b: QueuedEvent[]) => Promise<BatchResponse>, opts: ConstructorParameters<typeof EventBuffer>[1] = {}) {
  const onFlushes: [TrackResult, FlushTrigger][] = [];
  const onErrors: [CxlabError, QueuedEvent[]][] = [];
  const buffer = new EventBuffer(send, {
    flushIntervalMs: 60_000,
    retryBaseDelayMs: 1,
    onFlush: (r, t) => onFlushes.push([r, t]),
    onError: (e, events) => onErrors.push([e, events]),
    ...opts,
  });
  return { buffer, onFlushes, onErrors };
}

test('flushes by itself when flushSize events are queued', async () => {
  const s = scripted();
  const b = make(s.send, { flushSize: 3 });
  b.buffer.push(ev(1));
  b.buffer.push(ev(2));
  assert.equal(s.calls.length, 0);
  b.buffer.push(ev(3));
  await nextFlush(b, 1);
  assert.deepEqual(s.calls.map((c) => c.ids), [['e1', 'e2', 'e3']]);
  assert.equal(b.onFlushes[0][1], 'size');
  assert.deepEqual(b.onFlushes[0][0], { accepted: 3, duplicates: 0, rejected: [], calls: 1 });
  assert.equal(b.buffer.pending, 0);
  b.buffer.stop();
});

test('flushes every flushIntervalMs', async () => {
  const s = scripted();
  const b = make(s.send, { flushIntervalMs: 30 });
  const start = Date.now();
  b.buffer.push(ev(1));
  await nextFlush(b, 1);
  assert.ok(Date.now() - start >= 25, `flushed after ${Date.now() - start} ms`);
  assert.equal(b.onFlushes[0][1], 'interval');
  b.buffer.push(ev(2));
  await nextFlush(b, 2);
  assert.deepEqual(s.calls.map((c) => c.ids), [['e1'], ['e2']]);
  b.buffer.stop();
});

test('retries UNAVAILABLE, DEADLINE_EXCEEDED and RESOURCE_EXHAUSTED with the same event ids, backing off', async () => {
  const s = scripted([
    () => new CxlabError('UNAVAILABLE', 'connection refused'),
    () => new CxlabError('DEADLINE_EXCEEDED', 'deadline'),
    () => new CxlabError('RESOURCE_EXHAUSTED', 'busy'),
    (batch) => ({ accepted: 1, duplicates: batch.length - 1, errors: [] }),
  ]);
  const b = make(s.send, { retryBaseDelayMs: 20, retryMaxDelayMs: 1000 });
  [1, 2, 3].forEach((i) => b.buffer.push(ev(i)));
  const result = await b.buffer.flush();
  assert.deepEqual(result, { accepted: 1, duplicates: 2, rejected: [], calls: 4 });
  assert.equal(s.calls.length, 4);
  for (const c of s.calls) assert.deepEqual(c.ids, ['e1', 'e2', 'e3']);
  // Equal jitter: retry n waits at least half of 20 * 2^n ms.
  const gaps = s.calls.slice(1).map((c, i) => c.at - s.calls[i].at);
  gaps.forEach((gap, n) => assert.ok(gap >= 10 * 2 ** n - 2, `retry ${n} after ${gap} ms`));
  b.buffer.stop();
});

test('other errors are not retried: flush() rejects and the batch is dropped', async () => {
  const s = scripted([() => new CxlabError('UNAUTHENTICATED', 'unknown or revoked API key')]);
  const b = make(s.send);
  b.buffer.push(ev(1));
  await assert.rejects(b.buffer.flush(), (err: unknown) => err instanceof CxlabError && err.code === 'UNAUTHENTICATED');
  assert.equal(s.calls.length, 1);
  assert.equal(b.buffer.pending, 0);
  assert.equal(b.onErrors.length, 0, 'an awaited flush rejects instead of calling onError');
  b.buffer.stop();
});

test('retries stop after maxRetries', async () => {
  const unavailable = () => new CxlabError('UNAVAILABLE', 'down');
  const s = scripted([unavailable, unavailable, unavailable, unavailable]);
  const b = make(s.send, { maxRetries: 2 });
  b.buffer.push(ev(1));
  await assert.rejects(b.buffer.flush(), /down/);
  assert.equal(s.calls.length, 3);
  b.buffer.stop();
});

test('a background flush that fails reports the lost events to onError; later events stay queued', async () => {
  const s = scripted([() => new CxlabError('PERMISSION_DENIED', 'role reader cannot call Track')]);
  const b = make(s.send, { flushSize: 2, maxBatchSize: 2 });
  [1, 2].forEach((i) => b.buffer.push(ev(i)));
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(b.onErrors.length, 1);
  assert.equal(b.onErrors[0][0].code, 'PERMISSION_DENIED');
  assert.deepEqual(b.onErrors[0][1].map((e) => e.eventId), ['e1', 'e2']);
  b.buffer.push(ev(3));
  assert.equal(b.buffer.pending, 1);
  assert.deepEqual(await b.buffer.flush(), { accepted: 1, duplicates: 0, rejected: [], calls: 1 });
  b.buffer.stop();
});

test('events the server rejects are reported with their ids', async () => {
  const s = scripted([
    (batch) => ({ accepted: batch.length - 1, duplicates: 0, errors: [{ index: 1, message: 'events[1].name: must not be empty' }] }),
  ]);
  const b = make(s.send);
  [1, 2, 3].forEach((i) => b.buffer.push(ev(i)));
  const result = await b.buffer.flush();
  assert.equal(result.accepted, 2);
  assert.equal(result.rejected.length, 1);
  assert.equal(result.rejected[0].eventId, 'e2');
  assert.equal(result.rejected[0].message, 'events[1].name: must not be empty');
  assert.equal(result.rejected[0].event.unitId, 'u2');
  b.buffer.stop();
});

test('batches of at most maxBatchSize, one flush at a time, in order', async () => {
  const s = scripted();
  const b = make(s.send, { flushSize: 4, maxBatchSize: 3 });
  for (let i = 1; i <= 10; i++) b.buffer.push(ev(i));
  const result = await b.buffer.flush();
  const sent = s.calls.flatMap((c) => c.ids);
  assert.deepEqual(sent, Array.from({ length: 10 }, (_, i) => `e${i + 1}`));
  assert.ok(s.calls.every((c) => c.ids.length <= 3));
  assert.equal(s.maxConcurrent(), 1);
  // The size flush (at the 4th event) started after the pushes and sent all
  // ten in 3 + 3 + 3 + 1; the explicit flush found nothing left.
  assert.deepEqual(b.onFlushes, [[{ accepted: 10, duplicates: 0, rejected: [], calls: 4 }, 'size']]);
  assert.equal(result.calls, 0);
  assert.equal(b.buffer.pending, 0);
  b.buffer.stop();
});

test('a full buffer refuses events with RESOURCE_EXHAUSTED; a stopped one with FAILED_PRECONDITION', async () => {
  const s = scripted();
  const b = make(s.send, { flushSize: 100, maxBufferSize: 2 });
  b.buffer.push(ev(1));
  b.buffer.push(ev(2));
  assert.throws(() => b.buffer.push(ev(3)), (err: unknown) => err instanceof CxlabError && err.code === 'RESOURCE_EXHAUSTED');
  b.buffer.stop();
  assert.throws(() => b.buffer.push(ev(4)), (err: unknown) => err instanceof CxlabError && err.code === 'FAILED_PRECONDITION');
  assert.deepEqual((await b.buffer.flush('close')).accepted, 2);
});

test('bad options are INVALID_ARGUMENT naming the option', () => {
  assert.throws(() => new EventBuffer(async (b) => ok(b), { flushSize: 0 }), /flushSize: must be an integer/);
  assert.throws(() => new EventBuffer(async (b) => ok(b), { maxBatchSize: 20_000 }), /maxBatchSize: must be an integer in \[1, 10000\]/);
});
