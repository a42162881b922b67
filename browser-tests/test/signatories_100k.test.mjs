// A site with 100,000 generated signatories: the first page stays small, the filters find and
// count the right names from the data files, and without JavaScript the list is paged.
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';

import { openPage, sharedBrowser, skipWithoutChromium, visit } from '../lib/browser.mjs';
import { readAll } from '../lib/files.mjs';
import {
  UNIQUE,
  countMatching,
  expectedLists,
  signatories,
  signatoriesYaml,
} from '../lib/generate.mjs';
import { copySite, once, oproepBin } from '../lib/oproep.mjs';
import { serve } from '../lib/server.mjs';
import { signingSettings } from '../lib/settings.mjs';

const COUNT = 100_000;
const PAGE_SIZE = 500; // names per page, and the most the filter shows
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;

// Outside CI this may run `cargo build --release`: done before any test's timer starts.
oproepBin();

describe(`${COUNT.toLocaleString('en')} signatories`, { timeout: 300_000 }, () => {
  const browser = sharedBrowser();
  // Tests that need Chromium: skipped without it outside CI, failing without it in CI.
  const BROWSER = { skip: skipWithoutChromium };
  let site, server, settings, list, expected;

  const setup = once(async () => {
    site = await copySite('oproep-100k-');
    settings = signingSettings(await site.read('site.yaml'));
    list = signatories(COUNT);
    expected = expectedLists(list);
    await site.write('signatories.yaml', signatoriesYaml(list));
    const ms = site.build();
    console.log(`build of ${list.length} signatories took ${(ms / 1000).toFixed(2)} s`);
    server = await serve(site.public);
  });

  after(async () => {
    await browser.close();
    await server?.close();
    await site?.cleanup();
  });

  test('the first page is under 200 KB', async (t) => {
    await setup();
    const { size } = await stat(join(site.public, 'ondertekenaars', 'index.html'));
    t.diagnostic(`ondertekenaars/index.html: ${size} bytes`);
    assert.ok(size < 200 * 1024, `ondertekenaars/index.html is ${size} bytes`);
  });

  test('no e-mail address but the signing address appears in public/', async () => {
    await setup();
    const files = await readAll(site.public);
    assert.ok(files.some(([f]) => f.startsWith('ondertekenaars/data/')), 'data files were built');
    for (const [file, text] of files) {
      for (const [match] of text.matchAll(EMAIL)) {
        assert.equal(match.toLowerCase(), settings.address.toLowerCase(), `${file} contains ${match}`);
      }
    }
  });

  test('with JavaScript: search and filters', BROWSER, async (t) => {
    await setup();
    const { context, page, foreign, errors } = await openPage(await browser.get(), server.origin);
    try {
      await visit(page, server.url('/ondertekenaars/'));
      const form = page.locator('#filter');
      await form.waitFor({ state: 'visible' });
      const status = page.locator('#filter-status');
      const results = page.locator('#filter-results');
      const staticList = page.locator('#static-list');
      const loading = await status.getAttribute('data-loading');
      const settled = () =>
        page.waitForFunction(
          (loadingText) => {
            const text = document.getElementById('filter-status').textContent;
            return text !== loadingText && /^\d+ /.test(text);
          },
          loading,
          { timeout: 30_000 },
        );
      const shownCount = async () => Number((await status.textContent()).match(/^(\d+) /)[1]);

      // Search: one unique name among 100,000.
      await page.locator('#filter-search').fill('Zzyzx');
      await settled();
      assert.equal(await shownCount(), 1, await status.textContent());
      assert.equal(await results.isVisible(), true);
      assert.equal(await staticList.isVisible(), false, 'the static list makes way for results');
      assert.equal(await results.locator('li').count(), 1);
      assert.equal(await results.locator('li .name').textContent(), UNIQUE.name);
      assert.match(await results.locator('li').textContent(), new RegExp(UNIQUE.place));
      assert.ok(server.requests.includes('/ondertekenaars/data/0.json'), 'the data was loaded');

      // Clearing the search brings the static list back.
      await page.locator('#filter-search').fill('');
      await page.waitForFunction(() => document.getElementById('filter-results').hidden);
      assert.equal(await staticList.isVisible(), true);
      assert.equal(await status.textContent(), '');

      // A category, then a place: the count narrows to exactly what the data holds.
      const inCategory = countMatching(list, { category: UNIQUE.category });
      const inBoth = countMatching(list, { category: UNIQUE.category, place: UNIQUE.place });
      assert.ok(inBoth > 0 && inBoth < inCategory, 'the generated data narrows');
      t.diagnostic(`expected: ${inCategory} in ${UNIQUE.category}, ${inBoth} also in ${UNIQUE.place}`);

      await page.locator('#filter-category').selectOption({ label: UNIQUE.category });
      await settled();
      assert.equal(await shownCount(), inCategory, await status.textContent());
      assert.equal(await results.locator('li').count(), Math.min(inCategory, PAGE_SIZE));

      await page.locator('#filter-place').selectOption({ label: UNIQUE.place });
      await settled();
      const text = await status.textContent();
      assert.equal(await shownCount(), inBoth, text);
      assert.ok(text.includes(String(inBoth)), text);
      assert.equal(await results.locator('li').count(), Math.min(inBoth, PAGE_SIZE));
      if (inBoth > PAGE_SIZE) assert.ok(text.includes(String(PAGE_SIZE)), `the cap is named: ${text}`);
      const places = await results.locator('li .place').allTextContents();
      assert.equal(places.length, Math.min(inBoth, PAGE_SIZE), 'every result shows its place');
      assert.ok(places.every((p) => p === UNIQUE.place), 'only that place is listed');

      // Search within the filters: the unique name is in both.
      await page.locator('#filter-search').fill('zzyzx testpersoon');
      await page.waitForFunction(() => /^1 /.test(document.getElementById('filter-status').textContent));
      assert.equal(await results.locator('li').count(), 1);

      assert.deepEqual(errors, [], 'no script errors');
      assert.deepEqual(foreign, [], 'nothing loaded from other hosts');
    } finally {
      await context.close();
    }
  });

  test('without JavaScript: the list is paged', BROWSER, async () => {
    await setup();
    const { context, page } = await openPage(await browser.get(), server.origin, {
      javaScriptEnabled: false,
    });
    try {
      await visit(page, server.url('/ondertekenaars/'));
      assert.equal(await page.locator('#filter').isVisible(), false, 'no filter form without JS');

      const count = (await page.locator('.count-number').first().textContent()).replace(/\D/g, '');
      assert.equal(Number(count), list.length, 'the count includes every signatory');

      const highlighted = await page.locator('.names-highlighted li .name').allTextContents();
      assert.deepEqual(highlighted, expected.highlighted.map((s) => s.name), 'highlighted first');
      const first = await page.locator('#static-list .names li .name').allTextContents();
      assert.deepEqual(first, expected.named.slice(0, PAGE_SIZE).map((s) => s.name), 'page 1');

      const pages = Math.ceil(expected.named.length / PAGE_SIZE);
      const links = page.locator('nav.pagination a');
      const linked = async () =>
        (await page.locator('nav.pagination a').allTextContents()).map((t) => Number(t.replace(/\D/g, '')));
      assert.ok(pages > 6, `enough pages to leave some out (${pages})`);
      assert.deepEqual(await linked(), [1, 2, 3, pages], 'the first pages and the last');
      assert.equal(await page.locator('nav.pagination .gap').count(), 1, 'a gap for the pages between');
      assert.equal(await links.nth(0).getAttribute('aria-current'), 'page');

      // Follow the link to page 2, as a reader would.
      await Promise.all([page.waitForURL('**/pagina/2/'), links.nth(1).click()]);
      assert.equal(new URL(page.url()).pathname, '/ondertekenaars/pagina/2/');
      const second = await page.locator('#static-list .names li .name').allTextContents();
      assert.deepEqual(second, expected.named.slice(PAGE_SIZE, 2 * PAGE_SIZE).map((s) => s.name), 'page 2');
      assert.equal(await page.locator('.names-highlighted').count(), 0, 'highlights only on page 1');
      assert.equal(await page.locator('nav.pagination a').nth(1).getAttribute('aria-current'), 'page');

      // The last page holds the rest, and is reached by its link.
      await Promise.all([page.waitForURL(`**/pagina/${pages}/`), links.last().click()]);
      assert.deepEqual(await linked(), [1, pages - 2, pages - 1, pages], 'the first page and the last ones');
      const last = await page.locator('#static-list .names li .name').allTextContents();
      assert.deepEqual(last, expected.named.slice((pages - 1) * PAGE_SIZE).map((s) => s.name), 'last page');
      const beyond = await page.goto(server.url(`/ondertekenaars/pagina/${pages + 1}/`));
      assert.equal(beyond.status(), 404, 'no page after the last');
    } finally {
      await context.close();
    }
  });
});
