// XSS: a corpus of payloads (lib/payloads.mjs) in every field that reaches the site — front
// matter, markdown bodies, site settings, people, signatories, signing mails — built with the
// real binary and opened in Chromium, once under the site's Content-Security-Policy and once
// with the CSP bypassed (so the escaping itself is what is tested). None may run; each must
// show as text.
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';

import { sharedBrowser, skipWithoutChromium } from '../lib/browser.mjs';
import { listFiles, urlPathOf } from '../lib/files.mjs';
import { copySite, once, oproep, oproepBin } from '../lib/oproep.mjs';
import { PAYLOADS, yamlString as q } from '../lib/payloads.mjs';
import { serve } from '../lib/server.mjs';

oproepBin();

const TEXT = PAYLOADS.filter((p) => p.kind !== 'md');
const URLS = PAYLOADS.filter((p) => p.kind === 'url');

/** Normalised text for comparison: whitespace runs (and U+2028/9) as one space. */
const norm = (s) => s.replace(/[\s\u2028\u2029]+/g, ' ').trim();

/**
 * Hands out the text payloads round-robin and records where each went:
 * `{ n, field, page, verbatim }` (page: the URL path that must show it as text, or null).
 */
function dealer() {
  let i = 0;
  const placed = [];
  return {
    placed,
    next(field, page, { verbatim = true, list = TEXT } = {}) {
      const p = list === TEXT ? TEXT[i++ % TEXT.length] : list[placed.filter((x) => x.list === list).length % list.length];
      placed.push({ n: p.n, marker: p.marker, text: p.text, field, page, verbatim, list });
      return p.text;
    },
  };
}

/** Replaces a front matter line `key: ...` (top level) with `key: value`. */
function setKey(text, key, value) {
  const re = new RegExp(`^${key}:.*$`, 'm');
  assert.match(text, re, `front matter has ${key}`);
  return text.replace(re, () => `${key}: ${value}`);
}

const b64 = (s) => Buffer.from(s, 'utf8').toString('base64');
const encodedWord = (s) => `=?UTF-8?B?${b64(s)}?=`;

