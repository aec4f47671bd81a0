// Shared helpers of the Node end-to-end tests in tests/web: start a real
// cxlabd on a temporary data dir with random ports and a random admin key,
// apply the repository's experiments/ with the cxlab CLI, and stop it again
// (SIGTERM, then SIGKILL) and remove the data dir, also when a test fails.
//
//   import { startDaemon } from './daemon.mjs';
//   let daemon;
//   before(async () => { daemon = await startDaemon(); });
//   after(async () => { await daemon?.stop(); });
//   // daemon.grpc '127.0.0.1:43195', daemon.http '127.0.0.1:36523',
//   // daemon.baseUrl 'http://127.0.0.1:36523', daemon.key (admin secret),
//   // await daemon.cxlab(['list', 'experiments'])
//
// Binaries: env CXLABD and CXLAB (ctest sets them to the built targets),
// else build/bin/cxlabd and build/bin/cxlab of this checkout.
//
// Only Node built-ins are imported here, so a missing node_modules is
// reported by importDependency() with a message instead of an import error.

import { spawn, execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** tests/web. */
export const HERE = dirname(fileURLToPath(import.meta.url));
/** The repository root (tests/web/../..). */
export const REPO = resolve(HERE, '..', '..');
/** The example definitions the daemon gets. */
export const EXPERIMENTS_DIR = join(REPO, 'experiments');

const STARTUP_TIMEOUT_MS = 20_000;
const STOP_GRACE_MS = 5_000;
const CLI_TIMEOUT_MS = 120_000;

/**
 * Imports an npm package of tests/web, failing with what to run when
 * tests/web/node_modules does not have it.
 */
export async function importDependency(name) {
  const manifest = join(HERE, 'node_modules', ...name.split('/'), 'package.json');
  if (!existsSync(manifest)) {
    throw new Error(
      `tests/web/node_modules has no ${name}: run scripts/install-node-deps ` +
        `(it runs \`npm ci\` in tests/web) before these tests`,
    );
  }
  return import(name);
}

/**
 * The Node client of clients/js (its built CommonJS entry point). Fails
 * with what to run when it is not built or its dependencies are missing.
 */
export function loadJsClient() {
  const dir = join(REPO, 'clients', 'js');
  let main = 'dist/src/index.js';
  try {
    main = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).main ?? main;
  } catch {
    // No package.json yet: the default entry point.
  }
  const entry = join(dir, main);
  if (!existsSync(entry)) {
    throw new Error(
      `the JS client is not built (${entry} is missing): run \`npm run build\` ` +
        `in clients/js (after scripts/install-node-deps)`,
    );
  }
  const require = createRequire(import.meta.url);
  try {
    return require(entry);
  } catch (err) {
    if (err && err.code === 'MODULE_NOT_FOUND') {
      throw new Error(
        `cannot load the JS client ${entry}: ${err.message}\n` +
          `run scripts/install-node-deps (npm ci in clients/js), then \`npm run build\` in clients/js`,
      );
    }
    throw err;
  }
}

/** The path of a binary from env `envName`, else build/bin/<name>. */
function binary(envName, name) {
  const fromEnv = process.env[envName];
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`${envName}=${fromEnv}: no such file`);
    return fromEnv;
  }
  const built = join(REPO, 'build', 'bin', name);
  if (existsSync(built)) return built;
  throw new Error(`set ${envName} to the ${name} binary (or build it: make build puts it in build/bin)`);
}

// Daemons not stopped yet (child process -> temp dir): killed and their
// temp dirs removed if the test process exits without stopping them (an
// uncaught error, a timeout of the test runner, process.exit).
const running = new Map();
process.on('exit', () => {
  for (const [child, tempDir] of running) {
    try {
      child.kill('SIGKILL');
    } catch {
      // Already gone.
    }
    rmSync(tempDir, { recursive: true, force: true });
  }
});
// Ctrl-C or a kill of the test process: exit, which runs the hook above.
for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]]) {
  process.once(signal, () => process.exit(code));
}

