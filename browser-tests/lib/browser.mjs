// The system Chromium, driven by playwright-core. No browser is ever downloaded.
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';

/** Debian's package `chromium`; `CHROMIUM_BIN` points elsewhere if needed. */
export const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const MISSING =
  `Chromium not found at ${CHROMIUM}: install it with \`apt-get install -y chromium\` ` +
  '(or point CHROMIUM_BIN at a Chromium)';

/**
 * The `skip` option for browser tests: outside CI a missing Chromium skips them with a clear
 * message; in CI (env CI set) they run and fail in `launch()` with that message.
 */
export const skipWithoutChromium =
  existsSync(CHROMIUM) || process.env.CI ? false : `${MISSING}; skipped because CI is not set`;

/**
 * Starts Chromium headless. Playwright gives every launch a fresh, empty user data dir of its
 * own (and removes it on close), so no profile state carries over between runs.
 */
export async function launch() {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${MISSING}. The browser tests need it${process.env.CI ? ' in CI' : ''}.`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    timeout: 60_000,
  });
}

/**
 * A fresh context and page for `origin`. Requests to any other origin are aborted and
 * recorded in `foreign` (the site must load nothing from elsewhere), uncaught script errors
 * are recorded in `errors`.
 */
export async function openPage(browser, origin, { javaScriptEnabled = true } = {}) {
  const context = await browser.newContext({ javaScriptEnabled, serviceWorkers: 'block' });
  context.setDefaultTimeout(15_000);
  context.setDefaultNavigationTimeout(20_000);
  const foreign = [];
  await context.route(
    (url) => url.origin !== origin && url.protocol !== 'data:',
    (route) => {
      foreign.push(route.request().url());
      return route.abort();
    },
  );
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  return { context, page, foreign, errors };
}

/** Loads `url` and insists on HTTP 200. */
export async function visit(page, url, { waitUntil = 'load' } = {}) {
  const response = await page.goto(url, { waitUntil });
  if (!response || response.status() !== 200) {
    throw new Error(`${url} answered ${response ? response.status() : 'nothing'}`);
  }
  return response;
}

/** One browser for a test file, started by the first test that needs it. */
export function sharedBrowser() {
  let started = null;
  return {
    get: () => (started ??= launch()),
    async close() {
      if (!started) return;
      const browser = await started.catch(() => null);
      await browser?.close();
    },
  };
}
