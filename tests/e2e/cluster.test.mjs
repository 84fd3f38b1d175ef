// The cluster picture (lecture section 5) end to end in headless Chromium, against the
// real lockstep driver (one web worker per broker, IndexedDB): crashing the leader with
// its button moves leadership after the controller fences it, acks=all writes go on
// being acknowledged, and a reload brings every replica's records back from IndexedDB;
// every section-5 scenario runs to its end in the page and shows what it teaches; bad
// addresses are explained inline; the controls answer the keyboard; the picture fits
// an 800 × 580 embed in both languages.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness } from './harness.mjs';
import { command } from './page_api.mjs';

let h;
before(async () => { h = await startHarness(); });
after(async () => { await h?.close(); });

const WIDE = { viewport: { width: 1400, height: 1000 }, reducedMotion: 'reduce' };
const NARROW = { viewport: { width: 800, height: 580 }, reducedMotion: 'reduce' };
const RUN_TIMEOUT = 120_000;

async function shot(page, name) {
  await page.evaluate(() => window.scrollTo(0, 0));
  return h.screenshot(page, name);
}

const clock = (page) => page.getByTestId('cluster-clock');
const nowMs = async (page) => Number(await clock(page).getAttribute('data-now-ms'));
const attr = (page, testid, name) => page.getByTestId(testid).getAttribute(name);

/** The slider is log10(speed): 2 is 100×, 0 is 1×. */
async function setSpeed(page, log10) {
  await page.getByTestId('speed-slider').fill(String(log10));
  await page.waitForFunction((s) => Math.abs(Number(document.querySelector('[data-testid=speed-value]').dataset.speed) - s) < 1e-6,
    10 ** log10);
}

async function play(page) {
  if (await page.getByTestId('play').isEnabled()) await page.getByTestId('play').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=cluster-clock]').dataset.paused === 'false');
}

async function pause(page) {
  if (await page.getByTestId('pause').isEnabled()) await page.getByTestId('pause').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=cluster-clock]').dataset.paused === 'true');
}

/** Runs at 100× until the driver pauses at the scenario's end. */
async function runToEnd(page) {
  await clock(page).waitFor();
  await setSpeed(page, 2);
  await page.waitForFunction(() => {
    const c = document.querySelector('[data-testid=cluster-clock]');
    const v = JSON.parse(window.kafkaPlaygroundView?.() || 'null');
    return c?.dataset.paused === 'true' && v && v.now_ms >= v.until_ms;
  }, null, { timeout: RUN_TIMEOUT });
  await settled(page);
}

/** Waits until the view stays the same for 300 ms (a stopped run's brokers have drawn their replicas afresh). */
async function settled(page) {
  let before = await page.evaluate(() => window.kafkaPlaygroundView());
  for (let i = 0; i < 50; i++) {
    await page.waitForTimeout(300);
    const now = await page.evaluate(() => window.kafkaPlaygroundView());
    if (now === before) return;
    before = now;
  }
  throw new Error('the view of a stopped run kept changing');
}

async function rawView(page) {
  return JSON.parse(await page.evaluate(() => window.kafkaPlaygroundView()));
}

async function events(page) {
  return page.locator('[data-testid=event-feed] [data-testid=event]').evaluateAll((els) =>
    els.map((e) => ({ kind: e.dataset.kind, text: e.textContent })));
}

async function leaderOf(page, tp) {
  return attr(page, `partition-${tp}`, 'data-leader');
}

/** The values on the replica of `tp` on `broker`, in offset order (the strip lists the
 *  newest first in the document). */
async function replicaValues(page, broker, tp) {
  return page.locator(`[data-testid="replica-${broker}-${tp}"] [data-testid=replica-record]`).evaluateAll((els) =>
    els.map((e) => [Number(e.dataset.offset), e.dataset.value]).sort((a, b) => a[0] - b[0]).map(([, v]) => v));
}

async function acknowledged(page, producer = 'p1') {
  return Number(await attr(page, `producer-${producer}`, 'data-acknowledged'));
}

async function noViolations(page) {
  assert.equal(await attr(page, 'violations', 'data-count'), '0', await page.getByTestId('violations').textContent());
}

