// Signing by e-mail on the repository's own site: the form on /onderteken/ fills in the
// mailto: link, and without JavaScript every "Onderteken" link is the plain template.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';

import { openPage, sharedBrowser, skipWithoutChromium, visit } from '../lib/browser.mjs';
import { listFiles, urlPathOf } from '../lib/files.mjs';
import { assertOnlyCrlf, crlf, parseMailto } from '../lib/mailto.mjs';
import { copySite, once, oproepBin } from '../lib/oproep.mjs';
import { serve } from '../lib/server.mjs';
import { signingSettings } from '../lib/settings.mjs';

const NAME = "Zoë d'Aubigné & Co <b>";
const PLACE = 'Den Haag';
// Values for the other fields, with every character that must be encoded in a query value.
const OTHER = {
  'Functie:': 'opbouwwerker 50% & co?',
  'Organisatie:': 'Stichting A+B #1 = "ok"; zie/ook',
};

/** The template's lines the form asks for: lines ending in ':' (the brief's rule). */
function fieldLines(body) {
  return body
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l.endsWith(':') && l.length > 1);
}
const isConsent = (line) => /ja\/nee|yes\/no/i.test(line);

function valueFor(line, i) {
  if (line === 'Naam:') return NAME;
  if (line === 'Plaats:') return PLACE;
  return OTHER[line] ?? `waarde ${i} & meer`;
}

/** The settings' body with `line` completed by `value` for every pair in `filled`. */
function completed(body, filled) {
  return body
    .split('\n')
    .map((l) => (filled.has(l) ? `${l} ${filled.get(l)}` : l))
    .join('\n');
}

// Outside CI this may run `cargo build --release`: done before any test's timer starts.
oproepBin();

describe('signing', { timeout: 180_000 }, () => {
  const browser = sharedBrowser();
  // Tests that need Chromium: skipped without it outside CI, failing without it in CI.
  const BROWSER = { skip: skipWithoutChromium };
  let site, server, settings;

  const setup = once(async () => {
    site = await copySite('oproep-signing-');
    settings = signingSettings(await site.read('site.yaml'));
    assert.equal(settings.hide_address, false, 'the repository site shows its address');
    site.build();
    server = await serve(site.public);
  });

  after(async () => {
    await browser.close();
    await server?.close();
    await site?.cleanup();
  });

  test('the form fills in the mailto: link (RFC 6068)', BROWSER, async () => {
    await setup();
    const { context, page, foreign, errors } = await openPage(await browser.get(), server.origin);
    try {
      await visit(page, server.url('/onderteken/'));
      const form = page.locator('#sign-form');
      await form.waitFor({ state: 'visible' });

      // One field per template line ending in ':'; the consent line is a yes/no radio pair.
      const lines = fieldLines(settings.body);
      assert.ok(lines.length >= 2, 'the settings ask for at least a name and consent');
      const inputs = await page.$$eval('#sign-form [data-line]', (els) =>
        els.map((e) => ({ type: e.type, line: e.dataset.line, value: e.value })),
      );
      const textLines = inputs.filter((i) => i.type === 'text').map((i) => i.line);
      assert.deepEqual(textLines, lines.filter((l) => !isConsent(l)), 'one text field per line');
      const consent = lines.find(isConsent);
      assert.ok(consent, 'the template has a consent line');
      const radios = inputs.filter((i) => i.type === 'radio');
      assert.deepEqual(
        radios.map((r) => [r.line, r.value]),
        [
          [consent, 'ja'],
          [consent, 'nee'],
        ],
        'the consent line is a ja/nee pair',
      );

      // The untouched form leaves the template as it is.
      const untouched = parseMailto(await page.locator('#sign-link').getAttribute('href'));
      assert.equal(untouched.fields.body, crlf(settings.body));

      const filled = new Map();
      const textFields = page.locator('#sign-form input[type="text"][data-line]');
      for (let i = 0; i < textLines.length; i++) {
        const value = valueFor(textLines[i], i);
        // Typed key by key, as a person would: every keystroke updates the link.
        await textFields.nth(i).pressSequentially(value, { delay: 0 });
        filled.set(textLines[i], value);
      }
      await page.locator('#sign-form input[type="radio"][value="ja"]').check();
      filled.set(consent, 'ja');

      const href = await page.locator('#sign-link').getAttribute('href');
      const link = parseMailto(href);
      assert.deepEqual(Object.keys(link.fields).sort(), ['body', 'subject']);
      assert.equal(link.to, settings.address);
      assert.equal(link.fields.subject, settings.subject);
      assertOnlyCrlf(link.fields.body);
      assert.equal(link.fields.body, crlf(completed(settings.body, filled)));
      assert.ok(link.fields.body.includes(`\r\nNaam: ${NAME}\r\n`), 'the name line reads back');
      assert.ok(link.fields.body.includes(`\r\nPlaats: ${PLACE}\r\n`), 'the place line reads back');

      // Changing the answer and clearing a field update the link again.
      await page.locator('#sign-form input[type="radio"][value="nee"]').check();
      await textFields.nth(textLines.indexOf('Naam:')).fill('');
      filled.set(consent, 'nee');
      filled.delete('Naam:');
      const changed = parseMailto(await page.locator('#sign-link').getAttribute('href'));
      assert.equal(changed.fields.body, crlf(completed(settings.body, filled)));

      assert.deepEqual(errors, [], 'no script errors');
      assert.deepEqual(foreign, [], 'nothing loaded from other hosts');
    } finally {
      await context.close();
    }
  });

  test('without JavaScript: no form, and every Onderteken link is the plain template', BROWSER, async () => {
    await setup();
    const { context, page, foreign } = await openPage(await browser.get(), server.origin, {
      javaScriptEnabled: false,
    });
    try {
      await visit(page, server.url('/onderteken/'));
      assert.equal(await page.locator('#sign-form').count(), 1, 'the form is in the page');
      assert.equal(await page.locator('#sign-form').isVisible(), false, 'but hidden without JS');
      const link = parseMailto(await page.locator('#sign-link').getAttribute('href'));
      assert.equal(link.to, settings.address);
      assert.deepEqual(link.fields, { subject: settings.subject, body: crlf(settings.body) });

      // Every page of the site carries at least one such link.
      const pages = (await listFiles(site.public)).filter((f) => f.endsWith('.html'));
      assert.ok(pages.length >= 10, `only ${pages.length} pages built`);
      for (const file of pages) {
        const path = file === '404.html' ? '/404.html' : urlPathOf(file);
        await visit(page, server.url(path), { waitUntil: 'domcontentloaded' });
        const hrefs = await page.$$eval('a[data-sign]', (as) => as.map((a) => a.getAttribute('href')));
        assert.ok(hrefs.length >= 1, `${path} has no a[data-sign]`);
        for (const href of hrefs) {
          const parsed = parseMailto(href);
          assert.equal(parsed.to, settings.address, path);
          assert.deepEqual(
            parsed.fields,
            { subject: settings.subject, body: crlf(settings.body) },
            `${path}: ${href}`,
          );
        }
      }
      assert.deepEqual(foreign, [], 'nothing loaded from other hosts');
    } finally {
      await context.close();
    }
  });
});
