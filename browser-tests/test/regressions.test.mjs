// Regressions: bugs this suite found, now fixed. Each test states the behaviour that must hold.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';

import { openPage, sharedBrowser, skipWithoutChromium, visit } from '../lib/browser.mjs';
import { parseMailto } from '../lib/mailto.mjs';
import { copySite, once, oproepBin } from '../lib/oproep.mjs';
import { serve } from '../lib/server.mjs';

oproepBin();

const signatory = (name, category, place) =>
  `- name: "${name}"\n  place: "${place}"\n  date: 2021-01-01\n` +
  `  category: "${category}"\n  publish: true\n`;

describe('regressions', { timeout: 120_000 }, () => {
  const browser = sharedBrowser();
  let site, server;

  const setup = once(async () => {
    site = await copySite('oproep-known-');
    // A template line with a trailing space, as an editor easily leaves one.
    const yaml = await site.read('site.yaml');
    assert.match(yaml, /\n {4}Naam:\n/, 'the settings have a "Naam:" line to change');
    await site.write('site.yaml', yaml.replace(/\n {4}Naam:\n/, '\n    Naam: \n'));
    // One category and one place, spelled in different case and with spaces around.
    await site.write(
      'signatories.yaml',
      'signatories:\n' +
        signatory('Een', 'Organisatie', 'Zwolle') +
        signatory('Twee', 'Organisatie', 'Zwolle') +
        signatory('Drie', 'organisatie', 'zwolle') +
        signatory('Vier', 'Organisatie ', ' Zwolle'),
    );
    site.build();
    server = await serve(site.public);
  });

  after(async () => {
    await browser.close();
    await server?.close();
    await site?.cleanup();
  });

  test(
    'a template line with a trailing space is still completed by the form',
    {
      skip: skipWithoutChromium,
    },
    async () => {
      await setup();
      const { context, page } = await openPage(await browser.get(), server.origin);
      try {
        await visit(page, server.url('/onderteken/'));
        await page.locator('#sign-form input[type="text"]').first().fill('Jan');
        const link = parseMailto(await page.locator('#sign-link').getAttribute('href'));
        assert.match(link.fields.body, /\r\nNaam:\s*Jan\s*\r\n/);
      } finally {
        await context.close();
      }
    },
  );

  test(
    'the category and place filters find what the counts on the page count',
    {
      skip: skipWithoutChromium,
    },
    async () => {
      await setup();
      const { context, page } = await openPage(await browser.get(), server.origin);
      try {
        await visit(page, server.url('/ondertekenaars/'));
        // The page merges the spellings: one category and one place, 4 each.
        const options = (select) => page.locator(`${select} option`).allTextContents();
        assert.deepEqual(await options('#filter-category'), ['Alle', 'Organisatie']);
        assert.deepEqual(await options('#filter-place'), ['Alle', 'Zwolle']);
        const status = page.locator('#filter-status');
        const settled = () =>
          page.waitForFunction(() => /^\d+ /.test(document.getElementById('filter-status').textContent));
        await page.locator('#filter-category').selectOption({ label: 'Organisatie' });
        await settled();
        const byCategory = await status.textContent();
        await page.locator('#filter-category').selectOption({ index: 0 });
        await page.locator('#filter-place').selectOption({ label: 'Zwolle' });
        await settled();
        const byPlace = await status.textContent();
        assert.deepEqual([byCategory, byPlace].map((s) => s.match(/^\d+/)[0]), ['4', '4']);
      } finally {
        await context.close();
      }
    },
  );
});
