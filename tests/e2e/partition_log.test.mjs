// The foundation slice, end to end in headless Chromium: the first visit opens on the
// lecture's example; a learner creates a topic, produces keyed records with each
// partitioner and finds each in the partition Kafka's/librdkafka's algorithm dictates
// (checked against tests/vectors); the page reloads and everything is recovered from
// IndexedDB; retention deletes old segments; bad input gets messages at its field; the
// reader reads by offset; a segment downloads as Kafka files; Russian is remembered.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { startHarness, ROOT } from './harness.mjs';

const vectors = (name) => JSON.parse(fs.readFileSync(path.join(ROOT, 'tests', 'vectors', name), 'utf8'));
const murmur = vectors('partitioner_murmur2.json');
const rdkafka = vectors('partitioner_librdkafka.json');

let h;
before(async () => { h = await startHarness(); });
after(async () => { await h?.close(); });

const records = (page, topic) => page.locator(`[data-testid=partition][data-topic="${topic}"] [data-testid=record]`);

async function cells(page, topic) {
  return records(page, topic).evaluateAll((els) => els.map((e) => ({
    partition: Number(e.dataset.partition), offset: Number(e.dataset.offset), key: e.dataset.key, value: e.dataset.value,
  })));
}

async function ready(page) {
  await page.getByTestId('loading').waitFor({ state: 'detached' });
  await page.getByTestId('topic').first().waitFor();
}

async function createTopic(page, name, partitions, configs = {}) {
  await page.getByTestId('topic-name').fill(name);
  await page.getByTestId('topic-partitions').fill(String(partitions));
  if (Object.keys(configs).length) {
    await page.locator('[data-testid=topic-form] details').evaluate((d) => { d.open = true; });
    for (const [k, v] of Object.entries(configs)) await page.getByTestId(`config-${k}`).fill(v);
  }
  await page.getByTestId('create-topic').click();
}

async function produce(page, topic, { key, value, partitioner = 'built_in', count = 1, nullKey = false }) {
  await page.getByTestId('produce-topic').selectOption(topic);
  await page.getByTestId('produce-partitioner').selectOption(partitioner);
  const box = page.getByTestId('produce-null-key');
  if ((await box.isChecked()) !== nullKey) await box.click();
  if (!nullKey) await page.getByTestId('produce-key').fill(key);
  await page.getByTestId('produce-value').fill(value);
  await page.getByTestId('produce-count').fill(String(count));
  await page.getByTestId('produce').click();
}

async function waitForRecord(page, topic, value) {
  const cell = records(page, topic).and(page.locator(`[data-value="${value}"]`));
  await cell.waitFor();
  return Number(await cell.getAttribute('data-partition'));
}

test('first visit: the lecture example lands where librdkafka puts it', { timeout: 120_000 }, async (t) => {
  await h.withPage(t, async (page) => {
    await page.goto(`${h.url}?page=single-broker`);
    await ready(page);
    await page.waitForFunction(() => document.querySelectorAll('[data-topic="some_topic"] [data-testid=record]').length === 25);
    const got = await cells(page, 'some_topic');
    for (const c of got) {
      const i = Number(c.value.replace('Msg ', ''));
      if (i === 0) continue; // key b'' under consistent_random: the sticky random partition
      assert.equal(c.partition, zlib.crc32(Buffer.alloc(i)) % 3, `Msg ${i}`);
    }
    // The lecture's printed output, partition by partition (Msg 0 aside).
    const byPartition = [0, 1, 2].map((p) => got.filter((c) => c.partition === p && c.value !== 'Msg 0').map((c) => c.value));
    assert.deepEqual(byPartition[1], [1, 4, 5, 8, 9, 11, 13, 16, 19, 22].map((i) => `Msg ${i}`));
    assert.deepEqual(byPartition[2], [6, 7, 10, 14, 20, 24].map((i) => `Msg ${i}`));
    assert.deepEqual(byPartition[0], [2, 3, 12, 15, 17, 18, 21, 23].map((i) => `Msg ${i}`));
    await h.screenshot(page, 'first-visit');
  });
});

