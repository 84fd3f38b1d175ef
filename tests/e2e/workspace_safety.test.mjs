// Bounds and safety of a workspace (issue 12, point 6). Two tabs on one workspace: the
// second is told another tab runs it, starts nothing and writes nothing to its IndexedDB
// (the database's content is compared before and after, read by the test itself), and
// takes over when the first closes (Web Locks). "Start over" while records flow leaves
// nothing of the old run: the new run's database holds what a fresh run of the same
// scenario and seed holds (same segments, same bytes per partition, no old topic in the
// controller's metadata). A reload while records flow resumes a run whose replicas and
// picture agree, and whose journal the CLI replays.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { startHarness, collectErrors, assertNoErrors, ROOT } from './harness.mjs';
import { view, until, command } from './page_api.mjs';

let h;
before(async () => { h = await startHarness(); });
after(async () => { await h?.close(); });

const DB = (ws) => `kafka-playground/${ws}/cluster-lecture-notebook`;

/** Everything in the workspace's database, read with IndexedDB directly from `page`:
 *  chunks as "key → byte length", meta as "key → value". */
async function dumpDb(page, name) {
  return page.evaluate(async (name) => {
    const db = await new Promise((ok, fail) => {
      const r = indexedDB.open(name);
      r.onsuccess = () => ok(r.result);
      r.onerror = () => fail(r.error);
    });
    const all = (store) => new Promise((ok, fail) => {
      const tx = db.transaction(store, 'readonly');
      const keys = tx.objectStore(store).getAllKeys();
      const values = tx.objectStore(store).getAll();
      tx.oncomplete = () => ok(keys.result.map((k, i) => [JSON.stringify(k), values.result[i]]));
      tx.onerror = () => fail(tx.error);
    });
    const chunks = (await all('segment_chunks')).map(([k, v]) => [k, v.byteLength]);
    const meta = await all('meta');
    db.close();
    return { chunks, meta };
  }, name);
}

/** Bytes per [broker, topic, partition] of the chunks. */
function bytesPerPartition(dump) {
  const out = {};
  for (const [k, n] of dump.chunks) {
    const [broker, topic, partition] = JSON.parse(k);
    const key = `${broker}/${topic}-${partition}`;
    out[key] = (out[key] ?? 0) + n;
  }
  return out;
}

test('a second tab on the workspace waits and writes nothing; it takes over when the first closes', { timeout: 240_000 }, async (t) => {
  await h.withPage(t, async (page, handle) => {
    // The harness's page runs nothing (an unknown scenario) and reads the database.
    await page.goto(`${h.url}?scenario=none`);
    const errors = [];
    const tab = async () => {
      const p = await handle.context.newPage();
      collectErrors(p, errors);
      return p;
    };
    const url = `${h.url}?workspace=twotabs`;
    const first = await tab();
    await first.goto(url);
    await command(first, { SetSpeed: 20 });
    await until(first, (v) => v.producers[0]?.acknowledged_records === 25, 'the notebook\'s 25 records');
    await command(first, 'Pause');
    await first.waitForTimeout(1500); // the pause commits what the brokers wrote
    const stored = await dumpDb(page, DB('twotabs'));
    assert.ok(stored.chunks.length > 0 && stored.meta.some(([k]) => k === '[0,"run"]'), 'the run is stored');

    const second = await tab();
    await second.goto(url);
    const busy = second.getByTestId('workspace-busy');
    await busy.waitFor();
    assert.match(await busy.textContent(), /open in another tab.*writes nothing/);
    assert.match(await second.getByTestId('workspace-busy-new').getAttribute('href'),
      /\?scenario=lecture-notebook&seed=1&workspace=tab-[0-9a-z]+$/);
    assert.equal(await second.getByTestId('loading').count(), 0);
    await second.getByTestId('lang-ru').click();
    assert.match(await busy.textContent(), /открыто в другой вкладке.*ничего не пишет/);
    assert.match(await second.getByTestId('workspace-busy-new').textContent(), /в новом рабочем пространстве/);
    await second.getByTestId('lang-en').click();
    await second.waitForTimeout(3000);
    assert.equal(await view(second), null, 'no run in the second tab');
    assert.deepEqual(await dumpDb(page, DB('twotabs')), stored, 'the second tab wrote nothing');

    // The first tab closes: the second takes the workspace over and resumes its run.
    const frozenAt = (await view(first)).now_ms;
    await first.close();
    const resumed = await until(second, (v) => v.brokers.length === 1, 'the second tab running the workspace');
    assert.equal(await busy.count(), 0);
    assert.ok(resumed.now_ms >= frozenAt - 1000, `resumed at ${resumed.now_ms} ms, stored at ${frozenAt}`);
    await until(second, (v) => v.brokers[0].replicas.filter((r) => r.topic === 'some_topic')
      .reduce((n, r) => n + r.log_end_offset, 0) === 25, 'the 25 records recovered');

    // A third tab waits on the second, and gets the workspace when the second closes.
    const third = await tab();
    await third.goto(url);
    await third.getByTestId('workspace-busy').waitFor();
    await second.close();
    await until(third, (v) => v.brokers.length === 1, 'the third tab running the workspace');
    await third.waitForTimeout(300);
    assertNoErrors(errors, 'the tabs');
  });
});

