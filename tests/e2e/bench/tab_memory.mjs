// Benchmark (not part of the test command; run by scripts/bench.sh): the tab's memory
// while the standard load runs (benches/standard-scenario.json: 3 brokers, RF 3, 6
// partitions, 1,000 records/s, acks=all, 60 s virtual) as fast as it goes. Every few
// seconds of wall time it samples the page's JS heap (CDP Runtime.getHeapUsage), the
// resident memory of the browser's renderer processes (the page, its workers, and their
// wasm memories: /proc/PID/status VmRSS of every chromium --type=renderer descendant of
// this node process), the wasm memory of the page and of each broker worker (what
// `window.kafkaPlaygroundMemory()` says: `WebAssembly.Memory` byte lengths, which never
// shrink, so they are peaks), the workers' JS heaps (CDP, through a browser session), and the run's virtual time and journal length. It prints the
// samples, then the growth per virtual second over the second half of the run and what
// that growth gives for one virtual hour at 1,000 records/s (the bound of issue 12 is
// 200 MB), and the wasm memories at the end.

import fs from 'node:fs';
import { startHarness } from '../harness.mjs';

const SAMPLE_EVERY_MS = Number(process.env.BENCH_SAMPLE_MS || 3000);
// With BENCH_RELOAD_AT_MS, the page is reloaded once the run passes that virtual time:
// every broker then recovers its logs from IndexedDB in a new worker (the wasm memory a
// recovery costs shows in the workers' figures at the end).
const RELOAD_AT_MS = Number(process.env.BENCH_RELOAD_AT_MS || Infinity);

/** Pids of every descendant of `root`. */
function descendants(root) {
  const parent = new Map();
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      parent.set(Number(pid), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch { /* gone */ }
  }
  const out = [];
  const walk = (p) => { for (const [c, pp] of parent) if (pp === p) { out.push(c); walk(c); } };
  walk(root);
  return out;
}

function rendererRssBytes() {
  let total = 0;
  for (const pid of descendants(process.pid)) {
    try {
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (!cmd.includes('--type=renderer')) continue;
      const rss = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (rss) total += Number(rss[1]) * 1024;
    } catch { /* gone */ }
  }
  return total;
}

/**
 * The used JS heap of every dedicated worker of the browser (the broker workers), via a
 * browser CDP session: each worker target is attached once (not flattened) and asked
 * `Runtime.getHeapUsage` through `Target.sendMessageToTarget`. Returns the sum in bytes
 * (null if the browser does not answer).
 */
function workerHeaps(bs) {
  const sessions = new Map();
  const waiting = new Map();
  let next = 1;
  bs.on('Target.receivedMessageFromTarget', ({ message }) => {
    const m = JSON.parse(message);
    waiting.get(m.id)?.(m.result);
    waiting.delete(m.id);
  });
  const ask = (sessionId, method) => new Promise((resolve) => {
    const id = next++;
    waiting.set(id, resolve);
    bs.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method }) })
      .catch(() => resolve(null));
    setTimeout(() => { waiting.delete(id); resolve(null); }, 2000);
  });
  return async () => {
    try {
      const { targetInfos } = await bs.send('Target.getTargets');
      let total = 0;
      for (const t of targetInfos.filter((t) => t.type === 'worker')) {
        if (!sessions.has(t.targetId)) {
          const { sessionId } = await bs.send('Target.attachToTarget', { targetId: t.targetId, flatten: false });
          sessions.set(t.targetId, sessionId);
        }
        const r = await ask(sessions.get(t.targetId), 'Runtime.getHeapUsage');
        total += r?.usedSize ?? 0;
      }
      return total;
    } catch {
      return null;
    }
  };
}

