// The page's script API as e2e tests use it: the view the page draws from
// (`window.kafkaPlaygroundView`), waiting for a condition on it, and commands
// (`window.kafkaPlaygroundCommand`, the same typed commands the page's controls send).

import assert from 'node:assert/strict';

/** The cluster view the page draws from, or null before the run starts. */
export async function view(page) {
  return JSON.parse(await page.evaluate(() => window.kafkaPlaygroundView?.() ?? 'null'));
}

/** Waits until `pred(view)` holds (the run goes on in virtual time meanwhile); on time
 * out, says what the page showed. */
export async function until(page, pred, what, timeoutMs = 90_000) {
  const start = Date.now();
  for (;;) {
    const v = await view(page);
    if (v && pred(v)) return v;
    if (Date.now() - start > timeoutMs) {
      const seen = v && { now_ms: v.now_ms, speed: v.speed, paused: v.paused, error: v.error, topics: v.topics.map((x) => x.name) };
      throw new Error(`timed out waiting for ${what}; the page shows ${JSON.stringify(seen)}`);
    }
    await page.waitForTimeout(100);
  }
}

/** Sends one command; the page answers '' when it takes it, else the reason. */
export async function command(page, c) {
  await page.waitForFunction(() => typeof window.kafkaPlaygroundCommand === 'function');
  assert.equal(await page.evaluate((t) => window.kafkaPlaygroundCommand(t), JSON.stringify(c)), '');
}

/** Every replica of `topic` (of one partition, if given) on every broker, with its broker id. */
export function replicasOf(v, topic, partition) {
  return v.brokers.flatMap((b) => b.replicas
    .filter((r) => r.topic === topic && (partition === undefined || r.partition === partition))
    .map((r) => ({ ...r, broker: b.id })));
}

/** From the first visit's one broker, adds brokers 2 and 3 and waits until all three run. */
export async function addTwoBrokers(page) {
  await command(page, 'AddBroker');
  await until(page, (v) => v.brokers.length === 2, 'broker 2');
  await command(page, 'AddBroker');
  await until(page, (v) => v.brokers.length === 3 && v.brokers.every((b) => b.status === 'Up'), 'three brokers');
}
