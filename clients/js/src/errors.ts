import { status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';

/** The gRPC status codes by name, as `CxlabError.code` carries them. */
export type StatusName =
  | 'OK'
  | 'CANCELLED'
  | 'UNKNOWN'
  | 'INVALID_ARGUMENT'
  | 'DEADLINE_EXCEEDED'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'PERMISSION_DENIED'
  | 'RESOURCE_EXHAUSTED'
  | 'FAILED_PRECONDITION'
  | 'ABORTED'
  | 'OUT_OF_RANGE'
  | 'UNIMPLEMENTED'
  | 'INTERNAL'
  | 'UNAVAILABLE'
  | 'DATA_LOSS'
  | 'UNAUTHENTICATED';

/**
 * An error of a cxlab call. `code` is the gRPC status name
 * (`INVALID_ARGUMENT`, `UNAVAILABLE`, ...); `message` is the server's message,
 * which names the field and the rule (`unit.unit_id: must not be empty`).
 */
export class CxlabError extends Error {
  override readonly name = 'CxlabError';
  /** The gRPC status name. */
  readonly code: StatusName;
  /** The numeric gRPC status code. */
  readonly grpcCode: number;

  constructor(code: StatusName, message: string, options?: { cause?: unknown }) {
    super(message);
    this.code = code;
    this.grpcCode = (GrpcStatus as unknown as Record<string, number>)[code] ?? GrpcStatus.UNKNOWN;
    if (options?.cause !== undefined) {
      // Error.cause (ES2022), set by hand so that the lib target stays modest.
      Object.defineProperty(this, 'cause', { value: options.cause, enumerable: false, writable: true });
    }
  }

  override toString(): string {
    return `CxlabError: ${this.code}: ${this.message}`;
  }
}

/** The name of a numeric gRPC status code ("UNKNOWN" for an unknown one). */
export function statusName(code: number): StatusName {
  const name = (GrpcStatus as unknown as Record<number, string>)[code];
  return (typeof name === 'string' ? name : 'UNKNOWN') as StatusName;
}

function isServiceError(err: unknown): err is ServiceError {
  return (
    typeof err === 'object' &&
    err !== null &&
    typeof (err as { code?: unknown }).code === 'number' &&
    'details' in err
  );
}

/**
 * Converts whatever a gRPC call failed with into a CxlabError carrying the
 * status name and the server's own message (grpc-js prefixes messages with
 * "3 INVALID_ARGUMENT: "; `details` is the bare one).
 */
export function toCxlabError(err: unknown): CxlabError {
  if (err instanceof CxlabError) return err;
  if (isServiceError(err)) {
    const message = err.details || err.message || statusName(err.code);
    return new CxlabError(statusName(err.code), message, { cause: err });
  }
  if (err instanceof Error) return new CxlabError('UNKNOWN', err.message, { cause: err });
  return new CxlabError('UNKNOWN', String(err));
}

/** Codes after which the same request may succeed when sent again. */
export const RETRYABLE_CODES: ReadonlySet<StatusName> = new Set<StatusName>([
  'UNAVAILABLE',
  'DEADLINE_EXCEEDED',
  'RESOURCE_EXHAUSTED',
]);
