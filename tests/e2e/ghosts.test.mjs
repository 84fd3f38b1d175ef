// Ghosts of removed records (issue 12 point 3): in the `retention-on-every-replica` demo,
// once retention has deleted segments on every replica of events-0, each replica's strip
// shows a hatched ghost whose last offset is just below that replica's own log start
// offset (read from the strip's data-log-start, which the broker reports), labelled with
// the reason; the learner reads it in English and Russian, wide and embedded.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startHarness, RESULTS } from './harness.mjs';
import { command } from './page_api.mjs';

let h;
before(async () => { h = await startHarness(); });
after(async () => { await h?.close(); });

const WIDE = { width: 1280, height: 800 };
const EMBED = { width: 800, height: 580 };

/** For each replica of events-0: its log start and its ghosts' (reason, to, text). */
function replicas(page) {
  return page.evaluate(() => [...document.querySelectorAll('[data-testid^="replica-"][data-testid$="-events-0"]')].map((r) => ({
    id: r.dataset.testid,
    logStart: Number(r.dataset.logStart),
    badge: r.querySelector('[data-testid=replica-ghost-badge]')?.textContent ?? null,
    ghosts: [...r.querySelectorAll('[data-testid=replica-ghost]')].map((g) => ({
      reason: g.dataset.reason, to: Number(g.dataset.to), text: g.textContent, help: g.dataset.help })),
  })));
}

for (const [lang, viewport, embed] of [['en', WIDE, false], ['ru', WIDE, false], ['en', EMBED, true], ['ru', EMBED, true]]) {
  test(`ghosts after retention on every replica (${lang}, ${viewport.width} × ${viewport.height}${embed ? ', embedded' : ''})`, { timeout: 180_000 }, async (t) => {
    await h.withPage(t, async (page) => {
      await page.addInitScript((l) => localStorage.setItem('kafka-playground.lang', l), lang);
      await page.goto(`${h.url}?scenario=retention-on-every-replica&seed=1${embed ? '&embed=1' : ''}`);
      await page.waitForFunction(() => typeof window.kafkaPlaygroundCommand === 'function', null, { timeout: 60_000 });
      await command(page, { SetSpeed: 20 });
      // Every replica's log start moved and its newest ghost ends right below it.
      let seen = [];
      for (let i = 0; i < 600; i++) {
        seen = await replicas(page);
        if (seen.length === 3 && seen.every((r) => r.logStart > 0 && r.ghosts.length > 0
          && r.ghosts[0].to === r.logStart)) break;
        await page.waitForTimeout(100);
      }
      assert.equal(seen.length, 3, 'three replicas drawn');
      for (const r of seen) {
        assert.ok(r.logStart > 0, `${r.id}: retention moved the log start`);
        // Newest first in the document: the first ghost is the one next to the log start.
        assert.equal(r.ghosts[0]?.to, r.logStart, `${r.id}: a ghost up to its log start: ${JSON.stringify(r)}`);
        assert.match(r.ghosts[0].text, new RegExp(`✕ (\\d+–)?${r.logStart - 1}`), `${r.id}: the offsets written`);
        // The strip opens on the newest records: the head sums the ghosts up in sight.
        assert.match(r.badge ?? '', new RegExp(`^✕ (\\d+–)?${r.logStart - 1}$`), `${r.id}: the head's mark`);
      }
      const reasons = seen.flatMap((r) => r.ghosts.map((g) => g.reason));
      assert.ok(reasons.includes('retention-ms'), `retention.ms named: ${reasons}`);
      const help = seen.flatMap((r) => r.ghosts).find((g) => g.reason === 'retention-ms').help;
      assert.match(help, lang === 'ru' ? /удалены по retention \(retention\.ms\)/ : /deleted by retention \(retention\.ms\)/);
      await command(page, 'Pause');
      fs.mkdirSync(RESULTS, { recursive: true });
      await page.screenshot({ path: path.join(RESULTS, `ghosts-${lang}-${viewport.width}x${viewport.height}.png`) });
      // The old end of every strip, where the ghosts are drawn (row-reverse: scroll left).
      await page.evaluate(() => document.querySelectorAll('.cell-strip').forEach((s) => { s.scrollLeft = -s.scrollWidth; }));
      await page.locator('[data-testid=replica-matrix]').screenshot({ path: path.join(RESULTS, `ghosts-${lang}-${viewport.width}x${viewport.height}-old-end.png`) });
    }, { contextOptions: { viewport } });
  });
}
