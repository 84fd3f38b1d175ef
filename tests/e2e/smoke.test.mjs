// Pipeline smoke test: the page loads, the Yew app spawns the broker web worker from
// /broker_worker.js (wasm served as application/wasm), the worker opens its IndexedDB
// workspace and the first-visit example topic shows up. Detailed page tests live in
// their own tests/e2e/<topic>.test.mjs files.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness } from './harness.mjs';

let h;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h?.close();
});

test('the page loads and the broker worker answers', { timeout: 90_000 }, async (t) => {
  await h.withPage(t, async (page) => {
    const workerJs = page.waitForResponse((r) => r.url().endsWith('/broker_worker.js'));
    const workerWasm = page.waitForResponse((r) => r.url().endsWith('/broker_worker_bg.wasm'));
    await page.goto(h.url);
    assert.equal(await page.title(), 'Kafka Playground');

    // The worker was loaded the way gloo-worker asks for it, wasm with wasm's MIME type.
    assert.equal((await workerJs).status(), 200);
    const wasm = await workerWasm;
    assert.equal(wasm.status(), 200);
    assert.equal(wasm.headers()['content-type'], 'application/wasm');

    // The worker answered: the workspace is open and the example topic exists.
    await page.getByTestId('loading').waitFor({ state: 'detached' });
    await page.getByTestId('topic').first().waitFor();
    assert.equal(await page.getByTestId('storage-error').count(), 0);

    await h.screenshot(page, 'smoke-page');
  });
});
