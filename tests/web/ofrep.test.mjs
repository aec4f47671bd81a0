// OpenFeature over OFREP against a real cxlabd: the published OFREP provider
// (@openfeature/ofrep-provider) with the OpenFeature server SDK evaluates
// every experiment of experiments/ as a flag for 1,000 units, and each
// answer must match what gRPC Assign (the clients/js client) says for the
// same unit and attributes: the same variant, the variant's payload (or its
// key) as the value, reason SPLIT / TARGETING_MATCH for units in the
// experiment and DEFAULT / DISABLED with the control for units outside it.
// Then the errors: FLAG_NOT_FOUND, TARGETING_KEY_MISSING and a bad key.
//
//   CXLABD=build/bin/cxlabd CXLAB=build/bin/cxlab node --test tests/web/ofrep.test.mjs

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { httpJson, importDependency, loadJsClient, mapLimit, startDaemon } from './daemon.mjs';

const { OpenFeature } = await importDependency('@openfeature/server-sdk');
const { OFREPProvider } = await importDependency('@openfeature/ofrep-provider');
const { CxlabClient } = loadJsClient();

const UNITS = 1000;
const CONCURRENT_UNITS = 32;

// Attributes of unit i, built to cover the targeting of experiments/: the
// returning-visitor segment and full cart of checkout_redesign, the families
// and runners of homepage_hero_banner and bundle_discount, the mobile
// shoppers of the launched express_checkout_button, the VIP group excluded
// from free_shipping_threshold. Moduli are coprime so the combinations mix.
function attributesOf(i) {
  return {
    device: { type: ['mobile', 'desktop', 'tablet'][i % 3] },
    visits: i % 5,
    last_visit_days: (i * 7) % 120,
    cart: { items: i % 4, value: (i % 4) * 24.5 },
    household: { children: i % 7 < 2 ? 1 + (i % 2) : 0 },
    interests: i % 11 < 4 ? ['running', 'cycling'] : ['yoga'],
    age: 18 + (i % 50),
    customer_id: i % 97 === 0 ? 'cust-100021' : `cust-${300000 + i}`,
  };
}

// The flag value cxlab answers for a variant: its payload, else its key.
function valueOf(variant) {
  return variant.payload === undefined || variant.payload === null ? variant.key : variant.payload;
}

let daemon;
let grpcClient;
let experiments; // key -> {key, status, variants: [{key, payload}]}
let client; // the OpenFeature client

before(async () => {
  daemon = await startDaemon();
  const listed = await httpJson(daemon, '/v1/experiments');
  experiments = new Map(listed.experiments.map((e) => [e.key, e]));
  assert.ok(experiments.has('checkout_redesign'), 'experiments/ applied');

  grpcClient = new CxlabClient({ address: daemon.grpc, apiKey: daemon.key, flushOnExit: false });
  await OpenFeature.setProviderAndWait(
    new OFREPProvider({
      baseUrl: daemon.baseUrl,
      headers: [['Authorization', `Bearer ${daemon.key}`]],
    }),
  );
  client = OpenFeature.getClient();
});

after(async () => {
  await Promise.allSettled([grpcClient?.close(), OpenFeature.close()]);
  await daemon?.stop();
});

// One flag evaluation with the SDK call that fits the expected value.
function evaluate(flagKey, expectedValue, context) {
  return typeof expectedValue === 'string'
    ? client.getStringDetails(flagKey, '', context)
    : client.getObjectDetails(flagKey, {}, context);
}