test('acks=1: the crashed leader\'s last log stays on screen greyed, holding the 3 records the new leader lacks, and they are lost',
  { timeout: 120_000 }, async (t) => {
    await h.withPage(t, async (page) => {
      await page.goto(`${h.url}?scenario=acks-1-loses-acknowledged-record&seed=1&workspace=greyed-log`);
      await clock(page).waitFor();
      await command(page, { SetSpeed: 5 });
      const past = (ms) => page.waitForFunction((t) => Number(document.querySelector('[data-testid=cluster-clock]')?.dataset.nowMs) > t,
        ms, { timeout: 60_000 });
      // Between the crash (8 s) and the fencing (9 s of silence later): the wait is counted down.
      await past(11_000);
      await pause(page);
      assert.ok(await nowMs(page) < 15_000, 'paused before the fencing');
      const countdown = page.getByTestId('broker-1-fence-countdown');
      const left = Number(await countdown.getAttribute('data-left-ms'));
      assert.ok(left > 0 && left < 9000 - 3000, `fenced in ${left} ms`);
      assert.match(await countdown.textContent(), /fenced in \d+\.\d s: no heartbeat for \d+\.\d s \(broker\.session\.timeout\.ms=9000\)/);
      await shot(page, 'acks-1-fence-countdown-en');
      await command(page, 'Play');
      // Past the election of broker 2 (15 s), before broker 1 restarts (25 s).
      await past(16_000);
      await pause(page);
      assert.equal(await page.getByTestId('broker-1-fenced').count(), 1, 'the fencing is shown on the broker');
      assert.equal(await page.getByTestId('broker-1-fence-countdown').count(), 0);
      assert.ok(await nowMs(page) < 25_000);
      assert.equal(await leaderOf(page, 'payments-0'), '2');
      const greyed = page.locator('[data-testid=crashed-log-1-payments-0] [data-testid="replica-1-payments-0"]');
      assert.equal(await greyed.getAttribute('data-leo'), '8', 'broker 1 crashed holding offsets 0–7');
      assert.equal(await attr(page, 'replica-2-payments-0', 'data-leo'), '5', 'the new leader has 0–4');
      assert.equal(await attr(page, 'producer-p1', 'data-lost'), '3', 'lost from the election on, not only at the truncation');
      await shot(page, 'acks-1-greyed-log-en');
      await page.getByTestId('lang-ru').click();
      await page.setViewportSize({ width: 800, height: 580 });
      await shot(page, 'acks-1-greyed-log-ru-800');
      await page.getByTestId('lang-en').click();
    }, { contextOptions: { viewport: { width: 1280, height: 800 } } });
  });

