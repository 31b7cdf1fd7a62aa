// Starts the real pipeline, `stockpulse run` on its synthetic sources, with the dashboard on a
// free port of 127.0.0.1 and every output in a temporary folder, and resolves once /healthz
// answers. Event time runs `speed` times faster than wall time, so with the default 60 a
// one-minute slide closes a window every wall second and the page has data within seconds.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// options: webRoot, symbols ('AAPL,NVDA,TSLA'), rate (posts/s), speed, duration (s), extra args.
export async function startRun(binary, options = {}) {
  const port = await freePort();
  const outputDir = mkdtempSync(path.join(os.tmpdir(), 'sp_run_'));
  const args = ['run', '--duration', String(options.duration ?? 60), '--output-dir', outputDir,
    '--listen', `127.0.0.1:${port}`, '--symbols', options.symbols ?? 'AAPL,NVDA,TSLA',
    '--rate', String(options.rate ?? 400), '--speed', String(options.speed ?? 60), '--quiet'];
  if (options.webRoot) args.push('--web-root', options.webRoot);
  args.push(...(options.extra ?? []));
  const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (d) => { log += d; });
  let exited = null;
  child.on('exit', (code, signal) => { exited = { code, signal }; });
  const cleanup = () => rmSync(outputDir, { recursive: true, force: true });
  const stop = () => new Promise((resolve) => {
    const done = () => { cleanup(); resolve(); };
    if (exited) return done();
    child.on('exit', done);
    child.kill('SIGTERM');
  });
  const deadline = Date.now() + 30000;
  while (Date.now() < deadline) {
    if (exited) {
      cleanup();
      throw new Error(`${binary} run exited early (${JSON.stringify(exited)}):\n${log}`);
    }
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (res.status === 200) return { port, outputDir, stop, log: () => log };
    } catch { /* not listening yet */ }
    await sleep(200);
  }
  await stop();
  throw new Error(`${binary} run: no dashboard on port ${port} within 30 s:\n${log}`);
}
