// The page's layout principles (UI.md), end to end in headless Chromium: at 800 × 580
// (RaftScope's iframe size) the four bands become tabs and nothing is lost switching
// between them; `?embed=1` hides the chrome (also inside a real 800 × 580 iframe); the
// keyboard reaches every record cell and marker, and focusing one shows its numbers and
// explanation; no horizontal page scrollbar at 800 px, in either language.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness } from './harness.mjs';

let h;
before(async () => { h = await startHarness(); });
after(async () => { await h?.close(); });

// Reduced motion: screenshots show records settled, not mid-animation.
const NARROW = { viewport: { width: 800, height: 580 }, reducedMotion: 'reduce' };

// A full-page screenshot from the top (the sticky head would land mid-page otherwise).
async function shot(page, name) {
  await page.evaluate(() => window.scrollTo(0, 0));
  await h.screenshot(page, name);
}

async function ready(page) {
  await page.getByTestId('loading').waitFor({ state: 'detached' });
  await page.getByTestId('topic').first().waitFor();
  await page.waitForFunction(() => document.querySelectorAll('[data-topic="some_topic"] [data-testid=record]').length === 25);
}

const selectedTab = (page) => page.locator('[role=tab][aria-selected=true]').getAttribute('data-testid');

async function noHorizontalScroll(page, what) {
  const { scrollWidth, clientWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: document.documentElement.clientWidth,
  }));
  assert.ok(scrollWidth <= 800 && scrollWidth <= clientWidth, `${what}: scrollWidth ${scrollWidth} > ${clientWidth}`);
}

test('800 × 580: the bands are tabs, Cluster first; nothing is lost switching', { timeout: 120_000 }, async (t) => {
  await h.withPage(t, async (page) => {
    await page.goto(`${h.url}?page=single-broker`);
    await ready(page);
    const tabs = page.getByTestId('band-tabs');
    assert.ok(await tabs.isVisible(), 'the tab bar is shown');
    assert.equal(await tabs.getAttribute('role'), 'tablist');
    assert.deepEqual(await page.locator('[role=tab]').allTextContents(), ['Cluster', 'Producer', 'Reader', 'Events']);
    assert.equal(await selectedTab(page), 'tab-cluster');
    assert.equal(await page.locator('[data-testid=band-cluster] [data-testid=record]').count(), 25);
    for (const band of ['producer', 'reader', 'events']) {
      assert.ok(await page.getByTestId(`band-${band}`).isHidden(), `${band} hidden behind its tab`);
    }
    await shot(page, 'narrow-cluster');

    await page.getByTestId('tab-producer').click();
    assert.equal(await selectedTab(page), 'tab-producer');
    assert.ok(await page.getByTestId('produce-form').isVisible());
    assert.ok(await page.getByTestId('band-cluster').isHidden());
    await page.getByTestId('produce-key').fill('narrow-key');
    await page.getByTestId('produce-value').fill('narrow-value');
    await page.getByTestId('produce').click();
    await page.getByTestId('outcome-ok').waitFor();
    await shot(page, 'narrow-producer');

    await page.getByTestId('tab-events').click();
    await page.getByTestId('event-appended').first().waitFor();
    await shot(page, 'narrow-events');

    await page.getByTestId('tab-cluster').click();
    const cell = page.locator('[data-testid=record][data-value="narrow-value"]');
    await cell.waitFor();
    assert.equal(await cell.getAttribute('data-key'), 'narrow-key');
    assert.equal(await page.locator('[data-testid=band-cluster] [data-testid=record]').count(), 26);
    // What was typed in the (hidden) producer form is still there.
    await page.getByTestId('tab-producer').click();
    assert.equal(await page.getByTestId('produce-value').inputValue(), 'narrow-value');
    await page.getByTestId('tab-reader').click();
    await page.getByTestId('read').click();
    await page.getByTestId('read-record').first().waitFor();
    await shot(page, 'narrow-reader');
  }, { contextOptions: NARROW });
});

test('wide screens keep the grid: no tabs, all four bands', { timeout: 120_000 }, async (t) => {
  await h.withPage(t, async (page) => {
    await page.goto(`${h.url}?page=single-broker`);
    await ready(page);
    assert.ok(await page.getByTestId('band-tabs').isHidden());
    for (const band of ['cluster', 'producer', 'reader', 'events']) {
      assert.ok(await page.getByTestId(`band-${band}`).isVisible(), `${band} shown`);
    }
    await shot(page, 'wide');
  }, { contextOptions: { viewport: { width: 1280, height: 800 }, reducedMotion: 'reduce' } });
});

