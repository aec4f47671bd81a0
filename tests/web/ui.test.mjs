// The web reports at /ui in headless Chromium (playwright-core) against a
// real cxlabd: simulated traffic of experiments/scenarios/sports-shop.yaml
// gives checkout_redesign a significant conversion lift; the test signs in
// with the keyboard on the 401 login form, checks the list row (status, SRM
// badge, verdict), follows the link to the experiment page and checks the
// significant metrics' intervals against the JSON report
// (GET /v1/reports/checkout_redesign, formatted as the page formats them),
// the four plots, the skip link, that no request left the host, and saves a
// full-page screenshot (env CXLAB_SCREENSHOT_DIR, default the temp dir):
// ui-checkout_redesign.png, and ui-list.png of the list.
//
//   CXLABD=build/bin/cxlabd CXLAB=build/bin/cxlab node --test tests/web/ui.test.mjs

import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { EXPERIMENTS_DIR, httpJson, importDependency, startDaemon } from './daemon.mjs';

const CHROMIUM = process.env.CXLAB_CHROMIUM ?? '/usr/bin/chromium';
if (!existsSync(CHROMIUM)) {
  throw new Error(
    `${CHROMIUM} is missing: install the Debian package \`chromium\` ` +
      `(scripts/install-deps installs it), or set CXLAB_CHROMIUM to a Chromium binary`,
  );
}
const { chromium } = await importDependency('playwright-core');

const EXPERIMENT = 'checkout_redesign';
const SCREENSHOT_DIR = process.env.CXLAB_SCREENSHOT_DIR || tmpdir();

// ---- The page's number formats (api/render/report_format.h) ----------------

// FormatSignedPercent: 0.061 -> "+6.1%"; a value that rounds to zero "0.0%".
function signedPercent(fraction, decimals) {
  const pct = fraction * 100;
  if (Math.abs(pct) < 0.5 * 10 ** -decimals) return `${(0).toFixed(decimals)}%`;
  return `${pct >= 0 ? '+' : '-'}${Math.abs(pct).toFixed(decimals)}%`;
}

// FormatRelativeLift: "+6.1% [+2.3%, +9.9%]", open sides "(-∞" / "+∞)",
// two decimals when every number is under 1%.
function relativeLift(effect) {
  const ci = effect.ci ?? {};
  const hasLower = typeof ci.lower === 'number';
  const hasUpper = typeof ci.upper === 'number';
  let largest = Math.abs(effect.estimate);
  if (hasLower) largest = Math.max(largest, Math.abs(ci.lower));
  if (hasUpper) largest = Math.max(largest, Math.abs(ci.upper));
  const d = largest < 0.01 ? 2 : 1;
  if (!hasLower && !hasUpper) return `${signedPercent(effect.estimate, d)} [—]`;
  return (
    `${signedPercent(effect.estimate, d)}${hasLower ? ' [' : ' ('}` +
    `${hasLower ? signedPercent(ci.lower, d) : '-∞'}, ` +
    `${hasUpper ? signedPercent(ci.upper, d) : '+∞'}${hasUpper ? ']' : ')'}`
  );
}

const normalize = (s) => s.replace(/\s+/g, ' ').trim();

// ---- Fixture ---------------------------------------------------------------

let daemon;
let browser;
let context;
let page;
let report; // the JSON report of EXPERIMENT
let origin; // http://ADDR:PORT
const requests = []; // every URL the browser asked for
const consoleErrors = [];

before(async () => {
  daemon = await startDaemon();
  origin = daemon.baseUrl;
  const started = Date.now();
  await daemon.cxlab(
    ['simulate', '--scenario', join(EXPERIMENTS_DIR, 'scenarios', 'sports-shop.yaml'), '--visitors', '20000', '--seed', '7'],
    { timeoutMs: 150_000 },
  );
  console.log(`simulate: ${Date.now() - started} ms`);
  report = await httpJson(daemon, `/v1/reports/${EXPERIMENT}`);

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  context.on('request', (request) => requests.push(request.url()));
  page = await context.newPage();
  page.on('console', (msg) => {
    if (msg.type() === 'error') consoleErrors.push(msg.text());
  });
  page.on('pageerror', (err) => consoleErrors.push(String(err)));
});

