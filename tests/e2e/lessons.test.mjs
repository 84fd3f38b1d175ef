// Lessons in the page (`?lesson=NAME`), end to end in headless Chromium against the real
// driver: each lesson of the page is walked from its first step to its last through the
// panel's buttons, the learner's actions done with the page's own controls (a broker's or
// a consumer's crash button, restart), each task completing from what the run shows; the
// step's words are the lesson file's, in both languages, and what the step looks at is
// outlined. An unknown lesson is explained inline.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startHarness } from './harness.mjs';
import { command } from './page_api.mjs';

let h;
before(async () => { h = await startHarness(); });
after(async () => { await h?.close(); });

const lessonFile = (name) => JSON.parse(readFileSync(new URL(`../../lessons/${name}.json`, import.meta.url), 'utf8'));

/** What a learner does for a task, with the page's controls. */
async function learnerDoes(page, doneWhen) {
  if (doneWhen.crashed?.leader_of) {
    const { topic, partition } = doneWhen.crashed.leader_of;
    const leader = await page.getByTestId(`partition-${topic}-${partition}`).getAttribute('data-leader');
    assert.ok(leader, 'the partition shows its leader');
    await page.getByTestId(`broker-${leader}-crash`).click();
  } else if (doneWhen.crashed?.client) {
    await page.getByTestId(`member-${doneWhen.crashed.client}-crash`).click();
  } else if (doneWhen.restarted) {
    const crashed = await page.locator('[data-testid^="broker-"][data-status="crashed"]').first().getAttribute('data-testid');
    await page.getByTestId(`${crashed}-restart`).click();
  }
}

async function walk(page, name, lang) {
  const lesson = lessonFile(name);
  await page.getByTestId('lesson').waitFor();
  await command(page, { SetSpeed: 100 });
  for (let i = 0; i < lesson.steps.length; i++) {
    const step = lesson.steps[i];
    await page.waitForFunction((n) => document.querySelector('[data-testid=lesson]')?.dataset.step === String(n), i);
    assert.equal(await page.getByTestId('lesson-text').textContent(), step.text[lang]);
    assert.equal(await page.getByTestId('lesson-count').textContent(),
      `${lang === 'ru' ? 'Шаг' : 'Step'} ${i + 1} ${lang === 'ru' ? 'из' : 'of'} ${lesson.steps.length}`);
    if (step.task) {
      await learnerDoes(page, step.task.done_when);
      await page.waitForFunction(() => document.querySelector('[data-testid=lesson-task]')?.dataset.done === 'true',
        null, { timeout: 120_000 });
    }
    if (i + 1 < lesson.steps.length) {
      await page.getByTestId('lesson-next').click();
    } else {
      assert.ok(await page.getByTestId('lesson-next').isDisabled(), 'the last step has no next');
    }
  }
}

test('the replication lesson (section 5) walks to its end with the page\'s own controls, in English', { timeout: 300_000 }, async (t) => {
  await h.withPage(t, async (page) => {
    await page.goto(`${h.url}?lesson=s05-replication-and-acks&workspace=lesson-e2e-1`);
    await page.getByTestId('lesson').waitFor();
    await page.getByTestId('lang-en').click();
    // Step 1 looks at orders-0: the partition's row is outlined.
    await page.getByTestId('partition-orders-0').waitFor();
    const outline = await page.getByTestId('partition-orders-0').evaluate((e) => getComputedStyle(e).outlineStyle);
    assert.equal(outline, 'solid', 'the step\'s partition is outlined');
    await h.screenshot(page, 'lesson-s05-en-1280');
    await walk(page, 's05-replication-and-acks', 'en');
  }, { contextOptions: { viewport: { width: 1280, height: 800 }, reducedMotion: 'reduce' } });
});

test('the heartbeat lesson (section 10) walks to its end, in Russian, embedded at 800 × 580', { timeout: 300_000 }, async (t) => {
  await h.withPage(t, async (page) => {
    await page.goto(`${h.url}?lesson=s10-heartbeats-and-rebalance&workspace=lesson-e2e-2&embed=1`);
    await page.getByTestId('lesson').waitFor();
    await page.getByTestId('lang-ru').click();
    await h.screenshot(page, 'lesson-s10-ru-800');
    await walk(page, 's10-heartbeats-and-rebalance', 'ru');
    await page.getByTestId('lang-en').click();
  }, { contextOptions: { viewport: { width: 800, height: 580 }, reducedMotion: 'reduce' } });
});

test('an unknown lesson is named inline with the lessons there are', async (t) => {
  await h.withPage(t, async (page) => {
    await page.goto(`${h.url}?lesson=s99-nothing`);
    const error = await page.getByTestId('address-error').textContent();
    assert.match(error, /s99-nothing/);
    assert.match(error, /s05-replication-and-acks/);
  });
});
