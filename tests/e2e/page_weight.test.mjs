// The page's weight budget (issue 16 point 7): everything the first paint needs (the
// HTML, the CSS, the app's JS and wasm) is at most 500 KB gzip -9, so a course page that
// embeds the playground over a real network paints it soon; the run's workers load once
// the page is up. Sizes of the release build, not times: the benchmark
// (tests/e2e/bench/page_weight.mjs) measures the paint itself.

import test from 'node:test';
import assert from 'node:assert/strict';
import { DIST } from './harness.mjs';
import { pageWeight, FIRST_PAINT, THE_RUN } from './weight.mjs';

const BUDGET_BYTES = 500_000;

test('what the first paint needs is at most 500 KB gzip; the run loads apart from it', () => {
  const { sums, files } = pageWeight(DIST);
  const first = files.filter((f) => f.part === FIRST_PAINT).map((f) => f.name);
  // The page itself is there, and nothing of the run is counted as the page's.
  assert.ok(first.includes('index.html') && first.some((n) => n.endsWith('_bg.wasm')), `first paint: ${first}`);
  assert.ok(files.some((f) => f.part === THE_RUN && f.name === 'run_worker_bg.wasm'), 'the run worker is built');
  assert.ok(
    sums[FIRST_PAINT].gz <= BUDGET_BYTES,
    `the first paint needs ${sums[FIRST_PAINT].gz} B gzip, over the ${BUDGET_BYTES} B budget: ` +
      files.filter((f) => f.part === FIRST_PAINT).map((f) => `${f.name} ${f.gz} B`).join(', '),
  );
});