test('acks=all: crash the leader with its button, a new leader after fencing, writes go on, a reload recovers from IndexedDB',
  { timeout: 300_000 }, async (t) => {
    await h.withPage(t, async (page) => {
      await page.goto(`${h.url}?scenario=acks-all-survives-leader-crash&seed=7`);
      await clock(page).waitFor();
      assert.match(await clock(page).textContent(), /^t = \d+\.\d{3} s/);
      // Run at 1× until the controller has elected the first leader of orders-0 (at 2.5 s), then hold.
      await setSpeed(page, 0);
      await play(page);
      // ... and its broker has drawn its replica as the leader.
      await page.waitForFunction(() => {
        const l = document.querySelector('[data-testid="partition-orders-0"]')?.dataset.leader;
        return l && document.querySelector(`[data-testid="replica-${l}-orders-0"]`)?.dataset.leader === 'true';
      }, null, { timeout: 30_000 });
      await pause(page);
      assert.ok(await nowMs(page) < 6000, 'held before the scenario crashes the leader itself');
      const first = await leaderOf(page, 'orders-0');
      assert.deepEqual((await attr(page, 'partition-orders-0', 'data-isr')).split(',').sort(), ['1', '2', '3']);
      assert.equal(await attr(page, `replica-${first}-orders-0`, 'data-in-isr'), 'true');
      await shot(page, 'cluster-before-crash');
      const leoBefore = await attr(page, `replica-${first}-orders-0`, 'data-leo');

      // Crash the leader's broker through its own button.
      await page.getByTestId(`broker-${first}-crash`).click();
      await setSpeed(page, 2);
      await play(page);
      await page.waitForFunction((b) => document.querySelector(`[data-testid="broker-${b}"]`)?.dataset.status === 'crashed', first);
      assert.ok(await page.getByTestId(`broker-${first}-restart`).isEnabled(), 'a crashed broker can be restarted');
      // Its log stays on screen, greyed, as last drawn before the crash.
      const lastLog = page.getByTestId(`crashed-log-${first}-orders-0`);
      await lastLog.waitFor();
      // (Looked up afresh each time: a new view may redraw the cell between two looks.)
      await page.waitForFunction((id) => {
        const e = document.querySelector(`[data-testid="${id}"]`);
        return e && getComputedStyle(e).filter === 'grayscale(1)';
      }, `crashed-log-${first}-orders-0`);
      assert.equal(await lastLog.locator(`[data-testid="replica-${first}-orders-0"]`).getAttribute('data-leo'), leoBefore,
        'the crashed broker\'s last log is the one drawn before the crash');
      assert.ok(await page.getByTestId(`broker-${first}-crash`).isDisabled());
      // After broker.session.timeout.ms the controller fences it and elects another in-sync replica.
      await page.waitForFunction((b) => {
        const l = document.querySelector('[data-testid="partition-orders-0"]')?.dataset.leader;
        return l && l !== b;
      }, first, { timeout: RUN_TIMEOUT });
      const second = await leaderOf(page, 'orders-0');
      assert.notEqual(second, first);
      const feed = await events(page);
      const fenced = feed.find((e) => e.kind === 'fenced');
      assert.ok(fenced && fenced.text.includes(`Broker ${first}`), `fenced ${first}: ${JSON.stringify(feed)}`);
      // The cause comes first: the feed (newest first) lists the crash below the fencing it caused.
      const crash = feed.findIndex((e) => e.kind === 'crash' && e.text.includes(`Broker ${first}: ✕ crashed`));
      assert.ok(crash > feed.indexOf(fenced), `the crash of ${first} before its fencing: ${JSON.stringify(feed)}`);
      assert.ok(feed.some((e) => e.kind === 'leader-elected' && e.text.includes(`Broker ${second}`) && /leader epoch 1/.test(e.text)),
        JSON.stringify(feed));
      assert.ok(!feed.some((e) => e.kind === 'unclean-election'));

      // The scenario runs to its end (its own sends go through); then produce more with acks=all.
      await runToEnd(page);
      assert.equal(await attr(page, 'producer-p1', 'data-acks'), 'all');
      assert.equal(await acknowledged(page), 20);
      await page.getByTestId('produce-count').fill('5');
      await page.getByTestId('produce-key').fill('after-{i}');
      await page.getByTestId('produce-value').fill('after-{i}');
      await page.getByTestId('produce-submit').click();
      await play(page);
      await page.waitForFunction(() => document.querySelector('[data-testid="producer-p1"]')?.dataset.acknowledged === '25',
        null, { timeout: RUN_TIMEOUT });
      const latest = page.getByTestId('send-outcome').first();
      assert.equal(await latest.getAttribute('data-outcome'), 'acknowledged');
      assert.equal(await latest.getAttribute('data-records'), '5');
      assert.equal(await latest.getAttribute('data-offset'), '20');
      const leader = await leaderOf(page, 'orders-0');
      await page.waitForFunction((b) => Number(document.querySelector(`[data-testid="replica-${b}-orders-0"]`)?.dataset.hw) === 25, leader,
        { timeout: RUN_TIMEOUT });
      const values = await replicaValues(page, leader, 'orders-0');
      // `{i}` counts the client's records: these are its 21st to 25th.
      assert.deepEqual(values.slice(20), ['after-20', 'after-21', 'after-22', 'after-23', 'after-24']);
      await pause(page);
      await noViolations(page);
      await shot(page, 'cluster-after-crash-and-produce');

      // Reload: every node restarts and recovers its log from IndexedDB.
      await page.reload();
      await clock(page).waitFor();
      await setSpeed(page, 2);
      await play(page);
      await page.waitForFunction(() => ['1', '2', '3'].every((b) => {
        const r = document.querySelector(`[data-testid="replica-${b}-orders-0"]`);
        return document.querySelector(`[data-testid="broker-${b}"]`)?.dataset.status === 'up' && r
          && Number(r.dataset.hw) >= 25 && r.querySelectorAll('[data-testid=replica-record]').length >= 25;
      }), null, { timeout: RUN_TIMEOUT });
      await pause(page);
      for (const b of ['1', '2', '3']) {
        const v = await replicaValues(page, b, 'orders-0');
        assert.deepEqual(v.slice(0, 25), values, `broker ${b} has every acknowledged record back, in order`);
      }
      assert.ok(await leaderOf(page, 'orders-0'), 'a leader again after the restart');
      await noViolations(page);
      await shot(page, 'cluster-reloaded-recovered');
    }, { contextOptions: WIDE });
  });

