// The timeline (#14 point 2 and 3) in headless Chromium against the real driver: a run
// with the learner's own commands is looked at an earlier moment (the slider), forked
// there, driven differently, switched back, and shared as a link opened in a fresh
// browser context. What each shows is checked against independent sources: the CLI's
// `replay` of the run's journal cut at the moment (the picture looked at), the first
// run's journal (a fork's is its prefix; switching back gives it byte for byte), and the
// tab that made the link (the same picture at the same moment).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { startHarness, ROOT, RESULTS } from './harness.mjs';
import { view, until, command } from './page_api.mjs';

let h;
before(async () => { h = await startHarness(); });
after(async () => { await h?.close(); });

const SCENARIO = 'acks-1-loses-acknowledged-record';
const LOOK_MS = 15_000;

const journalOf = async (page) => JSON.parse(await page.evaluate(() => window.kafkaPlaygroundJournal()));
const at = (e) => Object.values(e)[0].at_ms;

/** The CLI's `replay` of `journal` (every node's state rebuilt from the entries alone). */
function cliReplay(journal, name) {
  fs.mkdirSync(RESULTS, { recursive: true });
  const file = path.join(RESULTS, `timeline-${name}.json`);
  fs.writeFileSync(file, JSON.stringify(journal));
  const out = execFileSync('cargo', ['run', '--quiet', '--bin', 'kafka-playground', '--', 'replay', file],
    { cwd: ROOT, timeout: 600_000, maxBuffer: 256 << 20, stdio: ['ignore', 'pipe', 'inherit'] });
  return JSON.parse(out).final_state;
}

/** What a picture shows of the cluster, to compare two tabs. */
const drawn = (v) => ({
  now_ms: v.now_ms,
  brokers: v.brokers.map((b) => ({
    id: b.id, status: b.status,
    replicas: b.replicas.map((r) => ({ tp: `${r.topic}-${r.partition}`, role: r.role, leader: r.leader, isr: r.isr,
      hw: r.high_watermark, leo: r.log_end_offset, records: r.records.map((x) => [x.offset, x.key, x.value]) })),
    last: b.last_replicas.map((r) => [r.topic, r.partition, r.log_end_offset]),
  })),
  producers: v.producers.map((p) => [p.name, p.acknowledged_records]),
  topics: v.topics.map((t) => [t.name, t.partitions.length]),
});

async function seekWithSlider(page, ms) {
  await page.getByTestId('timeline-slider').evaluate((el, value) => {
    el.value = String(value);
    el.dispatchEvent(new Event('change', { bubbles: true }));
  }, ms);
  return until(page, (v) => v.timeline?.looking_at_ms === ms && !v.timeline.seeking && v.now_ms === ms,
    `the picture at ${ms} ms`);
}

const settled = (v, ms) => v.paused && v.now_ms === ms && v.timeline && v.timeline.replaying_to_ms === null;

/** The view once the run waits at `ms` and its brokers' fresh drawings are in (the picture
 * no longer changes). */
async function stable(page, ms, what) {
  let last = JSON.stringify(drawn(await until(page, (v) => settled(v, ms), what)));
  for (;;) {
    await page.waitForTimeout(300);
    const v = await view(page);
    const now = JSON.stringify(drawn(v));
    if (now === last) return v;
    last = now;
  }
}

