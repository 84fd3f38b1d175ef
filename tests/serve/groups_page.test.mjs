// The page watching `kafka-playground serve` shows real clients' groups as their coordinator
// holds them (issue 15's last gaps), for real: serve on free loopback ports (3 brokers), a
// confluent_kafka producer writing to a 3-partition topic and two confluent_kafka consumers
// in group1 (client.ids c-a and c-b, the range assignor), one process each
// (tests/serve/page_group_clients.py), and Debian's chromium on the page serve prints.
// The group card lists both members by client.id with their partitions (range over 3
// partitions: 2 and 1), and the offsets as kafka-consumer-groups --describe shows them
// (CURRENT-OFFSET committed, LOG-END-OFFSET the high watermark, LAG their difference).
// Killing c-b's process: after its session.timeout.ms (6 s) the coordinator removes it
// and rebalances, and the card shows c-a owning all 3 partitions in a later generation.
// Crashing the coordinator's broker from the page: the card names the new coordinator
// (the new leader of group1's __consumer_offsets partition). Stopping serve: the page
// says so and retries; serve started again on the same ports: the page draws it again
// without a reload. Screenshots at 1280 × 800 in English and Russian go to
// test-results/serve-groups-{en,ru}.png.
//
// Run by tests/serve/validate.sh (KP_BIN = the binary); needs dist/ (the web-build suite).

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import fs from 'node:fs';
import { ROOT, DIST, launchBrowser, collectErrors } from '../e2e/harness.mjs';
import { children, freePort, freePorts, start, viewWhere, unexpected } from './page_common.mjs';

const BIN = process.env.KP_BIN || path.join(ROOT, 'target/debug/kafka-playground');
const PYTHON = path.join(ROOT, '.venv/bin/python');
const CLIENTS = path.join(ROOT, 'tests/serve/page_group_clients.py');
const RESULTS = path.join(ROOT, 'test-results');
let browser;

after(async () => {
  for (const c of children) c.kill('SIGKILL');
  await browser?.close();
});

/** group1 as the coordinator holds it, in the page's latest view. */
const group1 = (v) => v.live?.groups.find((g) => g.group_id === 'group1');
const sizes = (d) => d.members.map((m) => m.assignment.length).sort();
const owned = (d) => d.members.flatMap((m) => m.assignment.map(([t, p]) => `${t}-${p}`)).sort();
const ALL = ['group-topic-0', 'group-topic-1', 'group-topic-2'];

/** The card scrolled into view, the viewport (1280 × 800) saved. */
async function shot(page, name, what = page.getByTestId('described-group')) {
  await what.scrollIntoViewIfNeeded();
  fs.mkdirSync(RESULTS, { recursive: true });
  await page.screenshot({ path: path.join(RESULTS, `${name}.png`) });
}

