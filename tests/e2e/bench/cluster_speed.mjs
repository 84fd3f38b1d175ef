// Benchmark (not part of the test command; run by scripts/bench.sh): simulation speed
// in the tab — virtual seconds per wall second for the standard scenario
// (benches/standard-scenario.json: 3 brokers, RF 3, 6 partitions, 1,000 records/s,
// acks=all, 60 s virtual), with one web worker per broker in lockstep and IndexedDB
// writes, run as fast as it goes. Also a section-5 scenario (sparse traffic) for scale.
// Each run loads the page, runs the scenario to its end (cold: the wasm is still being
// tiered up), starts it over in the same tab and runs it again (warm). Prints the
// median of RUNS runs of each.

import { startHarness } from '../harness.mjs';

const RUNS = Number(process.env.BENCH_RUNS || 3);
const h = await startHarness();
const t = { name: 'bench', diagnostic() {} };

async function once(name) {
  let result;
  await h.withPage(t, async (page) => {
    await page.goto(`${h.url}?scenario=${name}&seed=1`);
    await page.getByTestId('cluster-clock').waitFor();
    const cold = await runToEnd(page, 0);
    // The same scenario again in the same tab ("Start over"): V8 has tiered the wasm up,
    // fonts and styles are loaded; what a learner's second run gets.
    page.once('dialog', (d) => d.accept());
    await page.getByTestId('reset').click();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=cluster-clock]')?.dataset.nowMs) < 1000,
      null, { timeout: 60_000, polling: 50 });
    const warm = await runToEnd(page, cold.windows);
    result = { cold, warm, rtt: await bareRoundTripUs(page) };
  });
  return result;
}

/// Runs the loaded scenario as fast as it goes until it pauses at its end.
async function runToEnd(page, windowsBefore) {
  const started = await page.evaluate(() => performance.now());
  await page.evaluate(() => {
    window.kafkaPlaygroundCommand(JSON.stringify({ SetSpeed: 1e6 }));
    window.kafkaPlaygroundCommand(JSON.stringify('Play'));
  });
  await page.waitForFunction(() => {
    const c = document.querySelector('[data-testid=cluster-clock]');
    return c?.dataset.paused === 'true' && Number(c.dataset.nowMs) > 1000;
  }, null, { timeout: 600_000, polling: 50 });
  const wall = (await page.evaluate(() => performance.now())) - started;
  const virt = Number(await page.getByTestId('cluster-clock').getAttribute('data-now-ms'));
  const entries = Number(await page.getByTestId('journal-entries').textContent());
  const windows = (await page.evaluate(() => window.kafkaPlaygroundWorkerWindows())) - windowsBefore;
  return { wall, virt, entries, windows };
}

// The floor of one lockstep window: a bare postMessage round trip from this page to
// three echo workers (nothing decoded, nothing run), median over many, in µs.
async function bareRoundTripUs(page) {
  return page.evaluate(() => new Promise((resolve) => {
    const url = URL.createObjectURL(new Blob(['onmessage = (e) => postMessage(e.data);'], { type: 'text/javascript' }));
    const workers = [0, 1, 2].map(() => new Worker(url));
    const payload = new Uint8Array(2048);
    const times = [];
    let left = 0;
    let t0 = 0;
    const go = () => { left = workers.length; t0 = performance.now(); for (const w of workers) w.postMessage(payload); };
    for (const w of workers) w.onmessage = () => {
      if (--left > 0) return;
      times.push(performance.now() - t0);
      if (times.length < 3000) { go(); return; }
      workers.forEach((x) => x.terminate());
      times.sort((a, b) => a - b);
      resolve(times[times.length >> 1] * 1000);
    };
    go();
  }));
}

try {
  for (const name of ['bench-standard', 'acks-all-survives-leader-crash']) {
    const runs = [];
    for (let i = 0; i < RUNS; i++) runs.push(await once(name));
    for (const kind of ['cold', 'warm']) {
      const sorted = [...runs].sort((a, b) => a[kind].wall - b[kind].wall);
      const m = sorted[Math.floor(sorted.length / 2)][kind];
      const rtt = sorted[Math.floor(sorted.length / 2)].rtt;
      const label = kind === 'cold' ? 'first run after load' : 'second run in the same tab';
      console.log(`tab sim ${name}, ${label}: ${(m.virt / 1000).toFixed(1)} s virtual in ${(m.wall / 1000).toFixed(2)} s wall = ${(m.virt / m.wall).toFixed(1)}x real time (median of ${RUNS}; ${m.entries} journal entries, ${(m.entries / m.wall * 1000).toFixed(0)} inputs/s)`);
      // With nothing but the round trips, the run could go no faster than this.
      const ceiling = m.virt / (m.windows * rtt / 1000);
      console.log(`  ${m.windows} windows with workers, ${(m.wall * 1000 / m.windows).toFixed(0)} µs each; bare round trip to 3 workers ${rtt.toFixed(0)} µs -> ceiling ${ceiling.toFixed(0)}x`);
    }
  }
} finally {
  await h.close();
}
