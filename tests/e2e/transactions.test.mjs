// Transactions in the page (issue 13, point 6), on scenarios/transactions-playground.json:
// the producer card's initTransactions()/beginTransaction() buttons open a transaction,
// its records reach every replica (the HW moves) while the last stable offset (LSO) stays
// at the transaction's first offset, drawn as its own marker; commitTransaction() writes a
// COMMIT marker cell and the LSO catches up with the HW; a second transaction aborted
// leaves an ABORT marker cell and its records marked aborted. The consumer in the
// read_committed group shows its isolation.level. The producer card names the transaction
// coordinator's record of its transactional.id: Ongoing with its partition and when the
// coordinator aborts it (transaction.timeout.ms after it began), then CompleteCommit and
// CompleteAbort. Seen at 1280 × 800 in English and at
// 800 × 580 in Russian (screenshots in test-results/).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness } from './harness.mjs';
import { until, command, replicasOf } from './page_api.mjs';

let h;
before(async () => { h = await startHarness(); });
after(async () => { await h?.close(); });

const tpOf = (v) => v.producers.find((p) => p.name === 'tp');
const leaderOf = (v) => replicasOf(v, 'payments', 0).find((r) => r.role === 'leader');

async function open(page, lang) {
  await page.addInitScript((l) => localStorage.setItem('kafka-playground.lang', l), lang);
  await page.goto(`${h.url}?scenario=transactions-playground&seed=1`);
  await page.waitForFunction(() => typeof window.kafkaPlaygroundCommand === 'function'
    && document.querySelector('[data-testid=producer-txn-controls]'), null, { timeout: 60_000 });
  await until(page, (v) => leaderOf(v) && tpOf(v)?.status === 'Up' && v.groups.length === 2, 'the cluster and clients up');
}

async function click(page, testid) {
  const tab = page.getByTestId('tab-producer');
  if (await tab.isVisible()) await tab.click();
  await page.getByTestId(testid).click();
}


async function showProducer(page) {
  const tab = page.getByTestId('tab-producer');
  if (await tab.isVisible()) await tab.click();
}

async function showCluster(page) {
  const tab = page.getByTestId('tab-cluster');
  if (await tab.isVisible()) await tab.click();
}

for (const [lang, viewport] of [['en', { width: 1280, height: 800 }], ['ru', { width: 800, height: 580 }],
  ['ru', { width: 1280, height: 800 }], ['en', { width: 800, height: 580 }]]) {
  test(`a transaction holds the LSO, COMMIT and ABORT markers (${lang}, ${viewport.width})`, { timeout: 300_000 }, async (t) => {
    await h.withPage(t, async (page) => {
      await open(page, lang);
      const tp = tpOf(await until(page, (v) => tpOf(v), 'tp'));
      await click(page, 'txn-init');
      await until(page, (v) => tpOf(v).transaction_state === 'READY', 'initTransactions() done');
      await click(page, 'txn-begin');
      await until(page, (v) => tpOf(v).transaction_state === 'IN_TRANSACTION', 'beginTransaction()');
      await command(page, { Produce: { client: tp.id, topic: 'payments', count: 3, key: 'k-{i}', value: 'v-{i}', partition: 0 } });
      let v = await until(page, (x) => leaderOf(x).high_watermark === 3, 'the HW past the open transaction');
      assert.equal(leaderOf(v).last_stable_offset, 0, 'the LSO stays at the open transaction');
      await command(page, 'Pause');
      await showCluster(page);
      const strip = page.locator(`[data-testid=replica-${leaderOf(v).broker}-payments-0]`);
      assert.equal(await strip.getByTestId('replica-lso').textContent(), 'LSO 0');
      assert.equal(await strip.getByTestId('replica-hw').textContent(), 'HW 3');
      assert.equal(await strip.locator('[data-testid=replica-record][data-txn=open]').count(), 3);
      await h.screenshot(page, `transactions-open-${viewport.width}-${lang}`);
      // The transaction coordinator's record of tp-1: Ongoing, its partition, its deadline.
      assert.deepEqual(tpOf(v).txn_coordinator.partitions, [['payments', 0]]);
      await showProducer(page);
      const coordinator = page.getByTestId('producer-txn-coordinator');
      assert.equal(await coordinator.getAttribute('data-state'), 'Ongoing');
      assert.match(await coordinator.textContent(), lang === 'en'
        ? /^Transaction coordinator \(broker \d\): Ongoing · payments-0 · began at \d+\.\d s; the coordinator aborts it after \d+\.\d s \(transaction\.timeout\.ms=60000\)$/
        : /^Координатор транзакций \(брокер \d\): Ongoing · payments-0 · начата в \d+\.\d с; координатор прервёт её после \d+\.\d с \(transaction\.timeout\.ms=60000\)$/);
      const began = tpOf(v).txn_coordinator.txn_start_timestamp_ms;
      assert.ok(began > 0 && began <= v.now_ms, `began at ${began}`);
      await h.screenshot(page, `transactions-coordinator-${viewport.width}-${lang}`);
      await command(page, 'Play');

      await click(page, 'txn-commit');
      v = await until(page, (x) => leaderOf(x).high_watermark === 4 && leaderOf(x).last_stable_offset === 4, 'the LSO caught up');
      await showCluster(page);
      await strip.locator('[data-testid=replica-marker][data-marker=COMMIT]').waitFor();
      assert.equal(await strip.getByTestId('replica-lso').count(), 0, 'the LSO is the HW again');
      assert.equal(await strip.locator('[data-testid=replica-record][data-txn=committed]').count(), 3);
      await until(page, (x) => tpOf(x).txn_coordinator?.state === 'CompleteCommit', 'the coordinator completed the commit');

      await click(page, 'txn-begin');
      await until(page, (x) => tpOf(x).transaction_state === 'IN_TRANSACTION', 'the second transaction');
      await command(page, { Produce: { client: tp.id, topic: 'payments', count: 3, key: 'k-{i}', value: 'v-{i}', partition: 0 } });
      await until(page, (x) => leaderOf(x).high_watermark === 7, 'the second transaction replicated');
      await click(page, 'txn-abort');
      v = await until(page, (x) => leaderOf(x).high_watermark === 8 && leaderOf(x).last_stable_offset === 8, 'the abort written');
      await command(page, 'Pause');
      await showCluster(page);
      await strip.locator('[data-testid=replica-marker][data-marker=ABORT]').waitFor();
      assert.equal(tpOf(await until(page, (x) => tpOf(x).txn_coordinator?.state === 'CompleteAbort', 'the abort completed'))
        .txn_coordinator.partitions.length, 0, 'a completed transaction holds no partitions');
      assert.equal(await strip.locator('[data-testid=replica-record][data-txn=aborted]').count(), 3);
      await h.screenshot(page, `transactions-done-${viewport.width}-${lang}`);
      const reader = page.getByTestId('tab-reader');
      if (await reader.isVisible()) await reader.click();
      assert.equal(await page.getByTestId('member-committed-1-isolation-level').inputValue(), 'read_committed');
      assert.equal(await page.getByTestId('member-all-1-isolation-level').inputValue(), 'read_uncommitted');
      await h.screenshot(page, `transactions-groups-${viewport.width}-${lang}`);
    }, { contextOptions: { viewport } });
  });
}