/** Runs `file args`, resolving with stdout; rejects with stderr on failure. */
export function run(file, args, { timeoutMs = CLI_TIMEOUT_MS, env } = {}) {
  return new Promise((resolvePromise, reject) => {
    execFile(
      file,
      args,
      { timeout: timeoutMs, maxBuffer: 64 << 20, env: env ?? process.env },
      (err, stdout, stderr) => {
        if (err) {
          const how = err.killed ? `killed after ${timeoutMs} ms` : `exit ${err.code}`;
          reject(new Error(`${file} ${args.join(' ')}: ${how}\n${stderr}${stdout.slice(-2000)}`));
        } else {
          resolvePromise(stdout);
        }
      },
    );
  });
}

/**
 * Starts cxlabd on a fresh temporary data dir with --grpc_port 0 and
 * --http_port 0 and a random admin key, waits for its two "listening on"
 * lines, and (unless `apply: false`) applies experiments/ with the CLI.
 * The returned object's stop() must be called (in an `after` hook); it is
 * idempotent and never throws.
 */
export async function startDaemon({ apply = true } = {}) {
  const cxlabd = binary('CXLABD', 'cxlabd');
  const cxlab = binary('CXLAB', 'cxlab');
  const tempDir = mkdtempSync(join(tmpdir(), 'cxlab-web-'));
  const key = randomBytes(16).toString('hex');

  const child = spawn(
    cxlabd,
    ['--data_dir', join(tempDir, 'db'), '--grpc_port', '0', '--http_port', '0'],
    { env: { ...process.env, CXLAB_ADMIN_KEY: key }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  running.set(child, tempDir);

  // Keep the last 8 KiB of stderr for error messages; drain both pipes so
  // the daemon never blocks on a full one.
  let stderrTail = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => {
    stderrTail = (stderrTail + chunk).slice(-8192);
  });
  const exited = new Promise((resolveExit) => {
    child.once('exit', (code, signal) => {
      resolveExit({ code, signal });
    });
  });
  let exitInfo = null;
  exited.then((info) => {
    exitInfo = info;
  });

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (exitInfo === null && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = new Promise((r) => setTimeout(r, STOP_GRACE_MS, 'timeout'));
      if ((await Promise.race([exited, timer])) === 'timeout') {
        child.kill('SIGKILL');
        await exited;
      }
    }
    rmSync(tempDir, { recursive: true, force: true });
    running.delete(child);
  };

  try {
    const { grpc, http } = await new Promise((resolveListen, reject) => {
      const found = {};
      const lines = createInterface({ input: child.stdout });
      const timer = setTimeout(
        () => reject(new Error(`cxlabd did not print its listening lines within ${STARTUP_TIMEOUT_MS} ms\n${stderrTail}`)),
        STARTUP_TIMEOUT_MS,
      );
      lines.on('line', (line) => {
        let m;
        if ((m = /^http listening on (\S+:\d+)\s*$/.exec(line))) found.http = m[1];
        else if ((m = /^listening on (\S+:\d+)\s*$/.exec(line))) found.grpc = m[1];
        if (found.grpc && found.http) {
          clearTimeout(timer);
          resolveListen(found);
        }
      });
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(new Error(`cannot start ${cxlabd}: ${err.message}`));
      });
      exited.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(new Error(`cxlabd exited (code ${code}, signal ${signal}) before listening\n${stderrTail}`));
      });
    });

    const daemon = {
      grpc,
      http,
      baseUrl: `http://${http}`,
      key,
      dataDir: join(tempDir, 'db'),
      tempDir,
      cxlabd,
      cxlabPath: cxlab,
      /** Runs the CLI against this daemon with the admin key. */
      cxlab: (args, options) => run(cxlab, ['--server', grpc, '--key', key, ...args], options),
      /** The daemon's stderr so far (last 8 KiB). */
      stderr: () => stderrTail,
      stop,
    };
    if (apply) await daemon.cxlab(['apply', '-f', EXPERIMENTS_DIR]);
    return daemon;
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * Calls `fn(item, index)` for every item with at most `limit` calls in
 * flight; resolves with the results in order.
 */
export async function mapLimit(items, limit, fn) {
  const results = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** GET/POST a JSON path of the daemon's HTTP API with its admin key. */
export async function httpJson(daemon, path, { method = 'GET', body } = {}) {
  const res = await fetch(daemon.baseUrl + path, {
    method,
    headers: {
      Authorization: `Bearer ${daemon.key}`,
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status}: ${text}`);
  return JSON.parse(text);
}