test('OFREP evaluations match gRPC Assign for 1,000 units', async () => {
  const flagKeys = [...experiments.keys()];
  const mismatches = [];
  const tally = {}; // flag -> reason -> count
  const note = (flagKey, reason) => {
    tally[flagKey] ??= {};
    tally[flagKey][reason] = (tally[flagKey][reason] ?? 0) + 1;
  };
  const started = Date.now();

  // gRPC first, for every unit: it records the exposures, so the sticky
  // assignments of the bandit experiment are stored (the exposure flusher
  // runs every 20 ms) before OFREP asks, and both see the same variant even
  // when the bandit re-weights in between.
  const units = Array.from({ length: UNITS }, (_, i) => i);
  const assignments = await mapLimit(units, CONCURRENT_UNITS, (i) =>
    grpcClient.assign(`unit-${i}`, { attributes: attributesOf(i), experiments: flagKeys }),
  );
  const grpcMs = Date.now() - started;
  await new Promise((r) => setTimeout(r, 300));

  await mapLimit(units, CONCURRENT_UNITS, async (i) => {
    const unitId = `unit-${i}`;
    const attributes = attributesOf(i);
    const assigned = assignments[i];
    await Promise.all(
      flagKeys.map(async (flagKey) => {
        const experiment = experiments.get(flagKey);
        const a = assigned.get(flagKey);
        if (!a) {
          mismatches.push(`${unitId} ${flagKey}: gRPC answered no assignment`);
          return;
        }
        const control = experiment.variants[0];
        const expectedVariant = a.inExperiment
          ? experiment.variants.find((v) => v.key === a.variantKey)
          : control;
        if (!expectedVariant) {
          mismatches.push(`${unitId} ${flagKey}: gRPC variant '${a.variantKey}' is not in the definition`);
          return;
        }
        const expectedValue = valueOf(expectedVariant);
        const d = await evaluate(flagKey, expectedValue, { targetingKey: unitId, ...attributes });
        note(flagKey, d.reason);
        const problems = [];
        if (d.errorCode) problems.push(`error ${d.errorCode}: ${d.errorMessage}`);
        if (d.variant !== expectedVariant.key) problems.push(`variant ${d.variant} != ${expectedVariant.key}`);
        try {
          assert.deepStrictEqual(d.value, expectedValue);
        } catch {
          problems.push(`value ${JSON.stringify(d.value)} != ${JSON.stringify(expectedValue)}`);
        }
        let expectedReasons;
        if (!a.inExperiment) {
          if (a.variantKey !== '') problems.push(`gRPC variantKey '${a.variantKey}' outside the experiment`);
          expectedReasons =
            a.reason === 'REASON_NOT_RUNNING' || a.reason === 'REASON_OUTSIDE_SCHEDULE' ? ['DISABLED'] : ['DEFAULT'];
        } else if (a.reason === 'REASON_ASSIGNED') {
          expectedReasons = ['SPLIT'];
        } else {
          expectedReasons = ['TARGETING_MATCH']; // forced, launched
        }
        if (!expectedReasons.includes(d.reason)) {
          problems.push(`reason ${d.reason}, expected ${expectedReasons.join('|')} (gRPC ${a.reason})`);
        }
        const meta = d.flagMetadata ?? {};
        if (meta.inExperiment !== a.inExperiment) {
          problems.push(`metadata.inExperiment ${meta.inExperiment} != gRPC ${a.inExperiment}`);
        }
        if (meta.cxlabReason !== a.reason.replace(/^REASON_/, '')) {
          problems.push(`metadata.cxlabReason ${meta.cxlabReason} != gRPC ${a.reason}`);
        }
        if (problems.length) mismatches.push(`${unitId} ${flagKey}: ${problems.join('; ')}`);
      }),
    );
  });

  const ms = Date.now() - started;
  console.log(`${UNITS} units x ${flagKeys.length} flags in ${ms} ms (gRPC ${grpcMs} ms); reasons per flag: ${JSON.stringify(tally)}`);
  assert.deepEqual(mismatches.slice(0, 20), [], `${mismatches.length} of ${UNITS * flagKeys.length} evaluations differ`);

  // The units exercise every path: the running experiments split units and
  // leave some out, the launched one matches, the draft is disabled.
  for (const [key, e] of experiments) {
    const t = tally[key] ?? {};
    if (e.status === 'EXPERIMENT_STATUS_RUNNING') {
      assert.ok((t.SPLIT ?? 0) > 0, `${key}: some units SPLIT (${JSON.stringify(t)})`);
    } else if (e.status === 'EXPERIMENT_STATUS_LAUNCHED') {
      assert.ok((t.TARGETING_MATCH ?? 0) > 0, `${key}: some units TARGETING_MATCH (${JSON.stringify(t)})`);
    } else {
      assert.equal(t.DISABLED, UNITS, `${key} (${e.status}): every unit DISABLED (${JSON.stringify(t)})`);
    }
  }
  for (const key of ['checkout_redesign', 'homepage_hero_banner', 'bundle_discount', 'express_checkout_button']) {
    assert.ok((tally[key]?.DEFAULT ?? 0) > 0, `${key}: some units not targeted, DEFAULT (${JSON.stringify(tally[key])})`);
  }
  const checkout = tally.checkout_redesign;
  assert.ok(checkout.SPLIT > 100 && checkout.DEFAULT > 100, `checkout_redesign split ${JSON.stringify(checkout)}`);
});