/** Creates a topic through the admin card, retrying while the broker registers. */
async function createTopic(page, name) {
  await page.getByTestId('new-topic-name').fill(name);
  await page.getByTestId('new-topic-partitions').fill('2');
  await page.getByTestId('new-topic-rf').fill('1');
  for (let tries = 0; tries < 100; tries++) {
    await page.getByTestId('create-topic').click();
    if ((await page.getByTestId('create-topic-error').count()) === 0) break;
    await page.waitForTimeout(200);
  }
  await until(page, (v) => v.topics.some((t) => t.name === name), `${name} in the metadata`);
}

/** Keeps records flowing: the page itself sends 50 records every 20 ms (wall) until
 *  stopPump; returns once 500 more than the notebook's are acknowledged. */
async function startPump(page) {
  const client = (await view(page)).producers[0].id;
  await command(page, { SetSpeed: 20 });
  await page.evaluate((client) => {
    const c = JSON.stringify({ Produce: { client, topic: 'some_topic', count: 50, key: 'k-{i}', value: 'v-{i}' } });
    window.__pumpCommand = c;
    window.__pump = setInterval(() => window.kafkaPlaygroundCommand(c), 20);
  }, client);
  await until(page, (v) => v.producers[0].acknowledged_records >= 525, 'records flowing');
}

/** Runs a fresh workspace's notebook until its 25 records are in and it is paused. */
async function settled(page, ws) {
  await until(page, (v) => v.producers[0]?.acknowledged_records >= 25 && v.now_ms > 20_000, `${ws}: 25 records and 20 s`);
  await command(page, 'Pause');
  await page.waitForTimeout(1500);
  return view(page);
}

test('start over while records flow: the new run\'s database is a fresh run\'s', { timeout: 300_000 }, async (t) => {
  let fresh;
  let freshCounts;
  const counts = (v) => v.producers.map((p) => [p.acknowledged_records, p.failed_records, p.records_in_flight]);
  await h.withPage(`${t.name} (fresh)`, async (page) => {
    await page.goto(`${h.url}?workspace=fresh`);
    await command(page, { SetSpeed: 100 });
    freshCounts = counts(await settled(page, 'fresh'));
    fresh = await dumpDb(page, DB('fresh'));
  });
  await h.withPage(t, async (page) => {
    await page.goto(`${h.url}?workspace=restart`);
    await command(page, { SetSpeed: 20 });
    await until(page, (v) => v.producers[0]?.acknowledged_records === 25, 'the notebook');
    await createTopic(page, 'old-run-topic');
    await startPump(page);
    page.on('dialog', (d) => d.accept());
    // In one go, as a learner's last click lands while a window runs: the pump stops,
    // the run goes flat out (so a window is in progress and the next command waits for
    // it), 50 more records are asked of the old run, and "Start over" is clicked.
    // Nothing of that request may reach the new run.
    await page.evaluate(() => {
      clearInterval(window.__pump);
      window.kafkaPlaygroundCommand(JSON.stringify({ SetSpeed: 1e6 }));
      window.kafkaPlaygroundCommand(window.__pumpCommand);
      document.querySelector('[data-testid=reset]').click();
    });
    // The new run keeps the speed the learner chose (here flat out), so it may be at its
    // end before this look: it is known by its topics, not by its clock.
    const v = await until(
      page,
      (v) => v.topics.some((x) => x.name === 'some_topic') && !v.topics.some((x) => x.name === 'old-run-topic'),
      'the new run',
    );
    assert.equal(v.error, null);
    await command(page, { SetSpeed: 100 });
    assert.deepEqual(counts(await settled(page, 'restart')), freshCounts, 'the producer sent what a fresh run sends');
    assert.equal(await page.getByTestId('cluster-error').count(), 0);
    const got = await dumpDb(page, DB('restart'));
    assert.deepEqual(bytesPerPartition(got), bytesPerPartition(fresh), 'segments as a fresh run\'s');
    assert.deepEqual(got.chunks.map(([k]) => k).sort(), fresh.chunks.map(([k]) => k).sort());
    const metaNames = (d) => d.meta.map(([k]) => k).sort();
    assert.deepEqual(metaNames(got), metaNames(fresh));
    for (const [k, value] of got.meta) {
      assert.ok(!String(value).includes('old-run-topic'), `${k} holds nothing of the old run`);
    }
    // A reload resumes the new run, not the old one.
    await page.reload();
    const back = await until(page, (v) => v.brokers.length === 1 && v.topics.some((x) => x.name === 'some_topic'), 'the run after reload');
    assert.ok(!back.topics.some((x) => x.name === 'old-run-topic'));
  });
});

