// Starts a real cxlabd for the tests: a fresh data dir in a temp dir, a
// random admin key, port 0; waits for "listening on ADDR:PORT" and applies
// the repository's experiments/ with the cxlab CLI. stop() kills the daemon
// and removes the temp dir.
//
// Binaries: $CXLABD and $CXLAB (ctest sets both to the built targets), else
// <repo>/build/bin/{cxlabd,cxlab}.

import { ChildProcess, execFile, spawn } from 'child_process';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

// dist/test/helpers/daemon.js -> clients/js -> repo
export const PACKAGE_DIR = path.resolve(__dirname, '..', '..', '..');
export const REPO_DIR = path.resolve(PACKAGE_DIR, '..', '..');

function binary(env: string, name: string): string {
  const fromEnv = process.env[env];
  if (fromEnv) {
    if (!fs.existsSync(fromEnv)) throw new Error(`${env}=${fromEnv} does not exist`);
    return fromEnv;
  }
  const built = path.join(REPO_DIR, 'build', 'bin', name);
  if (fs.existsSync(built)) return built;
  throw new Error(
    `set ${env} to the ${name} binary (ctest sets it; e.g. ${env}=/path/to/build/bin/${name} npm test)`,
  );
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Daemon {
  address: string;
  adminKey: string;
  dir: string;
  /** Runs `cxlab --server ADDR --key KEY ARGS...`. */
  cli(args: string[], key?: string): Promise<CliResult>;
  /** Creates an API key with a role; returns its secret. */
  createKey(role: 'sdk' | 'reader' | 'editor' | 'admin'): Promise<string>;
  stop(): Promise<void>;
}

const STARTUP_TIMEOUT_MS = 20_000;

export async function startDaemon(options: { apply?: boolean } = {}): Promise<Daemon> {
  const cxlabd = binary('CXLABD', 'cxlabd');
  const cxlab = binary('CXLAB', 'cxlab');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cxlab-js-'));
  const adminKey = randomBytes(16).toString('hex');
  const logPath = path.join(dir, 'cxlabd.log');
  const log = fs.openSync(logPath, 'w');
  const child: ChildProcess = spawn(cxlabd, ['--data_dir', path.join(dir, 'db'), '--grpc_port', '0', '--http_port', '-1'], {
    env: { ...process.env, CXLAB_ADMIN_KEY: adminKey },
    stdio: ['ignore', 'pipe', log],
  });
  fs.closeSync(log);

  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => { exited = true; resolve(); }));
  // If the test process dies without stop(), take the daemon and its files along.
  const onExit = () => {
    if (!exited) child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', onExit);
  // node --test stops a test file that overruns with a signal: clean up too.
  const onSignal = (signal: NodeJS.Signals) => {
    onExit();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);

  const stop = async (): Promise<void> => {
    process.removeListener('exit', onExit);
    process.removeListener('SIGTERM', onSignal);
    process.removeListener('SIGINT', onSignal);
    if (!exited) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exit;
      clearTimeout(timer);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };

  let address: string;
  try {
    address = await new Promise<string>((resolve, reject) => {
      let out = '';
      const fail = (why: string) => {
        const stderr = fs.existsSync(logPath) ? fs.readFileSync(logPath, 'utf8') : '';
        reject(new Error(`cxlabd (${cxlabd}) ${why}\nstdout: ${out}\nstderr: ${stderr}`));
      };
      const timer = setTimeout(() => fail(`did not print "listening on" within ${STARTUP_TIMEOUT_MS} ms`), STARTUP_TIMEOUT_MS);
      child.once('error', (err) => { clearTimeout(timer); fail(`failed to start: ${err.message}`); });
      child.once('exit', (code, signal) => { clearTimeout(timer); fail(`exited (${code ?? signal}) before listening`); });
      child.stdout!.setEncoding('utf8');
      child.stdout!.on('data', (chunk: string) => {
        out += chunk;
        const m = /^listening on (\S+:\d+)\s*$/m.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
    });
  } catch (err) {
    await stop();
    throw err;
  }
  // Keep draining stdout so the daemon never blocks on a full pipe.
  child.stdout!.resume();

  const cli = (args: string[], key = adminKey): Promise<CliResult> =>
    new Promise((resolve) => {
      execFile(cxlab, ['--server', address, '--key', key, ...args], { maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      });
    });

  const daemon: Daemon = {
    address,
    adminKey,
    dir,
    cli,
    async createKey(role) {
      const res = await cli(['--output', 'json', 'keys', 'create', '--role', role, '--name', `js-test-${role}`]);
      if (res.code !== 0) throw new Error(`cxlab keys create failed: ${res.stderr}`);
      return (JSON.parse(res.stdout) as { secret: string }).secret;
    },
    stop,
  };

  if (options.apply ?? true) {
    const res = await cli(['apply', '-f', path.join(REPO_DIR, 'experiments')]);
    if (res.code !== 0) {
      await stop();
      throw new Error(`cxlab apply -f experiments failed (${res.code}): ${res.stdout}${res.stderr}`);
    }
  }
  return daemon;
}