const h = await startHarness();
const workerJsHeap = workerHeaps(await h.browser.newBrowserCDPSession());
const t = { name: 'bench', diagnostic() {} };
const samples = [];
await h.withPage(t, async (page, handle) => {
  const cdp = await handle.context.newCDPSession(page);
  await page.goto(`${h.url}?scenario=bench-standard&seed=1&workspace=memory`);
  await page.getByTestId('cluster-clock').waitFor();
  await page.evaluate(() => window.kafkaPlaygroundCommand(JSON.stringify({ SetSpeed: 1e6 })));
  const start = Date.now();
  let reloaded = false;
  for (;;) {
    await page.waitForTimeout(SAMPLE_EVERY_MS);
    const v = JSON.parse(await page.evaluate(() => window.kafkaPlaygroundView()));
    const heap = await cdp.send('Runtime.getHeapUsage');
    const mem = JSON.parse(await page.evaluate(() => window.kafkaPlaygroundMemory?.() || '{}'));
    const workers = Object.values(mem.workers ?? {});
    const s = { wall_s: (Date.now() - start) / 1000, now_ms: v.now_ms, journal: v.journal_entries,
      js_heap: heap.usedSize, rss: rendererRssBytes(), wasm_main: mem.main ?? 0,
      wasm_workers: workers.reduce((a, b) => a + b, 0), wasm_each: mem.workers ?? {},
      worker_js_heap: (await workerJsHeap()) ?? 0 };
    samples.push(s);
    const mb = (b) => (b / 1e6).toFixed(1);
    const each = Object.entries(s.wasm_each).map(([id, b]) => `${id}: ${mb(b)}`).join(', ');
    console.log(`wall ${s.wall_s.toFixed(0)} s  virtual ${(s.now_ms / 1000).toFixed(1)} s  journal ${s.journal}  page JS heap ${mb(s.js_heap)} MB  renderer RSS ${mb(s.rss)} MB  wasm: page ${mb(s.wasm_main)} MB, workers ${mb(s.wasm_workers)} MB (${each})  workers' JS heaps ${mb(s.worker_js_heap)} MB`);
    if (v.now_ms >= 60_000) break;
    if (!reloaded && v.now_ms >= RELOAD_AT_MS) {
      reloaded = true;
      await page.reload();
      await page.getByTestId('cluster-clock').waitFor();
      await page.evaluate(() => window.kafkaPlaygroundCommand(JSON.stringify({ SetSpeed: 1e6 })));
      console.log('reloaded: every broker recovers from IndexedDB in a new worker');
    }
  }
});
await h.close();
const last = samples.at(-1);
const mid = samples.find((s) => s.now_ms >= last.now_ms / 2) ?? samples[0];
const dv = (last.now_ms - mid.now_ms) / 1000;
const per = (k) => (last[k] - mid[k]) / dv;
const hour = (k) => (last[k] + per(k) * (3600 - last.now_ms / 1000)) / 1e6;
console.log(`growth per virtual second (second half): renderer RSS ${(per('rss') / 1e3).toFixed(0)} kB, page JS heap ${(per('js_heap') / 1e3).toFixed(0)} kB, page wasm ${(per('wasm_main') / 1e3).toFixed(0)} kB, workers' wasm ${(per('wasm_workers') / 1e3).toFixed(0)} kB, workers' JS heaps ${(per('worker_js_heap') / 1e3).toFixed(0)} kB, journal ${per('journal').toFixed(0)} entries`);
console.log(`one virtual hour at this load, extrapolated: renderer RSS ${hour('rss').toFixed(0)} MB, page JS heap ${hour('js_heap').toFixed(0)} MB, journal ${(last.journal + per('journal') * (3600 - last.now_ms / 1000)).toFixed(0)} entries`);
console.log(`wasm memory at virtual ${(last.now_ms / 1000).toFixed(1)} s (peaks: it never shrinks): page ${(last.wasm_main / 1e6).toFixed(1)} MB, workers ${(last.wasm_workers / 1e6).toFixed(1)} MB in all (${Object.entries(last.wasm_each).map(([id, b]) => `broker ${id}: ${(b / 1e6).toFixed(1)} MB`).join(', ')})`);
