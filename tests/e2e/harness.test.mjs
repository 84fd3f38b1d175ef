// The harness itself: proves that errors in the page or in a web worker, and Rust panic
// text, make a test fail, so green e2e runs mean something.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import { startHarness, tempDir } from './harness.mjs';

let h;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h?.close();
});

async function expectCaught(name, action, pattern) {
  await assert.rejects(
    h.withPage(name, async (page) => {
      await page.goto(h.url);
      await page.evaluate(action);
      await page.waitForTimeout(300);
    }, { screenshotOnFailure: false }),
    pattern,
  );
}

test('an uncaught page error fails the test', async () => {
  await expectCaught('harness-page-error', () => setTimeout(() => { throw new Error('boom-page'); }), /boom-page/);
});

test('Rust panic text in the console fails the test', async () => {
  await expectCaught(
    'harness-panic',
    () => console.log("panicked at src/engine/mod.rs:1:1:\nboom-panic"),
    /boom-panic/,
  );
});

test('an uncaught error inside a web worker fails the test', async () => {
  await expectCaught(
    'harness-worker-error',
    () => {
      const src = "setTimeout(() => { throw new Error('boom-worker'); });";
      new Worker(URL.createObjectURL(new Blob([src], { type: 'text/javascript' })));
    },
    /boom-worker/,
  );
});

test('a missing file fails the test', async () => {
  await expectCaught('harness-404', () => fetch('/no-such-file.wasm'), /HTTP 404/);
});

test('a userDataDir profile keeps IndexedDB across a browser restart', async () => {
  const dir = await tempDir();
  try {
    const idb = (op) =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open('e2e-harness-probe', 1);
        open.onupgradeneeded = () => open.result.createObjectStore('kv');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const tx = open.result.transaction('kv', 'readwrite');
          const store = tx.objectStore('kv');
          const req = op === 'put' ? store.put('kept', 'probe') : store.get('probe');
          tx.oncomplete = () => { open.result.close(); resolve(req.result ?? null); };
          tx.onerror = () => reject(tx.error);
        };
      });
    await h.withPage('harness-profile-write', async (page) => {
      await page.goto(h.url);
      await page.evaluate(idb, 'put');
    }, { userDataDir: dir });
    await h.withPage('harness-profile-read', async (page) => {
      await page.goto(h.url);
      assert.equal(await page.evaluate(idb, 'get'), 'kept');
    }, { userDataDir: dir });
    // A fresh context does not see it.
    await h.withPage('harness-fresh-context', async (page) => {
      await page.goto(h.url);
      assert.equal(await page.evaluate(idb, 'get'), null);
    });
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});
