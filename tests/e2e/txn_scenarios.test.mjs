// The delivery-guarantee and transaction scenarios of issue 13 in the page, each run to its
// end at 100× in real Chromium with its outcome asserted on what the page draws from (the
// same outcomes `tests/delivery_guarantees.rs` and `tests/transactions_scenarios.rs`
// assert through the CLI, from Kafka's rules):
// * retry-after-lost-response: the retried payment is in the log twice without
//   idempotence, once with it;
// * max-in-flight-reorders-without-idempotence: five requests in flight and a lost one
//   reorder the partition without idempotence, not with it;
// * hanging-transaction-holds-lso: the HW passes the open transaction, the LSO stays at
//   its first offset; read_committed reads the 5 committed records, read_uncommitted 10;
//   its coordinator still holds it Ongoing;
// * zombie-producer-fenced: the zombie ends in FATAL_ERROR, its late records never reach
//   the log, the read_committed reader gets the successor's 3;
// * transaction-survives-crashes: read_committed gets the 4 committed transactions' 20
//   records once each, the LSO is the HW, and the coordinator moved off crashed broker 2.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness } from './harness.mjs';
import { until, replicasOf } from './page_api.mjs';

let h;
before(async () => { h = await startHarness(); });
after(async () => { await h?.close(); });

const leader = (v, topic) => replicasOf(v, topic, 0).find((r) => r.role === 'leader');
const values = (v, topic) => leader(v, topic).records.filter((r) => !r.producer?.marker && r.value != null).map((r) => r.value);
const member = (v, group, name) => v.groups.find((g) => g.group_id === group).members.find((m) => m.name === name);
const producer = (v, name) => v.producers.find((p) => p.name === name);
const numbers = (vs) => vs.map((x) => Number(x.split('-').pop()));

const CHECKS = {
  'retry-after-lost-response': (v) => {
    assert.deepEqual(values(v, 'plain'), ['payment-0', 'payment-0'], 'without idempotence: twice');
    assert.deepEqual(values(v, 'idempotent'), ['payment-0'], 'with idempotence: once');
  },
  'max-in-flight-reorders-without-idempotence': (v) => {
    const plain = numbers(values(v, 'plain'));
    assert.deepEqual([...plain].sort((a, b) => a - b), [...Array(12).keys()], `every record once: ${plain}`);
    assert.ok(plain.some((x, i) => i > 0 && plain[i - 1] > x), `reordered: ${plain}`);
    assert.deepEqual(numbers(values(v, 'idempotent')), [...Array(12).keys()], 'in order with idempotence');
    // The reader of both topics counts what it read after a record sent later: the plain
    // log's own inversions (the idempotent log has none).
    const inversions = plain.filter((x, i) => x < Math.max(...plain.slice(0, i), -1)).length;
    const reader = v.groups.find((g) => g.group_id === 'reader').members[0];
    assert.equal(reader.records_consumed, 24);
    assert.equal(reader.reordered, inversions, `out of order: ${plain}`);
  },
  'hanging-transaction-holds-lso': (v) => {
    const orders = leader(v, 'orders');
    assert.equal(orders.high_watermark, 11, 'the HW moves past the open records');
    assert.equal(orders.last_stable_offset, 6, 'the LSO stays at the open transaction');
    assert.equal(member(v, 'committed', 'committed-1').records_consumed, 5, 'read_committed stops at the LSO');
    assert.equal(member(v, 'uncommitted', 'uncommitted-1').records_consumed, 10);
    assert.equal(producer(v, 'p1').txn_coordinator.state, 'Ongoing');
  },
  'zombie-producer-fenced': (v) => {
    assert.equal(producer(v, 'zombie').transaction_state, 'FATAL_ERROR');
    assert.equal(producer(v, 'successor').txn_coordinator.state, 'CompleteCommit');
    assert.ok(!values(v, 'payments').some((x) => x.startsWith('zombie-late')), 'a fenced send is not appended');
    assert.equal(member(v, 'audit', 'reader').records_consumed, 3, "the successor's 3");
  },
  'transaction-survives-crashes': (v) => {
    const transfers = leader(v, 'transfers');
    assert.equal(transfers.high_watermark, 36);
    assert.equal(transfers.last_stable_offset, 36);
    const reader = member(v, 'ledger', 'reader');
    assert.equal(reader.records_consumed, 20, '4 committed transactions of 5');
    assert.equal(reader.duplicates, 0);
    const coordinator = producer(v, 'p1').txn_coordinator;
    assert.notEqual(coordinator.broker, 2, 'the coordinator moved off the crashed broker');
  },
};

for (const [scenario, check] of Object.entries(CHECKS)) {
  test(`${scenario}: its outcome in the page`, { timeout: 240_000 }, async (t) => {
    await h.withPage(t, async (page) => {
      await page.goto(`${h.url}?scenario=${scenario}&seed=1`);
      await page.getByTestId('cluster-clock').waitFor();
      await page.getByTestId('speed-slider').fill('2');
      if (await page.getByTestId('play').isEnabled()) await page.getByTestId('play').click();
      const v = await until(page, (x) => x.paused && x.now_ms >= x.until_ms, 'the scenario\'s end', 200_000);
      check(v);
    }, { contextOptions: { viewport: { width: 1280, height: 800 } } });
  });
}
