// Delivery guarantees on the consumer side (lecture §8) on the page. The scenarios crash
// consumer c1 in the middle of a poll; the expected offsets are worked out from what the
// page shows at the crash, by Kafka's rules ("Message Delivery Semantics"): committing
// before processing (at most once), the records between where c1's processing got and
// the group's committed offset are lost — the restarted c1 resumes at the committed
// offset; committing after processing (at least once), the records between the committed
// offset and where processing got are processed again. The member's choice of commit
// moment restarts that consumer with the new settings. Screenshots at 1280 × 800 (en)
// and 800 × 580 (ru) go to test-results/delivery-*.png.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness } from './harness.mjs';
import { command, until, view } from './page_api.mjs';

let h;
before(async () => { h = await startHarness(); });
after(async () => { await h?.close(); });

const c1Of = (v) => v.groups.flatMap((g) => g.members).find((m) => m.name === 'c1');
const committedOf = (v) => v.groups[0].lag.find((r) => r.topic === 'orders' && r.partition === 0)?.committed;

async function open(page, scenario, lang = 'en') {
  await page.addInitScript((l) => localStorage.setItem('kafka-playground.lang', l), lang);
  await page.goto(`${h.url}?scenario=${scenario}&seed=1`);
  await page.waitForFunction(() => typeof window.kafkaPlaygroundCommand === 'function'
    && document.querySelector('[data-testid=band-groups]'), null, { timeout: 60_000 });
  const tab = page.getByTestId('tab-reader');
  if (await tab.isVisible()) await tab.click();
}

/** Runs slowly to the crash and returns c1's figures at that moment. */
async function atCrash(page) {
  await command(page, { SetSpeed: 5 });
  const v = await until(page, (x) => c1Of(x)?.status === 'crashed', 'c1 crashed', 120_000);
  return { processedTo: c1Of(v).records_consumed, committed: committedOf(v), now: v.now_ms };
}

test('at most once: what was committed but not processed is lost', async (t) => {
  await h.withPage(t, async (page) => {
    await open(page, 'at-most-once-loses-on-crash');
    const select = page.getByTestId('member-c1-commit-moment');
    assert.equal(await select.inputValue(), 'before-processing');
    assert.match(await page.getByTestId('member-c1-guarantee').textContent(), /^At most once/);
    const { processedTo, committed } = await atCrash(page);
    // c1 read from offset 0, so it processed 0 … processedTo − 1; one poll is committed ahead.
    assert.ok(processedTo < committed && committed - processedTo <= 50, `processed ${processedTo}, committed ${committed}`);
    const lost = page.getByTestId('member-c1-lost');
    await lost.waitFor();
    assert.equal(await lost.textContent(),
      `lost: committed, never processed (${committed - processedTo}): orders-0 ${processedTo}–${committed - 1}`);
    await h.screenshot(page, 'delivery-at-most-once-1280-en');
    // The new process resumes at the committed offset: the loss stays, nothing comes twice.
    await command(page, { SetSpeed: 20 });
    // Committed before processing, so 150 is committed before the last poll is processed:
    // wait until c1 has been idle a while (the last record is processed by ~30 s).
    const end = await until(page, (x) => committedOf(x) === 150 && x.now_ms >= 40_000, 'the rest read', 120_000);
    assert.equal(c1Of(end).records_consumed, 150 - (committed - processedTo));
    assert.equal(c1Of(end).duplicates, 0);
    assert.equal(await page.getByTestId('member-c1-duplicates').count(), 0);
    assert.equal(c1Of(end).lost, committed - processedTo);
  }, { contextOptions: { viewport: { width: 1280, height: 800 } } });
});

test('at least once: what was processed but not committed is processed again', async (t) => {
  await h.withPage(t, async (page) => {
    await open(page, 'at-least-once-duplicates-on-crash', 'ru');
    assert.equal(await page.getByTestId('member-c1-commit-moment').inputValue(), 'after-processing');
    assert.match(await page.getByTestId('member-c1-guarantee').textContent(), /^At least once: offsets фиксируются только после/);
    const { processedTo, committed } = await atCrash(page);
    assert.ok(committed < processedTo, `processed ${processedTo}, committed ${committed}`);
    await command(page, { SetSpeed: 20 });
    const end = await until(page, (x) => committedOf(x) === 150, 'everything committed', 120_000);
    const again = processedTo - committed;
    assert.equal(c1Of(end).duplicates, again);
    assert.equal(c1Of(end).records_consumed, 150 + again);
    assert.equal(await page.getByTestId('member-c1-duplicates').textContent(),
      `обработано дважды (${again}): orders-0 ${committed}–${processedTo - 1}`);
    assert.equal(await page.getByTestId('member-c1-lost').count(), 0, 'nothing lost');
    await command(page, 'Pause');
    await h.screenshot(page, 'delivery-at-least-once-800-ru');
  }, { contextOptions: { viewport: { width: 800, height: 580 } } });
});

test('choosing the commit moment restarts that consumer with the new settings', async (t) => {
  await h.withPage(t, async (page) => {
    await open(page, 'consumer-group-playground');
    await command(page, { SetSpeed: 20 });
    await until(page, (x) => c1Of(x)?.status === 'up' && c1Of(x).assigned.length > 0, 'c1 owns partitions', 120_000);
    const select = page.getByTestId('member-c1-commit-moment');
    assert.equal(await select.inputValue(), 'auto');
    assert.equal(await page.getByTestId('member-c1-guarantee').count(), 0, 'auto-commit needs no note');
    await select.selectOption('before-processing');
    const v = await until(page, (x) => c1Of(x)?.commit_sync === 'before-processing' && c1Of(x).status === 'up', 'c1 restarted', 60_000);
    assert.equal(c1Of(v).enable_auto_commit, false, 'the application commits itself');
    await page.getByTestId('member-c1-guarantee').waitFor();
    assert.match(await page.getByTestId('member-c1-guarantee').textContent(), /^At most once/);
    await page.getByTestId('member-c1-commit-moment').selectOption('after-processing');
    await until(page, (x) => c1Of(x)?.commit_sync === 'after-processing', 'c1 restarted again', 60_000);
    assert.match(await page.getByTestId('member-c1-guarantee').textContent(), /^At least once/);
    // The other members keep Kafka's default.
    const others = (await view(page)).groups[0].members.filter((m) => m.name !== 'c1' && m.status === 'up');
    assert.ok(others.length > 0 && others.every((m) => m.commit_sync === 'off' && m.enable_auto_commit));
  });
});

test('screenshots: at most once in Russian at 800 × 580, at least once in English at 1280 × 800', async (t) => {
  for (const [scenario, lang, viewport] of [
    ['at-most-once-loses-on-crash', 'ru', { width: 800, height: 580 }],
    ['at-least-once-duplicates-on-crash', 'en', { width: 1280, height: 800 }],
  ]) {
    await h.withPage(`${t.name} ${scenario}`, async (page) => {
      await open(page, scenario, lang);
      await command(page, { SetSpeed: 20 });
      await until(page, (x) => committedOf(x) === 150 && x.now_ms >= 40_000, 'the run done', 120_000);
      await command(page, 'Pause');
      await h.screenshot(page, `delivery-${scenario}-${viewport.width}-${lang}`);
    }, { contextOptions: { viewport } });
  }
});
