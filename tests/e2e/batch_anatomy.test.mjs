// A record batch byte by byte (issue 14, point 6), in the notebook page: the log panel
// reads some_topic's records, a record's "bytes" button takes its batch apart. The bytes
// the page shows are decoded by kafka-python 3.0.12 (tests/kafka_python/batch_fields.py,
// an independent implementation) and by this test itself (big-endian fields at
// DefaultRecordBatch's offsets, CRC-32C over attributes … end), and every header field,
// record offset, timestamp, key and value the page names must agree; pointing at a field
// lights its bytes. Seen at 1280 × 800 and in an 800 × 580 embed, in English and Russian.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { startHarness, ROOT } from './harness.mjs';
import { until, command } from './page_api.mjs';

let h;
before(async () => { h = await startHarness(); });
after(async () => { await h?.close(); });

/** CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), bit by bit. */
function crc32c(bytes) {
  let crc = 0xffffffff;
  for (const b of bytes) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0x82f63b78 & -(crc & 1));
  }
  return (crc ^ 0xffffffff) >>> 0;
}

const int = (bytes, at, len) => {
  let v = 0n;
  for (let i = 0; i < len; i++) v = (v << 8n) | BigInt(bytes[at + i]);
  return BigInt.asIntN(len * 8, v);
};

const HEADER = ['baseOffset', 'batchLength', 'partitionLeaderEpoch', 'magic', 'crc', 'attributes', 'lastOffsetDelta',
  'baseTimestamp', 'maxTimestamp', 'producerId', 'producerEpoch', 'baseSequence', 'records'];

async function openAnatomy(page, offset) {
  await page.getByTestId('log-panel-toggle').click();
  await page.getByTestId('log-replica').selectOption({ label: 'some_topic-0 · Broker 1' });
  await page.getByTestId('log-read-from').fill(String(offset));
  await page.getByTestId('log-read').click();
  const record = page.locator(`[data-testid=log-record][data-offset="${offset}"]`);
  await record.getByTestId('log-record-bytes').click();
  await page.getByTestId('batch-anatomy').waitFor();
}

