// Browser test of the dashboard: headless Chromium (Debian `chromium`) driven by playwright-core
// loads the page, checks that every panel renders with data, that values change without a
// reload, that nothing errors (CSP included), that the phone layout has no horizontal scrolling,
// and saves screenshots. Two servers, one at a time:
//
//   --demo build/sp_serve_demo   the page served by sp_serve_demo: two hours of generated data
//                                and a live minute every 300 ms (alerts included), so every
//                                check is deterministic and fast;
//   --run build/stockpulse       the real pipeline: `stockpulse run` on its synthetic sources
//                                (event time 60x wall time), so the page shows what the
//                                pipeline itself wrote and published.
//
//   node web/tests/browser_test.mjs --demo build/sp_serve_demo --web-root web/dist \
//        --screenshot build/dashboard.png
//   node web/tests/browser_test.mjs --run build/stockpulse --web-root web/dist \
//        --screenshot build/dashboard-run.png
//
// A missing browser, playwright-core or front-end build FAILS (exit 1) with a message saying how
// to install it; it never skips.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs, startDemo } from './demo_server.mjs';
import { startRun } from './pipeline_run.mjs';

const CHROMIUM = '/usr/bin/chromium';
const PANELS = ['badges', 'candles', 'sentiment', 'fear-greed', 'heatmap', 'close', 'buy-pressure',
  'volatility', 'volume', 'alerts', 'health'];