// What each section-5 scenario shows at its end (tests/cluster_scenarios.rs asserts the same in the simulation).
const SCENARIOS = {
  'acks-all-survives-leader-crash': async (page) => {
    assert.equal(await acknowledged(page), 20);
    const leader = await leaderOf(page, 'orders-0');
    assert.equal((await replicaValues(page, leader, 'orders-0')).length, 20, 'every acknowledged record on the final leader');
    const feed = await events(page);
    assert.ok(feed.filter((e) => e.kind === 'leader-elected').length >= 2);
    // The crashed broker's host refused the second send: retried at once, not timed out.
    const retries = feed.filter((e) => e.kind === 'send-retried');
    assert.ok(retries.some((e) => /NETWORK_EXCEPTION/.test(e.text)), JSON.stringify(retries));
    assert.ok(!retries.some((e) => /REQUEST_TIMED_OUT/.test(e.text)), JSON.stringify(retries));
  },
  'acks-1-loses-acknowledged-record': async (page) => {
    assert.equal(await attr(page, 'producer-p1', 'data-acks'), '1');
    assert.equal(await acknowledged(page), 8, 'the leader acknowledged all eight');
    const leader = await leaderOf(page, 'payments-0');
    const values = await replicaValues(page, leader, 'payments-0');
    assert.deepEqual(values, ['payment-0', 'payment-1', 'payment-2', 'payment-3', 'payment-4'],
      'fewer records on the final leader than acknowledged: the three written while cut off are gone');
    const truncated = (await events(page)).find((e) => e.kind === 'truncated');
    assert.ok(truncated && /Broker 1/.test(truncated.text) && /\(3 records removed\)/.test(truncated.text), truncated?.text);
    // The ledger says so: 3 acknowledged records lost, the send of offsets 5–7 in red.
    assert.equal(await attr(page, 'producer-p1', 'data-lost'), '3');
    const run = page.locator('[data-testid=producer-lost-runs] li');
    assert.equal(await run.count(), 1);
    assert.deepEqual([await run.getAttribute('data-first-offset'), await run.getAttribute('data-last-offset')], ['5', '7']);
    const lost = page.locator('[data-testid=send-outcome][data-outcome=lost]');
    assert.equal(await lost.count(), 1);
    assert.equal(await lost.getAttribute('data-offset'), '5');
    assert.equal(await page.locator('[data-testid=send-outcome][data-outcome=acknowledged]').count(), 1, 'offsets 0–4 stay acknowledged');
  },
  'follower-leaves-isr-during-partition': async (page) => {
    const feed = await events(page);
    assert.ok(feed.some((e) => e.kind === 'isr-shrunk' && e.text.includes('[3] left the ISR')), JSON.stringify(feed));
    assert.ok(feed.some((e) => e.kind === 'isr-expanded' && e.text.includes('[3] joined the ISR')), JSON.stringify(feed));
    // The controller's decision is said once, not again by each broker that learns of it.
    assert.equal(feed.filter((e) => e.kind === 'isr-expanded').length, 1, JSON.stringify(feed));
    assert.equal(feed.filter((e) => e.kind === 'isr-shrunk').length, 1, JSON.stringify(feed));
    assert.match(await attr(page, 'partition-events-0', 'data-isr'), /3/);
    const leader = await leaderOf(page, 'events-0');
    assert.equal((await replicaValues(page, leader, 'events-0')).length, 20);
  },
  'not-enough-replicas': async (page) => {
    assert.equal(await attr(page, 'topic-settings-orders', 'data-min-insync-replicas'), '2');
    const feed = await events(page);
    assert.ok(feed.some((e) => e.kind === 'send-retried' && e.text.includes('NOT_ENOUGH_REPLICAS (19)')), JSON.stringify(feed));
    const failed = page.locator('[data-testid=send-outcome][data-outcome=failed]');
    assert.equal(await failed.count(), 1);
    assert.equal(await failed.getAttribute('data-records'), '3');
    // delivery.timeout.ms runs out while every retry is refused: the send says both.
    assert.equal(await failed.getAttribute('data-error'), 'REQUEST_TIMED_OUT');
    assert.equal(await failed.getAttribute('data-retried-on'), 'NOT_ENOUGH_REPLICAS');
    assert.match(await failed.textContent(), /REQUEST_TIMED_OUT \(7\) · retried on NOT_ENOUGH_REPLICAS \(19\)/);
    const leader = await leaderOf(page, 'orders-0');
    assert.deepEqual(await replicaValues(page, leader, 'orders-0'),
      ['placed-0', 'placed-1', 'placed-2', 'placed-6', 'placed-7', 'placed-8'], 'nothing appended while refused');
  },
  'unclean-election-loses-data': async (page) => {
    assert.equal(await attr(page, 'topic-settings-logs', 'data-unclean'), 'true');
    const feed = await events(page);
    const unclean = feed.find((e) => e.kind === 'unclean-election');
    assert.ok(unclean && /UNCLEAN/.test(unclean.text) && /Broker 3/.test(unclean.text), JSON.stringify(feed));
    const leader = await leaderOf(page, 'logs-0');
    const values = await replicaValues(page, leader, 'logs-0');
    assert.equal(await acknowledged(page) - values.length, 10, 'the ten records 3 never had are gone');
    assert.equal(await attr(page, 'producer-p1', 'data-lost'), '10', 'the ledger counts them lost');
  },
  'clean-election-waits': async (page) => {
    const feed = await events(page);
    assert.ok(!feed.some((e) => e.kind === 'unclean-election'));
    assert.ok(feed.some((e) => e.kind === 'offline'), 'offline while no in-sync replica is up');
    const leader = await leaderOf(page, 'logs-0');
    assert.ok(leader);
    assert.equal((await replicaValues(page, leader, 'logs-0')).length, await acknowledged(page), 'nothing lost');
    assert.equal(await attr(page, 'producer-p1', 'data-lost'), '0');
  },
  'controller-paused-no-election': async (page) => {
    const elections = (await events(page)).filter((e) => e.kind === 'leader-elected');
    assert.equal(elections.length, 2, JSON.stringify(elections));
    const second = Number((await page.locator('[data-testid=event][data-kind=leader-elected] time').first().textContent()).replace(' s', ''));
    assert.ok(second >= 30, `the new leader comes only after the controller resumes (at ${second} s)`);
    assert.equal(await acknowledged(page), 10);
  },
};

