// The one page (issue 12): opened without parameters, the page runs the lecture's
// notebook on the cluster engine (one broker in a web worker), and the lecture's records
// land where librdkafka's consistent_random puts them: CRC-32 of the key bytes(i)
// modulo 3 (computed here with node's zlib.crc32, not by the page), and the lecture's
// printed order per partition. From there a learner adds two brokers, creates a topic
// with RF 3 and min.insync.replicas 2 through the controller (a refused form shows
// Kafka's error at the form), produces through each partitioner, and a reload brings
// back every broker the page added. Retention deletes segments on every replica (the
// followers' log start offsets move), a compacted topic keeps the newest value per key
// after cleaning, and a follower's segment downloads as Kafka's three files whose .log
// kafka-python 3.0.12 (tests/kafka_python/validate_segment.py) reads with valid CRCs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { startHarness, ROOT } from './harness.mjs';
import { view, until, command, replicasOf, addTwoBrokers } from './page_api.mjs';

let h;
before(async () => { h = await startHarness(); });
after(async () => { await h?.close(); });

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
    // The run worker loads, and starts the broker's worker from its own scope.
    const runJs = page.waitForResponse((r) => r.url().endsWith('/run_worker.js'));
    const workerJs = page.waitForResponse((r) => r.url().endsWith('/node_worker.js'));
    await page.goto(h.url);
    assert.equal(await page.title(), 'Kafka Playground');
    assert.equal((await runJs).status(), 200);
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
    await page.getByTestId('produce-more').first().click();
    for (const partitioner of ['built_in', 'murmur2', 'murmur2_random', 'consistent', 'consistent_random', 'fnv1a', 'fnv1a_random', 'random']) {
      await page.getByTestId('produce-partitioner').first().selectOption(partitioner);
      await page.getByTestId('produce-count').first().fill('3');
      await page.getByTestId('produce-submit').first().click();
    }
    // An explicit partition: a negative one is refused at the form with ProducerRecord's
    // words; one the topic does not have is sent, and send() waits for it in the metadata
    // (KafkaProducer.waitOnMetadata) up to max.block.ms (60000 ms), then fails with
    // Kafka's TimeoutException words.
    await page.getByTestId('produce-partition').first().fill('-1');
    await page.getByTestId('produce-submit').first().click();
    assert.equal(await page.getByTestId('produce-partition-error').textContent(),
      'Invalid partition: -1. Partition number should always be non-negative or null.');
    await page.getByTestId('produce-count').first().fill('1');
    await page.getByTestId('produce-partition').first().fill('6');
    const sentAt = (await view(page)).now_ms;
    await page.getByTestId('produce-submit').first().click();
    assert.equal(await page.getByTestId('produce-partition-error').count(), 0);
    // While it waits, the producer's card says why.
    const blocked = page.getByTestId('producer-blocked').first();
    await blocked.waitFor();
    assert.equal(await blocked.getAttribute('data-partition'), '6');
    assert.match(await blocked.textContent(),
      /^⚠ send\(\) blocked in waitOnMetadata: this producer's metadata has no partition orders-6 \(orders: partition count 6\) — .*max\.block\.ms = 60000 ms: [\d.]+ s · 1 record$/);
    const words = 'Partition 6 of topic orders with partition count 6 is not present in metadata after 60000 ms.';
    const timedOut = await until(page, (v) => v.events.some(([, , e]) => e.Refused?.reason === words), 'the blocked send timed out');
    const [failedAt] = timedOut.events.find(([, , e]) => e.Refused?.reason === words);
    assert.ok(failedAt - sentAt >= 60_000, `blocked ${failedAt - sentAt} ms, max.block.ms is 60000`);
    await page.getByTestId('producer-blocked').waitFor({ state: 'detached' });
    await until(page, (v) => v.producers[0].acknowledged_records >= 25 + 24 && v.producers[0].records_in_flight === 0
      && v.producers[0].failed_records === 1, '24 more acknowledged, the blocked one failed');
    await h.screenshot(page, 'one-page-three-brokers');

    await page.reload();
    const back = await until(page, (v) => v.brokers.length === 3 && v.topics.some((t) => t.name === 'orders'), 'three brokers after reload');
    assert.deepEqual(back.brokers.map((b) => b.id), [1, 2, 3]);
  });
});

