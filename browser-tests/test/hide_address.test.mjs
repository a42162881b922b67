// `hide_address: true`: the signing address is in no file of the built site, and the script
// puts it back into the links in the browser.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';

import { openPage, sharedBrowser, skipWithoutChromium, visit } from '../lib/browser.mjs';
import { decodeEntities, readAll } from '../lib/files.mjs';
import { assertOnlyCrlf, crlf, parseMailto } from '../lib/mailto.mjs';
import { copySite, once, oproepBin } from '../lib/oproep.mjs';
import { serve } from '../lib/server.mjs';
import { signingSettings, withHideAddress } from '../lib/settings.mjs';

// Outside CI this may run `cargo build --release`: done before any test's timer starts.
oproepBin();

describe('hide_address', { timeout: 180_000 }, () => {
  const browser = sharedBrowser();
  // Tests that need Chromium: skipped without it outside CI, failing without it in CI.
  const BROWSER = { skip: skipWithoutChromium };
  let site, server, settings;

  const setup = once(async () => {
    site = await copySite('oproep-hide-');
    await site.write('site.yaml', withHideAddress(await site.read('site.yaml'), true));
    settings = signingSettings(await site.read('site.yaml'));
    assert.equal(settings.hide_address, true);
    site.build();
    server = await serve(site.public);
  });

  after(async () => {
    await browser.close();
    await server?.close();
    await site?.cleanup();
  });

  test('the address occurs in no file of public/', async () => {
    await setup();
    const address = settings.address;
    const forms = [
      address,
      address.replace('@', '%40'),
      encodeURIComponent(address),
      `mailto:${address.split('@')[0]}`,
    ];
    const files = await readAll(site.public);
    assert.ok(files.length >= 10, `only ${files.length} files built`);
    const lower = (s) => s.toLowerCase();
    for (const [file, text] of files) {
      for (const form of forms) {
        assert.ok(!lower(text).includes(lower(form)), `${file} contains ${form}`);
      }
      // Also not with the @ or any other character written as an HTML character reference.
      assert.ok(
        !lower(decodeEntities(text)).includes(lower(address)),
        `${file} contains the address as character references`,
      );
    }
  });

  test('with JavaScript the links carry the address again', BROWSER, async () => {
    await setup();
    const { context, page, foreign, errors } = await openPage(await browser.get(), server.origin);
    try {
      await visit(page, server.url('/'));
      const header = page.locator('header a[data-sign]');
      await header.waitFor();
      // The script runs after parsing (defer); wait until it has rewritten the link.
      await page.waitForFunction(() =>
        document.querySelector('header a[data-sign]').getAttribute('href').startsWith('mailto:'),
      );
      const headerHref = await header.getAttribute('href');
      assert.ok(headerHref.startsWith(`mailto:${settings.address}`), headerHref);
      for (const href of await page.$$eval('a[data-sign]', (as) => as.map((a) => a.getAttribute('href')))) {
        const link = parseMailto(href);
        assert.equal(link.to, settings.address);
        assert.deepEqual(link.fields, { subject: settings.subject, body: crlf(settings.body) });
      }

      // On the signing page: the withdraw link and the form work with the hidden address.
      await visit(page, server.url('/onderteken/'));
      await page.locator('#sign-form').waitFor({ state: 'visible' });
      const withdraw = parseMailto(await page.locator('a[data-withdraw]').getAttribute('href'));
      assert.equal(withdraw.to, settings.address);
      assert.ok(withdraw.fields.subject, 'the withdraw link has a subject');
      await page.locator('#sign-form input[type="text"][data-line="Naam:"]').fill('Jan de Vries');
      const signed = parseMailto(await page.locator('#sign-link').getAttribute('href'));
      assert.equal(signed.to, settings.address);
      assertOnlyCrlf(signed.fields.body);
      assert.equal(
        signed.fields.body,
        crlf(settings.body.replace(/^Naam:$/m, 'Naam: Jan de Vries')),
      );
      assert.deepEqual(errors, [], 'no script errors');
      assert.deepEqual(foreign, [], 'nothing loaded from other hosts');
    } finally {
      await context.close();
    }
  });

  test('without JavaScript the links lead to the page that spells the address out', BROWSER, async () => {
    await setup();
    const { context, page } = await openPage(await browser.get(), server.origin, {
      javaScriptEnabled: false,
    });
    try {
      await visit(page, server.url('/'));
      const hrefs = await page.$$eval('a[data-sign]', (as) => as.map((a) => a.href));
      assert.ok(hrefs.length >= 1, 'the home page has Onderteken links');
      for (const href of hrefs) {
        const url = new URL(href);
        assert.equal(url.origin, server.origin, href);
        assert.equal(url.pathname, '/onderteken/', href);
        assert.equal(url.hash, '#adres', href);
      }
      await visit(page, server.url('/onderteken/'));
      assert.equal(await page.locator('#adres').count(), 1, 'the anchor the links point to exists');
      const spelled = (await page.locator('.address').innerText()).trim();
      assert.ok(spelled.length > 0, 'the address is spelled out');
      assert.ok(!spelled.includes('@'), `spelled out without @: ${spelled}`);
      // The spelled-out form still names the parts of the address, in order.
      const parts = settings.address.split(/[@.]/);
      let at = 0;
      for (const part of parts) {
        const found = spelled.indexOf(part, at);
        assert.ok(found >= at, `"${part}" missing from "${spelled}"`);
        at = found + part.length;
      }
    } finally {
      await context.close();
    }
  });
});
