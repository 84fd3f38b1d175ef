// Producer settings in the notebook page (issue 12): the producer card offers acks,
// linger.ms, batch.size and compression.type with the running producer's values; a bad
// value is refused at the form in Kafka's words (ConfigException: "Invalid value -5 for
// configuration batch.size: Value must be at least 0"); applying closes the producer and
// builds it again (the feed says so). Then, in the log panel, the segment shows what the
// settings did: two sends with linger.ms=0 are two batches, two sends within linger.ms
// one batch, compression.type=gzip sets the batch's codec; kafka-python 3.0.12 (an
// independent Kafka implementation) reads the downloaded segment, gzip batch included.
// acks=0 sends get no answer, so no offset (-1).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { startHarness, ROOT } from './harness.mjs';
import { view, until, command } from './page_api.mjs';

let h;
before(async () => { h = await startHarness(); });
after(async () => { await h?.close(); });

const producerOf = (v) => v.producers.find((p) => p.name === 'notebook-producer');
const acked = (v) => producerOf(v).acknowledged_records;

async function produceTwice(page, before) {
  for (let i = 0; i < 2; i++) {
    await page.getByTestId('produce-count').first().fill('2');
    await page.getByTestId('produce-submit').first().click();
  }
  await until(page, (v) => acked(v) === before + 4, `${before + 4} records acknowledged`);
}

test('producer settings: refused in Kafka\'s words, applied by rebuilding, seen in the segment', { timeout: 180_000 }, async (t) => {
  await h.withPage(t, async (page) => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(`${h.url}?workspace=settings`);
    await until(page, (v) => producerOf(v) && acked(v) === 25, 'the notebook\'s 25 records');
    // The running producer's settings: the notebook's linger.ms=0 over Kafka's defaults.
    const settings = page.getByTestId('producer-settings');
    assert.equal(await settings.getAttribute('data-linger-ms'), '0');
    assert.equal(await settings.getAttribute('data-batch-size'), '16384');
    assert.equal(await settings.getAttribute('data-compression-type'), 'none');
    await page.getByTestId('producer-settings-toggle').click();
    assert.equal(await page.getByTestId('producer-linger').inputValue(), '0', 'the form shows the running settings');
    assert.equal(await page.getByTestId('producer-settings-apply').isDisabled(), true, 'nothing to apply yet');
    await page.getByTestId('producer-settings-toggle').click();
    assert.match(await page.getByTestId('producer-settings-toggle').textContent(),
      /linger\.ms=0 · batch\.size=16384 · compression\.type=none/);

    await page.getByTestId('new-topic-name').fill('zipped');
    await page.getByTestId('new-topic-partitions').fill('1');
    await page.getByTestId('create-topic').click();
    await until(page, (v) => v.topics.some((x) => x.name === 'zipped'), 'topic zipped');
    await page.getByTestId('produce-topic').first().selectOption('zipped');
    await produceTwice(page, 25);

    // A refused value: Kafka's words at the form, nothing changes.
    await page.getByTestId('producer-settings-toggle').click();
    await page.getByTestId('producer-batch-size').fill('-5');
    await page.getByTestId('producer-settings-apply').click();
    assert.equal(await page.getByTestId('producer-settings-error').textContent(),
      'Invalid value -5 for configuration batch.size: Value must be at least 0');
    assert.equal(await page.getByTestId('producer-batch-size').inputValue(), '-5', 'nothing typed is lost');

    await page.getByTestId('producer-batch-size').fill('16384');
    await page.getByTestId('producer-acks').selectOption('1');
    await page.getByTestId('producer-linger').fill('3000');
    await page.getByTestId('producer-compression').selectOption('gzip');
    await page.getByTestId('producer-settings-apply').click();
    assert.equal(await page.getByTestId('producer-settings-error').count(), 0);
    await until(page, (v) => {
      const p = producerOf(v);
      return p.acks === '1' && p.linger_ms === 3000 && p.compression_type === 'gzip' && !p.closing;
    }, 'the producer built again with acks=1, linger.ms=3000, gzip');
    const rebuilt = page.locator('[data-testid="event"][data-kind="producer-rebuilt"]').first();
    await rebuilt.waitFor({ state: 'attached' });
    assert.match(await rebuilt.textContent(),
      /notebook-producer: closed and built again with acks=1 linger\.ms=3000 batch\.size=16384 compression\.type=gzip/);

    // Two sends within linger.ms (3 s of virtual time at 1×): one batch.
    await command(page, { SetSpeed: 1 });
    await produceTwice(page, 29);
    await h.screenshot(page, 'producer-settings-1280x800');

    // acks=0: no answer, no offset.
    await page.getByTestId('producer-acks').selectOption('0');
    await page.getByTestId('producer-settings-apply').click();
    await until(page, (v) => producerOf(v).acks === '0' && !producerOf(v).closing, 'acks=0');
    await command(page, { SetSpeed: 20 });
    await page.getByTestId('produce-count').first().fill('1');
    await page.getByTestId('produce-submit').first().click();
    const v = await until(page, (v) => acked(v) === 34, '34 records');
    const last = producerOf(v).outcomes.at(-1);
    assert.equal(last.base_offset, -1, 'acks=0: the producer learns no offset');
    assert.match(await page.getByTestId('send-outcome').first().textContent(), /acks=0: no answer, so no offset \(-1\)/);

    // The segment: 2 + 1 + 1 batches, codecs none then gzip; kafka-python reads it.
    await command(page, 'Pause');
    await page.getByTestId('log-panel-toggle').click();
    await page.getByTestId('log-replica').selectOption({ label: 'zipped-0 · Broker 1' });
    const row = page.getByTestId('log-segment').first();
    await row.waitFor();
    assert.equal(await row.getAttribute('data-batches'), '4');
    assert.equal(await row.getAttribute('data-codecs'), 'none,gzip');
    assert.equal(await row.locator('td.batches').textContent(), '4 · none, gzip');
    await h.screenshot(page, 'producer-settings-segment');
    const downloads = [];
    page.on('download', (d) => downloads.push(d));
    await row.getByTestId('log-download').click();
    for (let i = 0; i < 50 && downloads.length < 3; i++) await page.waitForTimeout(100);
    const log = downloads.find((d) => d.suggestedFilename().endsWith('.log'));
    const dir = path.join(ROOT, 'test-results', 'gzip-segment');
    fs.mkdirSync(dir, { recursive: true });
    const logPath = path.join(dir, log.suggestedFilename());
    await log.saveAs(logPath);
    const checked = JSON.parse(execFileSync(path.join(ROOT, '.venv/bin/python'),
      [path.join(ROOT, 'tests/kafka_python/validate_segment.py'), logPath]).toString());
    assert.equal(checked.batches, 4);
    assert.equal(checked.records, 9);
    // {i} is the producer's running record number: the notebook sent 0 … 24.
    assert.deepEqual(checked.values, [25, 26, 27, 28, 29, 30, 31, 32, 33].map((i) => `value-${i}`));
  });
});