const args = parseArgs(process.argv);
let failures = 0, passes = 0;
function check(ok, what) {
  if (ok) { passes++; console.log(`ok   ${what}`); } else { failures++; console.log(`FAIL ${what}`); }
}
function fatal(message) {
  console.error(`FAIL ${message}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}

if (!existsSync(CHROMIUM)) fatal(`${CHROMIUM} not found: install Debian's chromium (scripts/setup.sh does)`);
const mode = args.run ? 'run' : 'demo';
const binary = args.run ?? args.demo;
if (!binary || !existsSync(binary)) {
  fatal(`--${mode} ${binary}: build ${mode === 'run' ? 'stockpulse' : 'sp_serve_demo'} first`);
}
if (!args['web-root'] || !existsSync(path.join(args['web-root'], 'index.html'))) {
  fatal(`no index.html in ${args['web-root']}: build the front end (scripts/setup.sh, or npm run build in web/)`);
}
let chromium;
try {
  ({ chromium } = await import('playwright-core'));
} catch (e) {
  fatal(`playwright-core is not installed in web/node_modules (run scripts/setup.sh): ${e.message}`);
}

let server;
try {
  server = mode === 'run'
    ? await startRun(binary, {
      webRoot: args['web-root'],
      extra: ['--config', path.join(path.dirname(new URL(import.meta.url).pathname), 'raw-alerts.toml')],
    })
    : await startDemo(binary, ['--web-root', args['web-root'], '--interval-ms', '300',
      ...(args['many-symbols'] ? ['--many-symbols', args['many-symbols']] : [])]);
} catch (e) {
  fatal(`cannot start the ${mode} server: ${e.message}`);
}
console.log(`     ${mode} server on port ${server.port}`);
// The pipeline needs a few wall seconds before every window kind has rows.
const panelTimeout = mode === 'run' ? 40000 : 15000;
let browser;
try {
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic',
      '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
} catch (e) {
  await server.stop();
  fatal(`cannot launch ${CHROMIUM}: ${e.message}`);
}
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
  const url = `http://127.0.0.1:${server.port}/`;
  const t0 = Date.now();
  await page.goto(url);

  if (args['many-symbols']) {
    await manySymbols(page);
    throw 'done';
  }

  // Every panel shows data.
  // The backtest panel reads a file `stockpulse backtest --json` wrote: sp_serve_demo writes one
  // over its history; a live `run` has none (the panel then says how to make one).
  for (const panel of mode === 'demo' ? [...PANELS, 'backtest'] : PANELS) {
    const sel = `[data-panel="${panel}"] [data-count]`;
    let count = 0;
    try {
      await page.waitForFunction((s) => {
        const el = document.querySelector(s);
        return el && Number(el.dataset.count) > 0;
      }, sel, { timeout: panelTimeout });
      count = await page.$eval(sel, (el) => Number(el.dataset.count));
    } catch { /* reported below */ }
    check(count > 0, `panel ${panel} renders data (count ${count})`);
  }
  console.log(`     all panels in ${Date.now() - t0} ms`);
  check(await page.$eval('#live', (el) => el.textContent === 'live'), 'live stream connected');
  check((await page.$$('.tv-lightweight-charts, [data-panel="candles"] canvas')).length > 0, 'candles drawn on canvas');
  check((await page.$$('[data-panel="candles"] a[href="https://www.tradingview.com/"]')).length > 0, 'TradingView credited');

  // Values change without a reload.
  await page.evaluate(() => { window.__noReload = 42; });
  const snapshot = () => page.evaluate(() => ({
    posts: document.querySelector('#health [data-key="posts_total"]')?.textContent ?? '',
    alerts: document.querySelector('#alerts')?.dataset.count ?? '',
    candles: document.querySelector('#candles')?.dataset.count ?? '',
    lastClose: document.querySelector('#candles')?.dataset.last ?? '',
    price: document.querySelector('.badge.selected [data-field="price"]')?.textContent ?? '',
    alertTop: document.querySelector('#alerts li')?.textContent ?? '',
  }));
  // Poll until every value moved (the demo publishes every 300 ms; the pipeline once a trigger,
  // 1 s, while alerts come only when a signal flips or sentiment spikes).
  const before = await snapshot();
  const liveTimeout = mode === 'run' ? 30000 : 5000;
  const moved = (a, b) => ({
    posts: b.posts !== '' && b.posts !== a.posts,
    price: b.price !== a.price,
    candles: b.lastClose !== a.lastClose || b.candles !== a.candles,
    alerts: b.alertTop !== a.alertTop,
  });
  let after = before;
  const liveStart = Date.now();
  while (Date.now() - liveStart < liveTimeout) {
    await page.waitForTimeout(500);
    after = await snapshot();
    if (Object.values(moved(before, after)).every(Boolean)) break;
  }
  const m = moved(before, after);
  console.log(`     before ${JSON.stringify(before)}\n     after  ${JSON.stringify(after)} (${Date.now() - liveStart} ms)`);
  check(await page.evaluate(() => window.__noReload === 42), 'page was not reloaded');
  check(m.posts, 'pipeline health updates live');
  check(m.price, 'badge price updates live');
  check(m.candles, 'candles update live');
  check(m.alerts, 'alerts feed updates live');

  // The selected badge shows the symbol's trailing window, the one /api/symbols names (not a
  // newer partial window that ends in the future), and the window charts end with it. Live
  // updates may land between the reads, so they are compared until they agree.
  let trailing = null;
  for (const start = Date.now(); Date.now() - start < 10000; await page.waitForTimeout(300)) {
    trailing = await page.evaluate(async () => {
      const badge = document.querySelector('.badge.selected');
      const q = encodeURIComponent(badge?.dataset.symbol ?? '');
      const res = await (await fetch(`/api/symbols?q=${q}&limit=1`)).json();
      const api = res.symbols.find((s) => s.symbol === badge?.dataset.symbol)?.trend?.window_end ?? null;
      const lastX = Number(document.querySelector('#buy-pressure')?.dataset.lastX);
      return {
        badge: badge?.dataset.windowEnd ?? null,
        api,
        chart: Number.isFinite(lastX) ? new Date(lastX * 1000).toISOString() : null,
      };
    });
    if (trailing.api && trailing.badge === trailing.api && trailing.chart === trailing.api) break;
  }
  console.log(`     trailing window ${JSON.stringify(trailing)}`);
  check(trailing.api !== null && trailing.badge === trailing.api, 'badge shows the trailing window of /api/symbols');
  check(trailing.api !== null && trailing.chart === trailing.api, 'window charts end with the trailing window');

  // Switching symbol and range reloads the panels from the API.
  await page.selectOption('#symbol', 'TSLA');
  await page.waitForFunction(() => document.querySelector('#candles-title')?.textContent === 'TSLA', null, { timeout: 5000 });
  await page.click('[data-range="15m"]');
  await page.waitForTimeout(500);
  const candles15 = await page.$eval('#candles', (el) => Number(el.dataset.count));
  check(candles15 > 0 && candles15 <= 20, `15-minute range shows about 15 candles (${candles15})`);
  await page.click('[data-range="1h"]');
  await page.waitForTimeout(300);

  if (args.screenshot) {
    await page.screenshot({ path: args.screenshot, fullPage: true });
    console.log(`     screenshot ${args.screenshot}`);
  }

  // A phone: no horizontal scrolling, panels stacked.
  const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
  phone.on('pageerror', (e) => errors.push(`phone page error: ${e.message}`));
  await phone.goto(url);
  await phone.waitForFunction(() => Number(document.querySelector('#sentiment')?.dataset.count) > 0, null, { timeout: 15000 });
  const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(overflow <= 1, `phone layout fits the width (overflow ${overflow}px)`);
  if (args.screenshot) {
    const p = args.screenshot.replace(/\.png$/, '') + '-phone.png';
    await phone.screenshot({ path: p, fullPage: false });
    console.log(`     screenshot ${p}`);
  }
  check(errors.length === 0, `no page errors${errors.length ? ': ' + errors.join(' | ') : ''}`);
} catch (e) {
  if (e !== 'done') {
    failures++;
    console.log(`FAIL ${e.stack ?? e}`);
  }
} finally {
  await browser.close();
  await server.stop();
}
// --many-symbols N: the demo store also holds N symbols as a real tweet dataset has (thousands of
// cashtags, most without prices). The page must show a bounded number of badges, select the most
// active symbol that has prices (not the most active, nor the first in the alphabet), stay short,
// and find any other symbol through the search box.
async function manySymbols(page) {
  await page.waitForFunction(() => Number(document.querySelector('#badges')?.dataset.count) > 0, null, { timeout: 15000 });
  const api = await page.evaluate(async () => (await fetch('/api/symbols?sort=activity&limit=500')).json());
  const all = await page.evaluate(async () => (await fetch('/api/symbols')).json());
  check(all.total >= Number(args['many-symbols']) && all.symbols.length === all.limit && all.limit === 50,
    `/api/symbols answers a bounded page (${all.symbols.length} of ${all.total})`);
  const firstPriced = api.symbols.find((s) => s.has_prices)?.symbol;
  check(api.symbols[0] && !api.symbols[0].has_prices, `the fixture's most active symbol has no prices (${api.symbols[0]?.symbol})`);
  await page.waitForFunction(() => document.querySelector('#candles-title')?.textContent !== '', null, { timeout: 15000 });
  const badges = await page.$$eval('#badges .badge', (els) => els.map((e) => e.dataset.symbol));
  const selected = await page.$eval('.badge.selected', (el) => el.dataset.symbol).catch(() => null);
  check(badges.length === api.badges, `badges: ${badges.length} (the configured ${api.badges}), not ${api.total}`);
  // As sets: live minutes keep adding posts to the demo's four symbols, which may swap places.
  const top = api.symbols.slice(0, api.badges).map((s) => s.symbol);
  check(JSON.stringify([...badges].sort()) === JSON.stringify([...top].sort()),
    `badges are the ${api.badges} most active symbols (${badges.join(' ')})`);
  check(selected === firstPriced, `default selection is the most active symbol with prices (${selected}, want ${firstPriced})`);
  check(await page.$eval('#candles-title', (el) => el.textContent) === firstPriced, 'charts load the default selection');
  const options = await page.$$eval('#symbol option', (els) => els.length);
  check(options <= api.badges + 1, `symbol picker lists ${options} symbols`);
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  check(height < 6000, `page height stays bounded (${height} px)`);
  // A symbol far down the ranking, reached through the search box.
  const far = all.symbols[all.symbols.length - 1].symbol;
  await page.fill('#symbol-search', far.slice(0, 4));
  await page.waitForFunction((p) => document.querySelectorAll('#symbol-matches option').length > 0 &&
    [...document.querySelectorAll('#symbol-matches option')].every((o) => o.value.startsWith(p)), far.slice(0, 4), { timeout: 5000 });
  await page.fill('#symbol-search', far);
  await page.dispatchEvent('#symbol-search', 'change');
  await page.waitForFunction((s) => document.querySelector('#candles-title')?.textContent === s, far, { timeout: 5000 })
    .catch(() => {});
  check(await page.$eval('#candles-title', (el) => el.textContent) === far, `search box selects ${far}`);
  check(await page.$eval('.badge.selected', (el) => el.dataset.symbol).catch(() => null) === far, 'the searched symbol gets a badge');
  if (args.screenshot) {
    await page.screenshot({ path: args.screenshot, fullPage: true });
    console.log(`     screenshot ${args.screenshot}`);
  }
}

console.log(`${passes} passed, ${failures} failed`);
process.exit(failures ? 1 : 0);
