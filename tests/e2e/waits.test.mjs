// Long waits are not silent (issue 14, "pending timers on the cards"), in real Chromium:
// in `follower-leaves-isr-during-partition` a network partition cuts follower 3 off from
// leader 1 at 6 s. While it lasts, broker 3's header says its fetch to broker 1 is
// unanswered and when it is given up (replica.socket.timeout.ms = 30 s after it was
// sent), and broker 1's says broker 3 has not caught up on events-0 and from when the ISR
// check may drop it (replica.lag.time.max.ms = 30 s after it last caught up). The ISR
// shrink the feed then reports comes after that moment and within one ISR check
// (replica.lag.time.max.ms / 2) of it, as Kafka's `maybeShrinkIsr` does; after the shrink
// the leader's note is gone, and the feed says why (the leader's ISR check proposal, with
// what Kafka's `maybeShrinkIsr` logs) before the controller's decision. Screenshots at 1280 × 800 (English) and 800 × 580 (Russian).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness } from './harness.mjs';

let h;
before(async () => { h = await startHarness(); });
after(async () => { await h?.close(); });

const URL = (h) => `${h.url}?scenario=follower-leaves-isr-during-partition&seed=1`;
const nowMs = async (page) => Number(await page.getByTestId('cluster-clock').getAttribute('data-now-ms'));

async function runUntil(page, ms) {
  await page.getByTestId('speed-slider').fill('1');
  if (await page.getByTestId('play').isEnabled()) await page.getByTestId('play').click();
  await page.waitForFunction((t) => Number(document.querySelector('[data-testid=cluster-clock]')?.dataset.nowMs) > t,
    ms, { timeout: 90_000 });
  if (await page.getByTestId('pause').isEnabled()) await page.getByTestId('pause').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=cluster-clock]').dataset.paused === 'true');
}

test('a cut-off follower: its unanswered fetch and the leader\'s ISR wait are named with their timeouts',
  { timeout: 180_000 }, async (t) => {
    await h.withPage(t, async (page) => {
      await page.goto(URL(h));
      await page.getByTestId('cluster-clock').waitFor();
      await runUntil(page, 15_000);
      const now = await nowMs(page);
      assert.ok(now < 30_000, `paused at ${now} ms, inside the partition`);

      const fetch = page.getByTestId('broker-3-fetch-wait-1');
      const giveUp = Number(await fetch.getAttribute('data-give-up-at-ms'));
      // The fetch in flight at the cut (6 s; a leader holds one up to replica.fetch.wait.max.ms,
      // 500 ms) or one sent after it, given up replica.socket.timeout.ms after it was sent.
      assert.ok(giveUp > 35_400 && giveUp < 38_000, `given up at ${giveUp} ms`);
      assert.match(await fetch.textContent(),
        /^Fetch to broker 1 unanswered for \d+\.\d s: given up at 3\d\.\d s \(replica\.socket\.timeout\.ms=30000\)$/);

      const behind = page.getByTestId('broker-1-behind-3');
      const outAt = Number(await behind.getAttribute('data-out-at-ms'));
      assert.ok(outAt > 35_000 && outAt < 37_000, `out of the ISR after ${outAt} ms`);
      assert.match(await behind.textContent(),
        /^Broker 3 not caught up on events-0 for \d+\.\d s: out of the ISR after 3\d\.\d s \(replica\.lag\.time\.max\.ms=30000\)$/);
      // No other broker is waiting on anyone.
      assert.equal(await page.locator('.wait-note').count(), 2);
      await h.screenshot(page, 'waits-1280-en');

      await runUntil(page, 48_000);
      // The view's events are [at_ms, node, event]; the controller's IsrShrunk is the decision.
      const shrunk = await page.evaluate(() => JSON.parse(window.kafkaPlaygroundView()).events
        .find(([, , e]) => e.IsrShrunk)?.[0] ?? null);
      const feed = await page.locator('[data-testid=event-feed] [data-testid=event][data-kind=isr-shrunk]').count();
      assert.equal(feed, 1, 'the shrink is in the feed');
      assert.ok(shrunk !== null && shrunk > outAt && shrunk <= outAt + 15_000,
        `shrunk at ${shrunk} ms, after ${outAt} ms and within one ISR check`);
      assert.equal(await page.getByTestId('broker-1-behind-3').count(), 0, 'out of the ISR: nothing to wait for');
      // The feed says why, before the controller's decision: the leader's ISR check.
      const why = page.locator('[data-testid=event-feed] [data-testid=event][data-kind=isr-shrink-proposed]');
      assert.equal(await why.count(), 1);
      assert.match(await why.textContent(),
        /Broker 1: events-0: the ISR check proposes shrinking the ISR \[1, 2, 3\] → \[1, 2\]: Broker 3 has not caught up since [56]\.\d s \(its log end offset \d+; the leader's high watermark \d+, log end offset \d+\) \(replica\.lag\.time\.max\.ms=30000\)/);
    }, { contextOptions: { viewport: { width: 1280, height: 800 } } });
  });

test('the waits in Russian, embedded at 800 × 580', { timeout: 120_000 }, async (t) => {
  await h.withPage(t, async (page) => {
    await page.addInitScript(() => localStorage.setItem('kafka-playground.lang', 'ru'));
    await page.goto(`${URL(h)}&embed=1`);
    await page.getByTestId('cluster-clock').waitFor();
    await runUntil(page, 15_000);
    assert.match(await page.getByTestId('broker-3-fetch-wait-1').textContent(),
      /^Fetch к брокеру 1 без ответа уже \d+\.\d с: будет брошен в 3\d\.\d с \(replica\.socket\.timeout\.ms=30000\)$/);
    assert.match(await page.getByTestId('broker-1-behind-3').textContent(),
      /^Брокер 3 не догнал лидера по events-0 уже \d+\.\d с: выйдет из ISR после 3\d\.\d с \(replica\.lag\.time\.max\.ms=30000\)$/);
    await h.screenshot(page, 'waits-800-ru');
  }, { contextOptions: { viewport: { width: 800, height: 580 } } });
});
