// Finding things on the repository's site: search finds a word from an example's body, the
// example filters count what the content files hold (with and without JavaScript), and the
// share links carry the page's canonical URL.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';

import { openPage, sharedBrowser, skipWithoutChromium, visit } from '../lib/browser.mjs';
import { copySite, once, oproepBin, REPO } from '../lib/oproep.mjs';
import { serve } from '../lib/server.mjs';

// A word from the body of content/voorbeelden/zwemles-hilversum.md, not in its title and in no
// other content file (checked below).
const WORD = 'zwembad';
const EXAMPLE = 'zwemles-hilversum';
const ACTOR = 'rijk';

/** `{ slug, title, body, lists: { key: [values] } }` for every example in content/voorbeelden/. */
async function examples() {
  const dir = join(REPO, 'content', 'voorbeelden');
  const files = (await readdir(dir)).filter((f) => f.endsWith('.md') && !f.startsWith('_'));
  return Promise.all(
    files.map(async (file) => {
      const text = (await readFile(join(dir, file), 'utf8')).replace(/\r\n/g, '\n');
      const m = text.match(/^---\n([\s\S]*?)\n---\n([\s\S]*)$/);
      assert.ok(m, `${file}: no front matter`);
      const lists = {};
      let title = '';
      for (const line of m[1].split('\n')) {
        const list = line.match(/^([a-z_]+):\s*\[(.*)\]\s*$/);
        if (list) lists[list[1]] = list[2].split(',').map((v) => v.trim()).filter(Boolean);
        const t = line.match(/^title:\s*"?(.*?)"?\s*$/);
        if (t) title = t[1];
      }
      return { slug: file.replace(/\.md$/, ''), title, body: m[2], lists };
    }),
  );
}

async function allContent(dir = join(REPO, 'content')) {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return Promise.all(
    entries
      .filter((e) => e.isFile())
      .map(async (e) => {
        const path = join(e.parentPath ?? e.path, e.name);
        return [path, await readFile(path, 'utf8')];
      }),
  );
}

oproepBin();

