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
//
// BENCH_VIRTUAL_S=3600 runs the issue's hour: after the scenario's minute, a topic `hour`
// (6 partitions, RF 3, min.insync.replicas 2, retention.ms 60000, segment.bytes 1 MiB:
// the brokers keep about a minute of it, as the page's bound on what logs keep asks of
// a long run) gets 1,000 records/s of virtual time from the same producer, sent in
// page commands as the virtual clock advances, until the hour. The tab's heap is the
// sum of the page's and the workers' JS heaps and wasm memories.

import fs from 'node:fs';
import { startHarness } from '../harness.mjs';

const SAMPLE_EVERY_MS = Number(process.env.BENCH_SAMPLE_MS || 3000);
// With BENCH_RELOAD_AT_MS, the page is reloaded once the run passes that virtual time:
// every broker then recovers its logs from IndexedDB in a new worker (the wasm memory a
// recovery costs shows in the workers' figures at the end).
const RELOAD_AT_MS = Number(process.env.BENCH_RELOAD_AT_MS || Infinity);
const VIRTUAL_MS = Number(process.env.BENCH_VIRTUAL_S || 60) * 1000;
const RECORDS_PER_S = 1000;

/** Keeps 1,000 records/s of virtual time flowing into topic `hour` from `from_ms` on. */
async function driveLoad(page, client, fromMs, untilMs) {
  let sent = 0;
  for (;;) {
    const v = JSON.parse(await page.evaluate(() => window.kafkaPlaygroundView()));
    if (v.now_ms >= untilMs) return;
    let due = Math.floor(((Math.min(v.now_ms, untilMs) - fromMs) / 1000) * RECORDS_PER_S) - sent;
    while (due > 0) {
      const count = Math.min(due, 1000);
      const c = { Produce: { client, topic: 'hour', count, key: 'k-{i}',
        value: 'value-{i}-padding-to-about-one-hundred-bytes-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' } };
      const refused = await page.evaluate((t) => window.kafkaPlaygroundCommand(t), JSON.stringify(c));
      if (refused) throw new Error(`produce refused: ${refused}`);
      sent += count;
      due -= count;
    }
    await page.waitForTimeout(200);
  }
}

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
  let load = null;
  for (;;) {
    await page.waitForTimeout(SAMPLE_EVERY_MS);
    const v = JSON.parse(await page.evaluate(() => window.kafkaPlaygroundView()));
    const heap = await cdp.send('Runtime.getHeapUsage');
    const mem = JSON.parse(await page.evaluate(() => window.kafkaPlaygroundMemory?.() || '{}'));
    const workers = Object.values(mem.workers ?? {});
    const s = { wall_s: (Date.now() - start) / 1000, now_ms: v.now_ms, journal: v.journal_entries,
      js_heap: heap.usedSize, rss: rendererRssBytes(), wasm_main: mem.main ?? 0, wasm_run: mem.run ?? 0,
      wasm_workers: workers.reduce((a, b) => a + b, 0), wasm_each: mem.workers ?? {},
      worker_js_heap: (await workerJsHeap()) ?? 0 };
    s.tab_heap = s.js_heap + s.worker_js_heap + s.wasm_main + s.wasm_run + s.wasm_workers;
    samples.push(s);
    const mb = (b) => (b / 1e6).toFixed(1);
    const each = Object.entries(s.wasm_each).map(([id, b]) => `${id}: ${mb(b)}`).join(', ');
    console.log(`wall ${s.wall_s.toFixed(0)} s  virtual ${(s.now_ms / 1000).toFixed(1)} s  journal ${s.journal}  page JS heap ${mb(s.js_heap)} MB  renderer RSS ${mb(s.rss)} MB  wasm: page ${mb(s.wasm_main)} MB, run worker ${mb(s.wasm_run)} MB, brokers ${mb(s.wasm_workers)} MB (${each})  workers' JS heaps ${mb(s.worker_js_heap)} MB  tab heap ${mb(s.tab_heap)} MB`);
    if (v.now_ms >= VIRTUAL_MS) break;
    if (VIRTUAL_MS > 60_000 && !load && v.now_ms >= 60_000) {
      const configs = { 'retention.ms': '60000', 'segment.bytes': '1048576', 'min.insync.replicas': '2' };
      const create = { CreateTopic: { name: 'hour', partitions: 6, replication_factor: 3, configs } };
      await page.evaluate((c) => window.kafkaPlaygroundCommand(c), JSON.stringify(create));
      await page.evaluate(() => window.kafkaPlaygroundCommand('"Play"'));
      await page.evaluate(() => window.kafkaPlaygroundCommand(JSON.stringify({ SetSpeed: 10 })));
      load = driveLoad(page, v.producers[0].id, v.now_ms + 1000, VIRTUAL_MS);
      load.catch((e) => { console.error(String(e)); process.exit(1); });
      console.log('the minute is over: topic hour gets 1,000 records/s until the hour');
    }
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
const peak = samples.reduce((a, b) => (b.tab_heap > a.tab_heap ? b : a));
console.log(`tab heap (JS heaps + wasm memories of the page and its workers): ${(last.tab_heap / 1e6).toFixed(1)} MB at virtual ${(last.now_ms / 1000).toFixed(0)} s, peak ${(peak.tab_heap / 1e6).toFixed(1)} MB at ${(peak.now_ms / 1000).toFixed(0)} s; renderer RSS at the end ${(last.rss / 1e6).toFixed(0)} MB`);
