// Benchmark (not part of the test command; run by scripts/bench.sh): what a learner's
// browser downloads and how soon the page paints. Page weight: every file of dist/ the
// page loads (app and node worker, wasm and JS, CSS, HTML), raw and gzip -9. First paint:
// Chromium's first-contentful-paint of the default page on localhost, a fresh context
// each time (cold cache), median of RUNS loads.

import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { startHarness, DIST } from '../harness.mjs';

const RUNS = Number(process.env.BENCH_RUNS || 5);
let raw = 0;
let gz = 0;
const rows = [];
for (const name of fs.readdirSync(DIST).sort()) {
  const file = path.join(DIST, name);
  if (!fs.statSync(file).isFile()) continue;
  const bytes = fs.readFileSync(file);
  const packed = zlib.gzipSync(bytes, { level: 9 }).length;
  raw += bytes.length;
  gz += packed;
  rows.push(`${name}: ${bytes.length} B raw, ${packed} B gzip`);
}
console.log(rows.join('\n'));
console.log(`page weight: ${(raw / 1024).toFixed(0)} KiB raw, ${(gz / 1024).toFixed(0)} KiB gzip`);

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
