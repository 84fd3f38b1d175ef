// Benchmark (not part of the test command): the timeline's seek in the tab (#14 point 2:
// "seeking to any moment of a 60-second lecture scenario takes ≤ 1 s"). For each
// scenario a lesson runs (the lecture's), the page runs it to its end as fast as it
// goes, then looks back at its last moment (the worst case: the replay in the page's
// main thread runs the whole scenario from 0), and at its middle; wall time from the
// slider's change to the picture of that moment. Each seek starts a new replay (back to
// now between them). Prints the median of RUNS seeks of each, and the achieved speed of
// the live run at the control's maximum (100×) over its first 10 virtual seconds.

import { readFileSync, readdirSync } from 'node:fs';
import { startHarness, ROOT } from '../harness.mjs';

const RUNS = Number(process.env.BENCH_RUNS || 3);
const h = await startHarness();
const t = { name: 'bench', diagnostic() {} };
const lessons = readdirSync(`${ROOT}/lessons`).filter((f) => f.endsWith('.json'));
const scenarios = [...new Set(lessons.map((f) => JSON.parse(readFileSync(`${ROOT}/lessons/${f}`, 'utf8')).scenario))];

const viewOf = (page) => page.evaluate(() => JSON.parse(window.kafkaPlaygroundView?.() ?? 'null'));
const command = (page, c) => page.evaluate((x) => window.kafkaPlaygroundCommand(x), JSON.stringify(c));

async function waitFor(page, pred) {
  for (;;) {
    const v = await viewOf(page);
    if (v && pred(v)) return v;
    await page.waitForTimeout(20);
  }
}

async function seek(page, ms) {
  await command(page, 'BackToNow');
  const started = await page.evaluate(() => performance.now());
  await command(page, { Seek: ms });
  await page.waitForFunction((at) => {
    const v = JSON.parse(window.kafkaPlaygroundView?.() ?? 'null');
    return v?.timeline?.looking_at_ms === at && !v.timeline.seeking && v.now_ms === at;
  }, ms, { timeout: 120_000, polling: 5 });
  return (await page.evaluate(() => performance.now())) - started;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

try {
  console.log('| scenario | virtual s | seek to the end (median ms) | seek to the middle (median ms) | achieved at 100× |');
  console.log('|---|---:|---:|---:|---:|');
  for (const name of scenarios) {
    await h.withPage(t, async (page) => {
      await page.goto(`${h.url}?scenario=${name}&seed=1`);
      await page.getByTestId('cluster-clock').waitFor();
      await command(page, { SetSpeed: 100 });
      const v0 = await waitFor(page, (v) => v.now_ms >= 1_000);
      const w0 = await page.evaluate(() => performance.now());
      const v1 = await waitFor(page, (v) => v.now_ms >= v0.now_ms + 10_000 || v.paused);
      const w1 = await page.evaluate(() => performance.now());
      const achieved = (v1.now_ms - v0.now_ms) / (w1 - w0);
      await command(page, { SetSpeed: 1e6 });
      const end = await waitFor(page, (v) => v.paused && v.now_ms === v.until_ms);
      const ends = [];
      const middles = [];
      for (let i = 0; i < RUNS; i++) {
        ends.push(await seek(page, end.until_ms));
        middles.push(await seek(page, Math.floor(end.until_ms / 2)));
      }
      console.log(`| ${name} | ${end.until_ms / 1000} | ${median(ends).toFixed(0)} | ${median(middles).toFixed(0)} | ${achieved.toFixed(1)}× |`);
    });
  }
} finally {
  await h.close();
}
