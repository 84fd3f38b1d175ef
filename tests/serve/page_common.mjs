// What the tests of the page watching `kafka-playground serve` share: free loopback ports,
// processes with their output lines, the page's latest view, and which console errors a
// page may log while serve is away (its reconnection tries).

import net from 'node:net';
import readline from 'node:readline';
import { spawn } from 'node:child_process';
import { ROOT } from '../e2e/harness.mjs';

export const children = [];

/** A free port, and `n` free ports from a base (bound and released). */
export async function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

async function portsFree(base, n) {
  for (let p = base; p < base + n; p++) {
    const ok = await new Promise((resolve) => {
      const s = net.createServer();
      s.once('error', () => resolve(false));
      s.listen(p, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (!ok) return false;
  }
  return true;
}

export async function freePorts(n) {
  for (let i = 0; i < 50; i++) {
    const base = await freePort();
    if (base + n <= 65535 && (await portsFree(base, n))) return base;
  }
  throw new Error(`no ${n} free consecutive ports`);
}

/** Starts a process; `lines` holds its standard output's lines, `waitFor(re)` awaits one. */
export function start(cmd, args) {
  const child = spawn(cmd, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(child);
  const lines = [];
  const waiters = [];
  readline.createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line);
    for (const w of [...waiters]) {
      if (w.re.test(line)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const waitFor = (re, ms = 60_000) => {
    const seen = lines.find((l) => re.test(l));
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${cmd}: no line ${re} in ${ms} ms; stderr: ${stderr.slice(-2000)}`)), ms);
      waiters.push({ re, resolve: (l) => { clearTimeout(timer); resolve(l); } });
    });
  };
  return { child, lines, waitFor, stderr: () => stderr };
}

/** The producer's latest `delivered N failed M`. */
export function deliveries(producer) {
  for (let i = producer.lines.length - 1; i >= 0; i--) {
    const m = /^delivered (\d+) failed (\d+)$/.exec(producer.lines[i]);
    if (m) return { delivered: Number(m[1]), failed: Number(m[2]) };
  }
  return { delivered: 0, failed: 0 };
}

export async function view(page) {
  return JSON.parse(await page.evaluate(() => window.kafkaPlaygroundView()));
}

/** Polls the page's latest view until `ok(view)` returns something truthy. */
export async function viewWhere(page, what, ok, ms = 60_000) {
  const deadline = Date.now() + ms;
  let last;
  while (Date.now() < deadline) {
    last = await view(page);
    const got = last && ok(last);
    if (got) return got;
    await page.waitForTimeout(200);
  }
  throw new Error(`the page never showed ${what}; last view: ${JSON.stringify(last)?.slice(0, 1500)}`);
}

/** Errors that are not the page's reconnection tries while serve is stopped: chromium
 * logs each refused WebSocket connection as a console error. */
export function unexpected(errors) {
  return errors.filter((e) => !/WebSocket connection to 'ws:\/\/[^']+\/ws' failed/.test(e));
}