test('scrub back, fork, switch branch and share a link', async (t) => {
  await h.withPage(t, async (page) => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(`${h.url}?scenario=${SCENARIO}&seed=1&lang=en`);
    // 20×: the page's views (every 100 ms of wall time) come every 2 s of virtual time.
    await command(page, { SetSpeed: 20 });
    // The learner's own commands, at moments no scenario picks.
    await until(page, (v) => v.now_ms >= 12_000, '12 s');
    await command(page, { Produce: { client: 10000, topic: 'payments', count: 4, key: 'k-{i}', value: 'v-{i}' } });
    await until(page, (v) => v.now_ms >= 30_000, '30 s');
    await command(page, { Crash: 3 });
    await command(page, { SetSpeed: 100 });
    await until(page, (v) => v.paused && v.now_ms === 40_000, 'the scenario\'s end');
    const end = await stable(page, 40_000, 'the scenario\'s end');
    const journal = await journalOf(page);
    assert.ok(journal.entries.some((e) => e.Crash?.node === 3), 'the learner\'s crash is in the journal');

    // Scrub back: the picture is the run as it was, as the CLI rebuilds it from the journal cut there.
    const looked = await seekWithSlider(page, LOOK_MS);
    const cut = { ...journal, entries: journal.entries.filter((e) => at(e) <= LOOK_MS) };
    const state = cliReplay(cut, 'cut');
    for (const b of looked.brokers.filter((b) => b.status === 'Up')) {
      const node = state.nodes[String(b.id)];
      for (const r of b.replicas) {
        const p = node.partitions[`${r.topic}-${r.partition}`];
        assert.equal(r.high_watermark, p.high_watermark, `broker ${b.id} ${r.topic}-${r.partition} HW at ${LOOK_MS}`);
        assert.equal(r.log_end_offset, p.log_end_offset, `broker ${b.id} LEO at ${LOOK_MS}`);
      }
    }
    // At 15 s broker 1 is down (crashed at 8 s) and its last log stays greyed; broker 3 runs (its crash came at 30 s).
    assert.equal(looked.brokers.find((b) => b.id === 1).status, 'Crashed');
    assert.ok(looked.brokers.find((b) => b.id === 1).last_replicas.length > 0);
    assert.equal(looked.brokers.find((b) => b.id === 3).status, 'Up');
    assert.equal(looked.timeline.live_ms, 40_000);
    await page.getByTestId('timeline-state').filter({ hasText: 'looking at t = 15.000 s' }).waitFor();
    // Acting on the past is refused with the way out named.
    const refusal = await page.evaluate(() => window.kafkaPlaygroundCommand(JSON.stringify({ Crash: 2 })));
    assert.match(refusal, /fork here/);
    await h.screenshot(page, 'timeline-looking-1280-en');

    // Fork there: the new branch's run is the first one's up to the moment, byte for byte.
    await page.getByTestId('fork').click();
    await until(page, (v) => settled(v, LOOK_MS) && v.timeline.current_branch === 1 && v.timeline.branches.length === 2,
      'the fork replayed to 15 s');
    const forked = await journalOf(page);
    assert.deepEqual(forked, cut, 'the fork replays the first run up to its moment');
    // And goes on differently.
    await command(page, { Crash: 2 });
    await command(page, 'Play');
    await until(page, (v) => v.now_ms >= 25_000, 'the fork at 25 s');
    await command(page, 'Pause');
    const other = await journalOf(page);
    assert.ok(other.entries.some((e) => e.Crash?.node === 2 && e.Crash.at_ms >= LOOK_MS), 'the fork\'s own crash');
    await page.getByTestId('branches').waitFor();
    await h.screenshot(page, 'timeline-branches-1280-en');

    // Back to the first branch: replayed to its end, the very journal of the first run.
    await page.getByTestId('branch-0').click();
    await until(page, (v) => settled(v, 40_000) && v.timeline.current_branch === 0, 'branch 1 at its end');
    const back = await stable(page, 40_000, 'branch 1 at its end');
    assert.deepEqual(await journalOf(page), journal);
    assert.deepEqual(drawn(back), drawn(end));

    // Share: the link, opened in a fresh browser context, shows the same picture at the same moment.
    const link = await page.evaluate(() => window.kafkaPlaygroundShareLink());
    assert.match(link, /^http:\/\/.*\?scenario=acks-1-loses-acknowledged-record&seed=1&run=[A-Za-z0-9_-]+$/);
    assert.ok(link.length < 8192, `${link.length} characters`);
    await page.getByTestId('copy-link').click();
    assert.equal(await page.getByTestId('share-link').inputValue(), link);
    await h.withPage(t, async (fresh) => {
      await fresh.setViewportSize({ width: 800, height: 580 });
      await fresh.goto(`${link}&lang=ru&embed=1`);
      const opened = await stable(fresh, 40_000, 'the link\'s moment');
      assert.deepEqual(drawn(opened), drawn(end));
      assert.deepEqual(await journalOf(fresh), journal);
      await fresh.getByTestId('timeline').waitFor();
      await h.screenshot(fresh, 'timeline-link-800-ru');
    });
  });
});

