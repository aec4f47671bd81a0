// CxlabClient against a real cxlabd (see helpers/daemon.ts): a fresh data
// dir with the repository's experiments/ applied.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { CxlabClient, CxlabError, FlushTrigger, JsonObject, TrackResult } from '../src';
import { Daemon, startDaemon } from './helpers/daemon';

const TRACK_PATH = '/cxlab.v1.EventService/Track';

/** Resolves with the first onFlush of a client created with `collectFlushes`. */
function collectFlushes() {
  const flushes: { result: TrackResult; trigger: FlushTrigger; at: number }[] = [];
  const waiters: (() => void)[] = [];
  return {
    flushes,
    onFlush(result: TrackResult, trigger: FlushTrigger) {
      flushes.push({ result, trigger, at: Date.now() });
      waiters.splice(0).forEach((w) => w());
    },
    async next(count: number, timeoutMs = 5000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (flushes.length < count) {
        if (Date.now() > deadline) throw new Error(`no flush within ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 50);
        });
      }
    },
  };
}

function assertCxlabError(code: string, message: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof CxlabError, `not a CxlabError: ${String(err)}`);
    assert.equal(err.code, code);
    assert.match(err.message, message);
    return true;
  };
}

const RETURNING_WITH_CART: JsonObject = { visits: 3, last_visit_days: 2, cart: { items: 2, value: 80 } };

test('bad client options are INVALID_ARGUMENT naming the option', () => {
  const invalid = (re: RegExp) => (err: unknown) => err instanceof CxlabError && err.code === 'INVALID_ARGUMENT' && re.test(err.message);
  assert.throws(() => new CxlabClient({ address: '', apiKey: 'k' }), invalid(/^address: /));
  assert.throws(() => new CxlabClient({ address: '127.0.0.1:1', apiKey: '' }), invalid(/^apiKey: /));
  assert.throws(() => new CxlabClient({ address: '127.0.0.1:1', apiKey: 'k', flushSize: -1 }), invalid(/^flushSize: /));
  assert.throws(() => new CxlabClient({ address: '127.0.0.1:1', apiKey: 'k', caFile: '/nonexistent/ca.pem' }), invalid(/^caFile: cannot read/));
});

describe('CxlabClient against cxlabd', { timeout: 60_000 }, () => {
  let daemon: Daemon;
  let client: CxlabClient;
  let sdkKey: string;
  const others: CxlabClient[] = [];
  const newClient = (opts: Partial<ConstructorParameters<typeof CxlabClient>[0]> = {}) => {
    const c = new CxlabClient({ address: daemon.address, apiKey: sdkKey, flushOnExit: false, ...opts });
    others.push(c);
    return c;
  };

  before(async () => {
    daemon = await startDaemon();
    sdkKey = await daemon.createKey('sdk');
    client = new CxlabClient({ address: daemon.address, apiKey: daemon.adminKey, deadlineMs: 5000 });
  });

  after(async () => {
    await Promise.allSettled([client?.close(), ...others.map((c) => c.close())]);
    await daemon?.stop();
  });

  test('assign is deterministic and matches `cxlab assign`', async () => {
    const sdk = newClient();
    for (const unit of ['visitor-1', 'visitor-2', 'visitor-42', 'qa-user-2']) {
      const a = await sdk.assign(unit, { attributes: RETURNING_WITH_CART });
      const b = await client.assign(unit, { attributes: RETURNING_WITH_CART, logExposure: false });
      assert.deepEqual(b.assignments, a.assignments, `${unit}: two calls differ`);
      assert.ok(a.assignments.length >= 7, 'every running or launched experiment is answered');

      const cli = await daemon.cli([
        '--output', 'json', 'assign', '--unit', unit, '--attributes', JSON.stringify(RETURNING_WITH_CART),
      ]);
      assert.equal(cli.code, 0, cli.stderr);
      const expected = JSON.parse(cli.stdout) as {
        assignments: { experimentKey: string; variantKey?: string; variantIndex?: number; reason: string; payload?: unknown; inExperiment?: boolean }[];
        configVersion: string;
      };
      assert.equal(a.configVersion, Number(expected.configVersion));
      assert.deepEqual(
        a.assignments.map((x) => [x.experimentKey, x.variantKey, x.variantIndex, x.reason, x.inExperiment, x.payload]),
        expected.assignments.map((x) => [
          x.experimentKey, x.variantKey ?? '', x.variantIndex ?? 0, x.reason, x.inExperiment ?? false, x.payload,
        ]),
        `${unit}: client and CLI differ`,
      );
    }
    // QA override of checkout_redesign (experiments/checkout.yaml: forced).
    const forced = (await sdk.assign('qa-user-2', { attributes: RETURNING_WITH_CART })).get('checkout_redesign');
    assert.equal(forced?.variantKey, 'one_page_chat');
    assert.equal(forced?.reason, 'REASON_FORCED');
    assert.deepEqual(forced?.payload, {
      layout: 'single_page', steps: 1, live_chat: true,
      chat: { team: 'checkout-help', open_after_seconds: 20, hours: '08:00-20:00' },
    });
  });

  test('listed experiments are answered in order; an unknown key has REASON_UNKNOWN_EXPERIMENT', async () => {
    const res = await client.assign('visitor-7', {
      attributes: { visits: 1 },
      experiments: ['no_such_experiment', 'aa_randomization_check', 'checkout_redesign'],
    });
    assert.deepEqual(res.assignments.map((a) => a.experimentKey), ['no_such_experiment', 'aa_randomization_check', 'checkout_redesign']);
    const unknown = res.get('no_such_experiment')!;
    assert.equal(unknown.reason, 'REASON_UNKNOWN_EXPERIMENT');
    assert.equal(unknown.variantIndex, -1);
    assert.equal(unknown.variantKey, '');
    assert.equal(unknown.inExperiment, false);
    assert.equal(unknown.payload, undefined);
    const aa = res.get('aa_randomization_check')!;
    assert.equal(aa.reason, 'REASON_ASSIGNED');
    assert.ok(['a', 'b'].includes(aa.variantKey));
    assert.deepEqual(aa.payload, { hero: 'default' });
    // visits: 1 is not a returning visitor: checkout_redesign targets them.
    assert.equal(res.get('checkout_redesign')!.reason, 'REASON_NOT_TARGETED');
  });

  test('bad input is a CxlabError INVALID_ARGUMENT naming the field', async () => {
    await assert.rejects(client.assign(''), assertCxlabError('INVALID_ARGUMENT', /^unit\.unit_id: must not be empty/));
    await assert.rejects(client.assign('x'.repeat(1025)), assertCxlabError('INVALID_ARGUMENT', /^unit\.unit_id: /));
    await assert.rejects(
      client.getContent('visitor-1', ['home.hero', 'home.heor']),
      assertCxlabError('INVALID_ARGUMENT', /^slots\[1\]: unknown slot 'home\.heor'/),
    );
    // Not JSON: refused before anything is sent.
    await assert.rejects(
      client.assign('visitor-1', { attributes: { age: Number.POSITIVE_INFINITY } }),
      assertCxlabError('INVALID_ARGUMENT', /^unit\.attributes\.age: must be a finite number/),
    );
  });

  test('the API key is sent as a bearer token; roles are enforced', async () => {
    const wrong = newClient({ apiKey: 'not-a-valid-key-0000000000' });
    await assert.rejects(wrong.assign('visitor-1'), assertCxlabError('UNAUTHENTICATED', /./));
    const sdk = newClient();
    await assert.rejects(sdk.getReport('checkout_redesign'), assertCxlabError('PERMISSION_DENIED', /role sdk/));
  });

  test('getContent returns each slot\'s content for the persona (experiments/slots.yaml)', async () => {
    const sdk = newClient();
    const runner = await sdk.getContent('visitor-run', ['home.hero', 'checkout.hint'], {
      attributes: { interests: ['running'], visits: 5 },
    });
    assert.deepEqual(runner.contents.map((c) => c.slot), ['home.hero', 'checkout.hint']);
    const hero = runner.get('home.hero')!;
    assert.equal(hero.ruleId, 'runners');
    assert.equal(hero.reason, 'rule');
    assert.equal(hero.isDefault, false);
    assert.deepEqual(hero.matchedSegments, ['runners']);
    assert.deepEqual(hero.content, {
      headline: 'Your next personal best starts here',
      image: '/img/hero/runner-dawn.jpg',
      cta: { text: 'Shop running', href: '/running' },
    });
    const hint = runner.get('checkout.hint')!;
    assert.equal(hint.isDefault, true);
    assert.equal(hint.reason, 'default');
    assert.deepEqual(hint.content, { text: 'Free returns within 30 days', icon: 'returns' });

    // A bargain hunter under the free-shipping threshold gets the nudge.
    const bargain = await sdk.getContent('visitor-bargain', ['checkout.hint'], {
      attributes: { coupon_uses_90d: 3, cart: { items: 1, value: 30 } },
    });
    assert.equal(bargain.contents[0].ruleId, 'free_shipping_nudge');
    assert.deepEqual(bargain.contents[0].content, {
      text: 'Add a little more to your cart for free shipping', icon: 'truck', href: '/free-shipping',
    });

    // No slots: every slot, by key; the recommendation block comes from the bandit's variant.
    const all = await sdk.getContent('visitor-all', [], { logExposure: false });
    assert.deepEqual(all.contents.map((c) => c.slot), ['checkout.hint', 'home.hero', 'home.recommendations']);
    const rec = all.get('home.recommendations')!;
    assert.equal(rec.experimentKey, 'recommendation_block_bandit');
    assert.ok(['bestsellers', 'new_arrivals', 'personal_picks'].includes(rec.variantKey));
    assert.ok(rec.content !== null && typeof rec.content === 'object');
  });

  test('track flushes by itself when flushSize events are buffered', async () => {
    const f = collectFlushes();
    const sdk = newClient({ flushSize: 3, flushIntervalMs: 60_000, onFlush: f.onFlush });
    const ids = [1, 2, 3].map((i) => sdk.track({ name: 'add_to_cart', unitId: `size-${i}`, value: i }));
    assert.equal(new Set(ids).size, 3);
    ids.forEach((id) => assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/));
    await f.next(1);
    assert.equal(f.flushes[0].trigger, 'size');
    assert.deepEqual(f.flushes[0].result, { accepted: 3, duplicates: 0, rejected: [], calls: 1 });
    assert.equal(sdk.pending, 0);
  });

  test('track flushes every flushIntervalMs', async () => {
    const f = collectFlushes();
    const sdk = newClient({ flushSize: 1000, flushIntervalMs: 250, onFlush: f.onFlush });
    const start = Date.now();
    sdk.track({ name: 'add_to_cart', unitId: 'interval-1' });
    sdk.track({ name: 'purchase', unitId: 'interval-1', value: 25.5, properties: { sku: 'shoe-1' }, time: new Date() });
    assert.equal(sdk.pending, 2);
    await f.next(1);
    assert.equal(f.flushes[0].trigger, 'interval');
    assert.ok(f.flushes[0].at - start >= 200, `flushed after ${f.flushes[0].at - start} ms`);
    assert.deepEqual(f.flushes[0].result, { accepted: 2, duplicates: 0, rejected: [], calls: 1 });
  });

  test('close() flushes the buffer; the server stored the events (re-sending them counts duplicates)', async () => {
    const sdk = new CxlabClient({ address: daemon.address, apiKey: sdkKey, flushSize: 1000, flushIntervalMs: 60_000 });
    const ids = [1, 2, 3, 4].map((i) => sdk.track({ name: 'purchase', unitId: `close-${i}`, value: 10 * i }));
    assert.equal(sdk.pending, 4);
    const closed = await sdk.close();
    assert.deepEqual(closed, { accepted: 4, duplicates: 0, rejected: [], calls: 1 });
    assert.equal(sdk.pending, 0);
    assert.throws(() => sdk.track({ name: 'purchase', unitId: 'late' }), assertCxlabError('FAILED_PRECONDITION', /closed/));
    await assert.rejects(sdk.assign('late'), assertCxlabError('FAILED_PRECONDITION', /closed/));
    assert.equal(await sdk.close(), closed, 'close() is idempotent');

    const again = newClient();
    ids.forEach((eventId, i) => again.track({ eventId, name: 'purchase', unitId: `close-${i + 1}`, value: 10 * (i + 1) }));
    assert.deepEqual(await again.flush(), { accepted: 0, duplicates: 4, rejected: [], calls: 1 });
  });

  test('a retry after a lost response reuses the event ids: the server counts duplicates', async () => {
    const sentIds: string[][] = [];
    let failures = 1;
    // Lets the first Track call reach the server, then turns its answer into
    // UNAVAILABLE, as a connection lost after the server stored the batch.
    const loseFirstResponse: grpc.Interceptor = (options, nextCall) => {
      if (options.method_definition.path !== TRACK_PATH) return new grpc.InterceptingCall(nextCall(options));
      const fail = failures-- > 0;
      return new grpc.InterceptingCall(nextCall(options), {
        sendMessage(message: { events: { eventId: string }[] }, next) {
          sentIds.push(message.events.map((e) => e.eventId));
          next(message);
        },
        start(metadata, _listener, next) {
          next(metadata, {
            // (grpc-js holds the status back until the message is passed on;
            // a non-OK status fails the call whatever the message.)
            onReceiveStatus(status, nextStatus) {
              nextStatus(fail ? { ...status, code: grpc.status.UNAVAILABLE, details: 'injected: response lost' } : status);
            },
          });
        },
      });
    };
    const sdk = newClient({ flushSize: 1000, interceptors: [loseFirstResponse], retryBaseDelayMs: 20 });
    const ids = [1, 2, 3].map((i) => sdk.track({ name: 'add_to_cart', unitId: `retry-${i}` }));
    const result = await sdk.flush();
    assert.equal(sentIds.length, 2, 'one retry');
    assert.deepEqual(sentIds[0], ids);
    assert.deepEqual(sentIds[1], ids, 'the retry carries the same event ids');
    assert.deepEqual(result, { accepted: 0, duplicates: 3, rejected: [], calls: 2 });
  });

  test('a batch that stays UNAVAILABLE is retried maxRetries times, then reported lost', async () => {
    // A port with nothing behind it: every attempt is UNAVAILABLE.
    const lost: string[] = [];
    let attempts = 0;
    const count: grpc.Interceptor = (options, nextCall) => {
      if (options.method_definition.path === TRACK_PATH) attempts++;
      return new grpc.InterceptingCall(nextCall(options));
    };
    const dead = newClient({
      address: '127.0.0.1:1', maxRetries: 2, retryBaseDelayMs: 10, deadlineMs: 2000, flushSize: 1,
      interceptors: [count],
      onError: (err, events) => {
        assert.equal(err.code, 'UNAVAILABLE');
        lost.push(...events.map((e) => e.eventId));
      },
    });
    const id = dead.track({ name: 'add_to_cart', unitId: 'dead-1' });
    const deadline = Date.now() + 10_000;
    while (lost.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(lost, [id]);
    assert.equal(attempts, 3);
    assert.equal(dead.pending, 0);
  });

  test('events the server rejects are reported with their ids and the rule', async () => {
    const sdk = newClient({ flushSize: 1000 });
    const good = sdk.track({ name: 'purchase', unitId: 'reject-1', value: 5 });
    const bad = sdk.track({ name: '', unitId: 'reject-1' });
    const result = await sdk.flush();
    assert.equal(result.accepted, 1);
    assert.equal(result.rejected.length, 1);
    assert.equal(result.rejected[0].eventId, bad);
    assert.notEqual(bad, good);
    assert.match(result.rejected[0].message, /^events\[1\]\.name: must not be empty/);
  });

  test('buffered events are flushed when the process exits (beforeExit)', async () => {
    const ids = ['exit-a', 'exit-b', 'exit-c'].map((s) => `${s}-${Date.now()}`);
    const script = `
      const { CxlabClient } = require(${JSON.stringify(path.resolve(__dirname, '..', 'src'))});
      const c = new CxlabClient({
        address: ${JSON.stringify(daemon.address)}, apiKey: ${JSON.stringify(sdkKey)},
        flushSize: 1000, flushIntervalMs: 60000,
        onFlush: (r, t) => console.log(JSON.stringify({ trigger: t, ...r })),
      });
      for (const id of ${JSON.stringify(ids)}) c.track({ eventId: id, name: 'add_to_cart', unitId: 'exit-unit' });
      // no flush(), no close(): the beforeExit hook sends them
    `;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    clearTimeout(timer);
    assert.equal(code, 0, `child exited ${code}: ${stderr}`);
    assert.deepEqual(JSON.parse(stdout.trim()), { trigger: 'exit', accepted: 3, duplicates: 0, rejected: [], calls: 1 });

    const again = newClient();
    ids.forEach((eventId) => again.track({ eventId, name: 'add_to_cart', unitId: 'exit-unit' }));
    assert.deepEqual(await again.flush(), { accepted: 0, duplicates: 3, rejected: [], calls: 1 });
  });
});

describe('getReport after tracking (its own cxlabd)', { timeout: 60_000 }, () => {
  let daemon: Daemon;
  let client: CxlabClient;

  before(async () => {
    daemon = await startDaemon();
    client = new CxlabClient({ address: daemon.address, apiKey: daemon.adminKey, flushOnExit: false });
  });

  after(async () => {
    await client?.close().catch(() => undefined);
    await daemon?.stop();
  });

  test('the report counts the exposed units and their purchases per variant', async () => {
    const N = 40;
    const variantOf = new Map<string, string>();
    for (let i = 0; i < N; i++) {
      const unit = `report-${i}`;
      const res = await client.assign(unit, { experiments: ['aa_randomization_check'] });
      const a = res.get('aa_randomization_check')!;
      assert.equal(a.reason, 'REASON_ASSIGNED');
      variantOf.set(unit, a.variantKey);
    }
    // Every third unit buys, for 30 (revenue reads the `amount` property).
    const buyers = [...variantOf.keys()].filter((_, i) => i % 3 === 0);
    for (const unit of buyers) client.track({ name: 'purchase', unitId: unit, value: 30, properties: { amount: 30 } });
    const flushed = await client.flush();
    assert.equal(flushed.accepted, buyers.length);

    // Exposures from Assign are written by the server's background flusher.
    let report = await client.getReport('aa_randomization_check');
    for (let i = 0; i < 50 && report.units.reduce((s, n) => s + n, 0) < N; i++) {
      await new Promise((r) => setTimeout(r, 100));
      report = await client.getReport('aa_randomization_check');
    }
    assert.equal(report.experimentKey, 'aa_randomization_check');
    assert.equal(report.status, 'running');
    assert.equal(report.method, 'METHOD_FREQUENTIST');
    assert.equal(report.alpha, 0.05);
    assert.ok(report.computedAt instanceof Date);
    assert.deepEqual(report.variantKeys, ['a', 'b']);
    const units = report.variantKeys.map((v) => [...variantOf.values()].filter((x) => x === v).length);
    assert.deepEqual(report.units, units);
    assert.deepEqual(report.srm?.units, units);
    assert.deepEqual(report.srm?.weights, [0.5, 0.5]);
    assert.equal(typeof report.srm?.pValue, 'number');

    const conversion = report.metrics.find((m) => m.metricKey === 'conversion')!;
    assert.ok(conversion.primary);
    assert.equal(conversion.type, 'binomial');
    const revenue = report.metrics.find((m) => m.metricKey === 'revenue')!;
    report.variantKeys.forEach((v, i) => {
      const inVariant = [...variantOf.entries()].filter(([, x]) => x === v).map(([u]) => u);
      const bought = inVariant.filter((u) => buyers.includes(u)).length;
      const conv = conversion.variants[i];
      assert.equal(conv.variantKey, v);
      assert.equal(conv.units, inVariant.length);
      assert.ok(Math.abs(conv.value! - bought / inVariant.length) < 1e-12, `${v}: conversion ${conv.value}`);
      assert.ok(Math.abs(revenue.variants[i].value! - (30 * bought) / inVariant.length) < 1e-9, `${v}: revenue`);
    });
    // Control has no effect versus itself; the treatment does.
    assert.equal(conversion.variants[0].absolute, undefined);
    assert.equal(conversion.variants[0].verdict, 'VERDICT_UNSPECIFIED');
    assert.ok(conversion.variants[1].absolute !== undefined);

    const bayes = await client.getReport('aa_randomization_check', { method: 'bayesian', correction: 'holm', alpha: 0.1 });
    assert.equal(bayes.method, 'METHOD_BAYESIAN');
    assert.equal(bayes.alpha, 0.1);
    assert.equal(typeof bayes.metrics[0].variants[1].relative?.chanceToWin, 'number');

    await assert.rejects(client.getReport('no_such_experiment'), assertCxlabError('NOT_FOUND', /no_such_experiment/));
  });
});
