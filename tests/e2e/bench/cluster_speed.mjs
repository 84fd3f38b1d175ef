// Benchmark (not part of the test command; run by scripts/bench.sh): simulation speed
// in the tab — virtual seconds per wall second for the standard scenario
// (benches/standard-scenario.json: 3 brokers, RF 3, 6 partitions, 1,000 records/s,
// acks=all, 60 s virtual), with one web worker per broker in lockstep and IndexedDB
// writes, run as fast as it goes. Also a section-5 scenario (sparse traffic) for scale.
// Prints the median of RUNS runs.

import { startHarness } from '../harness.mjs';

const RUNS = Number(process.env.BENCH_RUNS || 3);
const h = await startHarness();
const t = { name: 'bench', diagnostic() {} };

async function once(name) {
  let result;
  await h.withPage(t, async (page) => {
    await page.goto(`${h.url}?scenario=${name}&seed=1`);
    await page.getByTestId('cluster-clock').waitFor();
    const started = await page.evaluate(() => performance.now());
    await page.evaluate(() => window.kafkaPlaygroundCommand(JSON.stringify({ SetSpeed: 1e6 })));
    await page.waitForFunction(() => document.querySelector('[data-testid=cluster-clock]')?.dataset.paused === 'true',
      null, { timeout: 600_000, polling: 50 });
    const wall = (await page.evaluate(() => performance.now())) - started;
    const virt = Number(await page.getByTestId('cluster-clock').getAttribute('data-now-ms'));
    const entries = Number(await page.getByTestId('journal-entries').textContent());
    const windows = await page.evaluate(() => window.kafkaPlaygroundWorkerWindows());
    result = { wall, virt, entries, windows, rtt: await bareRoundTripUs(page) };
  });
  return result;
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
    runs.sort((a, b) => a.wall - b.wall);
    const m = runs[Math.floor(runs.length / 2)];
    console.log(`tab sim ${name}: ${(m.virt / 1000).toFixed(1)} s virtual in ${(m.wall / 1000).toFixed(2)} s wall = ${(m.virt / m.wall).toFixed(1)}x real time (median of ${RUNS}; ${m.entries} journal entries, ${(m.entries / m.wall * 1000).toFixed(0)} inputs/s)`);
    // With nothing but the round trips, the run could go no faster than this.
    const ceiling = m.virt / (m.windows * m.rtt / 1000);
    console.log(`  ${m.windows} windows with workers, ${(m.wall * 1000 / m.windows).toFixed(0)} µs each; bare round trip to 3 workers ${m.rtt.toFixed(0)} µs -> ceiling ${ceiling.toFixed(0)}x`);
  }
} finally {
  await h.close();
}