// enable.idempotence and max.in.flight.requests.per.connection in the same form, checked
// as Kafka's ProducerConfig.postProcessAndValidateIdempotenceConfigs checks them: an
// explicit true with acks=1 or with more than 5 requests in flight is refused in its
// ConfigException words; with acks=all the rebuilt producer asks InitProducerId and
// shows the producer id the broker gave it (the notebook's producer, like librdkafka's,
// starts without idempotence).
test('idempotence in the settings: refused in Kafka\'s words, then a producer id', { timeout: 180_000 }, async (t) => {
  await h.withPage(t, async (page) => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(`${h.url}?workspace=settings-idempotence`);
    await until(page, (v) => producerOf(v) && acked(v) === 25, 'the notebook\'s 25 records');
    assert.equal(producerOf(await view(page)).enable_idempotence, false);
    await page.getByTestId('producer-settings-toggle').click();
    assert.equal(await page.getByTestId('producer-idempotence-setting').inputValue(), 'false');
    assert.equal(await page.getByTestId('producer-max-in-flight').inputValue(), '5');
    await page.getByTestId('producer-idempotence-setting').selectOption('true');
    await page.getByTestId('producer-acks').selectOption('1');
    await page.getByTestId('producer-settings-apply').click();
    assert.equal(await page.getByTestId('producer-settings-error').textContent(),
      'Must set acks to all in order to use the idempotent producer. Otherwise we cannot guarantee idempotence.');
    await page.getByTestId('producer-acks').selectOption('all');
    await page.getByTestId('producer-max-in-flight').fill('6');
    await page.getByTestId('producer-settings-apply').click();
    assert.equal(await page.getByTestId('producer-settings-error').textContent(),
      'Must set max.in.flight.requests.per.connection to at most 5 to use the idempotent producer.');
    assert.equal(await page.getByTestId('producer-max-in-flight').inputValue(), '6', 'nothing typed is lost');
    await page.getByTestId('producer-max-in-flight').fill('5');
    await page.getByTestId('producer-settings-apply').click();
    const v = await until(page, (v) => {
      const p = producerOf(v);
      return p.enable_idempotence && p.acks === 'all' && !p.closing && p.producer_id_and_epoch;
    }, 'the producer built again, idempotent, with a producer id');
    const [producerId, epoch] = producerOf(v).producer_id_and_epoch;
    assert.ok(producerId >= 0 && epoch === 0, `producer id ${producerId}, epoch ${epoch}`);
    assert.equal(await page.getByTestId('producer-id').first().textContent(), `producer id ${producerId}, epoch 0`);
    const rebuilt = page.locator('[data-testid="event"][data-kind="producer-rebuilt"]').first();
    await rebuilt.waitFor({ state: 'attached' });
    assert.match(await rebuilt.textContent(), /enable\.idempotence=true max\.in\.flight\.requests\.per\.connection=5/);
    await h.screenshot(page, 'producer-settings-idempotence-1280x800');
  });
});