test('the page shows real consumers of a group, their rebalance, the coordinator moving, and serve coming back', { timeout: 280_000 }, async () => {
  assert.ok(fs.existsSync(path.join(DIST, 'index.html')), 'no dist/: run the web-build suite first');
  const [port, http] = [await freePorts(3), await freePort()];
  const args = ['serve', '--brokers', '3', '--port', String(port), '--http-port', String(http), '--page-dir', DIST];
  let serve = start(BIN, args);
  const url = (await serve.waitFor(/^page: http:/)).slice('page: '.length);
  const boot = [0, 1, 2].map((i) => `127.0.0.1:${port + i}`).join(',');
  const producer = start(PYTHON, [CLIENTS, 'producer', boot]);
  await producer.waitFor(/^ready$/);
  const ca = start(PYTHON, [CLIENTS, 'consumer', boot, 'c-a']);
  const cb = start(PYTHON, [CLIENTS, 'consumer', boot, 'c-b']);

  browser = await launchBrowser();
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const errors = collectErrors(page);
  await page.goto(url);
  await page.getByTestId('live-note').waitFor();

  // Both members, by client.id, range over 3 partitions: 2 and 1, every partition owned.
  const two = await viewWhere(page, 'group1 Stable with c-a and c-b owning 3 partitions', (v) => {
    const d = group1(v);
    const ids = d?.members.map((m) => m.client_id).sort().join(',');
    return d?.state === 'Stable' && ids === 'c-a,c-b' && owned(d).join() === ALL.join() ? d : null;
  }, 90_000);
  assert.deepEqual(sizes(two), [1, 2], 'the range assignor splits 3 partitions 2/1');
  assert.equal(two.protocol, 'range');
  // Committed offsets and lag = LOG-END-OFFSET (HW) − CURRENT-OFFSET, on every partition.
  const committed = await viewWhere(page, 'committed offsets on the 3 partitions', (v) => {
    const d = group1(v);
    return d && d.partitions.length === 3 && d.partitions.every((r) => r.current_offset > 0) ? d : null;
  });
  for (const r of committed.partitions) {
    assert.equal(r.lag, r.log_end_offset - r.current_offset, JSON.stringify(r));
    assert.ok(r.lag >= 0 && r.current_offset <= r.log_end_offset, JSON.stringify(r));
    const m = committed.members.find((x) => x.member_id === r.consumer_id);
    assert.ok(m && m.assignment.some(([t, p]) => t === r.topic && p === r.partition), 'the row names its owner');
    assert.equal(r.client_id, m.client_id);
  }
  // The members keep committing (auto-commit every second): CURRENT-OFFSET grows.
  const at = (d, p) => d.partitions.find((r) => r.partition === p)?.current_offset ?? 0;
  await viewWhere(page, 'committed offsets growing', (v) => {
    const d = group1(v);
    return d && [0, 1, 2].every((p) => at(d, p) > at(committed, p));
  });
  // The card shows it: both members with their partitions, the rows with Kafka's columns.
  const card = page.getByTestId('group-group1');
  for (const m of committed.members) {
    const row = card.locator(`[data-testid="described-member"][data-client-id="${m.client_id}"]`);
    await row.waitFor();
    assert.equal(
      (await row.getAttribute('data-partitions')).split(',').length,
      m.assignment.length,
      `${m.client_id}'s partitions on the card`,
    );
  }
  await card.locator('[data-testid="described-offsets"] th', { hasText: 'CURRENT-OFFSET' }).waitFor();
  await card.locator('[data-testid="described-offsets"] th', { hasText: 'LOG-END-OFFSET' }).waitFor();
  for (const p of [0, 1, 2]) {
    const row = card.getByTestId(`offsets-group-topic-${p}`);
    await row.waitFor();
    assert.match(await row.getAttribute('data-current'), /^\d+$/);
  }
  await shot(page, 'serve-groups-en');
  await page.getByTestId('lang-ru').click();
  await card.getByText('Участники — как их хранит координатор группы', { exact: false }).waitFor();
  await shot(page, 'serve-groups-ru');
  await page.getByTestId('lang-en').click();

  // The log panel reads a replica's log from serve's in-process broker: its offsets, the
  // records from offset 0, and the batch holding it taken apart.
  const leader0 = (await viewWhere(page, 'a leader of group-topic-0', (v) =>
    v.topics.find((t) => t.name === 'group-topic')?.partitions[0]?.leader));
  await page.getByTestId('log-panel-toggle').click();
  await page.getByTestId('log-replica').selectOption({ label: `group-topic-0 · Broker ${leader0}` });
  const offsets = page.getByTestId('log-offsets');
  await offsets.waitFor();
  assert.ok(Number(await offsets.getAttribute('data-high-watermark')) > 0, 'the replica has records');
  await page.getByTestId('log-read-from').fill('0');
  await page.getByTestId('log-read').click();
  const first = page.locator('[data-testid=log-record][data-offset="0"]');
  await first.waitFor();
  assert.match(await first.innerText(), /record \d+/, 'a value the producer wrote');
  await first.getByTestId('log-record-bytes').click();
  await page.getByTestId('batch-anatomy').waitFor();
  assert.equal(await page.getByTestId('log-problem').count(), 0);
  await shot(page, 'serve-log-en', page.getByTestId('log-panel'));

  // Kill c-b's process (no LeaveGroup): after session.timeout.ms the coordinator removes it
  // and rebalances; c-a owns all 3 partitions in a later generation.
  cb.child.kill('SIGKILL');
  const one = await viewWhere(page, 'c-a alone owning the 3 partitions', (v) => {
    const d = group1(v);
    return d?.state === 'Stable' && d.members.length === 1 && d.members[0].client_id === 'c-a' &&
      owned(d).join() === ALL.join() ? d : null;
  }, 60_000);
  assert.ok(one.generation > two.generation, `a rebalance: generation ${two.generation} → ${one.generation}`);
  await card.locator('[data-testid="described-member"][data-client-id="c-a"][data-partitions="group-topic-0,group-topic-1,group-topic-2"]').waitFor();
  assert.equal(await card.locator('[data-testid="described-member"][data-client-id="c-b"]').count(), 0);

  // Crash the coordinator's broker from the page: the card names the new coordinator.
  const old = one.coordinator;
  assert.ok(old >= 1 && old <= 3, `a coordinator: ${old}`);
  await page.getByTestId(`broker-${old}-crash`).click();
  await serve.waitFor(new RegExp(`^page: broker ${old} crashed`));
  const movedView = await viewWhere(page, 'a new coordinator for group1', (v) => {
    const d = group1(v);
    return d?.coordinator && d.coordinator !== old && d.loaded ? v : null;
  }, 60_000);
  const moved = group1(movedView);
  const card1 = movedView.groups.find((g) => g.group_id === 'group1');
  assert.equal(card1.coordinator, moved.coordinator, 'the card names the coordinator the metadata names');
  assert.deepEqual([card1.state, card1.generation], [moved.state, moved.generation], 'and its state, not the crashed one\'s');
  await card.locator(`[data-testid="described-group"][data-coordinator="${moved.coordinator}"]`).waitFor();
  const facts = await card.locator('.group-fact').allInnerTexts();
  assert.ok(facts.some((f) => f === `coordinator: broker ${moved.coordinator}`), JSON.stringify(facts));

  // Stop serve: the page says so and retries; start it again on the same ports: it draws
  // the new run without a reload.
  for (const c of [producer, ca]) c.child.kill('SIGKILL');
  await page.evaluate(() => { window.kpNotReloaded = true; });
  serve.child.kill('SIGKILL');
  const stopped = page.getByTestId('serve-stopped');
  await stopped.waitFor();
  assert.match(await stopped.innerText(), /serve stopped.*reconnect/s);
  await page.getByTestId('lang-ru').click();
  await stopped.filter({ hasText: 'serve остановлен' }).filter({ hasText: 'переподключ' }).waitFor();
  await shot(page, 'serve-stopped-ru', stopped);
  await page.getByTestId('lang-en').click();
  await page.waitForTimeout(3_500); // a few tries against nobody
  assert.ok(Number(await stopped.getAttribute('data-retry-in')) >= 2, 'the wait doubles');
  serve = start(BIN, args);
  await serve.waitFor(/^page: http:/);
  await stopped.waitFor({ state: 'detached', timeout: 20_000 });
  await viewWhere(page, 'the new run (no group1, broker ' + old + ' up)', (v) =>
    !group1(v) && v.brokers.every((b) => b.status === 'Up'), 30_000);
  assert.equal(await page.evaluate(() => window.kpNotReloaded), true, 'no reload');
  assert.deepEqual(unexpected(errors), [], 'no errors on the page (but its reconnection tries)');
  await context.close();
});
