// Starts sp_serve_demo (a dashboard over generated data that keeps publishing live events) and
// resolves with its port once it prints "PORT <n>".
import { spawn } from 'node:child_process';

export function startDemo(demoPath, args = []) {
  return new Promise((resolve, reject) => {
    const child = spawn(demoPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error(`${demoPath} did not print its port within 20 s`));
    }, 20000);
    child.on('error', (e) => { clearTimeout(timer); reject(new Error(`cannot start ${demoPath}: ${e.message}`)); });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`${demoPath} exited early with ${code}`)); });
    child.stdout.on('data', (d) => {
      out += d;
      const m = /PORT (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve({ port: Number(m[1]), stop: () => new Promise((r) => { child.on('exit', r); child.kill('SIGTERM'); }) });
      }
    });
  });
}

export function parseArgs(argv) {
  const args = {};
  for (let i = 2; i + 1 < argv.length; i += 2) args[argv[i].replace(/^--/, '')] = argv[i + 1];
  return args;
}