describe('XSS payloads in every field', { timeout: 600_000 }, () => {
  const browser = sharedBrowser();
  let site, server, deal, htmlPages, importReport, refused = [];

  const setup = once(async () => {
    site = await copySite('oproep-xss-');
    deal = dealer();
    const d = deal;

    // Examples: three, every front matter field.
    for (const slug of ['zwemles-hilversum', 'ru-pate-community', 'ouders-van-betekenis']) {
      const page = `/voorbeelden/${slug}/`;
      let md = await site.read(`voorbeelden/${slug}.md`);
      const [, front, body] = md.match(/^---\n([\s\S]*?)\n---\n([\s\S]*)$/);
      const keep = front
        .split('\n')
        .filter((l) => /^(actors|calls|date|order):/.test(l));
      const fm = [
        `title: ${q(d.next(`example ${slug} title`, page))}`,
        `description: ${q(d.next(`example ${slug} description`, '/voorbeelden/'))}`,
        `place: ${q(d.next(`example ${slug} place`, page))}`,
        `organisation: ${q(d.next(`example ${slug} organisation`, page))}`,
        ...keep,
        `themes: [${q(d.next(`example ${slug} themes[0]`, page))}, ${q(d.next(`example ${slug} themes[1]`, page))}]`,
        'source:',
        `  title: ${q(d.next(`example ${slug} source.title`, page))}`,
        `  url: ${q(d.next(`example ${slug} source.url`, null, { list: URLS }))}`,
      ];
      md = `---\n${fm.join('\n')}\n---\n${body}`;
      await site.write(`voorbeelden/${slug}.md`, md);
    }

    // Markdown bodies: every payload raw, and the URL ones as link targets, in an example
    // and in a page.
    const mdBody =
      PAYLOADS.map((p) => `${p.marker}: ${p.text}`).join('\n\n') +
      '\n\n' +
      URLS.map((p) => `[${p.marker} link](${p.text.trim()})`).join('\n\n') +
      '\n';
    for (const [file, page] of [
      ['voorbeelden/mariahoeve-den-haag.md', '/voorbeelden/mariahoeve-den-haag/'],
      ['over.md', '/over/'],
    ]) {
      const md = await site.read(file);
      const [, front] = md.match(/^(---\n[\s\S]*?\n---\n)/);
      await site.write(file, front + mdBody);
      for (const p of PAYLOADS) {
        deal.placed.push({ n: p.n, marker: p.marker, text: p.text, field: `markdown body ${file}`, page, verbatim: false });
      }
    }

    // Actors: title, description, recommendations, recipient.
    for (const slug of ['rijk', 'gemeenten', 'opleidingen']) {
      const page = `/actoren/${slug}/`;
      const md = await site.read(`actoren/${slug}.md`);
      const [, front, body] = md.match(/^---\n([\s\S]*?)\n---\n([\s\S]*)$/);
      const keep = front.split('\n').filter((l) => /^order:/.test(l));
      const fm = [
        `title: ${q(d.next(`actor ${slug} title`, page))}`,
        ...keep,
        `description: ${q(d.next(`actor ${slug} description`, page))}`,
        `recipient: ${q(d.next(`actor ${slug} recipient`, page))}`,
        'recommendations:',
        `  - ${q(d.next(`actor ${slug} recommendations[0]`, page, { verbatim: false }))}`,
        `  - ${q(d.next(`actor ${slug} recommendations[1]`, page, { verbatim: false }))}`,
      ];
      await site.write(`actoren/${slug}.md`, `---\n${fm.join('\n')}\n---\n${body}`);
    }

    // News: title and description.
    for (const slug of ['2020-06-19-eerste-versie', '2020-12-21-definitieve-versie']) {
      const page = `/nieuws/${slug}/`;
      let md = await site.read(`nieuws/${slug}.md`);
      md = setKey(md, 'title', q(d.next(`news ${slug} title`, page)));
      md = setKey(md, 'description', q(d.next(`news ${slug} description`, '/nieuws/')));
      await site.write(`nieuws/${slug}.md`, md);
    }

    // The appeal's calls: title and text.
    {
      let md = await site.read('oproep/2020-12-21.md');
      let k = 0;
      md = md.replace(/^( {4}(title|text): ).*$/gm, (_, lead, key) => {
        const call = Math.floor(k++ / 2);
        return lead + q(d.next(`appeal call ${call} ${key}`, key === 'title' ? '*' : '/oproep/'));
      });
      await site.write('oproep/2020-12-21.md', md);
    }

    // Site settings: title, description, signing subject and body.
    {
      let yaml = await site.read('site.yaml');
      yaml = setKey(yaml, 'title', q(d.next('site.yaml title', '/')));
      yaml = setKey(yaml, 'description', q(d.next('site.yaml description', null)));
      yaml = yaml.replace(/^ {2}subject:.*$/m, () => `  subject: ${q(d.next('site.yaml signing.subject', null))}`);
      const body =
        `Hierbij onderteken ik ${d.next('site.yaml signing.body (text)', null)}\n\n` +
        'Naam:\nFunctie:\nOrganisatie:\nPlaats:\n' +
        `Opmerking ${d.next('site.yaml signing.body (field label)', null)}:\n` +
        'Mijn naam mag op de website (ja/nee):\n';
      yaml = yaml.replace(/^ {2}body: \|\n(?: {4}.*\n|\n)*/m, () => `  body: ${q(body)}\n`);
      await site.write('site.yaml', yaml);
    }

    // People: names and roles.
    {
      let yaml = await site.read('people.yaml');
      yaml = yaml.replace(/^( {2}- name: | {4}role: ).*$/gm, (_, lead) =>
        lead + q(d.next(`people.yaml ${lead.includes('name') ? 'name' : 'role'}`, '/over/')),
      );
      await site.write('people.yaml', yaml);
    }

    // Signatories: name, function, organisation, place, category.
    {
      const out = ['signatories:'];
      for (let i = 0; i < 6; i++) {
        const page = '/ondertekenaars/';
        out.push(`- name: ${q(d.next(`signatories.yaml[${i}] name`, page))}`);
        out.push(`  function: ${q(d.next(`signatories.yaml[${i}] function`, page))}`);
        out.push(`  organisation: ${q(d.next(`signatories.yaml[${i}] organisation`, page))}`);
        out.push(`  place: ${q(d.next(`signatories.yaml[${i}] place`, page))}`);
        out.push('  date: 2021-01-0' + (i + 1));
        out.push(`  category: ${q(d.next(`signatories.yaml[${i}] category`, page))}`);
        out.push('  publish: true');
      }
      await site.write('signatories.yaml', out.join('\n') + '\n');
    }

    // Signing mails: From display name, Subject, and the body's fields.
    {
      const mails = join(site.root, 'mails');
      await mkdir(mails);
      for (let i = 0; i < 4; i++) {
        const page = '/ondertekenaars/';
        const withName = true; // without a Naam: line the import rejects the mail (clear message)
        const from = d.next(`mail ${i} From display name`, withName ? null : page);
        const subject = d.next(`mail ${i} Subject`, null);
        const naam = withName ? d.next(`mail ${i} Naam`, page) : '';
        const lines = [
          `From: ${encodedWord(from)} <xss${i}@example.net>`,
          'To: oproep@example.org',
          `Subject: ${encodedWord('Ik onderteken de oproep ' + subject)}`,
          `Date: Mon, 3 Mar 2025 09:1${i}:22 +0100`,
          `Message-ID: <xss-${i}@example.net>`,
          'MIME-Version: 1.0',
          'Content-Type: text/plain; charset=UTF-8',
          'Content-Transfer-Encoding: 8bit',
          '',
          'Ik onderteken de oproep.',
          '',
          `Naam: ${naam}`,
          `Functie: ${d.next(`mail ${i} Functie`, page)}`,
          `Organisatie: ${d.next(`mail ${i} Organisatie`, page)}`,
          `Plaats: ${d.next(`mail ${i} Plaats`, page)}`,
          'Mijn naam mag op de website (ja/nee): ja',
          '',
        ];
        await writeFile(join(mails, `xss-${i}.eml`), lines.join('\r\n'));
      }
      importReport = oproep(['sign', 'import', mails, '--root', site.root]);
    }

    site.build();
    htmlPages = (await listFiles(site.public)).filter((f) => f.endsWith('.html'));
    server = await serve(site.public);
  });

  after(async () => {
    await browser.close();
    await server?.close();
    await site?.cleanup();
  });

  /** A context like lib/browser.mjs's openPage, plus the sink, optionally without CSP. */
  async function open(bypassCSP) {
    const context = await (await browser.get()).newContext({ bypassCSP, serviceWorkers: 'block' });
    context.setDefaultTimeout(15_000);
    context.setDefaultNavigationTimeout(20_000);
    const foreign = [];
    await context.route(
      (url) => url.origin !== server.origin && url.protocol !== 'data:',
      (route) => {
        foreign.push(route.request().url());
        return route.abort();
      },
    );
    await context.addInitScript(() => {
      window.__xss = (n) => {
        (window.__fired ||= []).push(n);
      };
    });
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('dialog', (dialog) => dialog.dismiss());
    return { context, page, foreign, errors };
  }

  /** What a page holds that it must not, and its text. */
  const inspect = (page) =>
    page.evaluate(() => {
      const dangerous = ['href', 'src', 'action', 'formaction', 'srcdoc', 'data', 'xlink:href', 'style', 'poster', 'background'];
      const onAttrs = [];
      const badAttrs = [];
      for (const el of document.querySelectorAll('*')) {
        for (const name of el.getAttributeNames()) {
          if (name.toLowerCase().startsWith('on')) onAttrs.push(`<${el.localName} ${name}="${el.getAttribute(name)}">`);
          const value = el.getAttribute(name) ?? '';
          let scheme = '';
          try {
            const url = new URL(value.trim(), location.href);
            scheme = /^(javascript|data|vbscript):$/.test(url.protocol) || /xss\.invalid/.test(url.host) ? url.protocol : '';
          } catch {}
          if (
            dangerous.includes(name.toLowerCase()) &&
            /__xss|xss\.invalid/i.test(value) &&
            (name.toLowerCase() === 'style' || name.toLowerCase() === 'srcdoc' || scheme !== '')
          ) {
            badAttrs.push(`<${el.localName} ${name}="${value}">`);
          }
        }
      }
      const injected = [...document.querySelectorAll('iframe, object, embed, base, meta[http-equiv="refresh" i], body script:not([src]), form[action^="javascript" i], math, marquee, video')]
        .map((el) => el.outerHTML.slice(0, 120));
      return {
        fired: window.__fired ?? [],
        jsLinks: [...document.querySelectorAll('a[href^="javascript:" i]')].map((a) => a.getAttribute('href')),
        onAttrs,
        badAttrs,
        injected,
        text: document.body?.innerText ?? '',
        textContent: document.documentElement.textContent ?? '',
        href: location.href,
      };
    });

  const visited = new Set();
  const textOf = new Map(); // path -> innerText + textContent (normal context)

  async function check(mode, path, page, problems, { foreign, at = path }) {
    await page.waitForTimeout(150); // onload/onbegin/ontoggle/autofocus handlers get their turn
    const r = await inspect(page);
    // Follow any javascript: link, should one exist.
    for (const href of r.jsLinks) {
      await page.locator(`a[href="${href.replace(/"/g, '\\"')}"]`).first().click({ timeout: 2000 }).catch(() => {});
    }
    const fired = r.jsLinks.length ? await page.evaluate(() => window.__fired ?? []) : r.fired;
    const where = `${mode} ${path}`;
    if (fired.length) problems.push(`${where}: payload(s) ran: ${[...new Set(fired)].join(', ')}`);
    if (r.jsLinks.length) problems.push(`${where}: javascript: links: ${r.jsLinks.join(' | ')}`);
    if (r.onAttrs.length) problems.push(`${where}: on* attributes: ${r.onAttrs.join(' | ')}`);
    if (r.badAttrs.length) problems.push(`${where}: payload in URL/style attributes: ${r.badAttrs.join(' | ')}`);
    if (r.injected.length) problems.push(`${where}: injected elements: ${r.injected.join(' | ')}`);
    if (new URL(r.href).pathname !== new URL(server.url(at)).pathname) {
      problems.push(`${where}: navigated away to ${r.href}`);
    }
    if (foreign.length) problems.push(`${where}: requests to other origins: ${foreign.splice(0).join(' | ')}`);
    visited.add(path);
    return r;
  }

  for (const bypassCSP of [false, true]) {
    const mode = bypassCSP ? 'bypassCSP' : 'CSP';
    test(`no payload runs on any page (${mode})`, { skip: skipWithoutChromium }, async () => {
      await setup();
      const { context, page, foreign, errors } = await open(bypassCSP);
      const problems = [];
      try {
        for (const file of htmlPages) {
          const path = urlPathOf(file);
          const response = await page.goto(server.url(path), { waitUntil: 'load' });
          assert.ok(response, `${path}: no response`);
          const r = await check(mode, path, page, problems, { foreign });
          if (!bypassCSP) textOf.set(path, norm(r.text) + '\n' + norm(r.textContent));
        }
        // The signatories filter: rows loaded from JSON.
        await page.goto(server.url('/ondertekenaars/'), { waitUntil: 'load' });
        await page.locator('#filter-search').fill('XSS');
        await page.waitForTimeout(800);
        let r = await check(mode, '/ondertekenaars/ (filter "XSS")', page, problems, { foreign, at: '/ondertekenaars/' });
        const rows = norm(r.text);
        for (const p of deal.placed.filter((x) => x.page === '/ondertekenaars/')) {
          if (!rows.includes(p.marker)) problems.push(`${mode} signatories filter: ${p.marker} (${p.field}) not shown as text`);
        }
        // The search page.
        await page.goto(server.url('/zoeken/?q=XSS'), { waitUntil: 'load' });
        await page.waitForTimeout(800);
        r = await check(mode, '/zoeken/?q=XSS', page, problems, { foreign, at: '/zoeken/' });
        if (!/XSS-\d{3}/.test(r.text)) problems.push(`${mode} /zoeken/?q=XSS: no result shows a marker`);
        // The signing form, every text input filled with a payload.
        await page.goto(server.url('/onderteken/'), { waitUntil: 'load' });
        const inputs = page.locator('#sign-form input[type="text"], #sign-form textarea');
        const count = await inputs.count();
        for (let i = 0; i < count; i++) await inputs.nth(i).fill(TEXT[i % TEXT.length].text);
        await check(mode, '/onderteken/ (form filled)', page, problems, { foreign, at: '/onderteken/' });
      } finally {
        await context.close();
      }
      console.log(
        `[xss ${mode}] payloads: ${PAYLOADS.length}, placements: ${deal.placed.length}, ` +
          `fields: ${new Set(deal.placed.map((p) => p.field)).size}, pages visited: ${visited.size}, ` +
          `script errors: ${errors.length}${errors.length ? ' (' + [...new Set(errors)].slice(0, 5).join(' | ') + ')' : ''}`,
      );
      assert.deepEqual(problems, [], problems.join('\n'));
    });
  }

  test('every payload is used, and each shows as text where it belongs', { skip: skipWithoutChromium }, async () => {
    await setup();
    assert.ok(PAYLOADS.length >= 50, `${PAYLOADS.length} payloads`);
    assert.equal(new Set(PAYLOADS.map((p) => p.text)).size, PAYLOADS.length, 'payloads are distinct');
    for (const p of PAYLOADS) {
      assert.ok(p.text.includes(`xss(${p.n})`) || p.text.includes('base64'), `payload ${p.n} calls __xss(${p.n})`);
      assert.ok(deal.placed.some((x) => x.n === p.n), `payload ${p.n} is placed somewhere`);
      const fields = deal.placed.filter((x) => x.n === p.n && !x.field.startsWith('markdown'));
      if (p.kind !== 'md') assert.ok(fields.length > 0, `payload ${p.n} is in a field outside markdown`);
    }
    if (textOf.size === 0) {
      // Run on its own: read the pages here.
      const { context, page } = await open(false);
      try {
        for (const file of htmlPages) {
          const path = urlPathOf(file);
          await page.goto(server.url(path), { waitUntil: 'load' });
          const r = await inspect(page);
          textOf.set(path, norm(r.text) + '\n' + norm(r.textContent));
        }
      } finally {
        await context.close();
      }
    }
    const missing = [];
    const altered = [];
    for (const x of deal.placed) {
      if (!x.page || x.page === '/ondertekenaars/') continue; // signatories: checked in the filter
      const text = x.page === '*' ? [...textOf.values()].join('\n') : textOf.get(x.page);
      if (text === undefined) {
        missing.push(`${x.field}: page ${x.page} was not built`);
        continue;
      }
      if (!text.includes(x.marker)) missing.push(`${x.marker} (${x.field}) not shown as text on ${x.page}`);
      else if (x.verbatim && !text.includes(norm(x.text))) altered.push(`${x.marker} (${x.field}) on ${x.page} is not verbatim: ${JSON.stringify(x.text)}`);
    }
    console.log(
      `[xss text] placements checked: ${deal.placed.filter((x) => x.page).length}, ` +
        `markers missing: ${missing.length}, not verbatim: ${altered.length}\n` +
        `[xss import] ${(importReport.stdout + importReport.stderr).trim().replace(/\n+/g, " / ")}` +
        (refused.length ? `\n[xss refused] ${refused.join('\n')}` : ''),
    );
    assert.deepEqual([...missing, ...altered], [], [...missing, ...altered].join('\n'));
  });
});