test('keyed records land where each partitioner dictates, and survive a reload', { timeout: 300_000 }, async (t) => {
  await h.withPage(t, async (page) => {
    await page.goto(`${h.url}?page=single-broker`);
    await ready(page);
    await createTopic(page, 'orders', 3);
    await page.locator('[data-testid=topic][data-topic=orders]').waitFor();
    let n = 0;
    // Kafka's Java client (murmur2 of the key, toPositive, % 3): every printable vector key.
    for (const c of murmur.cases) {
      const value = `java-${n++}`;
      await produce(page, 'orders', { key: c.key_text, value, partitioner: 'built_in' });
      assert.equal(await waitForRecord(page, 'orders', value), c.partition['3'], `built_in ${JSON.stringify(c.key_text)}`);
    }
    // librdkafka's partitioners on its own unit-test keys (all printable).
    for (const v of rdkafka.hash_unittest_vectors.filter((v) => v.key_hex)) {
      const key = Buffer.from(v.key_hex, 'hex').toString('latin1');
      for (const [partitioner, expected] of Object.entries(v.partition_derived)) {
        const value = `${partitioner}-${n++}`;
        await produce(page, 'orders', { key, value, partitioner });
        assert.equal(await waitForRecord(page, 'orders', value), expected['3'], `${partitioner} ${v.key_name}`);
      }
    }
    const before = await cells(page, 'orders');
    assert.equal(before.length, n);
    // Offsets in each partition run 0, 1, 2, … in send order.
    for (const p of [0, 1, 2]) {
      const offsets = before.filter((c) => c.partition === p).map((c) => c.offset);
      assert.deepEqual(offsets, offsets.map((_, i) => i));
    }
    await h.screenshot(page, 'keyed-records');

    await page.reload();
    await ready(page);
    await page.getByTestId('recovered').waitFor();
    await page.waitForFunction((want) => document.querySelectorAll('[data-topic="orders"] [data-testid=record]').length === want, n);
    assert.deepEqual(await cells(page, 'orders'), before, 'the same records, partitions and offsets after a reload');
    await h.screenshot(page, 'after-reload');
  });
});

test('retention deletes whole old segments and moves the log start offset', { timeout: 120_000 }, async (t) => {
  await h.withPage(t, async (page) => {
    await page.goto(`${h.url}?page=single-broker`);
    await ready(page);
    await createTopic(page, 'short-lived', 1, { 'segment.bytes': '200', 'retention.bytes': '300' });
    await page.locator('[data-testid=topic][data-topic=short-lived]').waitFor();
    // One send of 8 records of ~60 bytes: the producer caps its batches at segment.bytes
    // (200), so the send becomes several batches and the segments roll.
    const pad = 'x'.repeat(50);
    await produce(page, 'short-lived', { key: 'k', value: `r{i}-${pad}`, count: 8 });
    await waitForRecord(page, 'short-lived', `r7-${pad}`);
    const part = page.locator('[data-testid=partition][data-topic=short-lived]');
    assert.ok(Number(await part.getAttribute('data-segments')) >= 3, 'segment.bytes=200 rolled segments');
    assert.equal(await part.getAttribute('data-log-start-offset'), '0');
    await page.getByTestId('retention-check').click();
    await page.getByTestId('event-deleted').first().waitFor();
    const lso = Number(await part.getAttribute('data-log-start-offset'));
    assert.ok(lso > 0, 'log start offset moved');
    const left = await cells(page, 'short-lived');
    assert.ok(left.every((c) => c.offset >= lso), 'records below the log start offset are gone');
    assert.equal(left.at(-1).offset, 7);
    // Reading below the log start offset is OFFSET_OUT_OF_RANGE.
    await page.getByTestId('read-topic').selectOption('short-lived');
    await page.getByTestId('read-offset').fill('0');
    await page.getByTestId('read').click();
    await page.getByTestId('read-error').filter({ hasText: 'OFFSET_OUT_OF_RANGE' }).waitFor();
    await page.getByTestId('read-offset').fill(String(lso));
    await page.getByTestId('read').click();
    await page.getByTestId('read-record').first().waitFor();
    assert.equal(Number(await page.getByTestId('read-record').first().getAttribute('data-offset')), lso);
    await h.screenshot(page, 'retention');
  });
});