for (const [name, check] of Object.entries(SCENARIOS)) {
  test(`scenario ${name} runs to its end in the page and shows its outcome`, { timeout: 180_000 }, async (t) => {
    await h.withPage(t, async (page) => {
      await page.goto(`${h.url}?scenario=${name}&seed=1`);
      assert.equal(await page.getByTestId('scenario-select').inputValue(), name);
      assert.ok((await page.getByTestId('scenario-description').textContent()).length > 40);
      await runToEnd(page);
      await check(page);
      await noViolations(page);
      const v = await rawView(page);
      assert.equal(v.error, null);
      assert.ok(Number(await attr(page, 'journal-entries', 'data-entries')) > 0);
      await shot(page, `scenario-${name}`);
    }, { contextOptions: WIDE });
  });
}

test('a bad scenario name or seed is explained inline, and the selector still works', { timeout: 60_000 }, async (t) => {
  await h.withPage(t, async (page) => {
    await page.goto(`${h.url}?scenario=no-such-thing&seed=abc`);
    const problems = page.getByTestId('address-error');
    await problems.first().waitFor();
    const texts = await problems.allTextContents();
    assert.ok(texts.some((x) => x.includes('Unknown scenario "no-such-thing"') && x.includes('acks-all-survives-leader-crash')), texts.join(' | '));
    assert.ok(texts.some((x) => x.includes('seed') && x.includes('"abc"')), texts.join(' | '));
    await page.getByTestId('lang-ru').click();
    assert.ok((await problems.allTextContents()).some((x) => x.includes('Неизвестный сценарий "no-such-thing"')));
    await shot(page, 'cluster-bad-address');
    await page.getByTestId('scenario-select').selectOption('not-enough-replicas');
    await page.waitForURL(/scenario=not-enough-replicas&seed=1/);
    await clock(page).waitFor();
    assert.equal(await page.getByTestId('address-error').count(), 0);
    await page.getByTestId('scenario-select').selectOption('lecture-notebook');
    await page.waitForURL(/scenario=lecture-notebook&seed=1/);
    await clock(page).waitFor();
    assert.equal(await page.getByTestId('scenario-select').inputValue(), 'lecture-notebook', 'the notebook, with the selector');
    await page.getByTestId('lang-en').click();
  }, { contextOptions: WIDE });
});

