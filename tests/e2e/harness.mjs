// End-to-end harness for node:test files in tests/e2e/ (run: `node --test tests/e2e/`).
//
// It serves the trunk build in dist/ over a small static server on a free loopback port,
// drives Debian's /usr/bin/chromium through playwright-core (no downloaded browsers), and
// fails a test on any uncaught error: page errors, console.error (main thread and web
// workers), Rust panics, failed or 4xx/5xx requests.
//
// Typical test file (tests/e2e/<topic>.test.mjs):
//
//   import { test, before, after } from 'node:test';
//   import assert from 'node:assert/strict';
//   import { startHarness } from './harness.mjs';
//
//   let h;
//   before(async () => { h = await startHarness(); });
//   after(async () => { await h?.close(); });
//
//   test('something visible', async (t) => {
//     await h.withPage(t, async (page) => {
//       await page.goto(h.url);
//       await page.getByTestId('worker-answer').filter({ hasText: '42' }).waitFor();
//       await h.screenshot(page, 'something');
//     });
//   });
//
// withPage opens a page in a fresh browser context (its own IndexedDB, storage and
// cookies), screenshots it into test-results/ if the test body throws, closes it, and
// then fails the test if any error was collected. Tests that must keep IndexedDB across a
// full browser restart can pass { userDataDir } (see newPage).

import http from 'node:http';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DIST = process.env.E2E_DIST ? path.resolve(process.env.E2E_DIST) : path.join(ROOT, 'dist');
export const RESULTS = path.join(ROOT, 'test-results');
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

// Headless Debian chromium, as root, without network chatter or GPU.
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

// Default time budget of one Playwright action or wait (ms). Generous: 2 shared cores.
export const DEFAULT_TIMEOUT = Number(process.env.E2E_TIMEOUT_MS || 30_000);

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.log': 'application/octet-stream',
  '.woff2': 'font/woff2',
};

// Console text that means Rust panicked (console_error_panic_hook, wasm traps).
const PANIC_PATTERNS = [/panicked at/i, /RuntimeError: unreachable/i, /\bunreachable executed\b/i];

// Requests a browser makes on its own that are no error of the page.
const IGNORED_URLS = [/\/favicon\.ico$/];

/** Serves `root` on 127.0.0.1 at a free port. Resolves to { url, port, close() }. */
export async function startServer(root = DIST) {
  if (!fs.existsSync(path.join(root, 'index.html'))) {
    throw new Error(`${root}/index.html is missing: run \`trunk build --release\` first`);
  }
  const html = await fsp.readFile(path.join(root, 'index.html'), 'utf8');
  if (html.includes('.well-known/trunk/ws')) {
    throw new Error(
      `${root} holds a \`trunk serve\` build (autoreload script included): ` +
        'run `trunk build --release` (or bash scripts/test.sh) before the e2e tests',
    );
  }
  const rootReal = await fsp.realpath(root);
  const server = http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url, 'http://127.0.0.1');
      let rel = decodeURIComponent(url.pathname);
      if (rel.endsWith('/')) rel += 'index.html';
      const file = path.resolve(rootReal, '.' + rel);
      if (file !== rootReal && !file.startsWith(rootReal + path.sep)) {
        res.writeHead(403).end('forbidden');
        return;
      }
      let body;
      try {
        body = await fsp.readFile(file);
      } catch {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      res.writeHead(200, {
        'content-type': MIME[path.extname(file).toLowerCase()] || 'application/octet-stream',
        'content-length': body.length,
        'cache-control': 'no-store',
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch (err) {
      res.writeHead(500).end(String(err));
    }
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

/** Launches Debian's headless chromium. */
export async function launchBrowser(extraArgs = []) {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [...CHROMIUM_ARGS, ...extraArgs],
  });
}

// Runs in every page before its own scripts: reports errors of web workers (a failed
// importScripts, a wasm trap, an uncaught exception) to the main thread's console, where
// the harness sees them. Workers spawned from blob: URLs (gloo-worker does that) included.
function reportWorkerErrors() {
  const Native = globalThis.Worker;
  if (!Native || Native.__e2eWrapped) return;
  class ReportingWorker extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('error', (e) => {
        console.error(`Uncaught error in web worker ${String(args[0]).slice(0, 80)}: ${e.message || e.type}`);
      });
      this.addEventListener('messageerror', () => {
        console.error('web worker message could not be deserialized (messageerror)');
      });
    }
  }
  ReportingWorker.__e2eWrapped = true;
  globalThis.Worker = ReportingWorker;
}

