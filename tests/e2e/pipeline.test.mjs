// The exactly-once pipeline in the page (issue 13): `exactly-once-pipeline-survives-crashes`
// run to its end at 100× in real Chromium. The pipeline process, the leader of receipts-0
// and the transaction coordinator crash, yet the read_committed `audit` consumer reads
// each of the 50 orders' receipts once (no duplicate), and the pipeline's card counts its
// committed transactions (the one its crash left open is aborted by the coordinator, not
// by the application, so the card's own aborts stay 0). The pipeline's member offers
// only what the pipeline takes (crash, restart) and names how it commits
// (sendOffsetsToTransaction); close, pause heartbeats, slow down and isolation.level,
// which a pipeline refuses or must not change, are not offered. Screenshot at 1280 × 800.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness } from './harness.mjs';
import { until } from './page_api.mjs';

let h;
before(async () => { h = await startHarness(); });
after(async () => { await h?.close(); });

test('the pipeline survives its crashes: audit reads each receipt once; its member offers crash and restart only',
  { timeout: 240_000 }, async (t) => {
    await h.withPage(t, async (page) => {
      await page.goto(`${h.url}?scenario=exactly-once-pipeline-survives-crashes&seed=1`);
      await page.getByTestId('cluster-clock').waitFor();
      await page.getByTestId('speed-slider').fill('2');
      if (await page.getByTestId('play').isEnabled()) await page.getByTestId('play').click();
      const v = await until(page, (v) => v.paused && v.now_ms >= v.until_ms, 'the scenario\'s end', 200_000);

      const audit = v.groups.find((g) => g.group_id === 'audit').members.find((m) => m.name === 'audit');
      assert.equal(audit.isolation_level, 'read_committed');
      assert.equal(audit.records_consumed, 50, 'each of the 50 receipts');
      assert.equal(audit.duplicates, 0, 'none twice');
      const facts = v.producers.find((p) => p.name === 'copier').pipeline;
      assert.ok(facts.transactions_committed >= 4, JSON.stringify(facts));
      // Its crashed transaction is aborted by the coordinator (the restart's epoch bump),
      // not by the application: the card's own abort count stays 0.
      assert.equal(facts.transactions_aborted, 0, JSON.stringify(facts));

      await page.getByTestId('member-copier').scrollIntoViewIfNeeded();
      for (const absent of ['close', 'pause-heartbeats', 'slow', 'isolation-level']) {
        assert.equal(await page.getByTestId(`member-copier-${absent}`).count(), 0, `no ${absent} on a pipeline`);
      }
      assert.equal(await page.getByTestId('member-copier-crash').count(), 1);
      assert.equal(await page.getByTestId('member-copier-restart').count(), 1);
      assert.equal(await page.getByTestId('member-copier-commit-moment').textContent(), 'sendOffsetsToTransaction');
      // A plain consumer keeps its controls.
      assert.equal(await page.getByTestId('member-audit-close').count(), 1);
      await h.screenshot(page, 'pipeline-1280-en');
    }, { contextOptions: { viewport: { width: 1280, height: 800 } } });
  });