test('?embed=1 hides the title and reset, keeps EN|RU; it fits an 800 × 580 iframe', { timeout: 120_000 }, async (t) => {
  await h.withPage(t, async (page) => {
    await page.goto(`${h.url}?page=single-broker&embed=1&workspace=embedded`);
    await ready(page);
    assert.equal(await page.getByTestId('title').count(), 0);
    assert.equal(await page.getByTestId('reset').count(), 0);
    assert.ok(await page.getByTestId('lang-ru').isVisible());
    assert.ok(await page.getByTestId('band-tabs').isVisible());
    assert.equal(await page.getByTestId('open-full').getAttribute('href'), '/?workspace=embedded');
    await noHorizontalScroll(page, 'embed');
    await shot(page, 'embed');

    // A teacher's page with the playground in RaftScope's iframe size.
    await page.setViewportSize({ width: 880, height: 660 });
    await page.setContent(`<!doctype html><body style="margin:20px;background:#ddd">
      <iframe src="${h.url}?embed=1&workspace=iframe" width="800" height="580" style="border:1px solid #888;background:#fff"></iframe></body>`);
    const frame = page.frameLocator('iframe');
    await frame.getByTestId('loading').waitFor({ state: 'detached' });
    await frame.locator('[data-testid=record]').nth(24).waitFor();
    assert.ok(await frame.getByTestId('band-tabs').isVisible());
    await shot(page, 'embed-iframe');
  }, { contextOptions: NARROW });
});

test('keyboard: Tab reaches a record cell and its details show; strips select with Enter/Space', { timeout: 120_000 }, async (t) => {
  await h.withPage(t, async (page) => {
    await page.goto(`${h.url}?page=single-broker`);
    await ready(page);
    let focused = null;
    for (let i = 0; i < 40 && focused !== 'record'; i++) {
      await page.keyboard.press('Tab');
      focused = await page.evaluate(() => document.activeElement?.dataset?.testid ?? null);
    }
    assert.equal(focused, 'record', 'Tab reaches a record cell');
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    assert.notEqual(outline, 'none', 'focus is visible');
    const details = page.getByTestId('cell-details');
    await details.waitFor();
    assert.match(await details.textContent(), /offset \d+ · Key: .* · Value: Msg \d+ · timestamp/);
    assert.match(await page.evaluate(() => document.activeElement.getAttribute('aria-label')), /^offset \d+/);
    await shot(page, 'keyboard-record-details');

    // Markers explain themselves on focus (and hover), with their number.
    await page.locator('[data-testid=partition][data-partition="1"] [data-testid=high-watermark]').focus();
    assert.match(await details.textContent(), /^HW \d+ — High watermark: /);
    await page.locator('[data-testid=partition][data-partition="0"] [data-testid=segment-tick]').first().hover();
    assert.match(await page.locator('[data-testid=partition][data-partition="0"] [data-testid=cell-details]').textContent(),
      /^base offset 0 — A segment/);
    await shot(page, 'hover-segment-tick');

    // Partition strips are buttons: Enter and Space select them.
    const label = (p) => page.locator(`[data-testid=partition][data-partition="${p}"] .partition-label`);
    await label(1).focus();
    await page.keyboard.press('Enter');
    assert.equal(await label(1).getAttribute('aria-pressed'), 'true');
    await label(2).focus();
    await page.keyboard.press('Space');
    assert.equal(await label(2).getAttribute('aria-pressed'), 'true');
    assert.match(await page.getByTestId('partition-detail').textContent(), /some_topic-2/);

    // The tab bar follows the WAI-ARIA tabs pattern: arrows move, only the active tab is a Tab stop.
    await page.getByTestId('tab-cluster').focus();
    await page.keyboard.press('ArrowRight');
    assert.equal(await selectedTab(page), 'tab-producer');
    assert.equal(await page.evaluate(() => document.activeElement.dataset.testid), 'tab-producer');
    await page.keyboard.press('End');
    assert.equal(await selectedTab(page), 'tab-events');
    await page.keyboard.press('ArrowRight');
    assert.equal(await selectedTab(page), 'tab-cluster');
    assert.equal(await page.locator('[role=tab][tabindex="0"]').count(), 1);
  }, { contextOptions: NARROW });
});

test('800 px: no horizontal page scrollbar on any tab, in English and Russian', { timeout: 120_000 }, async (t) => {
  await h.withPage(t, async (page) => {
    await page.goto(`${h.url}?page=single-broker`);
    await ready(page);
    for (const lang of ['en', 'ru']) {
      await page.getByTestId(`lang-${lang}`).click();
      for (const band of ['cluster', 'producer', 'reader', 'events']) {
        await page.getByTestId(`tab-${band}`).click();
        await noHorizontalScroll(page, `${lang} ${band}`);
      }
    }
    await page.getByTestId('tab-cluster').click();
    await shot(page, 'narrow-cluster-ru');
  }, { contextOptions: NARROW });
});