/** Attaches error collection to a page. Returns the (live) array of error strings. */
export function collectErrors(page, errors = []) {
  page.on('pageerror', (err) => errors.push(`page error: ${err.stack || err.message || err}`));
  page.on('crash', () => errors.push('page crashed'));
  page.on('console', (msg) => {
    const text = msg.text();
    const where = msg.worker() ? `worker ${msg.worker().url().slice(0, 80)}` : 'page';
    if (msg.type() === 'error') {
      errors.push(`console.error (${where}): ${text}`);
    } else if (PANIC_PATTERNS.some((re) => re.test(text))) {
      errors.push(`panic (${where}): ${text}`);
    }
  });
  page.on('requestfailed', (req) => {
    if (IGNORED_URLS.some((re) => re.test(req.url()))) return;
    // A navigation away aborts pending requests; that is not a page error.
    const failure = req.failure()?.errorText || 'failed';
    if (/ERR_ABORTED/.test(failure)) return;
    errors.push(`request failed: ${req.method()} ${req.url()} (${failure})`);
  });
  page.on('response', (res) => {
    if (res.status() >= 400 && !IGNORED_URLS.some((re) => re.test(res.url()))) {
      errors.push(`HTTP ${res.status()}: ${res.request().method()} ${res.url()}`);
    }
  });
  return errors;
}

function safeName(name) {
  return String(name).replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 120) || 'page';
}

/** Saves a full-page PNG as test-results/<name>.png and returns its path. */
export async function screenshot(page, name) {
  await fsp.mkdir(RESULTS, { recursive: true });
  const file = path.join(RESULTS, `${safeName(name)}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/**
 * Starts the server over dist/ and one browser for a test file.
 * Returns { url, browser, newPage, withPage, screenshot, close }.
 */
export async function startHarness({ root = DIST, browserArgs = [] } = {}) {
  const server = await startServer(root);
  let browser;
  try {
    browser = await launchBrowser(browserArgs);
  } catch (err) {
    await server.close();
    throw err;
  }
  const open = new Set();

  /**
   * A page in a fresh context. Options:
   *  - userDataDir: launch a persistent chromium profile there instead (IndexedDB then
   *    survives closing this page and opening another one on the same directory);
   *  - contextOptions: passed to browser.newContext (viewport, locale, ...).
   * Returns { page, context, errors, close() }.
   */
  async function newPage({ userDataDir, contextOptions = {} } = {}) {
    const context = userDataDir
      ? await chromium.launchPersistentContext(userDataDir, {
          executablePath: CHROMIUM,
          headless: true,
          args: [...CHROMIUM_ARGS, ...browserArgs],
          ...contextOptions,
        })
      : await browser.newContext(contextOptions);
    context.setDefaultTimeout(DEFAULT_TIMEOUT);
    await context.addInitScript(reportWorkerErrors);
    const page = context.pages()[0] ?? (await context.newPage());
    const errors = collectErrors(page);
    const handle = {
      page,
      context,
      errors,
      close: async () => {
        open.delete(handle);
        await context.close().catch(() => {});
      },
    };
    open.add(handle);
    return handle;
  }

  /**
   * Runs `body(page, handle)` on a fresh page; screenshots test-results/FAILED-<test>.png
   * if it throws (unless options.screenshotOnFailure === false); then fails if any error
   * was collected (after options.settleMs, default 200 ms, so late worker errors are seen).
   * `t` is node:test's test context (for the name) or a string. Other options: newPage's.
   */
  async function withPage(t, body, options = {}) {
    const name = typeof t === 'string' ? t : t?.name || 'test';
    const handle = await newPage(options);
    try {
      try {
        await body(handle.page, handle);
        await handle.page.waitForTimeout(options.settleMs ?? 200);
      } catch (err) {
        if (options.screenshotOnFailure !== false) {
          await screenshot(handle.page, `FAILED-${name}`).catch(() => {});
        }
        if (handle.errors.length) {
          err.message += `\nerrors collected on the page:\n  ${handle.errors.join('\n  ')}`;
        }
        throw err;
      }
      assertNoErrors(handle.errors, name);
    } finally {
      await handle.close();
    }
  }

  async function close() {
    for (const h of [...open]) await h.close();
    await browser.close().catch(() => {});
    await server.close();
  }

  return { url: server.url, browser, server, newPage, withPage, screenshot, close };
}

/** Throws if `errors` is not empty. */
export function assertNoErrors(errors, name = 'page') {
  if (errors.length) {
    throw new Error(`${name}: ${errors.length} error(s) in the browser:\n  ${errors.join('\n  ')}`);
  }
}

/** A fresh temporary directory (e.g. a chromium user-data-dir). */
export async function tempDir(prefix = 'kafka-playground-e2e-') {
  return fsp.mkdtemp(path.join(os.tmpdir(), prefix));
}
