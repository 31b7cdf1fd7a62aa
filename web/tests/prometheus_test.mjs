// A real Prometheus (Debian `prometheus`) scrapes sp_serve_demo's /metrics every second; the test
// then reads series back through Prometheus's HTTP API (/api/v1/query) and checks the scrape was
// healthy (`up` = 1) and that stockpulse's own series arrived with plausible values. With
// `--run build/stockpulse` the same Prometheus also scrapes a real pipeline (`stockpulse run` on
// synthetic sources, job "stockpulse_run") and reads its counters back too.
//
//   node web/tests/prometheus_test.mjs --demo build/sp_serve_demo [--run build/stockpulse]
//
// A missing prometheus binary FAILS (exit 1) with a message; it never skips.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, startDemo } from './demo_server.mjs';
import { startRun } from './pipeline_run.mjs';

const PROMETHEUS = '/usr/bin/prometheus';
const args = parseArgs(process.argv);
let passes = 0, failures = 0;
function check(ok, what) {
  if (ok) { passes++; console.log(`ok   ${what}`); } else { failures++; console.log(`FAIL ${what}`); }
}
if (!existsSync(PROMETHEUS)) {
  console.error(`FAIL ${PROMETHEUS} not found: install Debian's prometheus (scripts/setup.sh does)`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const dir = mkdtempSync(path.join(os.tmpdir(), 'sp_prom_'));
const demo = await startDemo(args.demo, ['--interval-ms', '500']);
let run = null;
if (args.run) {
  try {
    run = await startRun(args.run, { duration: 90 });
  } catch (e) {
    check(false, `start stockpulse run: ${e.message}`);
  }
}
const promPort = await freePort();
writeFileSync(path.join(dir, 'prometheus.yml'), `global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: stockpulse
    static_configs:
      - targets: ['127.0.0.1:${demo.port}']
${run ? `  - job_name: stockpulse_run
    static_configs:
      - targets: ['127.0.0.1:${run.port}']
` : ''}`);
const prom = spawn(PROMETHEUS, [
  `--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`,
  `--web.listen-address=127.0.0.1:${promPort}`,
], { stdio: ['ignore', 'ignore', 'pipe'] });
let promLog = '';
prom.stderr.on('data', (d) => { promLog += d; });

async function query(q) {
  const res = await fetch(`http://127.0.0.1:${promPort}/api/v1/query?query=${encodeURIComponent(q)}`);
  const body = await res.json();
  return body.status === 'success' ? body.data.result : [];
}

try {
  // First samples appear 5-9 s after start; give it up to 40 s.
  let up = [];
  const deadline = Date.now() + 40000;
  while (Date.now() < deadline) {
    try { up = await query('up{job="stockpulse"}'); } catch { /* not listening yet */ }
    if (up.length && up[0].value[1] === '1') break;
    await sleep(1000);
  }
  check(up.length === 1 && up[0].value[1] === '1', `Prometheus scraped /metrics (up = ${up[0]?.value[1]})`);
  const rss = await query('process_resident_memory_bytes{job="stockpulse"}');
  check(rss.length === 1 && Number(rss[0].value[1]) > 1e6, `process_resident_memory_bytes read back (${rss[0]?.value[1]})`);
  const bars = await query('stockpulse_demo_bars_total{job="stockpulse"}');
  check(bars.length === 1 && Number(bars[0].value[1]) >= 480, `pipeline counter read back (${bars[0]?.value[1]})`);
  await sleep(2500);
  const rate = await query('rate(stockpulse_demo_bars_total{job="stockpulse"}[10s])');
  check(rate.length === 1 && Number(rate[0].value[1]) > 0, `counter increases between scrapes (rate ${rate[0]?.value[1]})`);
  const published = await query('stockpulse_live_events_published_total{job="stockpulse"}');
  check(published.length === 1 && Number(published[0].value[1]) > 0, `live hub counter read back (${published[0]?.value[1]})`);
  const build = await query('stockpulse_build_info{job="stockpulse"}');
  check(build.length === 1 && build[0].value[1] === '1' && /^\d+\.\d+\.\d+$/.test(build[0].metric.version ?? ''),
    `stockpulse_build_info read back (version ${build[0]?.metric.version}, compiler ${build[0]?.metric.compiler})`);
  if (run) {
    // The real pipeline: its own counters (src/app) and the server's process series.
    const runUp = await query('up{job="stockpulse_run"}');
    check(runUp.length === 1 && runUp[0].value[1] === '1', `Prometheus scraped stockpulse run (up = ${runUp[0]?.value[1]})`);
    const posts = await query('rate(stockpulse_posts_read_total{job="stockpulse_run"}[10s])');
    check(posts.length === 1 && Number(posts[0].value[1]) > 0,
      `stockpulse run: posts read per second, from the pipeline's counter (${posts[0]?.value[1]})`);
    // Synthetic event time runs 60x faster than the wall clock: the lag is taken against that
    // clock, so it sits near the allowed lateness (600 s) instead of going negative.
    const lag = await query('stockpulse_watermark_lag_seconds{job="stockpulse_run"}');
    const lagValue = Number(lag[0]?.value[1]);
    check(lag.length === 1 && lagValue >= 0 && lagValue <= 1200,
      `stockpulse run: watermark lag against the sources' clock, 0..1200 s (${lag[0]?.value[1]})`);
    const runRss = await query('process_resident_memory_bytes{job="stockpulse_run"}');
    check(runRss.length === 1 && Number(runRss[0].value[1]) > 1e6, `stockpulse run: process_resident_memory_bytes (${runRss[0]?.value[1]})`);
  }
} catch (e) {
  failures++;
  console.log(`FAIL ${e.stack ?? e}`);
} finally {
  prom.kill('SIGTERM');
  await new Promise((r) => (prom.exitCode !== null ? r() : prom.on('exit', r)));
  await demo.stop();
  if (run) await run.stop();
  rmSync(dir, { recursive: true, force: true });
}
if (failures) console.log(promLog.split('\n').slice(-10).join('\n'));
console.log(`${passes} passed, ${failures} failed`);
process.exit(failures ? 1 : 0);
