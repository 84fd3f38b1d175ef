// Lessons in the page (`?lesson=NAME`), end to end in headless Chromium against the real
// driver: every lesson of the page (LESSONS of src/ui/lesson/files.rs) is walked from its
// first step to its last through the panel's buttons, the learner's actions done with the
// page's own controls (a broker's or a consumer's crash and restart buttons, the admin
// card's create topic), each task completing from what the run shows; the
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

/** The lessons the page offers, in the lecture's order: `LESSONS` of src/ui/lesson/files.rs. */
function pageLessons() {
  const rust = readFileSync(new URL('../../src/ui/lesson/files.rs', import.meta.url), 'utf8');
  const list = rust.match(/pub const LESSONS: &\[&str\] = &\[([^\]]*)\]/);
  assert.ok(list, 'files.rs lists LESSONS');
  return [...list[1].matchAll(/"([^"]+)"/g)].map((m) => m[1]);
}

/** Clicks a button once it is enabled (a node's restart waits for its crash to show). */
async function press(page, testId) {
  const button = page.getByTestId(testId);
  await button.waitFor();
  await page.waitForFunction((id) => document.querySelector(`[data-testid="${id}"]`)?.disabled === false, testId,
    { timeout: 60_000 });
  await button.click();
}

/** What a learner does for a task, with the page's controls; a task that waits needs nothing. */
async function learnerDoes(page, doneWhen) {
  const crashed = doneWhen.crashed;
  const restarted = doneWhen.restarted;
  if (crashed?.leader_of) {
    const { topic, partition } = crashed.leader_of;
    const leader = await page.getByTestId(`partition-${topic}-${partition}`).getAttribute('data-leader');
    assert.ok(leader, 'the partition shows its leader');
    await press(page, `broker-${leader}-crash`);
  } else if (crashed?.client) {
    await press(page, `member-${crashed.client}-crash`);
  } else if (crashed) {
    await press(page, `broker-${crashed.broker ?? 1}-crash`);
  } else if (restarted?.client) {
    await press(page, `member-${restarted.client}-restart`);
  } else if (restarted?.broker) {
    await press(page, `broker-${restarted.broker}-restart`);
  } else if (restarted) {
    const crashedBroker = page.locator('[data-testid^="broker-"][data-status="crashed"]').first();
    await crashedBroker.waitFor();
    await press(page, `${await crashedBroker.getAttribute('data-testid')}-restart`);
  } else if (doneWhen.topic_created) {
    // As the task asks (s04: clicks, 2 partitions, RF 1, tiny segments), through the admin card.
    if ((await page.getByTestId('new-topic-name').count()) === 0) await page.getByTestId('admin-toggle').click();
    await page.getByTestId('new-topic-name').fill(doneWhen.topic_created.name ?? 'lesson-topic');
    await page.getByTestId('new-topic-partitions').fill('2');
    await page.getByTestId('new-topic-rf').fill('1');
    await page.getByTestId('new-topic-configs').fill('segment.bytes=200');
    for (let tries = 0; tries < 100; tries++) {
      await page.getByTestId('create-topic').click();
      if ((await page.getByTestId('create-topic-error').count()) === 0) break;
      await page.waitForTimeout(200);
    }
    assert.equal(await page.getByTestId('create-topic-error').count(), 0, 'the topic is created');
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

test('the page offers a lesson for every section of the lecture, in its order, each with its file', () => {
  const names = pageLessons();
  const sections = names.map((name) => lessonFile(name).section);
  assert.deepEqual(sections, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  for (const name of names) assert.equal(lessonFile(name).name, name);
});

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

// Every other lesson of the page, alternately in English at 1280 × 800 and in Russian
// embedded at 800 × 580, each walked to its last step with the page's own controls.
const walked = new Set(['s05-replication-and-acks', 's10-heartbeats-and-rebalance']);
pageLessons().filter((name) => !walked.has(name)).forEach((name, i) => {
  const lang = i % 2 === 0 ? 'en' : 'ru';
  const embed = lang === 'ru';
  test(`lesson ${name} walks to its end, in ${lang === 'en' ? 'English' : 'Russian'}`, { timeout: 300_000 }, async (t) => {
    await h.withPage(t, async (page) => {
      await page.goto(`${h.url}?lesson=${name}&workspace=lesson-e2e-${name}${embed ? '&embed=1' : ''}`);
      await page.getByTestId('lesson').waitFor();
      await page.getByTestId(`lang-${lang}`).click();
      await h.screenshot(page, `lesson-${name}-${lang}`);
      await walk(page, name, lang);
      await h.screenshot(page, `lesson-${name}-${lang}-end`);
      if (lang === 'ru') await page.getByTestId('lang-en').click();
    }, { contextOptions: { viewport: embed ? { width: 800, height: 580 } : { width: 1280, height: 800 }, reducedMotion: 'reduce' } });
  });
});

test('an unknown lesson is named inline with the lessons there are', async (t) => {
  await h.withPage(t, async (page) => {
    await page.goto(`${h.url}?lesson=s99-nothing`);
    const error = await page.getByTestId('address-error').textContent();
    assert.match(error, /s99-nothing/);
    assert.match(error, /s05-replication-and-acks/);
  });
});

test('a reload goes on at the lesson\'s step, without running its actions again', { timeout: 120_000 }, async (t) => {
  await h.withPage(t, async (page) => {
    const lesson = lessonFile('s05-replication-and-acks');
    await page.goto(`${h.url}?lesson=s05-replication-and-acks&workspace=lesson-reload`);
    await page.getByTestId('lesson').waitFor();
    await page.getByTestId('lang-en').click();
    await page.getByTestId('lesson-next').click();
    // Step 2 sends 10 records and waits for their acknowledgement.
    await page.waitForFunction(() => document.querySelector('[data-testid=lesson-task]')?.dataset.done === 'true',
      null, { timeout: 60_000 });
    const acked = () => page.evaluate(() => JSON.parse(window.kafkaPlaygroundView()).producers[0].acknowledged_records);
    assert.equal(await acked(), 10);
    // Let the run save itself (at most once a second), then reload.
    await page.waitForTimeout(1500);
    await page.reload();
    await page.waitForFunction(() => document.querySelector('[data-testid=lesson]')?.dataset.step === '1');
    assert.equal(await page.getByTestId('lesson-text').textContent(), lesson.steps[1].text.en);
    // The resumed run's replicas hold the 10 records; the step's produce did not run again.
    await page.waitForFunction(() => {
      const v = JSON.parse(window.kafkaPlaygroundView?.() || 'null');
      return v && v.brokers.some((b) => b.replicas.some((r) => r.topic === 'orders' && r.log_end_offset === 10));
    }, null, { timeout: 60_000 });
    await page.waitForTimeout(2000);
    const v = JSON.parse(await page.evaluate(() => window.kafkaPlaygroundView()));
    assert.ok(v.brokers.every((b) => b.replicas.every((r) => r.topic !== 'orders' || r.log_end_offset <= 10)),
      'no second send of the step\'s 10 records');
  });
});
