// Conversions between plain JavaScript values and the protobuf messages as
// @grpc/proto-loader represents them (google.protobuf.Struct/Value as
// {fields}/{numberValue ...}, Timestamp as {seconds, nanos}).

import type { PackageDefinition } from '@grpc/proto-loader';
import { CxlabError } from './errors';
import type { JsonObject, JsonValue } from './types';

/** google.protobuf.Value as proto-loader encodes and decodes it. */
export interface ProtoValue {
  nullValue?: 'NULL_VALUE' | number;
  numberValue?: number;
  stringValue?: string;
  boolValue?: boolean;
  structValue?: ProtoStruct | null;
  listValue?: { values?: ProtoValue[] } | null;
}

/** google.protobuf.Struct as proto-loader encodes and decodes it. */
export interface ProtoStruct {
  fields?: Record<string, ProtoValue>;
}

export interface ProtoTimestamp {
  seconds: number;
  nanos: number;
}

// Far more than the server accepts (32 levels): only a guard against cycles.
const MAX_DEPTH = 100;

function invalid(path: string, rule: string): CxlabError {
  return new CxlabError('INVALID_ARGUMENT', `${path}: ${rule}`);
}

/**
 * A JSON value to google.protobuf.Value. Follows JSON.stringify: a toJSON()
 * method is used (so a Date becomes its ISO string), undefined and function
 * members of objects are left out. Non-finite numbers, bigints and symbols
 * throw a CxlabError INVALID_ARGUMENT naming `path`.
 */
export function toValue(value: unknown, path = 'value', depth = 0): ProtoValue {
  if (depth > MAX_DEPTH) throw invalid(path, `nested more than ${MAX_DEPTH} levels (a cycle?)`);
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    value = (value as { toJSON(): unknown }).toJSON();
  }
  switch (typeof value) {
    case 'string':
      return { stringValue: value };
    case 'boolean':
      return { boolValue: value };
    case 'number':
      if (!Number.isFinite(value)) throw invalid(path, `must be a finite number, got ${value}`);
      return { numberValue: value };
    case 'undefined':
      return { nullValue: 'NULL_VALUE' };
    case 'object':
      if (value === null) return { nullValue: 'NULL_VALUE' };
      if (Array.isArray(value)) {
        return {
          listValue: {
            values: value.map((v, i) =>
              v === undefined || typeof v === 'function' || typeof v === 'symbol'
                ? { nullValue: 'NULL_VALUE' as const }
                : toValue(v, `${path}[${i}]`, depth + 1),
            ),
          },
        };
      }
      return { structValue: toStructAt(value as Record<string, unknown>, path, depth + 1) };
    default:
      throw invalid(path, `a ${typeof value} is not a JSON value`);
  }
}

function toStructAt(obj: Record<string, unknown>, path: string, depth: number): ProtoStruct {
  const fields: Record<string, ProtoValue> = {};
  for (const [key, v] of Object.entries(obj)) {
    if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
    fields[key] = toValue(v, `${path}.${key}`, depth);
  }
  return { fields };
}

/** A plain object to google.protobuf.Struct (see toValue). */
export function toStruct(obj: JsonObject | Record<string, unknown>, path = 'attributes'): ProtoStruct {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
    throw invalid(path, 'must be an object');
  }
  return toStructAt(obj as Record<string, unknown>, path, 0);
}

/** google.protobuf.Value to a JSON value (an unset kind is null). */
export function fromValue(v: ProtoValue | null | undefined): JsonValue {
  if (v === null || v === undefined) return null;
  if (v.structValue !== undefined && v.structValue !== null) return fromStruct(v.structValue);
  if (v.listValue !== undefined && v.listValue !== null) return (v.listValue.values ?? []).map(fromValue);
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.numberValue !== undefined) return v.numberValue;
  if (v.boolValue !== undefined) return v.boolValue;
  return null;
}

/** google.protobuf.Struct to a plain object. */
export function fromStruct(s: ProtoStruct | null | undefined): JsonObject {
  const out: JsonObject = {};
  if (!s || !s.fields) return out;
  for (const [key, v] of Object.entries(s.fields)) out[key] = fromValue(v);
  return out;
}