test('a scenario file that cannot be fetched is named in an error, and nothing runs', { timeout: 60_000 }, async (t) => {
  await h.withPage(t, async (page) => {
    // Only the notebook is built in; every other scenario is fetched from scenarios/NAME.json.
    await page.route('**/scenarios/not-enough-replicas.json', (route) => route.abort('aborted'));
    await page.goto(`${h.url}?scenario=not-enough-replicas&seed=1`);
    const error = page.getByTestId('cluster-error');
    await error.waitFor();
    const text = await error.textContent();
    assert.ok(text.includes('not-enough-replicas') && text.includes('scenarios/not-enough-replicas.json'), text);
    assert.equal(await clock(page).count(), 0, 'no run starts without its scenario');
  }, { contextOptions: WIDE });
});

test('an unlisted scenario (the benchmark load) is named in the selector, not shown as another one', { timeout: 60_000 }, async (t) => {
  await h.withPage(t, async (page) => {
    await page.goto(`${h.url}?scenario=bench-standard&seed=1`);
    await clock(page).waitFor();
    const select = page.getByTestId('scenario-select');
    assert.equal(await select.inputValue(), 'bench-standard');
    assert.equal((await select.locator('option:checked').textContent()).trim(), 'bench-standard');
    assert.equal(await page.getByTestId('address-error').count(), 0);
  }, { contextOptions: WIDE });
});