test('bad input gets a clear message at its field and nothing typed is lost', { timeout: 120_000 }, async (t) => {
  await h.withPage(t, async (page) => {
    await page.goto(`${h.url}?page=single-broker`);
    await ready(page);
    await createTopic(page, '', 3);
    await page.getByTestId('error-name').filter({ hasText: "can't be empty" }).waitFor();
    await createTopic(page, 'bad name!', 3);
    await page.getByTestId('error-name').filter({ hasText: 'INVALID_TOPIC_EXCEPTION' }).waitFor();
    await createTopic(page, '..', 3);
    await page.getByTestId('error-name').filter({ hasText: '".."' }).waitFor();
    await createTopic(page, 'x'.repeat(250), 3);
    await page.getByTestId('error-name').filter({ hasText: '249' }).waitFor();
    await createTopic(page, 'fine', 0);
    await page.getByTestId('error-partitions').filter({ hasText: 'INVALID_PARTITIONS' }).waitFor();
    await createTopic(page, 'fine', -2);
    await page.getByTestId('error-partitions').filter({ hasText: 'larger than 0' }).waitFor();
    assert.equal(await page.getByTestId('topic-partitions').inputValue(), '-2', 'the form keeps what was typed');
    await createTopic(page, 'fine', 1, { 'retention.ms': '-5' });
    await page.getByTestId('error-retention.ms').filter({ hasText: 'at least -1' }).waitFor();
    await page.getByTestId('config-retention.ms').fill('');
    await createTopic(page, 'tiny', 1, { 'max.message.bytes': '100' });
    await page.locator('[data-testid=topic][data-topic=tiny]').waitFor();
    await produce(page, 'tiny', { key: 'k', value: 'x'.repeat(200) });
    await page.getByTestId('outcome-error').filter({ hasText: 'MESSAGE_TOO_LARGE' }).waitFor();
    assert.equal(await records(page, 'tiny').count(), 0);
    await h.screenshot(page, 'bad-input');
  });
});

test('a segment downloads as a Kafka .log file', { timeout: 120_000 }, async (t) => {
  await h.withPage(t, async (page) => {
    await page.goto(`${h.url}?page=single-broker`);
    await ready(page);
    await page.waitForFunction(() => document.querySelectorAll('[data-topic="some_topic"] [data-testid=record]').length === 25);
    await page.locator('[data-testid=partition][data-topic=some_topic][data-partition="1"] .partition-label').click();
    const downloads = [];
    page.on('download', (d) => downloads.push(d));
    await page.getByTestId('export-segment').first().click();
    await page.waitForFunction(() => true);
    for (let i = 0; i < 50 && downloads.length < 3; i++) await page.waitForTimeout(100);
    const names = downloads.map((d) => d.suggestedFilename()).sort();
    assert.deepEqual(names, ['00000000000000000000.index', '00000000000000000000.log', '00000000000000000000.timeindex']);
    const log = fs.readFileSync(await downloads.find((d) => d.suggestedFilename().endsWith('.log')).path());
    assert.equal(log.readBigInt64BE(0), 0n, 'first batch at base offset 0');
    assert.equal(log.readInt8(16), 2, 'magic 2');
    let pos = 0, batches = 0;
    while (pos < log.length) { pos += 12 + log.readInt32BE(pos + 8); batches++; }
    assert.equal(pos, log.length, 'whole batches only');
    assert.equal(batches, 1, 'the example sent one batch per partition');
  });
});

test('Russian is one click away and remembered', { timeout: 120_000 }, async (t) => {
  await h.withPage(t, async (page) => {
    await page.goto(`${h.url}?page=single-broker`);
    await ready(page);
    await page.getByTestId('lang-ru').click();
    await page.getByText('Создать топик').first().waitFor();
    await createTopic(page, '', 1);
    await page.getByTestId('error-name').filter({ hasText: 'не может быть пустым' }).waitFor();
    await page.reload();
    await ready(page);
    await page.getByText('Создать топик').first().waitFor();
    assert.equal(await page.getByTestId('lang-ru').getAttribute('aria-pressed'), 'true');
    await h.screenshot(page, 'russian');
  });
});
