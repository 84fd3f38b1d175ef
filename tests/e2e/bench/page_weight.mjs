// Benchmark (not part of the test command; run by scripts/bench.sh): what a learner's
// browser downloads and how soon the page paints. Page weight, raw and gzip -9, in three
// parts: what the first paint needs (the HTML, the CSS, the app's JS and wasm: the page,
// which only draws), what the run loads once the page is up (the run worker and the
// broker worker, wasm and JS), and the scenario and lesson files fetched when chosen.
// First paint: Chromium's first-contentful-paint of the default page on localhost, a
// fresh context each time (cold cache), median of RUNS loads, and when the cluster clock
// showed (the run started).

import { startHarness, DIST } from '../harness.mjs';
import { pageWeight, WHEN_CHOSEN } from '../weight.mjs';

const RUNS = Number(process.env.BENCH_RUNS || 5);
const { sums, files } = pageWeight(DIST);
for (const f of files) {
  if (f.part !== WHEN_CHOSEN) console.log(`${f.name}: ${f.raw} B raw, ${f.gz} B gzip (${f.part})`);
}
for (const [p, s] of Object.entries(sums)) {
  console.log(`page weight, ${p}: ${(s.raw / 1024).toFixed(0)} KiB raw, ${(s.gz / 1024).toFixed(1)} KiB gzip (${s.gz} B)`);
}

const h = await startHarness();
const paints = [];
const t = { name: 'bench', diagnostic() {} };
for (let i = 0; i < RUNS; i++) {
  await h.withPage(t, async (page) => {
    await page.goto(h.url);
    await page.getByTestId('cluster-clock').waitFor();
    const fcp = await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? -1);
    const clock = await page.evaluate(() => performance.now());
    paints.push({ fcp, clock });
  });
}
await h.close();
const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`first contentful paint: median ${median(paints.map((p) => p.fcp)).toFixed(0)} ms of ${RUNS} (${paints.map((p) => p.fcp.toFixed(0)).join(', ')})`);
console.log(`cluster clock shown (the run started) by: median ${median(paints.map((p) => p.clock)).toFixed(0)} ms`);