test('keyboard: space pauses and plays, → steps, [ and ] change the speed; fields keep their keys', { timeout: 90_000 }, async (t) => {
  await h.withPage(t, async (page) => {
    await page.goto(`${h.url}?scenario=follower-leaves-isr-during-partition&seed=2`);
    await clock(page).waitFor();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=cluster-clock]').dataset.nowMs) > 1000,
      null, { timeout: 30_000 });
    await page.locator('body').click({ position: { x: 5, y: 300 } });
    await page.keyboard.press('Space');
    await page.waitForFunction(() => document.querySelector('[data-testid=cluster-clock]').dataset.paused === 'true');
    const held = await nowMs(page);
    await page.waitForTimeout(300);
    assert.equal(await nowMs(page), held, 'the clock stands while paused');
    // A step runs the next event (or window of simultaneous events): the journal grows, the clock may move.
    const entries = Number(await attr(page, 'journal-entries', 'data-entries'));
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction((n) => Number(document.querySelector('[data-testid=journal-entries]').dataset.entries) > n, entries);
    assert.ok(await nowMs(page) >= held);
    assert.equal(await clock(page).getAttribute('data-paused'), 'true', 'a step leaves the run paused');
    const speed = async () => Number(await attr(page, 'speed-value', 'data-speed'));
    const s0 = await speed();
    await page.keyboard.press(']');
    await page.waitForFunction((s) => Number(document.querySelector('[data-testid=speed-value]').dataset.speed) > s, s0);
    assert.ok(Math.abs(await speed() - s0 * 2) < 1e-9);
    await page.keyboard.press('[');
    await page.keyboard.press('[');
    await page.waitForFunction((s) => Number(document.querySelector('[data-testid=speed-value]').dataset.speed) < s, s0);
    assert.ok(Math.abs(await speed() - s0 / 2) < 1e-9);
    // Typing in a field is typing: a space there neither pauses nor plays.
    await page.getByTestId('produce-value').fill('');
    await page.getByTestId('produce-value').type('a b');
    assert.equal(await page.getByTestId('produce-value').inputValue(), 'a b');
    assert.equal(await clock(page).getAttribute('data-paused'), 'true');
    await page.locator('body').click({ position: { x: 5, y: 300 } });
    await page.keyboard.press('Space');
    await page.waitForFunction(() => document.querySelector('[data-testid=cluster-clock]').dataset.paused === 'false');
    // Tab reaches a replica's HW marker, and focusing it explains the high watermark.
    await page.waitForFunction(() => document.querySelector('[data-testid=replica-hw]'));
    await page.locator('[data-testid=replica-hw]').first().focus();
    assert.match(await page.locator('[data-testid=cell-details]').first().textContent(), /^HW \d+ — High watermark: /);
    const isr = page.locator('.badge-isr').first();
    await isr.hover();
    assert.match(await isr.getAttribute('data-help'), /^ISR \[[\d, ]+\] — ISR \(in-sync replicas\)/);
  }, { contextOptions: WIDE });
});

test('800 × 580 embed: tabs, no horizontal scroll, Russian labels, cut links and heal from the picture', { timeout: 120_000 }, async (t) => {
  await h.withPage(t, async (page) => {
    await page.goto(`${h.url}?scenario=acks-all-survives-leader-crash&seed=3&embed=1`);
    await clock(page).waitFor();
    assert.equal(await page.getByTestId('title').count(), 0, 'embed hides the chrome');
    assert.ok(await page.getByTestId('band-tabs').isVisible());
    assert.deepEqual(await page.locator('[role=tab]').allTextContents(), ['Cluster', 'Producer', 'Events']);
    await page.waitForFunction(() => document.querySelector('[data-testid="partition-orders-0"]')?.dataset.leader, null, { timeout: 30_000 });
    await pause(page);
    // Isolate broker 1 from everyone, see the cut, heal it.
    await page.getByTestId('cut-select-1').check();
    await page.getByTestId('cut-links').click();
    await page.getByTestId('step').click();
    await page.waitForFunction(() => document.querySelector('[data-testid=cuts]')?.dataset.count === '1');
    assert.match(await page.getByTestId('cut').textContent(), /^1 ✂ 2, 3, controller, p1$/);
    assert.equal(await attr(page, 'broker-1', 'data-cut'), 'true');
    for (const lang of ['en', 'ru']) {
      await page.getByTestId(`lang-${lang}`).click();
      for (const band of ['cluster', 'producer', 'events']) {
        await page.getByTestId(`tab-${band}`).click();
        const { scrollWidth, clientWidth } = await page.evaluate(() => ({
          scrollWidth: document.documentElement.scrollWidth, clientWidth: document.documentElement.clientWidth }));
        assert.ok(scrollWidth <= clientWidth, `${lang} ${band}: scrollWidth ${scrollWidth} > ${clientWidth}`);
      }
    }
    await page.getByTestId('tab-cluster').click();
    assert.match(await page.getByTestId('broker-1-status').textContent(), /работает/);
    assert.match(await page.getByTestId('heal').textContent(), /Восстановить сеть/);
    await shot(page, 'cluster-embed-800-ru');
    await page.getByTestId('heal').click();
    await page.getByTestId('step').click();
    await page.waitForFunction(() => document.querySelector('[data-testid=cuts]')?.dataset.count === '0');
    await page.getByTestId('lang-en').click();
    await page.getByTestId('tab-producer').click();
    await shot(page, 'cluster-embed-800-producer');
    await page.getByTestId('tab-events').click();
    await shot(page, 'cluster-embed-800-events');
  }, { contextOptions: NARROW });
});
