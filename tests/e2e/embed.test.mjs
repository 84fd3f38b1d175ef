// The page embedded in a course page (EMBEDDING.md, src/embed, src/ui/embed): a course
// page served from a second loopback origin embeds the app in an 800 × 580 iframe with
// `embed_origin=` naming it, and drives a lesson through postMessage only: the ready
// handshake → next step → the step's task completes (task_completed) → next → the
// learner's action (crash the leader of orders-0, sent as the page's own command) → the
// node's crash and the task's completion come back as events. A malformed message and an
// unknown command are answered with an error naming what is wrong; a third origin that
// is not allowed is ignored (no answer, counted by the page). Screenshots of the embedded
// page in English and Russian: test-results/embed-en-800.png, embed-ru-800.png. The
// commands waiting for a run are bounded, refused past 256 with a clear error.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startHarness } from './harness.mjs';

const LESSON = 's05-replication-and-acks';

// The course page: an iframe of the app (its address in `?app=`), every message from it
// kept in `window.received`, `window.send(message)` posting to it by its origin.
const COURSE_PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>course</title>
<style>body{margin:0} iframe{border:0;display:block}</style></head>
<body>
<iframe id="playground" width="800" height="580" title="Kafka playground"></iframe>
<script>
  const app = new URL(new URLSearchParams(location.search).get('app'));
  window.received = [];
  window.addEventListener('message', (e) => {
    if (e.origin !== app.origin) return;
    window.received.push(e.data);
  });
  window.send = (m) => document.getElementById('playground').contentWindow.postMessage(m, app.origin);
  document.getElementById('playground').src = app.href;
