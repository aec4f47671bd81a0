// Unit tests of the value conversions and the error type (no server).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { status } from '@grpc/grpc-js';
import { CxlabError, fromStruct, fromValue, toCxlabError, toStruct, toValue } from '../src';
import { toTimestamp, fromTimestamp } from '../src/convert';

test('toStruct/fromStruct round-trip JSON, nested objects and arrays', () => {
  const attrs = {
    country: 'DE',
    age: 34,
    vip: false,
    nothing: null,
    interests: ['running', 'hiking'],
    cart: { items: 2, value: 49.5, skus: [{ id: 'a' }, { id: 'b', qty: 3 }] },
  };
  const s = toStruct(attrs);
  assert.deepEqual(s.fields!.age, { numberValue: 34 });
  assert.deepEqual(s.fields!.nothing, { nullValue: 'NULL_VALUE' });
  assert.deepEqual(fromStruct(s), attrs);
});

test('toStruct follows JSON.stringify: Dates as ISO strings, undefined members left out', () => {
  const when = new Date('2026-01-02T03:04:05.678Z');
  const s = toStruct({ when, skip: undefined, list: [undefined, 1] });
  assert.deepEqual(fromStruct(s), { when: '2026-01-02T03:04:05.678Z', list: [null, 1] });
});

test('a value that is not JSON is INVALID_ARGUMENT naming the path', () => {
  assert.throws(
    () => toStruct({ cart: { value: Number.NaN } }, 'unit.attributes'),
    (err: unknown) =>
      err instanceof CxlabError &&
      err.code === 'INVALID_ARGUMENT' &&
      err.message === 'unit.attributes.cart.value: must be a finite number, got NaN',
  );
  assert.throws(() => toValue(10n, 'x'), /x: a bigint is not a JSON value/);
  assert.throws(() => toStruct([] as never), /attributes: must be an object/);
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  assert.throws(() => toStruct(cyclic), /a cycle\?/);
});

test('fromValue of an empty Value is null', () => {
  assert.equal(fromValue({}), null);
  assert.equal(fromValue(undefined), null);
  assert.deepEqual(fromValue({ listValue: { values: [{ numberValue: 1 }, { stringValue: 'a' }] } }), [1, 'a']);
});

test('timestamps from Date, RFC 3339 and epoch ms; bad times throw', () => {
  assert.deepEqual(toTimestamp(new Date('2026-01-02T03:04:05.678Z')), { seconds: 1767323045, nanos: 678000000 });
  assert.deepEqual(toTimestamp('2026-01-02T04:04:05+01:00'), { seconds: 1767323045, nanos: 0 });
  assert.deepEqual(toTimestamp(1767323045678), { seconds: 1767323045, nanos: 678000000 });
  assert.equal(fromTimestamp({ seconds: 1767323045, nanos: 678000000 })!.toISOString(), '2026-01-02T03:04:05.678Z');
  assert.throws(() => toTimestamp('yesterday', 'event.time'), /event.time: not a valid time: yesterday/);
});

test('toCxlabError keeps the status name and the bare server message', () => {
  const grpcError = Object.assign(new Error('3 INVALID_ARGUMENT: unit.unit_id: must not be empty'), {
    code: status.INVALID_ARGUMENT,
    details: 'unit.unit_id: must not be empty',
    metadata: undefined,
  });
  const err = toCxlabError(grpcError);
  assert.ok(err instanceof CxlabError);
  assert.ok(err instanceof Error);
  assert.equal(err.name, 'CxlabError');
  assert.equal(err.code, 'INVALID_ARGUMENT');
  assert.equal(err.grpcCode, status.INVALID_ARGUMENT);
  assert.equal(err.message, 'unit.unit_id: must not be empty');
  assert.equal(String(err), 'CxlabError: INVALID_ARGUMENT: unit.unit_id: must not be empty');
  assert.equal(toCxlabError(err), err);
  assert.equal(toCxlabError(new Error('boom')).code, 'UNKNOWN');
});
