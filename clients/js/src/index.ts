// @cxlab/client: the Node/TypeScript client of cxlabd.
export { CxlabClient } from './client';
export type { ClientOptions } from './client';
export { CxlabError, RETRYABLE_CODES, statusName, toCxlabError } from './errors';
export type { StatusName } from './errors';
export { BUFFER_DEFAULTS } from './buffer';
export type { BufferOptions, FlushTrigger } from './buffer';
export { fromStruct, fromValue, toStruct, toValue } from './convert';
export { findProtoDir, LOADER_OPTIONS, PROTO_FILES } from './proto';
export * from './types';
