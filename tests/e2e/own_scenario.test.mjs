// Scenarios of one's own (issue 14 point 9), in real Chromium through the page's own
// controls: a pasted file with a mistake is refused with the field named (the same
// check as `kafka-playground run`: `clients[0].type`), nothing is opened; "Download this
// scenario's file" saves the very file the page runs (compared with scenarios/); that
// file, edited (another name, another topic), picked with the file chooser opens as
// `own:NAME-CRC` and runs (its topic in the picture), survives a reload, and a fresh
// browser that does not keep it says to open the file again; a file dropped on the
// drop zone opens too. The fold sits in the top bar beside the scenario selector, its
// panel floating over the page, and is not offered embedded. Screenshots of the fold at 1280 × 800 (English) and 800 × 580
// (Russian) go to test-results/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startHarness, ROOT } from './harness.mjs';

let h;
before(async () => { h = await startHarness(); });
after(async () => { await h?.close(); });

const BASE = 'consumer-group-playground';
const baseText = () => fs.readFileSync(path.join(ROOT, 'scenarios', `${BASE}.json`), 'utf8');
/** The base scenario as a learner would edit it: its own name, its topic renamed. */
const edited = (name, topic) => baseText().replace(`"name": "${BASE}"`, `"name": "${name}"`).replaceAll('orders', topic);

/** Opens the top bar's fold. */
async function openFold(page) {
  await page.getByTestId('own-scenario').locator('summary').click();
}

test('own scenario: refused with the field named, downloaded, picked, reloaded, dropped', { timeout: 300_000 }, async (t) => {
  let ownUrl;
  await h.withPage(t, async (page) => {
    await page.goto(`${h.url}?scenario=${BASE}&seed=1`);
    await page.getByTestId('partition-orders-0').waitFor({ timeout: 60_000 });
    await openFold(page);

    // A mistake: a client type that does not exist. Refused, named, nothing opened.
    const bad = JSON.parse(baseText());
    bad.clients[0].type = 'consumr';
    await page.getByTestId('scenario-paste').fill(JSON.stringify(bad));
    await page.getByTestId('scenario-open').click();
    const error = page.getByTestId('own-scenario-error');
    await error.waitFor();
    const text = await error.textContent();
    assert.match(text, /clients\[0\]/, text);
    assert.match(text, /consumr/, text);
    assert.ok(page.url().includes(`scenario=${BASE}`), 'nothing else was opened');
    await h.screenshot(page, 'own-scenario-1280-en');

    // The file the page runs, byte for byte the one in scenarios/.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-scenario').click()]);
    assert.equal(download.suggestedFilename(), `${BASE}.json`);
    assert.equal(fs.readFileSync(await download.path(), 'utf8'), baseText());

    // Edited and picked: opens as its own workspace and runs.
    await page.getByTestId('scenario-file').setInputFiles({
      name: 'mine.json', mimeType: 'application/json', buffer: Buffer.from(edited('my-playground', 'payments')),
    });
    await page.waitForURL(/scenario=own%3Amy-playground-[0-9a-f]{8}|scenario=own:my-playground-[0-9a-f]{8}/, { timeout: 30_000 });
    await page.getByTestId('partition-payments-0').waitFor({ timeout: 60_000 });
    assert.equal(await page.getByTestId('partition-orders-0').count(), 0);
    ownUrl = page.url();
    await page.reload();
    await page.getByTestId('partition-payments-0').waitFor({ timeout: 60_000 });
    assert.equal(await page.getByTestId('address-error').count(), 0, 'kept in this browser: a reload resumes it');

    // Dropped on the drop zone: a DataTransfer with the file, as a drag from the desktop.
    await openFold(page);
    const dropped = edited('dropped-one', 'shipments');
    const transfer = await page.evaluateHandle((text) => {
      const dt = new DataTransfer();
      dt.items.add(new File([text], 'dropped.json', { type: 'application/json' }));
      return dt;
    }, dropped);
    await page.getByTestId('scenario-drop').dispatchEvent('drop', { dataTransfer: transfer });
    await page.waitForURL(/dropped-one-[0-9a-f]{8}/, { timeout: 30_000 });
    await page.getByTestId('partition-shipments-0').waitFor({ timeout: 60_000 });

    // Embedded, the course page chose the scenario: no fold.
    await page.goto(`${h.url}?scenario=${BASE}&seed=1&embed=1`);
    await page.getByTestId('band-events').waitFor({ state: 'attached', timeout: 60_000 });
    assert.equal(await page.getByTestId('own-scenario').count(), 0);
  }, { contextOptions: { viewport: { width: 1280, height: 800 } } });

  // Another browser (a fresh context) does not keep the file: it says so, in Russian too.
  await h.withPage(t, async (page) => {
    await page.addInitScript(() => localStorage.setItem('kafka-playground.lang', 'ru'));
    await page.goto(ownUrl);
    const problem = page.getByTestId('address-error');
    await problem.waitFor();
    assert.match(await problem.textContent(), /откройте файл ещё раз/);
    await page.goto(`${h.url}?scenario=${BASE}&seed=1`);
    await page.getByTestId('partition-orders-0').waitFor({ timeout: 60_000 });
    await openFold(page);
    await page.getByTestId('own-scenario').scrollIntoViewIfNeeded();
    await h.screenshot(page, 'own-scenario-800-ru');
  }, { contextOptions: { viewport: { width: 800, height: 580 } } });
});