describe('discovery', { timeout: 180_000 }, () => {
  const browser = sharedBrowser();
  const BROWSER = { skip: skipWithoutChromium };
  let site, server, list;

  const setup = once(async () => {
    list = await examples();
    site = await copySite('oproep-discovery-');
    site.build();
    server = await serve(site.public);
  });

  after(async () => {
    await browser.close();
    await server?.close();
    await site?.cleanup();
  });

  test(`the search word occurs only in the body of ${EXAMPLE}`, async () => {
    await setup();
    const example = list.find((e) => e.slug === EXAMPLE);
    assert.ok(example, `content/voorbeelden/${EXAMPLE}.md is missing`);
    assert.ok(example.body.toLowerCase().includes(WORD));
    assert.ok(!example.title.toLowerCase().includes(WORD));
    const others = (await allContent())
      .filter(([path, text]) => !path.endsWith(`${EXAMPLE}.md`) && text.toLowerCase().includes(WORD))
      .map(([path]) => path);
    assert.deepEqual(others, [], `${WORD} occurs elsewhere too`);
  });

  test('search finds the example from a word of its body', BROWSER, async () => {
    await setup();
    const { context, page, foreign, errors } = await openPage(await browser.get(), server.origin);
    const link = `#search-results a[href="/voorbeelden/${EXAMPLE}/"]`;
    try {
      await visit(page, server.url(`/zoeken/?q=${WORD}`));
      await page.locator(link).first().waitFor();
      assert.equal(await page.inputValue('#search-input'), WORD, 'the query is not in the box');

      // Typing and submitting, starting from an empty search page.
      await visit(page, server.url('/zoeken/'));
      await page.fill('#search-input', WORD);
      await page.press('#search-input', 'Enter');
      await page.locator(link).first().waitFor();
      const hrefs = await page.$$eval('#search-results a', (as) => as.map((a) => a.getAttribute('href')));
      assert.ok(hrefs.includes(`/voorbeelden/${EXAMPLE}/`), `results: ${hrefs.join(', ')}`);
    } finally {
      await context.close();
    }
    assert.deepEqual(foreign, []);
    assert.deepEqual(errors, []);
  });

  test('the example filters count what the content files hold', BROWSER, async () => {
    await setup();
    const withActor = list.filter((e) => (e.lists.actors ?? []).includes(ACTOR));
    assert.ok(withActor.length > 0, `no example has actor ${ACTOR}`);
    const theme = withActor[0].lists.themes?.[0];
    assert.ok(theme, `${withActor[0].slug} has no theme`);
    const withBoth = withActor.filter((e) => e.lists.themes.includes(theme));
    const label = async (page) => (await page.textContent('#example-count')).trim();
    const visibleCards = (page) => page.locator('#example-cards .card:visible').count();

    const { context, page, foreign, errors } = await openPage(await browser.get(), server.origin);
    try {
      await visit(page, server.url('/voorbeelden/'));
      assert.ok(await page.isVisible('#example-filter'), 'the filter form is hidden with JavaScript');
      assert.equal(await visibleCards(page), list.length, 'not every example shows unfiltered');

      await page.selectOption('#filter-actor', `actor:${ACTOR}`);
      assert.equal(await visibleCards(page), withActor.length, `cards with actor ${ACTOR}`);
      assert.match(await label(page), new RegExp(`^${withActor.length}\\b`));

      await page.selectOption('#filter-theme', `theme:${theme}`);
      const both = await visibleCards(page);
      assert.ok(both <= withActor.length, 'a second filter shows more cards');
      assert.equal(both, withBoth.length, `cards with actor ${ACTOR} and theme ${theme}`);
      assert.match(await label(page), new RegExp(`^${withBoth.length}\\b`));
    } finally {
      await context.close();
    }
    assert.deepEqual(foreign, []);
    assert.deepEqual(errors, []);
  });

  test('without JavaScript the facet links lead to a page per filter', BROWSER, async () => {
    await setup();
    const withActor = list.filter((e) => (e.lists.actors ?? []).includes(ACTOR)).map((e) => e.slug);
    const { context, page } = await openPage(await browser.get(), server.origin, {
      javaScriptEnabled: false,
    });
    try {
      await visit(page, server.url('/voorbeelden/'));
      assert.ok(!(await page.isVisible('#example-filter')), 'the filter form shows without JavaScript');
      const facet = page.locator(`a[href="/voorbeelden/actor/${ACTOR}/"]`).first();
      assert.ok(await facet.isVisible(), `no visible link to /voorbeelden/actor/${ACTOR}/`);
      await Promise.all([page.waitForURL(`**/voorbeelden/actor/${ACTOR}/`), facet.click()]);
      const shown = await page.$$eval('#example-cards .card', (cards) =>
        cards.flatMap((card) =>
          [...card.querySelectorAll('a[href^="/voorbeelden/"]')]
            .map((a) => a.getAttribute('href').match(/^\/voorbeelden\/([a-z0-9-]+)\/$/)?.[1])
            .filter(Boolean)
            .slice(0, 1),
        ),
      );
      assert.deepEqual([...new Set(shown)].sort(), [...withActor].sort());
    } finally {
      await context.close();
    }
  });

  test('share links carry the page URL', BROWSER, async () => {
    await setup();
    const { context, page } = await openPage(await browser.get(), server.origin);
    try {
      await visit(page, server.url('/actoren/gemeenten/'));
      const canonical = await page.getAttribute('link[rel=canonical]', 'href');
      assert.match(canonical ?? '', /^https?:\/\/.+\/actoren\/gemeenten\/$/);
      const hrefs = await page.$$eval('.share-links a', (as) => as.map((a) => a.getAttribute('href')));
      assert.ok(hrefs.length > 0, 'no share links');
      for (const href of hrefs) {
        assert.ok(
          decodeURIComponent(href).includes(canonical),
          `${href} does not carry ${canonical}`,
        );
      }
    } finally {
      await context.close();
    }
  });
});
