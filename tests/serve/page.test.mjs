// The page watching `kafka-playground serve` (issue 15, point 3), for real: serve on free
// loopback ports (3 brokers) serving the trunk build in dist/, a confluent_kafka producer
// from .venv that keeps producing (tests/serve/page_producer.py: acks=all, topic `live`
// with one partition on 3 replicas), and Debian's chromium opening the page serve prints.
// The page sees the records arrive (the partition's high watermark grows), shows the
// producer's connection by its client.id and the consumer's group (page-group, Stable), refuses what serve cannot do under real
// clients (speed), and crashes the leader's broker from its button: the partition gets a
// new leader in the page, the producer's deliveries go on, and its client.id shows up on
// the new leader's broker. Screenshots at 1280 × 800 in English and Russian go to
// test-results/serve-page-{en,ru}.png; killing serve shows "serve stopped".
//
// Run by tests/serve/validate.sh (KP_BIN = the binary); needs dist/ (the web-build suite).

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import fs from 'node:fs';
import { ROOT, DIST, launchBrowser, collectErrors, screenshot } from '../e2e/harness.mjs';
import { children, freePort, freePorts, start, deliveries, viewWhere, unexpected } from './page_common.mjs';

const BIN = process.env.KP_BIN || path.join(ROOT, 'target/debug/kafka-playground');
const PYTHON = path.join(ROOT, '.venv/bin/python');
let browser;

after(async () => {
  for (const c of children) c.kill('SIGKILL');
  await browser?.close();
});

const livePartition = (v) => v.topics.find((t) => t.name === 'live')?.partitions[0];
const hwOn = (v, broker) =>
  v.brokers[broker - 1]?.replicas.find((r) => r.topic === 'live' && r.partition === 0)?.high_watermark;

test('the page served by serve watches a real producer and crashes its leader', { timeout: 240_000 }, async () => {
  assert.ok(fs.existsSync(path.join(DIST, 'index.html')), 'no dist/: run the web-build suite first');
  const [port, http] = [await freePorts(3), await freePort()];
  const serve = start(BIN, ['serve', '--brokers', '3', '--port', String(port), '--http-port', String(http), '--page-dir', DIST]);
  const url = (await serve.waitFor(/^page: http:/)).slice('page: '.length);
  assert.equal(url, `http://127.0.0.1:${http}/`);
  const boot = [0, 1, 2].map((i) => `127.0.0.1:${port + i}`).join(',');
  const producer = start(PYTHON, [path.join(ROOT, 'tests/serve/page_producer.py'), boot]);

  browser = await launchBrowser();
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const errors = collectErrors(page);
  await page.goto(url);
  assert.match(page.url(), /\?serve=1$/, 'serve sends the page to its serve mode');
  await page.getByTestId('live-note').waitFor();
  assert.match(await page.getByTestId('live-note').innerText(), /real time \(1×\)/);

  // The records arrive: the leader's high watermark grows in the page.
  const leader = await viewWhere(page, 'a leader of live-0', (v) => livePartition(v)?.leader);
  const hw1 = await viewWhere(page, 'records in live-0', (v) => (hwOn(v, leader) > 0 ? hwOn(v, leader) : 0));
  await viewWhere(page, 'live-0 growing', (v) => hwOn(v, leader) > hw1 + 20);
  await page.getByTestId(`partition-live-0`).waitFor();
  assert.equal(await page.getByTestId('partition-live-0').getAttribute('data-leader'), String(leader));
  // The real consumer's group, as its coordinator runs it.
  const group = await viewWhere(page, 'page-group Stable', (v) => v.groups.find((g) => g.group_id === 'page-group' && g.state === 'Stable'));
  await page.locator('[data-testid="group-page-group"][data-state="Stable"]').waitFor();
  assert.ok(group.generation >= 1, JSON.stringify(group).slice(0, 500));
  assert.equal(group.leader_client, 'page-test-consumer', 'the leader named by its client.id');
  const producerOn = (b) => page.locator(`[data-testid="connection"][data-client-id="page-test-producer"][data-broker="${b}"]`);
  await producerOn(leader).first().waitFor();

  // What serve cannot do under real clients is refused plainly (speed is 1×).
  const refused = await page.evaluate(() => window.kafkaPlaygroundCommand('{"SetSpeed":10}'));
  assert.equal(refused, 'serve runs in real time: speed is 1× while real clients are connected');
  await page.getByTestId('serve-refusal').filter({ hasText: 'speed is 1×' }).waitFor();
  assert.match(await page.evaluate(() => window.kafkaPlaygroundCommand('{"Crash":')), /^not a cluster command/);

  // Crash the leader's broker from the page.
  const before = deliveries(producer).delivered;
  await page.getByTestId(`broker-${leader}-crash`).click();
  await serve.waitFor(new RegExp(`^page: broker ${leader} crashed`));
  await page.locator(`[data-testid="broker-${leader}"][data-status="crashed"]`).waitFor();
  const next = await viewWhere(page, 'a new leader of live-0', (v) => {
    const l = livePartition(v)?.leader;
    return l && l !== leader ? l : null;
  });
  assert.equal(await page.getByTestId('partition-live-0').getAttribute('data-leader'), String(next));
  // The producer reconnected: its client.id on the new leader, none on the crashed broker.
  await producerOn(next).first().waitFor({ timeout: 60_000 });
  assert.equal(await page.locator(`[data-testid="connection"][data-broker="${leader}"]`).count(), 0);
  // Its deliveries go on, and the new leader's high watermark grows in the page.
  const hw2 = await viewWhere(page, 'records on the new leader', (v) => hwOn(v, next) || 0);
  await viewWhere(page, 'the new leader growing', (v) => hwOn(v, next) > hw2 + 20);
  const deadline = Date.now() + 30_000;
  while (deliveries(producer).delivered < before + 200 && Date.now() < deadline) await page.waitForTimeout(250);
  assert.ok(deliveries(producer).delivered >= before + 200, `deliveries went on: ${JSON.stringify(deliveries(producer))}`);

  await screenshot(page, 'serve-page-en');
  await page.getByTestId('lang-ru').click();
  await page.getByText('вживую: реальное время (1×)').waitFor();
  await page.locator('[data-testid="connections"] h2', { hasText: 'Подключения настоящих клиентов' }).waitFor();
  await screenshot(page, 'serve-page-ru');
  await page.getByTestId('lang-en').click();

  // serve stops: the page says so plainly.
  producer.child.kill('SIGKILL');
  serve.child.kill('SIGKILL');
  await page.getByTestId('serve-stopped').waitFor();
  assert.match(await page.getByTestId('serve-stopped').innerText(), /serve stopped/);
  assert.deepEqual(unexpected(errors), [], 'no errors on the page (but its reconnection tries)');
  await context.close();
});
