// Loads the cxlab.v1 protos at run time with @grpc/proto-loader. `npm run
// build` copies the repository's api/proto into dist/proto, so the built
// package is self-contained; in a source checkout the repository's own
// api/proto is found as a fallback.

import * as fs from 'fs';
import * as path from 'path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { CxlabError } from './errors';

/** The proto files the client uses, relative to the proto directory. */
export const PROTO_FILES = [
  'cxlab/v1/assignment.proto',
  'cxlab/v1/personalization.proto',
  'cxlab/v1/events.proto',
  'cxlab/v1/reports.proto',
];

/**
 * Idiomatic JavaScript from proto-loader: camelCase fields (the proto3 JSON
 * names), int64 as numbers (counts and versions stay far below 2^53), enums
 * as their names, unset scalars and repeated fields as their defaults. Oneofs
 * are not named (no virtual "kind"/"_lower" members); unset proto3
 * `optional` fields are absent.
 */
export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  arrays: true,
  objects: true,
  oneofs: false,
};

function candidates(): string[] {
  const list: string[] = [];
  if (process.env.CXLAB_PROTO_DIR) list.push(process.env.CXLAB_PROTO_DIR);
  // dist/src/proto.js -> dist/proto (copied by the build).
  list.push(path.resolve(__dirname, '..', 'proto'));
  // dist/src/proto.js -> <repo>/api/proto (clients/js/dist/src).
  list.push(path.resolve(__dirname, '..', '..', '..', '..', 'api', 'proto'));
  return list;
}

/** The directory holding cxlab/v1/*.proto. */
export function findProtoDir(explicit?: string): string {
  const dirs = explicit ? [explicit] : candidates();
  for (const dir of dirs) {
    if (fs.existsSync(path.join(dir, PROTO_FILES[0]))) return dir;
  }
  throw new CxlabError(
    'FAILED_PRECONDITION',
    `cannot find ${PROTO_FILES[0]} under ${dirs.join(', ')}; run \`npm run build\` (it copies api/proto into dist/proto) or pass protoDir`,
  );
}

export interface LoadedProtos {
  definition: protoLoader.PackageDefinition;
  services: {
    AssignmentService: grpc.ServiceClientConstructor;
    PersonalizationService: grpc.ServiceClientConstructor;
    EventService: grpc.ServiceClientConstructor;
    ReportService: grpc.ServiceClientConstructor;
  };
}

const cache = new Map<string, LoadedProtos>();

/** Loads (once per directory) the protos and the service constructors. */
export function loadProtos(protoDir?: string): LoadedProtos {
  const dir = findProtoDir(protoDir);
  const cached = cache.get(dir);
  if (cached) return cached;
  const definition = protoLoader.loadSync(PROTO_FILES, { ...LOADER_OPTIONS, includeDirs: [dir] });
  const root = grpc.loadPackageDefinition(definition) as unknown as {
    cxlab: { v1: Record<string, grpc.ServiceClientConstructor> };
  };
  const v1 = root.cxlab.v1;
  const loaded: LoadedProtos = {
    definition,
    services: {
      AssignmentService: v1.AssignmentService,
      PersonalizationService: v1.PersonalizationService,
      EventService: v1.EventService,
      ReportService: v1.ReportService,
    },
  };
  cache.set(dir, loaded);
  return loaded;
}