</script>
</body></html>`;

/** A tiny server on another loopback port: another origin, serving the course page. */
async function courseServer() {
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(COURSE_PAGE);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return { origin, close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(() => r()); }) };
}

let h;
let course;
let stranger;
before(async () => {
  h = await startHarness();
  course = await courseServer();
  stranger = await courseServer();
});
after(async () => {
  await h?.close();
  await course?.close();
  await stranger?.close();
});

const appUrl = (workspace, extra = '') =>
  `${h.url}?lesson=${LESSON}&embed=1&workspace=${workspace}&embed_origin=${encodeURIComponent(course.origin)}${extra}`;

/** Waits for a message from the app matching `pred` (a function source over `m`), returns it. */
async function received(page, pred, timeout = 120_000) {
  const handle = await page.waitForFunction(
    (src) => window.received.find(new Function('m', `return ${src}`)),
    pred,
    { timeout },
  );
  return handle.jsonValue();
}

async function send(page, message) {
  await page.evaluate((m) => window.send(m), message);
}

/** The app's frame (cross-origin: the test reads it, the course page cannot). */
function appFrame(page) {
  const frame = page.frames().find((f) => f.url().startsWith(h.url));
  assert.ok(frame, 'the app is framed');
  return frame;
}

test('a course page on another origin drives a lesson through postMessage', { timeout: 300_000 }, async (t) => {
  await h.withPage(t, async (page) => {
    await page.goto(`${course.origin}/course.html?app=${encodeURIComponent(appUrl('embed-e2e-1'))}`);
    const ready = await received(page, "m.type === 'ready'");
    assert.deepEqual(
      { v: ready.v, lesson: ready.lesson, steps: ready.steps, step: ready.step },
      { v: 1, lesson: LESSON, steps: 6, step: 0 },
    );

    // Malformed and unknown messages are answered with what is wrong.
    await send(page, '{not json');
    const notJson = await received(page, "m.type === 'error' && m.code === 'not_json'");
    assert.match(notJson.error, /^not JSON: /);
    await send(page, { v: 1, id: 'bad-1', type: 'command', command: { Crush: 1 } });
    const bad = await received(page, "m.type === 'error' && m.id === 'bad-1'");
    assert.equal(bad.code, 'bad_fields');
    assert.match(bad.error, /unknown variant `Crush`/);
    await send(page, { v: 2, id: 'v2', type: 'hello' });
    assert.equal((await received(page, "m.id === 'v2'")).code, 'version');
    await send(page, { v: 1, id: 'early', type: 'lesson', go: 'back' });
    assert.match((await received(page, "m.id === 'early'")).error, /step 1 is the first/);

    // A course page that listens late asks for the handshake again.
    await send(page, { v: 1, id: 'hi', type: 'hello' });
    assert.equal((await received(page, "m.id === 'hi'")).type, 'accepted');
    await page.waitForFunction(() => window.received.filter((m) => m.type === 'ready').length === 2);

    await send(page, { v: 1, id: 'speed', type: 'command', command: { SetSpeed: 100 } });
    assert.equal((await received(page, "m.id === 'speed'")).type, 'accepted');
    // Step 1 (no task) → step 2: its act produces, its task waits for the acknowledgements.
    await send(page, { v: 1, id: 'next-1', type: 'lesson', go: 'next' });
    assert.equal((await received(page, "m.id === 'next-1'")).type, 'accepted');
    await received(page, "m.type === 'lesson_step' && m.step === 1 && m.steps === 6");
    await received(page, "m.type === 'task_completed' && m.step === 1");
    await send(page, { v: 1, id: 'next-2', type: 'lesson', go: 'next' });
    await received(page, "m.type === 'lesson_step' && m.step === 2");
    // Next waits for the task, as the panel's button does.
    await send(page, { v: 1, id: 'too-soon', type: 'lesson', go: 'next' });
    assert.match((await received(page, "m.id === 'too-soon'")).error, /step 3's task is not done yet/);

    // The learner's action: crash the leader of orders-0, as the page's own command.
    const frame = appFrame(page);
    const leader = await frame.evaluate(() =>
      JSON.parse(window.kafkaPlaygroundView()).topics.find((t) => t.name === 'orders').partitions[0].leader);
    assert.ok(Number.isInteger(leader), 'orders-0 has a leader');
    await send(page, { v: 1, id: 'crash', type: 'command', command: { Crash: leader } });
    assert.equal((await received(page, "m.id === 'crash'")).type, 'accepted');
    const crashed = await received(page, `m.type === 'node' && m.node === ${leader} && m.status === 'crashed'`);
    assert.ok(crashed.at_ms > 0);
    await received(page, "m.type === 'task_completed' && m.step === 2");
    await frame.getByTestId('lesson-task').and(frame.locator('[data-done="true"]')).waitFor();

    // The page's own view of what it heard: nothing from another origin yet.
    assert.equal(await frame.evaluate(() => window.kafkaPlaygroundEmbedIgnored()), 0);
    await h.screenshot(page, 'embed-en-800');
    await frame.getByTestId('lang-ru').click();
    await frame.getByTestId('lesson-count').filter({ hasText: 'Шаг 3 из 6' }).waitFor();
    await h.screenshot(page, 'embed-ru-800');
  }, { contextOptions: { viewport: { width: 800, height: 580 }, reducedMotion: 'reduce' } });
});

test('a course page on an origin that is not allowed is ignored', { timeout: 300_000 }, async (t) => {
  await h.withPage(t, async (page) => {
    await page.goto(`${stranger.origin}/course.html?app=${encodeURIComponent(appUrl('embed-e2e-2', '&lang=ru'))}`);
    const frame = await (async () => {
      for (;;) {
        const f = page.frames().find((fr) => fr.url().startsWith(h.url));
        if (f) return f;
        await page.waitForTimeout(100);
      }
    })();
    await frame.getByTestId('lesson-count').filter({ hasText: 'Шаг 1 из 6' }).waitFor({ timeout: 120_000 });
    await frame.waitForFunction(() => typeof window.kafkaPlaygroundEmbedIgnored === 'function');
    await send(page, { v: 1, id: 'c', type: 'command', command: { Crash: 1 } });
    await send(page, '{not json');
    await frame.waitForFunction(() => window.kafkaPlaygroundEmbedIgnored() === 2);
    await page.waitForTimeout(500);
    // No answer, and no ready either: events go to the allowed origin only.
    assert.deepEqual(await page.evaluate(() => window.received), []);
    const view = await frame.evaluate(() => JSON.parse(window.kafkaPlaygroundView()));
    assert.ok(view.brokers.every((b) => b.status === 'Up'), 'the crash was not carried out');
  }, { contextOptions: { viewport: { width: 800, height: 580 }, reducedMotion: 'reduce' } });
});

// The command queue is bounded (src/embed COMMANDS_WAITING_AT_MOST = 256): a tab that
// waits for another tab's workspace keeps the commands it is sent until its run starts,
// 256 at most; the next one is refused in words, by the script API and by postMessage.
test('commands waiting for the run are bounded with a clear error', { timeout: 240_000 }, async (t) => {
  await h.withPage(t, async (page, handle) => {
    const url = `${h.url}?scenario=acks-all-survives-leader-crash&workspace=embed-queue&embed=1`;
    await page.goto(url);
    await page.waitForFunction(() => (window.kafkaPlaygroundView?.() ?? 'null') !== 'null', null, { timeout: 120_000 });
    const second = await handle.context.newPage();
    await second.goto(url);
    await second.getByTestId('workspace-busy').waitFor();
    const answers = await second.evaluate(() => {
      const out = [];
      for (let i = 0; i < 257; i++) out.push(window.kafkaPlaygroundCommand(JSON.stringify({ SetSpeed: 2 })));
      return Promise.all(out);
    });
    assert.deepEqual(answers.slice(0, 256), Array(256).fill(''));
    assert.equal(answers[256], 'too many commands waiting: 256 wait for the run to take them; send again later');
    // postMessage from the page's own origin (always allowed) hears the same refusal.
    // The page hears its own answer too, and does not answer it (no endless echo).
    const heard = await second.evaluate(() => new Promise((resolve) => {
      const all = [];
      window.addEventListener('message', (e) => all.push(e.data));
      window.postMessage({ v: 1, id: 'q', type: 'command', command: 'Pause' }, location.origin);
      setTimeout(() => resolve(all), 1000);
    }));
    assert.deepEqual(heard.map((m) => m.type), ['command', 'error']);
    assert.equal(heard[1].code, 'queue_full');
    await second.close();
  });
});