test('a batch taken apart byte by byte agrees with Kafka\'s layout, decoded here', { timeout: 120_000 }, async (t) => {
  await h.withPage(t, async (page) => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(`${h.url}?workspace=anatomy`);
    await until(page, (v) => v.producers?.[0]?.acknowledged_records === 25, 'the notebook\'s 25 records');
    await command(page, 'Pause');
    await openAnatomy(page, 0);
    assert.equal(await page.getByTestId('anatomy-problem').count(), 0);
    const hex = await page.getByTestId('anatomy-hex').first().locator('.hex-row span:not(.hex-at)').allTextContents();
    const bytes = hex.map((x) => parseInt(x, 16));
    const fields = await page.getByTestId('anatomy-field').evaluateAll((rows) => rows.map((r) => ({
      name: r.dataset.name, place: r.querySelector('.place').textContent, value: r.querySelector('.value').textContent })));
    assert.deepEqual(fields.slice(0, 13).map((f) => f.name), HEADER);
    const batchLength = Number(int(bytes, 8, 4));
    assert.equal(bytes.length, batchLength + 12, 'the bytes shown are the whole batch (baseOffset + batchLength + the rest)');
    assert.equal(Number(int(bytes, 16, 1)), 2, 'magic 2');
    const value = (name) => fields.find((f) => f.name === name).value;
    assert.equal(value('baseOffset'), String(int(bytes, 0, 8)));
    assert.equal(value('baseOffset'), '0', 'the batch holding offset 0 starts there');
    const crc = Number(BigInt.asUintN(32, int(bytes, 17, 4)));
    assert.equal(crc32c(bytes.slice(21)), crc, 'the stored CRC-32C is the CRC of attributes … end');
    assert.match(value('crc'), new RegExp(`^${crc} = 0x${crc.toString(16).padStart(8, '0')} .*matches`));
    assert.equal(value('records').split(' ')[0], String(int(bytes, 57, 4)));
    assert.equal(value('producerId'), String(int(bytes, 43, 8)));
    // kafka-python's reading of the same bytes: every header field and record agrees.
    const py = JSON.parse(execFileSync(path.join(ROOT, '.venv/bin/python'),
      [path.join(ROOT, 'tests/kafka_python/batch_fields.py')], { input: hex.join('') }).toString());
    for (const [name, want] of Object.entries(py.header)) {
      assert.equal(value(name).match(/^-?\d+/)[0], String(want), `${name}: ${value(name)}`);
    }
    // A field's bytes, from its place "first–last" ("at 74, no bytes" for an empty key).
    const span = (f) => { if (!f.place.includes('–')) return ''; const [a, b] = f.place.split('–').map(Number); return hex.slice(a, b + 1).join(''); };
    py.records.forEach((r, i) => {
      const mine = fields.slice(13).filter((f, k, all) => all.slice(0, k + 1).filter((x) => x.name === 'length').length === i + 1);
      const of = (name) => mine.find((f) => f.name === name);
      assert.match(of('offsetDelta').value, new RegExp(`\\(offset ${r.offset}\\)`));
      assert.match(of('timestampDelta').value, new RegExp(`\\(timestamp ${r.timestamp}\\)`));
      assert.equal(of('key') ? span(of('key')) : null, r.key, `record ${i}: key`);
      assert.equal(of('value') ? span(of('value')) : null, r.value, `record ${i}: value`);
    });
    // The notebook's values are "Msg i"; its keys Python's bytes(i): i zero bytes.
    const values = fields.filter((f) => f.name === 'value').map((f) => f.value);
    assert.ok(values.length >= 1 && values.every((v) => /^"Msg \d+"$/.test(v)), JSON.stringify(values));
    // Pointing at a field lights its bytes, and only its.
    await page.locator('[data-testid=anatomy-field][data-name=magic]').hover();
    const lit = page.getByTestId('anatomy-hex').first().locator('span.lit');
    assert.equal(await lit.count(), 1);
    assert.equal(await lit.getAttribute('data-field'), 'magic');
    await page.locator('[data-testid=anatomy-field][data-name=crc]').hover();
    assert.equal(await lit.count(), 4);
    await page.getByTestId('batch-anatomy').scrollIntoViewIfNeeded();
    await h.screenshot(page, 'batch-anatomy-1280x800-en');
    await page.getByTestId('lang-ru').click();
    await page.getByTestId('batch-anatomy').scrollIntoViewIfNeeded();
    await h.screenshot(page, 'batch-anatomy-1280x800-ru');
  });
});

test('the anatomy fits an 800 × 580 embed, in both languages', { timeout: 120_000 }, async (t) => {
  await h.withPage(t, async (page) => {
    await page.setViewportSize({ width: 800, height: 580 });
    await page.goto(`${h.url}?workspace=anatomy-embed&embed=1`);
    await until(page, (v) => v.producers?.[0]?.acknowledged_records === 25, 'the notebook\'s 25 records');
    await command(page, 'Pause');
    const tab = page.getByTestId('tab-cluster');
    if (await tab.count()) await tab.click();
    await openAnatomy(page, 3);
    for (const lang of ['en', 'ru']) {
      await page.getByTestId(`lang-${lang}`).click();
      await page.getByTestId('batch-anatomy').scrollIntoViewIfNeeded();
      const box = await page.getByTestId('batch-anatomy').boundingBox();
      assert.ok(box.x >= 0 && box.x + box.width <= 800, `inside the frame's width: ${JSON.stringify(box)}`);
      // What a value means is said in the page's language; Kafka's field names stay.
      const crc = await page.locator('[data-testid=anatomy-field][data-name=crc] .value').textContent();
      assert.match(crc, lang === 'ru' ? /CRC-32C от attributes до конца пакета: совпадает/ : /CRC-32C of attributes … the end: matches/);
      await h.screenshot(page, `batch-anatomy-800x580-${lang}`);
    }
  });
});