test('a reload while records flow resumes a consistent run whose journal replays', { timeout: 600_000 }, async (t) => {
  await h.withPage(t, async (page) => {
    await page.goto(`${h.url}?workspace=reload`);
    await command(page, { SetSpeed: 20 });
    await until(page, (v) => v.producers[0]?.acknowledged_records === 25, 'the notebook');
    await startPump(page);
    await page.reload();
    await until(page, (v) => v.brokers.length === 1 && v.brokers[0].status === 'Up', 'the broker back');
    await command(page, { SetSpeed: 100 });
    await page.waitForTimeout(2000);
    await command(page, 'Pause');
    await page.waitForTimeout(1500);
    const v = await view(page);
    assert.equal(v.error, null);
    assert.equal(await page.getByTestId('cluster-error').count(), 0);
    assert.deepEqual(v.violations, []);
    // Every partition: the controller's leader hosts it, and its replica's offsets are
    // ordered log start ≤ high watermark ≤ log end; with one replica the high watermark
    // is the log end offset, and the picture's records end there.
    const some = v.topics.find((x) => x.name === 'some_topic');
    let total = 0;
    for (const p of some.partitions) {
      const r = v.brokers[0].replicas.find((x) => x.topic === 'some_topic' && x.partition === p.partition);
      assert.ok(r, `some_topic-${p.partition} on broker 1`);
      assert.equal(p.leader, 1);
      assert.ok(r.log_start_offset <= r.high_watermark && r.high_watermark <= r.log_end_offset, JSON.stringify(r));
      assert.equal(r.high_watermark, r.log_end_offset, `some_topic-${p.partition}: ISR = {1}`);
      if (r.records.length) assert.equal(r.records.at(-1).offset, r.log_end_offset - 1);
      total += r.log_end_offset;
    }
    // A reload may lose the writes of the last 100 ms, as a power cut loses the page
    // cache; what was written long before (the notebook's 25) is there.
    assert.ok(total >= 25, `records kept after the reload: ${total}`);
    // The resumed run's journal replays natively.
    const journal = await page.evaluate(() => window.kafkaPlaygroundJournal());
    const file = path.join(ROOT, 'test-results', 'reload-mid-run-journal.json');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, journal);
    // Through cargo, so the CLI is this tree's (built already after the native suite).
    const replay = execFileSync('cargo', ['run', '--quiet', '--bin', 'kafka-playground', '--', 'replay', file],
      { cwd: ROOT, maxBuffer: 1 << 28 }).toString();
    const replayed = JSON.parse(replay);
    assert.equal(replayed.seed, 1);
    // The resumed run's journal starts from the stored state (every node restarts), so
    // its replay rebuilds the cluster's metadata, not the records recovered from disk.
    const partitions = replayed.final_state.nodes['1'].partitions;
    for (const p of some.partitions) {
      assert.equal(partitions[`some_topic-${p.partition}`]?.leader, 1, `some_topic-${p.partition} in the replay`);
    }
  });
});
