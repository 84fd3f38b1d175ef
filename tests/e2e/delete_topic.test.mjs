// DeleteTopics from the admin card (issue 12 point 3): a learner grows the notebook to
// three brokers, creates a topic with RF 3, produces to it, and deletes it. An unknown
// name is refused at the field with Kafka's UNKNOWN_TOPIC_OR_PARTITION before any
// confirmation; the real one asks first. Then the topic is gone from the metadata, from
// every broker's replicas and from IndexedDB (no segment chunk and no `topics/NAME`
// document of any broker, read straight from the database, not from the page), and a
// reload (brokers recover from IndexedDB) does not bring it back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness } from './harness.mjs';
import { view, until, command, replicasOf, addTwoBrokers } from './page_api.mjs';

let h;
before(async () => { h = await startHarness(); });
after(async () => { await h?.close(); });

/** Segment chunks and meta documents of `topic`, per broker, in the workspace's database. */
async function stored(page, workspace, topic) {
  return page.evaluate(async ({ workspace, topic }) => {
    const dbs = await indexedDB.databases();
    const name = dbs.map((d) => d.name).find((n) => n.startsWith(`kafka-playground/${workspace}/`));
    if (!name) return { name: null };
    const db = await new Promise((ok, err) => {
      const r = indexedDB.open(name);
      r.onsuccess = () => ok(r.result);
      r.onerror = () => err(r.error);
    });
    const keys = (store) => new Promise((ok, err) => {
      const r = db.transaction(store).objectStore(store).getAllKeys();
      r.onsuccess = () => ok(r.result);
      r.onerror = () => err(r.error);
    });
    const chunks = (await keys('segment_chunks')).filter((k) => k[1] === topic).map((k) => k[0]);
    const meta = (await keys('meta')).filter((k) => k[1] === `topics/${topic}`).map((k) => k[0]);
    db.close();
    return { name, chunkBrokers: [...new Set(chunks)].sort(), metaBrokers: meta.sort() };
  }, { workspace, topic });
}

test('delete a topic: refused names at the field, a confirmation, gone everywhere and after a reload', { timeout: 240_000 }, async (t) => {
  await h.withPage(t, async (page) => {
    const workspace = 'deltopic';
    await page.goto(`${h.url}?workspace=${workspace}`);
    await until(page, (v) => v.topics.some((t) => t.name === 'some_topic'), 'the notebook');
    await command(page, { SetSpeed: 20 });
    await addTwoBrokers(page);

    await page.getByTestId('new-topic-name').fill('doomed');
    await page.getByTestId('new-topic-partitions').fill('2');
    await page.getByTestId('new-topic-rf').fill('3');
    await page.getByTestId('new-topic-configs').fill('segment.bytes=200');
    for (let tries = 0; tries < 100; tries++) {
      await page.getByTestId('create-topic').click();
      if ((await page.getByTestId('create-topic-error').count()) === 0) break;
      await page.waitForTimeout(200);
    }
    await until(page, (v) => v.topics.some((t) => t.name === 'doomed'), 'doomed in the metadata');
    await page.getByTestId('produce-topic').first().selectOption('doomed');
    for (let i = 0; i < 4; i++) {
      await page.getByTestId('produce-count').first().fill('3');
      await page.getByTestId('produce-submit').first().click();
      await page.waitForTimeout(150);
    }
    await until(page, (v) => replicasOf(v, 'doomed').length === 6
      && replicasOf(v, 'doomed').reduce((n, r) => n + r.high_watermark, 0) === 3 * 12, 'doomed replicated on three brokers');
    assert.ok(await page.locator('[data-testid^="partition-doomed-"]').count() > 0, 'drawn in the matrix');
    // Worker writes reach IndexedDB a little after the view shows them.
    let before;
    for (let i = 0; i < 50; i++) {
      before = await stored(page, workspace, 'doomed');
      if (before.chunkBrokers?.length === 3 && before.metaBrokers.length === 3) break;
      await page.waitForTimeout(200);
    }
    assert.deepEqual(before.chunkBrokers, [1, 2, 3], 'every broker stored segments of doomed');
    assert.deepEqual(before.metaBrokers, [1, 2, 3], 'every broker stored the topic document');

    // An unknown name: Kafka's refusal at once, no confirmation, the name stays.
    await page.getByTestId('delete-topic-name').fill('nope');
    await page.getByTestId('delete-topic').click();
    assert.match(await page.getByTestId('delete-topic-error').textContent(),
      /^UNKNOWN_TOPIC_OR_PARTITION: This server does not host this topic-partition\.$/);
    assert.equal(await page.getByTestId('delete-topic-confirm').count(), 0);
    assert.equal(await page.getByTestId('delete-topic-name').inputValue(), 'nope');
    // The internal topic: refused as an unauthorized principal is.
    await page.getByTestId('delete-topic-name').fill('__consumer_offsets');
    await page.getByTestId('delete-topic').click();
    assert.match(await page.getByTestId('delete-topic-error').textContent(), /^TOPIC_AUTHORIZATION_FAILED: /);

    // The real one asks first; cancelling keeps the topic.
    await page.getByTestId('delete-topic-name').fill('doomed');
    await page.getByTestId('delete-topic').click();
    assert.equal(await page.getByTestId('delete-topic-error').count(), 0);
    await page.getByTestId('delete-topic-no').click();
    assert.equal(await page.getByTestId('delete-topic-confirm').count(), 0);
    assert.ok((await view(page)).topics.some((t) => t.name === 'doomed'));
    await page.getByTestId('delete-topic').click();
    await h.screenshot(page, 'delete-topic-confirm');
    await page.getByTestId('delete-topic-yes').click();

    const gone = await until(page, (v) => !v.topics.some((t) => t.name === 'doomed') && replicasOf(v, 'doomed').length === 0,
      'doomed gone from the metadata and every broker');
    assert.ok(gone.topics.some((t) => t.name === 'some_topic'), 'the other topic stays');
    assert.ok(gone.events.some(([, , e]) => e.TopicDeleted?.topic === 'doomed'), 'TopicDeleted in the events');
    const dropped = gone.events.filter(([, , e]) => e.ReplicaDeleted?.tp.topic === 'doomed').length;
    assert.ok(dropped >= 1, 'ReplicaDeleted in the events');
    assert.equal(await page.locator('[data-testid^="partition-doomed-"]').count(), 0, 'not drawn in the matrix');
    let after;
    for (let i = 0; i < 50; i++) {
      after = await stored(page, workspace, 'doomed');
      if (after.chunkBrokers.length === 0 && after.metaBrokers.length === 0) break;
      await page.waitForTimeout(200);
    }
    assert.deepEqual(after.chunkBrokers, [], 'no segment chunk of doomed on any broker');
    assert.deepEqual(after.metaBrokers, [], 'no topics/doomed document on any broker');
    await h.screenshot(page, 'delete-topic-gone');

    await page.reload();
    const back = await until(page, (v) => v.brokers.length === 3 && v.brokers.every((b) => b.status === 'Up')
      && v.topics.some((t) => t.name === 'some_topic'), 'three brokers after the reload');
    assert.ok(!back.topics.some((t) => t.name === 'doomed'), 'still gone from the metadata');
    await page.waitForTimeout(2000);
    const later = await view(page);
    assert.equal(replicasOf(later, 'doomed').length, 0, 'no broker recovered a replica of doomed');
    const still = await stored(page, workspace, 'doomed');
    assert.deepEqual([still.chunkBrokers, still.metaBrokers], [[], []], 'still nothing in IndexedDB');
  });
});
