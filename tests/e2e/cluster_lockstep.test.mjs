// The cluster in the tab: one web worker per broker, the main thread as the network in
// lockstep. The same scenario and seed give the CLI's journal byte for byte (the digest
// in tests/change_detectors/sim_journal_digest.json), and a reload restarts every broker from
// IndexedDB with its records intact.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startHarness, ROOT } from './harness.mjs';
import { view } from './page_api.mjs';

let h;
before(async () => { h = await startHarness(); });
after(async () => { await h?.close(); });

const digest = JSON.parse(fs.readFileSync(path.join(ROOT, 'tests/change_detectors/sim_journal_digest.json'), 'utf8'));

async function runToEnd(page) {
  await page.getByTestId('cluster-clock').waitFor();
  assert.equal(await page.evaluate(() => window.kafkaPlaygroundCommand(JSON.stringify({ SetSpeed: 100 }))), '');
  await page.waitForFunction(() => document.querySelector('[data-testid=cluster-clock]')?.dataset.paused === 'true',
    null, { timeout: 120_000 });
}

test('a run in the tab gives the CLI journal for the same scenario and seed', async (t) => {
  await h.withPage(t, async (page) => {
    await page.goto(`${h.url}?scenario=${digest.scenario}&seed=${digest.seed}`);
    await runToEnd(page);
    const got = JSON.parse(await page.evaluate(() => window.kafkaPlaygroundJournalDigest()));
    // 571 entries: less than a chunk, nothing spilled to IndexedDB.
    assert.deepEqual(got, { entries: digest.entries, bytes: digest.bytes, crc32c: digest.crc32c, spilled_entries: 0 });
    const v = await view(page);
    assert.deepEqual(v.violations, []);
    assert.equal(v.error, null);
  });
});

test('a reload restarts every broker from IndexedDB with its records', async (t) => {
  await h.withPage(t, async (page) => {
    await page.goto(`${h.url}?scenario=acks-all-survives-leader-crash&seed=3`);
    await runToEnd(page);
    const before = await view(page);
    const acked = before.producers[0].acknowledged_records;
    assert.ok(acked >= 20, `acknowledged ${acked}`);
    await page.reload();
    await page.getByTestId('cluster-clock').waitFor();
    assert.equal(await page.evaluate(() => window.kafkaPlaygroundCommand(JSON.stringify({ SetSpeed: 100 }))), '');
    // After the restart the brokers re-register, a leader is elected and the ISR refills.
    await page.waitForFunction(() => {
      const v = JSON.parse(window.kafkaPlaygroundView?.() || 'null');
      return v && v.now_ms > 60_000 && v.brokers.every(b => b.status === 'Up' && b.replicas.length === 1
        && b.replicas[0].high_watermark >= 20 && b.replicas[0].records.length >= 20);
    }, null, { timeout: 120_000 });
    const after = await view(page);
    assert.ok(after.journal_entries > 0);
    // The reloaded run has its own, new journal: it begins with every node restarting at
    // the time the first run was stored at, not with the first run's start at 0. (Its
    // length is no proof: at 100× the reloaded run may pass the first one's before the
    // brokers' pictures show the refilled ISR.)
    const journal = JSON.parse(await page.evaluate(() => window.kafkaPlaygroundJournal()));
    const first = journal.entries[0];
    assert.ok(first.Restart && first.Restart.at_ms === before.now_ms, JSON.stringify(first));
    for (const b of after.brokers) {
      const r = b.replicas[0];
      assert.deepEqual(r.records.slice(0, 20).map(x => x.offset), [...Array(20).keys()], `broker ${b.id}`);
    }
    await h.screenshot(page, 'cluster-reloaded');
  });
});
