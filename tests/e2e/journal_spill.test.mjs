// The tab's journal stays bounded in memory (issue 12, point 6): a loaded run spills its
// journal's full chunks to IndexedDB, and still gives the CLI's journal byte for byte:
// the digest (entries, bytes, CRC-32C), the text of window.kafkaPlaygroundJournal() and
// the file the page's "download journal" button saves all equal `kafka-playground run
// benches/standard-scenario.json --seed 1 --journal FILE` (run here through cargo, so
// the CLI is this tree's). A reload resumes the run with a journal of its own: no chunk
// of the first life is left in the workspace's database.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { startHarness, ROOT, RESULTS } from './harness.mjs';
import { view, until, command } from './page_api.mjs';

let h;
before(async () => { h = await startHarness(); });
after(async () => { await h?.close(); });

const SEED = 1;
const WORKSPACE = 'spill';
const DB = `kafka-playground/${WORKSPACE}/cluster-bench-standard`;
/** The pseudo node id the tab stores journal chunks under (spill.rs JOURNAL_NODE). */
const JOURNAL_NODE = 4294967295;

/** CRC-32C (Castagnoli, reflected 0x82F63B78), bit by bit: independent of the Rust one. */
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  return c >>> 0;
});
function crc32c(bytes) {
  let crc = 0xffffffff;
  for (const b of bytes) crc = CRC_TABLE[(crc ^ b) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283, 'the CRC-32C check value');

/** The CLI's journal of the same scenario and seed. */
function cliJournal() {
  const file = path.join(RESULTS, 'journal-spill-cli.json');
  fs.mkdirSync(RESULTS, { recursive: true });
  execFileSync('cargo', ['run', '--quiet', '--bin', 'kafka-playground', '--', 'run',
    'benches/standard-scenario.json', '--seed', String(SEED), '--journal', file],
  { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'], timeout: 600_000 });
  return fs.readFileSync(file);
}

/** Keys of the journal chunks in the workspace's database, read with IndexedDB directly. */
async function storedChunks(page) {
  return page.evaluate(async ([name, node]) => {
    const db = await new Promise((ok, fail) => {
      const r = indexedDB.open(name);
      r.onsuccess = () => ok(r.result);
      r.onerror = () => fail(r.error);
    });
    const keys = await new Promise((ok, fail) => {
      const tx = db.transaction('meta', 'readonly');
      const req = tx.objectStore('meta').getAllKeys(IDBKeyRange.bound([node], [node, []]));
      tx.oncomplete = () => ok(req.result.map((k) => k[1]));
      tx.onerror = () => fail(tx.error);
    });
    db.close();
    return keys;
  }, [DB, JOURNAL_NODE]);
}

test('a loaded run spills its journal and still gives the CLI journal byte for byte', { timeout: 900_000 }, async (t) => {
  const cli = cliJournal();
  const cliEntries = JSON.parse(cli.toString('utf8')).entries.length;
  const cliSha = crypto.createHash('sha256').update(cli).digest('hex');
  await h.withPage(t, async (page) => {
    await page.goto(`${h.url}?scenario=bench-standard&seed=${SEED}&workspace=${WORKSPACE}`);
    await page.getByTestId('cluster-clock').waitFor();
    await command(page, { SetSpeed: 1e6 });
    await page.waitForFunction(() => document.querySelector('[data-testid=cluster-clock]')?.dataset.paused === 'true',
      null, { timeout: 600_000 });
    const v = await view(page);
    assert.equal(v.error, null);
    assert.deepEqual(v.violations, []);

    const digest = JSON.parse(await page.evaluate(() => window.kafkaPlaygroundJournalDigest()));
    assert.deepEqual({ entries: digest.entries, bytes: digest.bytes, crc32c: digest.crc32c },
      { entries: cliEntries, bytes: cli.length, crc32c: crc32c(cli) }, 'the digest is the CLI journal\'s');
    // More than three chunks (of 1,024 entries) went to IndexedDB and left memory.
    assert.ok(digest.spilled_entries >= 3 * 1024 && digest.spilled_entries % 1024 === 0,
      `spilled ${digest.spilled_entries} of ${digest.entries}`);
    const chunks = await storedChunks(page);
    // Each chunk is stored as one or more documents of about 2 MiB of text.
    assert.ok(chunks.length >= digest.spilled_entries / 1024, `documents stored: ${chunks}`);

    // The text scripts get: hashed in the page (77 MB need not cross to the test).
    const text = await page.evaluate(async () => {
      const t = await window.kafkaPlaygroundJournal();
      const bytes = new TextEncoder().encode(t);
      const sha = [...new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))]
        .map((b) => b.toString(16).padStart(2, '0')).join('');
      return { length: bytes.length, sha, head: t.slice(0, 9), tail: t.slice(-2) };
    });
    assert.deepEqual(text, { length: cli.length, sha: cliSha, head: '{"seed":1', tail: ']}' });

    // The page's button saves the same bytes.
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: 120_000 }),
      page.getByTestId('download-journal').click(),
    ]);
    assert.equal(download.suggestedFilename(), `bench-standard-seed-${SEED}-journal.json`);
    const saved = fs.readFileSync(await download.path());
    assert.equal(saved.length, cli.length);
    assert.ok(saved.equals(cli), 'the downloaded journal is the CLI\'s');

    // A reload resumes the run with a new journal: the first life's chunks are gone.
    await page.reload();
    await until(page, (x) => x.brokers.length === 3 && x.brokers.every((b) => b.status === 'Up'), 'the brokers back');
    // The digest and the journal of one moment: paused, the resumed run adds no entries
    // between the two questions (each goes to the run worker on its own).
    await command(page, 'Pause');
    await until(page, (x) => x.paused, 'the run paused');
    const digestText = await page.evaluate(() => window.kafkaPlaygroundJournalDigest());
    const journalText = await page.evaluate(() => window.kafkaPlaygroundJournal());
    const resumed = JSON.parse(digestText);
    assert.equal(resumed.spilled_entries, 0);
    assert.deepEqual(await storedChunks(page), [], 'no chunk of the first life is left');
    const journal = JSON.parse(journalText);
    assert.ok(journal.entries[0].Restart, JSON.stringify(journal.entries[0]));
    assert.equal(journal.entries.length, resumed.entries);
  });
});