after(async () => {
  await Promise.allSettled([browser?.close()]);
  await daemon?.stop();
});

// Loads the current page afresh (focus at the top of the document, as a
// visitor arriving), presses Tab once and returns what got focus.
async function firstTabStop() {
  await page.goto(page.url().replace(/#.*$/, ''));
  await page.keyboard.press('Tab');
  return page.evaluate(() => {
    const el = document.activeElement;
    return { tag: el.tagName, text: el.textContent.trim(), href: el.getAttribute('href') };
  });
}

// ---- Tests (in order: one browser session) ---------------------------------

test('the report has a significant primary metric to show', () => {
  const primary = report.metrics.find((m) => m.primary) ?? report.metrics[0];
  const significant = primary.variants.filter((v) => v.significant);
  assert.ok(significant.length > 0, `no significant treatment of ${primary.metricKey}: ${report.verdict}`);
  assert.match(report.verdict, /raises conversion by \+\d+\.\d% \[\+\d+\.\d%, \+\d+\.\d%\]/);
});

test('/ui answers 401 with a login form, and the key typed there signs in', async () => {
  const response = await page.goto(`${origin}/ui`);
  assert.equal(response.status(), 401);
  const field = page.locator('input#key');
  assert.equal(await field.getAttribute('type'), 'password');
  assert.equal(await page.locator('label[for=key]').count(), 1, 'the field has a label');

  await field.focus();
  await page.keyboard.type(daemon.key);
  // The form posts to /ui/login, which sets the cookie and redirects to
  // /ui (the URL the 401 page already has, so wait for the new page).
  const login = page.waitForResponse((r) => r.url() === `${origin}/ui/login` && r.request().method() === 'POST');
  await page.keyboard.press('Enter');
  assert.equal((await login).status(), 303);
  await page.locator('h1', { hasText: /^Experiments$/ }).waitFor();
  await page.waitForLoadState('load');
  assert.equal(page.url(), `${origin}/ui`);
  assert.equal(await page.locator('input#key').count(), 0, 'no login form any more');
});

test('the list shows checkout_redesign with its status, SRM badge and verdict', async () => {
  const link = page.getByRole('link', { name: EXPERIMENT, exact: true });
  assert.equal(await link.count(), 1);
  const row = page.locator('tr').filter({ has: link });
  const cells = (await row.locator('th, td').allInnerTexts()).map(normalize);
  // Experiment, Name, Status, Days running, Units, SRM, Primary metric, Verdict.
  assert.equal(cells[0], EXPERIMENT);
  assert.equal(cells[1], report.name);
  assert.equal(cells[2], 'running');
  // Days since the first exposure, at the page's clock (seconds later).
  assert.match(cells[3], /^\d+\.\d$/);
  assert.ok(Math.abs(Number(cells[3]) - report.daysRunning) <= 0.11, `days running ${cells[3]}`);
  const units = report.units.reduce((sum, n) => sum + Number(n), 0); // int64s are strings
  assert.equal(cells[4], units.toLocaleString('en-US'));
  const badge = row.locator('.badge');
  assert.equal(normalize(await badge.innerText()), report.srm.mismatch ? 'mismatch' : 'ok');
  assert.match(cells[6], /conversion/);
  assert.match(cells[6], /▲ better/);
  assert.equal(cells[7], normalize(report.verdict));

  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, 'ui-list.png');
  await page.screenshot({ path, fullPage: true });
  console.log(`screenshot: ${path}`);
});

test('Tab from the top of the list first focuses the skip link', async () => {
  const focused = await firstTabStop();
  assert.equal(focused.tag, 'A');
  assert.equal(focused.href, '#main');
  assert.match(focused.text, /skip to main content/i);
});

test('the experiment link opens its page from the keyboard', async () => {
  const link = page.getByRole('link', { name: EXPERIMENT, exact: true });
  await link.focus();
  await Promise.all([page.waitForURL(`${origin}/ui/experiments/${EXPERIMENT}`), page.keyboard.press('Enter')]);
  assert.equal(normalize(await page.locator('h1').innerText()), report.name);
  assert.equal(await page.locator('h1').count(), 1);
});

test('the experiment page shows the significant metrics with their intervals', async () => {
  // The verdict box: the report's sentence, with the primary metric's interval.
  const verdict = normalize(await page.locator('.verdict').innerText());
  assert.equal(verdict, `Verdict: ${normalize(report.verdict)}`);
  const primary = report.metrics.find((m) => m.primary) ?? report.metrics[0];
  for (const v of primary.variants.filter((x) => x.significant)) {
    assert.ok(
      verdict.includes(`${v.variantKey} raises ${primary.metricKey} by ${relativeLift(v.relative)}`),
      `verdict "${verdict}" names ${v.variantKey}'s ${relativeLift(v.relative)}`,
    );
  }

  // The table of all metrics: metric, variant, units, value, relative lift,
  // absolute lift, p-value, adjusted p, CUPED, result, warnings.
  const rows = await page.locator('table.metrics tbody tr').evaluateAll((trs) =>
    trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.innerText.replace(/\s+/g, ' ').trim())),
  );
  const shown = new Map(); // "metric/variant" -> cells
  let metric = '';
  for (const cells of rows) {
    if (cells[0]) metric = cells[0].split(' — ')[0];
    shown.set(`${metric}/${cells[1]}`, cells);
  }
  const significant = [];
  for (const m of report.metrics) {
    for (const v of m.variants) {
      if (!v.significant) continue;
      const cells = shown.get(`${m.metricKey}/${v.variantKey}`);
      assert.ok(cells, `a table row for ${m.metricKey} / ${v.variantKey}`);
      const expected = relativeLift(v.relative);
      assert.equal(cells[4], expected, `${m.metricKey} / ${v.variantKey}: relative lift`);
      const marker = v.verdict === 'VERDICT_BETTER' ? '▲ better' : '▼ worse';
      assert.equal(cells[9], marker, `${m.metricKey} / ${v.variantKey}: result`);
      significant.push(`${m.metricKey}/${v.variantKey} ${expected}`);
    }
  }
  assert.ok(significant.some((s) => s.startsWith(`${primary.metricKey}/`)), significant.join('; '));
  console.log(`significant on the page: ${significant.join('; ')}`);
});

