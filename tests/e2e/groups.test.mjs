// The consumer-groups band against the real driver (brokers in workers, consumers on the
// main thread): a three-member group forms; crashing a member from its button leaves
// the group unchanged until session.timeout.ms (45 s virtual), then the page shows the
// rebalance (PreparingRebalance, back to Stable with a higher generation), the two
// survivors owning all six partitions once, and the lag of the crashed member's
// partitions rising and then draining to 0 after the producer stops; while c2 is dead
// but not yet evicted, its partitions show as owned by crashed c2, not consumed. Eager
// rebalancing stops the members that keep partitions; cooperative does not, and the
// stop-the-world headline says so. Bad form input gives an
// inline error, and the declared fourth consumer can be added.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness } from './harness.mjs';
import { command } from './page_api.mjs';

let h;
before(async () => { h = await startHarness(); });
after(async () => { await h?.close(); });

const GROUP = 'group-orders-app';

/** What the band shows now: the group's state, members, lag and the clock. */
async function snapshot(page, group = GROUP) {
  return page.evaluate((group) => {
    const g = document.querySelector(`[data-testid="${group}"]`);
    const now = Number(document.querySelector('[data-testid=cluster-clock]')?.dataset.nowMs ?? -1);
    if (!g) return { now, state: null };
    const members = [...g.querySelectorAll('[data-testid^="member-"][data-status]')].map((m) => ({
      name: m.dataset.testid.slice('member-'.length),
      status: m.dataset.status,
      assigned: m.dataset.assigned ? m.dataset.assigned.split(',') : [],
      left: Number(m.querySelector('[data-testid=session-countdown]')?.dataset.leftMs ?? NaN),
    }));
    const lagRows = [...g.querySelectorAll('[data-testid^="lag-"]')];
    const lag = Object.fromEntries(lagRows.map((r) => [r.dataset.testid.slice(4), Number(r.dataset.lag)]));
    const consumedBy = Object.fromEntries(lagRows.map((r) => [r.dataset.testid.slice(4), r.dataset.owner]));
    const assignedTo = Object.fromEntries(lagRows.map((r) => [r.dataset.testid.slice(4), r.dataset.assignedTo]));
    const stop = g.querySelector('[data-testid=stop-the-world]');
    const headline = stop && { ms: Number(stop.dataset.ms), running: stop.dataset.running === 'true',
      generation: stop.dataset.generation, text: stop.textContent };
    const spans = [...g.querySelectorAll('[data-testid=rebalance-span]')].map((s) => ({
      member: s.dataset.member, ms: Number(s.dataset.ms), generation: Number(s.dataset.generation),
      first: s.dataset.first === 'true', done: s.dataset.done === 'true',
    }));
    return { now, state: g.dataset.state, generation: Number(g.dataset.generation), members, lag, spans, consumedBy, assignedTo, headline };
  }, group);
}

function shot(page, name) {
  return h.screenshot(page, name);
}

/** Partitions owned by running members, each listed once, sorted. */
function owned(s) {
  return s.members.filter((m) => m.status === 'up').flatMap((m) => m.assigned).sort();
}

const SIX = ['orders-0', 'orders-1', 'orders-2', 'orders-3', 'orders-4', 'orders-5'];

