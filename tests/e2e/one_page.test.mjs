// The one page (issue 12): opened without parameters, the page runs the lecture's
// notebook on the cluster engine (one broker in a web worker), and the lecture's records
// land where librdkafka's consistent_random puts them: CRC-32 of the key bytes(i)
// modulo 3 (computed here with node's zlib.crc32, not by the page), and the lecture's
// printed order per partition. From there a learner adds two brokers, creates a topic
// with RF 3 and min.insync.replicas 2 through the controller (a refused form shows
// Kafka's error at the form), produces through each partitioner, and a reload brings
// back every broker the page added.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { startHarness } from './harness.mjs';

let h;
before(async () => { h = await startHarness(); });
after(async () => { await h?.close(); });

async function view(page) {
  return JSON.parse(await page.evaluate(() => window.kafkaPlaygroundView?.() ?? 'null'));
}

/** Waits until `pred(view)` holds (the run goes on in virtual time meanwhile). */
async function until(page, pred, what, timeoutMs = 60_000) {
  const start = Date.now();
  for (;;) {
    const v = await view(page);
    if (v && pred(v)) return v;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await page.waitForTimeout(100);
  }
}

/** (value, partition) of every record some_topic's leaders hold. */
function notebookRecords(v) {
  const out = [];
  for (const b of v.brokers) {
    for (const r of b.replicas) {
      if (r.topic !== 'some_topic' || r.role !== 'leader') continue;
      for (const rec of r.records) out.push({ value: rec.value, partition: r.partition });
    }
  }
  return out;
}

test('first visit: the lecture notebook on the cluster engine, placed as librdkafka places it', { timeout: 120_000 }, async (t) => {
  await h.withPage(t, async (page) => {
    const workerJs = page.waitForResponse((r) => r.url().endsWith('/node_worker.js'));
    await page.goto(h.url);
    assert.equal(await page.title(), 'Kafka Playground');
    assert.equal((await workerJs).status(), 200);
    await command(page, { SetSpeed: 20 });
    const v = await until(page, (v) => notebookRecords(v).length === 25, '25 notebook records');
    assert.equal(v.scenario, 'lecture-notebook');
    assert.equal(v.brokers.length, 1, 'one broker, as the lecture\'s Docker setup');
    const got = notebookRecords(v);
    for (const { value, partition } of got) {
      const i = Number(value.replace('Msg ', ''));
      if (i === 0) continue; // bytes(0) is empty: consistent_random picks at random
      assert.equal(partition, zlib.crc32(Buffer.alloc(i)) % 3, value);
    }
    const of = (p) => got.filter((c) => c.partition === p && c.value !== 'Msg 0').map((c) => c.value);
    const msgs = (ids) => ids.map((i) => `Msg ${i}`);
    assert.deepEqual(of(1), msgs([1, 4, 5, 8, 9, 11, 13, 16, 19, 22]));
    assert.deepEqual(of(2), msgs([6, 7, 10, 14, 20, 24]));
    assert.deepEqual(of(0), msgs([2, 3, 12, 15, 17, 18, 21, 23]));
    // The producer's topic picker never defaults to an internal topic.
    const picked = await page.getByTestId('produce-topic').first().inputValue();
    assert.equal(picked, 'some_topic');
    await h.screenshot(page, 'one-page-first-visit');
  });
});

async function command(page, c) {
  assert.equal(await page.evaluate((t) => window.kafkaPlaygroundCommand(t), JSON.stringify(c)), '');
}

test('add two brokers, create a topic with RF 3, produce with each partitioner, reload', { timeout: 180_000 }, async (t) => {
  await h.withPage(t, async (page) => {
    await page.goto(`${h.url}?workspace=grow`);
    await until(page, (v) => v.brokers.length === 1 && v.topics.some((t) => t.name === 'some_topic'), 'the notebook');
    await command(page, { SetSpeed: 20 });

    // RF 3 on one broker: Kafka's refusal, at the form, and the typed name stays.
    await page.getByTestId('new-topic-name').fill('orders');
    await page.getByTestId('new-topic-partitions').fill('6');
    await page.getByTestId('new-topic-rf').fill('3');
    await page.getByTestId('new-topic-configs').fill('min.insync.replicas=2');
    await page.getByTestId('create-topic').click();
    assert.match(await page.getByTestId('create-topic-error').textContent(),
      /INVALID_REPLICATION_FACTOR: Replication factor: 3 larger than available brokers: 1\./);
    assert.equal(await page.getByTestId('new-topic-name').inputValue(), 'orders');

    await page.getByTestId('add-broker').click();
    await until(page, (v) => v.brokers.length === 2, 'broker 2');
    await page.getByTestId('add-broker').click();
    const grown = await until(page, (v) => v.brokers.length === 3 && v.brokers.every((b) => b.status === 'Up'), 'brokers 2 and 3 up');
    assert.deepEqual(grown.brokers.map((b) => b.id), [1, 2, 3]);
    // The controller counts them as live once they registered and heartbeat.
    let created = false;
    for (let tries = 0; tries < 100 && !created; tries++) {
      await page.getByTestId('create-topic').click();
      created = (await page.getByTestId('create-topic-error').count()) === 0;
      if (!created) await page.waitForTimeout(200);
    }
    assert.ok(created, 'orders created once three brokers are live');
    const v = await until(page, (v) => v.topics.some((t) => t.name === 'orders'), 'orders in the metadata');
    const orders = v.topics.find((t) => t.name === 'orders');
    assert.equal(orders.partitions.length, 6);
    assert.equal(orders.replication_factor, 3);
    assert.equal(orders.min_insync_replicas, 2);
    for (const p of orders.partitions) assert.equal(new Set(p.replicas).size, 3);

    // Each partitioner, keyed records: murmur2 and the built-in one agree with Java's
    // hash; every record is acknowledged.
    await page.getByTestId('produce-topic').first().selectOption('orders');
    for (const partitioner of ['built_in', 'murmur2', 'murmur2_random', 'consistent', 'consistent_random', 'fnv1a', 'fnv1a_random', 'random']) {
      await page.getByTestId('produce-partitioner').first().selectOption(partitioner);
      await page.getByTestId('produce-count').first().fill('3');
      await page.getByTestId('produce-submit').first().click();
    }
    await page.getByTestId('produce-partition').first().fill('6');
    await page.getByTestId('produce-submit').first().click();
    assert.match(await page.getByTestId('produce-partition-error').textContent(),
      /Invalid partition given with record: 6 is not in the range \[0\.\.\.6\)\./);
    await until(page, (v) => v.producers[0].acknowledged_records >= 25 + 24 && v.producers[0].records_in_flight === 0, '24 more acknowledged');
    await h.screenshot(page, 'one-page-three-brokers');

    await page.reload();
    const back = await until(page, (v) => v.brokers.length === 3 && v.topics.some((t) => t.name === 'orders'), 'three brokers after reload');
    assert.deepEqual(back.brokers.map((b) => b.id), [1, 2, 3]);
  });
});