test('the experiment page draws its four plots', async () => {
  const plots = page.locator('svg[role=img]');
  const labels = await plots.evaluateAll((svgs) => svgs.map((s) => s.getAttribute('aria-label') ?? ''));
  for (const pattern of [
    /relative lift of every metric/i, // forest plot
    /cumulative relative lift/i, // lift over time
    /units per variant/i, // split with the SRM check
    /per persona segment/i, // persona breakdown
  ]) {
    const i = labels.findIndex((l) => pattern.test(l));
    assert.ok(i >= 0, `a plot labelled ${pattern} among ${JSON.stringify(labels)}`);
    const plot = plots.nth(i);
    assert.ok(await plot.isVisible(), `${labels[i]}: visible`);
    const box = await plot.boundingBox();
    assert.ok(box.width > 300 && box.height > 40, `${labels[i]}: drawn at ${box.width}x${box.height}`);
    assert.ok((await plot.locator(':scope > title').count()) === 1, `${labels[i]}: has a <title>`);
    const marks = await plot.locator('circle, rect, line, path, polyline, polygon').count();
    assert.ok(marks > 3, `${labels[i]}: has marks (${marks})`);
  }
});

test('Tab from the top of the experiment page first focuses the skip link', async () => {
  const focused = await firstTabStop();
  assert.equal(focused.tag, 'A');
  assert.equal(focused.href, '#main');
  assert.match(focused.text, /skip to main content/i);
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'main', 'the skip link moves focus to <main>');
});

test('a full-page screenshot is saved', async () => {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `ui-${EXPERIMENT}.png`);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path, fullPage: true });
  assert.ok(existsSync(path));
  console.log(`screenshot: ${path}`);
});

test('no request left the host and the pages logged no errors', () => {
  assert.ok(requests.length >= 4, `requests seen: ${requests.join(', ')}`);
  const outside = requests.filter((url) => !url.startsWith(`${origin}/`));
  assert.deepEqual(outside, [], `requests to other hosts than ${origin}`);
  // The 401 of the login page is logged as a failed resource load; CSP
  // violations or script errors would show up here too.
  const unexpected = consoleErrors.filter((e) => !/status of 401/.test(e));
  assert.deepEqual(unexpected, []);
});