async function until(page, what, pred, timeout = 120_000) {
  const start = Date.now();
  for (;;) {
    const s = await snapshot(page);
    if (pred(s)) return s;
    if (Date.now() - start > timeout) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(s)}`);
    await page.waitForTimeout(50);
  }
}

test('crashing a member: eviction after session.timeout.ms, rebalance, new assignment, lag drains', async (t) => {
  await h.withPage(t, async (page) => {
    await page.goto(`${h.url}?scenario=consumer-group-playground&seed=1`);
    await page.getByTestId('groups-band').waitFor();
    // Every state the group shows, as the page shows it.
    await page.evaluate((group) => {
      window.seenStates = [];
      new MutationObserver(() => {
        const g = document.querySelector(`[data-testid="${group}"]`);
        const v = g && `${g.dataset.state}@${g.dataset.generation}`;
        if (v && window.seenStates[window.seenStates.length - 1] !== v) window.seenStates.push(v);
      }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state', 'data-generation'] });
    }, GROUP);
    await command(page, { SetSpeed: 20 });
    const formed = await until(page, 'a stable three-member group', (s) =>
      s.state === 'Stable' && s.members.filter((m) => m.status === 'up').length === 3
      && JSON.stringify(owned(s)) === JSON.stringify(SIX) && s.members.every((m) => m.status !== 'up' || m.assigned.length === 2));
    await shot(page, 'groups-formed');

    await page.getByTestId('member-c2-crash').click();
    const crashed = await until(page, 'c2 shown crashed', (s) => s.members.find((m) => m.name === 'c2')?.status === 'crashed', 10_000);
    const crashAt = crashed.now;
    assert.deepEqual(crashed.members.find((m) => m.name === 'c2').assigned, [], 'a dead process owns nothing');
    // ... while the coordinator still assigns its partitions to it: nobody consumes them.
    const c2Partitions = formed.members.find((m) => m.name === 'c2').assigned;
    for (const tp of c2Partitions) {
      assert.equal(crashed.assignedTo[tp], 'c2', `${tp} still assigned to c2`);
      assert.equal(crashed.consumedBy[tp], '', `${tp} not consumed`);
    }
    const held = await page.locator(`[data-testid="${GROUP}"] [data-testid=owned-by-crashed]`).first().textContent();
    assert.match(held, /c2 \(crashed\) — not consumed/);
    assert.equal(await page.locator(`[data-testid="${GROUP}"] [data-testid^="unserved-orders-"]`).count(), c2Partitions.length);
    assert.equal(crashed.generation, formed.generation, 'no rebalance at the crash: no LeaveGroup was sent');
    // 20×, not 100×: the tab keeps up with 100×, where a screenshot or a poll of the
    // page takes seconds of virtual time and the 45 s between crash and eviction would
    // pass between two looks.
    await command(page, { SetSpeed: 20 });
    // Until the coordinator's session timeout the group stays as it was, counting down.
    const waiting = await until(page, '20 s after the crash', (s) => s.now >= crashAt + 20_000, 60_000);
    const c2 = waiting.members.find((m) => m.name === 'c2');
    assert.ok(c2.left > 0 && c2.left < 45_000 - 15_000, `countdown shows ${c2.left} ms left`);
    assert.equal(waiting.state, 'Stable');
    assert.equal(waiting.generation, formed.generation);
    await shot(page, 'groups-crashed-countdown');
    // c2's partitions fall behind while nobody reads them.
    const behind = await until(page, 'lag on the dead member\'s partitions', (s) => Object.values(s.lag).some((v) => v > 10), 60_000);
    const maxLag = Math.max(...Object.values(behind.lag));
    // Slow down near the expected eviction so every state is drawn.
    await until(page, '40 s after the crash', (s) => s.now >= crashAt + 40_000, 60_000);
    await command(page, { SetSpeed: 2 });
    const rebalanced = await until(page, 'the group stable again without c2', (s) =>
      s.state === 'Stable' && s.generation > formed.generation && JSON.stringify(owned(s)) === JSON.stringify(SIX), 60_000);
    assert.ok(rebalanced.now >= crashAt + 40_000, `evicted at ${rebalanced.now} ms, crash at ${crashAt} ms: waited session.timeout.ms`);
    const survivors = rebalanced.members.filter((m) => m.status === 'up');
    assert.deepEqual(survivors.map((m) => m.name), ['c1', 'c3']);
    assert.ok(survivors.every((m) => m.assigned.length === 3), JSON.stringify(survivors));
    const seen = await page.evaluate(() => window.seenStates);
    const i = seen.findIndex((v) => v.startsWith('PreparingRebalance@'));
    assert.ok(i >= 0, `PreparingRebalance was shown: ${seen.join(' → ')}`);
    assert.ok(seen.slice(i).some((v) => v === `Stable@${rebalanced.generation}`), seen.join(' → '));
    // The survivors' rebalance spans for the new generation are drawn.
    const spans = rebalanced.spans.filter((s) => s.generation === rebalanced.generation && s.done);
    assert.deepEqual([...new Set(spans.map((s) => s.member))].sort(), ['c1', 'c3']);
    await shot(page, 'groups-rebalanced');
    // The producer stops at 60 s; the survivors catch up and commit: lag drains to 0.
    await command(page, { SetSpeed: 100 });
    const drained = await until(page, 'lag 0 everywhere', (s) => s.now > 60_000 && Object.values(s.lag).length === 6
      && Object.values(s.lag).every((v) => v === 0), 120_000);
    assert.ok(maxLag > 10, `lag rose to ${maxLag} first`);
    await shot(page, 'groups-lag-drained');
    assert.equal(drained.state, 'Stable');
  });
});

/** The longest stop of members c1..c3 in the rebalance c4's join causes. */
async function stopOfOldMembers(page, scenario) {
  await page.goto(`${h.url}?scenario=${scenario}&seed=1`);
  await page.getByTestId('groups-band').waitFor();
  await command(page, { SetSpeed: 100 });
  const group = scenario.includes('eager') ? 'group-orders-app-eager' : 'group-orders-app-cooperative';
  const s = await (async () => {
    const start = Date.now();
    for (;;) {
      const s = await snapshot(page, group);
      if (s.now >= 35_000 && s.state === 'Stable' && s.members.some((m) => m.name === 'c4' && m.assigned.length > 0)) return s;
      if (Date.now() - start > 120_000) throw new Error(`timed out: ${JSON.stringify(s)}`);
      await page.waitForTimeout(100);
    }
  })();
  const spans = s.spans.filter((x) => ['c1', 'c2', 'c3'].includes(x.member) && !x.first && x.done);
  assert.ok(spans.length >= 3, `${scenario}: spans of the old members ${JSON.stringify(s.spans)}`);
  assert.ok(s.headline && !s.headline.running && s.headline.generation !== '' && s.headline.generation !== '-1', JSON.stringify(s.headline));
  await shot(page, `groups-spans-${scenario}`);
  return { spans: Math.max(...spans.map((x) => x.ms)), headline: s.headline.ms };
}

test('eager stops the members that keep partitions; cooperative lets them go on', async (t) => {
  await h.withPage(t, async (page) => {
    const eager = await stopOfOldMembers(page, 'rebalance-eager-stop-the-world');
    const cooperative = await stopOfOldMembers(page, 'rebalance-cooperative-incremental');
    assert.ok(eager.spans > 0, `eager members processed nothing for ${eager.spans} ms`);
    assert.equal(cooperative.spans, 0, 'cooperative members kept processing what they kept');
    // The headline tells the same: eager stops the world, cooperative does not (a
    // newcomer's empty first assignment is no stop).
    assert.equal(eager.headline, eager.spans);
    assert.equal(cooperative.headline, 0);
    const text = await page.getByTestId('stop-the-world').textContent();
    assert.match(text, /\d+ ms/);
  });
});

test('bad form input shows an inline error; the declared fourth consumer can be added', async (t) => {
  await h.withPage(t, async (page) => {
    await page.goto(`${h.url}?scenario=consumer-group-playground&seed=2`);
    await page.getByTestId('groups-band').waitFor();
    await command(page, { SetSpeed: 20 });
    await until(page, 'a stable group', (s) => s.state === 'Stable' && JSON.stringify(owned(s)) === JSON.stringify(SIX));
    await command(page, 'Pause');
    // The controls are folded under the group's figures.
    await page.locator(`[data-testid="${GROUP}"] .group-controls-fold > summary`).click();

    await page.getByTestId('switch-assignor-input').fill('fastest');
    await page.getByTestId('switch-assignor').click();
    assert.match(await page.getByTestId('switch-assignor-error').textContent(), /unknown assignor 'fastest'/);

    await page.getByTestId('add-consumer-group-id').fill('');
    await page.getByTestId('add-consumer').click();
    assert.match(await page.getByTestId('add-consumer-error').textContent(), /group\.id cannot be empty/);
    await page.getByTestId('add-consumer-group-id').fill('orders-app');
    await page.getByTestId('add-consumer-heartbeat').fill('45000');
    await page.getByTestId('add-consumer').click();
    assert.match(await page.getByTestId('add-consumer-error').textContent(), /heartbeat\.interval\.ms \(45000\) must be set lower than session\.timeout\.ms \(45000\)/);

    await page.getByTestId('add-partitions-input').fill('3');
    await page.getByTestId('add-partitions').click();
    assert.match(await page.getByTestId('add-partitions-error').textContent(), /\(6\)/);
    assert.equal(await page.getByTestId('member-c4').count(), 0, 'nothing was sent');
    await shot(page, 'groups-form-errors');

    await page.getByTestId('add-consumer-heartbeat').fill('3000');
    await page.getByTestId('add-consumer').click();
    await command(page, 'Play');
    const four = await until(page, 'c4 in the group', (s) => s.state === 'Stable'
      && s.members.filter((m) => m.status === 'up').length === 4 && JSON.stringify(owned(s)) === JSON.stringify(SIX)
      && s.members.find((m) => m.name === 'c4')?.assigned.length > 0, 60_000);
    assert.ok(four.generation >= 2);
    await shot(page, 'groups-four-members');
  });
});
