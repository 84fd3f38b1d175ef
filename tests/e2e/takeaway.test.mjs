// Code to take away (issue 14 point 5): under the produce form, the create-topic form and
// the add-consumer form, a fold shows the program that does the same for confluent_kafka
// and the Java client, with what the learner chose: the running producer's settings (the
// notebook's confluent_kafka producer: linger.ms=0, consistent_random, no idempotence),
// the form's topic, key pattern and count (the record numbers continue from what the
// producer sent), and in Java what the Java client cannot do (librdkafka's partitioner). That the
// Python runs and partitions as the page does is checked against `serve` with the real
// confluent_kafka (tests/serve/takeaway.py); here: the page shows it, in both languages.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, screenshot } from './harness.mjs';
import { until } from './page_api.mjs';

let h;
before(async () => { h = await startHarness(); });
after(async () => { await h?.close(); });

const producerOf = (v) => v.producers.find((p) => p.name === 'notebook-producer');

test('the produce form shows its program, in Python and Java, with the chosen settings', { timeout: 120_000 }, async (t) => {
  await h.withPage(t, async (page) => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(`${h.url}?workspace=takeaway`);
    await until(page, (v) => producerOf(v)?.acknowledged_records === 25, "the notebook's 25 records");
    const fold = page.getByTestId('produce-code-notebook-producer');
    await fold.locator('summary').click();
    await page.getByTestId('produce-key').first().fill('k-{i}');
    await page.getByTestId('produce-count').first().fill('3');
    const code = page.getByTestId('produce-code-notebook-producer-code');
    const python = await code.textContent();
    assert.match(python, /from confluent_kafka import Producer/);
    assert.match(python, /'client\.id': 'notebook-producer'/);
    assert.match(python, /'linger\.ms': 0,/, "the running producer's linger.ms");
    // The notebook's producer is the lecture's confluent_kafka one: librdkafka's defaults.
    assert.match(python, /'enable\.idempotence': False/);
    assert.match(python, /'partitioner': 'consistent_random',\n/);
    assert.match(python, /for i in range\(25, 28\):/, 'numbers continue after the 25 records sent');
    assert.match(python, /producer\.produce\('some_topic', key=f'k-\{i\}', value=/);
    await screenshot(page, 'takeaway-python-1280');
    await fold.getByRole('button', { name: /Java/ }).click();
    const java = await code.textContent();
    assert.match(java, /props\.put\("linger\.ms", "0"\);/);
    assert.match(java, /new ProducerRecord<>\("some_topic", null, "k-" \+ i, /);
    assert.match(java, /for \(int i = 25; i < 28; i\+\+\)/);
    assert.match(java, /librdkafka's 'consistent_random' partitioner has no Java equivalent/);

    await page.getByTestId('new-topic-name').fill('orders');
    await page.getByTestId('new-topic-partitions').fill('6');
    await page.getByTestId('create-topic-code').locator('summary').click();
    assert.match(await page.getByTestId('create-topic-code-code').textContent(),
      /admin\.create_topics\(\[NewTopic\('orders', num_partitions=6\)\]\)/);
  });
});

test('the fold speaks Russian and fits the embedded size', { timeout: 120_000 }, async (t) => {
  await h.withPage(t, async (page) => {
    await page.setViewportSize({ width: 800, height: 580 });
    await page.goto(`${h.url}?workspace=takeaway-ru&lang=ru`);
    await until(page, (v) => producerOf(v)?.acknowledged_records === 25, "the notebook's 25 records");
    await page.getByTestId('tab-producer').click();
    const fold = page.getByTestId('produce-code-notebook-producer');
    assert.match(await fold.locator('summary').textContent(), /Этот же код/);
    await fold.locator('summary').click();
    await fold.scrollIntoViewIfNeeded();
    const box = await page.getByTestId('produce-code-notebook-producer-code').boundingBox();
    assert.ok(box && box.width <= 800, 'the code scrolls inside the page width');
    await screenshot(page, 'takeaway-ru-800');
  });
});