/** A Date, an RFC 3339 string or epoch milliseconds to a Timestamp. */
export function toTimestamp(t: Date | string | number, path = 'time'): ProtoTimestamp {
  const ms = t instanceof Date ? t.getTime() : typeof t === 'number' ? t : Date.parse(t);
  if (typeof ms !== 'number' || !Number.isFinite(ms)) {
    throw invalid(path, `not a valid time: ${String(t)}`);
  }
  const seconds = Math.floor(ms / 1000);
  const nanos = Math.round((ms - seconds * 1000) * 1e6);
  return { seconds, nanos };
}

export function fromTimestamp(t: { seconds?: number | string; nanos?: number } | null | undefined): Date | undefined {
  if (!t) return undefined;
  return new Date(Number(t.seconds ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1e6));
}

// ---- generic decoding driven by the descriptors proto-loader keeps --------

interface FieldDescriptor {
  name: string;
  label: string;
  type: string;
  typeName: string;
}

function normalize(name: string): string {
  return name.replace(/_/g, '').toLowerCase();
}

/**
 * Turns a message decoded by proto-loader (longs as numbers, enums as
 * strings, defaults on) into the idiomatic shape of src/types.ts: Value and
 * Struct become JSON, Timestamps Dates, and unset sub-messages (null) and
 * unset optional fields are left out. Walks the message's descriptor, so
 * every nested message is handled the same way.
 */
export class MessageDecoder {
  private readonly fieldsByType = new Map<string, Map<string, FieldDescriptor>>();

  constructor(private readonly definition: PackageDefinition) {}

  decode<T>(typeName: string, message: unknown): T {
    return this.decodeMessage(typeName, message) as T;
  }

  private fields(typeName: string): Map<string, FieldDescriptor> | undefined {
    let fields = this.fieldsByType.get(typeName);
    if (fields) return fields;
    const def = this.definition[typeName] as { type?: { field?: FieldDescriptor[] } } | undefined;
    if (!def || !def.type || !Array.isArray(def.type.field)) return undefined;
    fields = new Map(def.type.field.map((f) => [normalize(f.name), f]));
    this.fieldsByType.set(typeName, fields);
    return fields;
  }

  private decodeMessage(typeName: string, message: unknown): unknown {
    if (message === null || typeof message !== 'object') return message;
    const fields = this.fields(typeName);
    if (!fields) return message;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(message as Record<string, unknown>)) {
      if (value === null || value === undefined) continue;
      const field = fields.get(normalize(key));
      if (!field || field.type !== 'TYPE_MESSAGE') {
        out[key] = value;
        continue;
      }
      const fieldType = this.resolve(typeName, field.typeName);
      if (field.label === 'LABEL_REPEATED' && Array.isArray(value)) {
        out[key] = value.map((v) => this.decodeField(fieldType, v));
      } else if (field.label === 'LABEL_REPEATED') {
        out[key] = value; // a map field: already a plain object
      } else {
        out[key] = this.decodeField(fieldType, value);
      }
    }
    return out;
  }

  /**
   * The full name of a field's type. proto-loader's descriptors name types
   * relative to the message's scope ("Assignment" inside cxlab.v1), so look
   * them up as protoc would: innermost scope first.
   */
  private resolve(scope: string, typeName: string): string {
    if (typeName.startsWith('.')) return typeName.slice(1);
    if (typeName.startsWith('google.protobuf.')) return typeName;
    const parts = scope.split('.');
    for (let i = parts.length; i >= 0; i--) {
      const candidate = [...parts.slice(0, i), typeName].join('.');
      if (this.definition[candidate]) return candidate;
    }
    return typeName;
  }

  private decodeField(typeName: string, value: unknown): unknown {
    switch (typeName) {
      case 'google.protobuf.Value':
        return fromValue(value as ProtoValue);
      case 'google.protobuf.Struct':
        return fromStruct(value as ProtoStruct);
      case 'google.protobuf.ListValue':
        return ((value as { values?: ProtoValue[] }).values ?? []).map(fromValue);
      case 'google.protobuf.Timestamp':
        return fromTimestamp(value as ProtoTimestamp);
      default:
        return this.decodeMessage(typeName, value);
    }
  }
}
