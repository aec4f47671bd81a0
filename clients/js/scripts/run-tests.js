#!/usr/bin/env node
// Builds the package (`npm run build`) and runs its tests with `node --test`
// on the compiled files in dist/test. This is `npm test` and ctest's
// js_client_test. The integration tests start the cxlabd and cxlab binaries
// named by $CXLABD and $CXLAB (else ../../build/bin/).
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const pkg = path.resolve(__dirname, '..');
const here = 'clients/js';

function fail(message) {
  console.error(`${here}: ${message}`);
  process.exit(1);
}

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 18) fail(`node >= 18 is needed, this is ${process.version}`);

for (const dep of ['@grpc/grpc-js', '@grpc/proto-loader', 'typescript', '@types/node']) {
  if (!fs.existsSync(path.join(pkg, 'node_modules', dep, 'package.json'))) {
    fail(
      `node_modules is missing or incomplete (no ${dep}): run scripts/install-node-deps ` +
        `from the repository root (npm ci in ${here})`,
    );
  }
}

function run(cmd, args) {
  const res = spawnSync(cmd, args, { cwd: pkg, stdio: 'inherit' });
  if (res.error) return res.error;
  if (res.status !== 0) process.exit(res.status === null ? 1 : res.status);
  return null;
}

// The build: `npm run build`; without npm on the PATH, its two steps.
const err = run(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', '--silent', 'build']);
if (err) {
  if (err.code !== 'ENOENT') fail(`npm run build: ${err.message}`);
  console.log(`${here}: npm not found; building with node directly`);
  run(process.execPath, [path.join(pkg, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json']);
  run(process.execPath, [path.join(pkg, 'scripts', 'copy-protos.js')]);
}

const testDir = path.join(pkg, 'dist', 'test');
const files = fs
  .readdirSync(testDir)
  .filter((f) => f.endsWith('.test.js'))
  .sort()
  .map((f) => path.join('dist', 'test', f));
if (files.length === 0) fail('no test files in dist/test');

const args = ['--test'];
// The spec reporter reads better in ctest's log (node >= 18.15).
if (major > 18 || minor >= 15) args.push('--test-reporter=spec');
const spawnErr = run(process.execPath, [...args, ...files]);
if (spawnErr) fail(`node --test: ${spawnErr.message}`);