test('a unit outside the experiment gets the control with reason DEFAULT', async () => {
  // Not a returning visitor and an empty cart: not targeted.
  const attributes = { visits: 1, cart: { items: 0 }, device: { type: 'mobile' } };
  const a = (await grpcClient.assign('unit-outside', { attributes, experiments: ['checkout_redesign'] })).get(
    'checkout_redesign',
  );
  assert.equal(a.inExperiment, false);
  assert.equal(a.reason, 'REASON_NOT_TARGETED');
  assert.equal(a.variantKey, '');

  const d = await client.getObjectDetails('checkout_redesign', {}, { targetingKey: 'unit-outside', ...attributes });
  const control = experiments.get('checkout_redesign').variants[0];
  assert.equal(d.errorCode, undefined, d.errorMessage);
  assert.equal(d.reason, 'DEFAULT');
  assert.equal(d.variant, control.key);
  assert.deepStrictEqual(d.value, control.payload);
  assert.equal(d.flagMetadata.inExperiment, false);
});

test('forced QA units get their variant with reason TARGETING_MATCH', async () => {
  const attributes = { visits: 4, last_visit_days: 3, cart: { items: 2 } };
  for (const [unitId, variant] of [
    ['qa-user-1', 'one_page'],
    ['qa-user-2', 'one_page_chat'],
    ['qa-user-3', 'control'],
  ]) {
    const a = (await grpcClient.assign(unitId, { attributes, experiments: ['checkout_redesign'] })).get(
      'checkout_redesign',
    );
    assert.equal(a.variantKey, variant);
    assert.equal(a.reason, 'REASON_FORCED');
    const d = await client.getObjectDetails('checkout_redesign', {}, { targetingKey: unitId, ...attributes });
    assert.equal(d.errorCode, undefined, d.errorMessage);
    assert.equal(d.variant, variant);
    assert.equal(d.reason, 'TARGETING_MATCH');
  }
});

test('an unknown flag answers the default value with FLAG_NOT_FOUND', async () => {
  const fallback = { layout: 'fallback' };
  const d = await client.getObjectDetails('no_such_experiment', fallback, { targetingKey: 'unit-1' });
  assert.equal(d.errorCode, 'FLAG_NOT_FOUND');
  assert.equal(d.reason, 'ERROR');
  assert.deepStrictEqual(d.value, fallback);
  assert.equal(d.variant, undefined);

  const s = await client.getStringDetails('no_such_experiment', 'off', { targetingKey: 'unit-1' });
  assert.equal(s.errorCode, 'FLAG_NOT_FOUND');
  assert.equal(s.value, 'off');
});

test('an evaluation without targetingKey fails with TARGETING_KEY_MISSING', async () => {
  const fallback = { layout: 'fallback' };
  const d = await client.getObjectDetails('checkout_redesign', fallback, {
    visits: 3,
    last_visit_days: 2,
    cart: { items: 1 },
  });
  assert.equal(d.errorCode, 'TARGETING_KEY_MISSING');
  assert.equal(d.reason, 'ERROR');
  assert.deepStrictEqual(d.value, fallback);
});

test('a value of another type than asked is TYPE_MISMATCH', async () => {
  // checkout_redesign's values are objects.
  const d = await client.getStringDetails('checkout_redesign', 'fallback', { targetingKey: 'unit-1' });
  assert.equal(d.errorCode, 'TYPE_MISMATCH');
  assert.equal(d.value, 'fallback');
});

test('a wrong API key answers the default value with an error', async () => {
  await OpenFeature.setProviderAndWait(
    'wrong-key',
    new OFREPProvider({ baseUrl: daemon.baseUrl, headers: [['Authorization', 'Bearer not-a-key']] }),
  );
  const d = await OpenFeature.getClient('wrong-key').getObjectDetails(
    'checkout_redesign',
    { layout: 'fallback' },
    { targetingKey: 'unit-1' },
  );
  assert.equal(d.reason, 'ERROR');
  assert.equal(d.errorCode, 'GENERAL'); // the provider's OFREPApiUnauthorizedError (HTTP 401)
  assert.deepStrictEqual(d.value, { layout: 'fallback' });
});