/** Creates a topic through the admin card, retrying while brokers are registering. */
async function createTopic(page, name, partitions, rf, configs) {
  await page.getByTestId('new-topic-name').fill(name);
  await page.getByTestId('new-topic-partitions').fill(String(partitions));
  await page.getByTestId('new-topic-rf').fill(String(rf));
  await page.getByTestId('new-topic-configs').fill(configs);
  for (let tries = 0; tries < 100; tries++) {
    await page.getByTestId('create-topic').click();
    if ((await page.getByTestId('create-topic-error').count()) === 0) break;
    await page.waitForTimeout(200);
  }
  assert.equal(await page.getByTestId('create-topic-error').count(), 0, `${name} created`);
  await until(page, (v) => v.topics.some((t) => t.name === name), `${name} in the metadata`);
}

test('retention on every replica, compaction, and a follower\'s segment read by kafka-python', { timeout: 240_000 }, async (t) => {
  await h.withPage(t, async (page) => {
    await page.goto(`${h.url}?workspace=logs`);
    await until(page, (v) => v.topics.some((t) => t.name === 'some_topic'), 'the notebook');
    await command(page, { SetSpeed: 20 });
    await addTwoBrokers(page);

    // Small segments and a short retention.ms: retention deletes on every replica.
    // retention.ms 60 s of virtual time (3 s of wall time at 20×): nothing is deleted
    // before the download below.
    await createTopic(page, 'events', 1, 3, 'segment.bytes=200\nretention.ms=60000\nmin.insync.replicas=2');
    await page.getByTestId('produce-topic').first().selectOption('events');
    for (let i = 0; i < 6; i++) {
      await page.getByTestId('produce-count').first().fill('2');
      await page.getByTestId('produce-submit').first().click();
      await page.waitForTimeout(150);
    }
    await until(page, (v) => replicasOf(v, 'events', 0).length === 3 && replicasOf(v, 'events', 0).every((r) => r.log_end_offset === 12 && r.high_watermark === 12), 'events replicated');

    // A follower's segment downloads as Kafka's files, and kafka-python reads its .log.
    const v = await view(page);
    const leader = v.topics.find((x) => x.name === 'events').partitions[0].leader;
    const follower = replicasOf(v, 'events', 0).map((r) => r.broker).find((b) => b !== leader);
    // Paused, so the periodic retention task (every 10 s of virtual time) does not
    // delete the segment between choosing it and downloading it.
    await command(page, 'Pause');
    await page.getByTestId('log-panel-toggle').click();
    await page.getByTestId('log-replica').selectOption({ label: `events-0 · Broker ${follower}` });
    await page.getByTestId('log-segment').first().waitFor();
    const rows = page.getByTestId('log-segment');
    let row = -1;
    for (let i = 0; i < (await rows.count()) && row < 0; i++) {
      if (Number(await rows.nth(i).locator('td').nth(3).textContent()) > 0) row = i;
    }
    assert.ok(row >= 0, 'a segment with records');
    const downloads = [];
    page.on('download', (d) => downloads.push(d));
    await rows.nth(row).getByTestId('log-download').click();
    for (let i = 0; i < 50 && downloads.length < 3; i++) await page.waitForTimeout(100);
    const names = downloads.map((d) => d.suggestedFilename()).sort();
    assert.equal(names.length, 3, `three files: ${names}`);
    assert.match(names[0], /^\d{20}\.index$/);
    assert.match(names[1], /^\d{20}\.log$/);
    assert.match(names[2], /^\d{20}\.timeindex$/);
    const dir = path.join(ROOT, 'test-results', 'follower-segment');
    fs.mkdirSync(dir, { recursive: true });
    const logPath = path.join(dir, names[1]);
    await downloads.find((d) => d.suggestedFilename() === names[1]).saveAs(logPath);
    const checked = JSON.parse(execFileSync(path.join(ROOT, '.venv/bin/python'),
      [path.join(ROOT, 'tests/kafka_python/validate_segment.py'), logPath]).toString());
    assert.ok(checked.batches >= 1 && checked.records >= 1, JSON.stringify(checked));
    assert.equal(checked.first_offset, Number(names[1].split('.')[0]));

    // Retention now: every replica deletes its old segments, and the log start offsets move.
    await command(page, 'Play');
    await page.waitForTimeout(3500); // > retention.ms of virtual time at 20x
    await page.getByTestId('retention-check').click();
    const after = await until(page, (v) => replicasOf(v, 'events', 0).every((r) => r.log_start_offset > 0), 'log start offsets moved on all three replicas');
    for (const r of replicasOf(after, 'events', 0)) {
      assert.ok(r.log_start_offset <= r.high_watermark, `broker ${r.broker}: log start ${r.log_start_offset} ≤ HW ${r.high_watermark}`);
    }

    // A compacted topic keeps the newest value per key after cleaning.
    await createTopic(page, 'prices', 1, 3, 'cleanup.policy=compact\nsegment.bytes=100\nmin.cleanable.dirty.ratio=0.01');
    await page.getByTestId('produce-topic').first().selectOption('prices');
    await page.getByTestId('produce-key').first().fill('item-{i}');
    for (const round of [1, 2, 3]) {
      await page.getByTestId('produce-count').first().fill('1');
      await page.getByTestId('produce-key').first().fill('apple');
      await page.getByTestId('produce-value').first().fill(`price-${round}`);
      await page.getByTestId('produce-submit').first().click();
      await page.waitForTimeout(200);
    }
    await page.getByTestId('produce-key').first().fill('pear');
    await page.getByTestId('produce-value').first().fill('price-9');
    await page.getByTestId('produce-submit').first().click();
    // Every replica's cleaner runs on its own schedule (log.cleaner.backoff.ms): wait
    // until each has cleaned, then the newest value per key is what is left.
    const keptOn = (v) => replicasOf(v, 'prices', 0).map((r) => r.records.map((x) => `${x.key}=${x.value}`));
    const cleaned = await until(page, (v) => {
      const all = keptOn(v);
      return all.length === 3 && all.every((k) => !k.includes('apple=price-1') && !k.includes('apple=price-2'));
    }, 'the older apple values gone on every replica', 90_000);
    for (const kept of keptOn(cleaned)) {
      assert.ok(kept.includes('apple=price-3'), `the newest apple stays: ${kept}`);
      assert.ok(kept.includes('pear=price-9'), `pear stays: ${kept}`);
    }
    assert.ok(cleaned.events.some(([, , e]) => e.LogCleaned && e.LogCleaned.tp.topic === 'prices'), 'the cleaning is in the events');
    await h.screenshot(page, 'one-page-retention-compaction');
  });
});

test('a run worker that does not load is said so, not "Starting…" for good', { timeout: 120_000 }, async (t) => {
  await h.withPage(t, async (page, handle) => {
    // The run worker's wasm never arrives (a blocked or broken download).
    await page.context().route('**/run_worker_bg.wasm', (r) => r.abort());
    await page.goto(`${h.url}?workspace=no-run-worker&lang=en`);
    await page.getByTestId('loading').waitFor();
    const error = page.getByTestId('cluster-error');
    await error.waitFor({ timeout: 60_000 });
    assert.match(await error.innerText(),
      /the run has not started after 30 s: its web worker has not answered \(a slow network, or its script did not load/);
    assert.equal(await page.getByTestId('loading').count(), 0, 'no "Starting…" beside the error');
    // The blocked download is the browser's only error (the worker's loader rejects); any
    // other still fails the test.
    await page.waitForTimeout(200);
    const expected = (e) => /Failed to fetch|run_worker_bg\.wasm/.test(e);
    assert.ok(handle.errors.some(expected), handle.errors.join('\n'));
    handle.errors.splice(0, handle.errors.length, ...handle.errors.filter((e) => !expected(e)));
  });
});