test('a link that cannot be read is named, and nothing runs', async (t) => {
  await h.withPage(t, async (page) => {
    await page.goto(`${h.url}?scenario=${SCENARIO}&run=not*base64&lang=en`);
    const error = page.getByTestId('address-error');
    await error.waitFor();
    assert.match(await error.innerText(), /This share link cannot be read: run: character 4 \('\*'\) is not base64url/);
    assert.equal(await page.getByTestId('cluster-clock').count(), 0);
  });
});

test('a rebalance watched: run to the next group event, and look back at each state of the strip', async (t) => {
  await h.withPage(t, async (page) => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(`${h.url}?scenario=rebalance-eager-stop-the-world&seed=1&lang=en`);
    // 5×: the pause below must land within 7 s of virtual time of the look (1.4 s of wall
    // time), however late the look's view is on a loaded machine.
    await command(page, { SetSpeed: 5 });
    // The group is Stable before the fourth member joins at 20 s.
    await until(page, (v) => v.now_ms >= 12_000 && v.groups[0]?.state === 'Stable', 'a stable group');
    await command(page, 'Pause');
    const before = await until(page, (v) => v.paused, 'paused');
    assert.ok(before.now_ms < 19_000, `paused at ${before.now_ms} ms, before c4 joins`);
    const seen = before.groups[0].states.length;
    // Each press stops right after the group's next event, well before the scenario's end.
    await page.getByTestId('next-group-event').click();
    const first = await until(page, (x) => x.paused && x.now_ms > before.now_ms, 'the next group event');
    assert.ok(first.groups[0].states.length >= seen);
    assert.ok(first.now_ms >= 20_000 && first.now_ms < 20_100, `paused at ${first.now_ms} ms, just after c4 joins at 20 s`);
    // Press on, event by event, until the rebalance at 20 s is over.
    let v = first;
    const done = (x) => x.groups[0].states.some((st) => st.at_ms >= 20_000 && st.state === 'Stable');
    for (let k = 0; k < 20 && !done(v); k++) {
      // Two group events may share a millisecond: progress is the journal's.
      const entries = v.journal_entries;
      await page.getByTestId('next-group-event').click();
      v = await until(page, (x) => x.paused && x.journal_entries > entries, 'the next group event');
      assert.ok(v.now_ms < 45_000, 'each press stops at a group event, not at the scenario\'s end');
    }
    assert.ok(done(v), 'the rebalance completed within 20 group events');
    const states = v.groups[0].states.filter((s) => s.at_ms >= 20_000);
    assert.deepEqual(states.map((s) => s.state).slice(0, 3), ['PreparingRebalance', 'CompletingRebalance', 'Stable']);
    // Who consumed each partition: eager left every partition with nobody until the new assignment.
    await page.locator('[data-testid=group-orders-app-eager] details.group-more summary').click();
    assert.match(await page.getByTestId('ownership-orders-0').innerText(), /^orders-0: c1 \d[\d,]* ms ▸ nobody/);
    // Click PreparingRebalance in the strip: the picture is the group at that moment.
    const preparing = states[0];
    await page.locator(`[data-testid=group-strip] .state-step[data-at-ms="${preparing.at_ms}"]`).click();
    const looked = await until(page, (x) => x.timeline?.looking_at_ms === preparing.at_ms && !x.timeline.seeking,
      'the moment of PreparingRebalance');
    assert.equal(looked.groups[0].state, 'PreparingRebalance');
    assert.equal(looked.now_ms, preparing.at_ms);
    await h.screenshot(page, 'timeline-group-strip-1280-en');
  });
});
