// The repository's site against outside checkers: the Nu Html Checker (vnu) over every HTML
// file, axe-core (WCAG 2.1 A/AA) on one page of every template in light and dark colour
// scheme, no request to another host, the home page's weight, and the skip link by keyboard.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';

import { openPage, sharedBrowser, skipWithoutChromium, visit } from '../lib/browser.mjs';
import { listFiles } from '../lib/files.mjs';
import { copySite, once, oproepBin } from '../lib/oproep.mjs';
import { serve } from '../lib/server.mjs';

const require = createRequire(import.meta.url);
const VNU = join(dirname(require.resolve('vnu-jar')), 'build', 'dist', 'vnu.jar');
const AXE = require.resolve('axe-core/axe.min.js');
const JAVA = spawnSync('java', ['-version'], { encoding: 'utf8' }).error ? null : 'java';
const skipWithoutJava =
  JAVA || process.env.CI ? false : 'java not found (apt-get install -y default-jre-headless)';

/** One page of every template. */
const PAGES = [
  '/',
  '/oproep/',
  '/oproep/2020-06-19/',
  '/oproep/wijzigingen/',
  '/actoren/',
  '/actoren/gemeenten/',
  '/voorbeelden/',
  '/voorbeelden/zwemles-hilversum/',
  '/voorbeelden/actor/gemeenten/',
  '/over/',
  '/onderteken/',
  '/ondertekenaars/',
  '/ondertekenaars/afdrukken/',
  '/nieuws/',
  '/nieuws/2020-12-21-definitieve-versie/',
  '/zoeken/',
  '/404.html',
];
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const HOME_LIMIT = 50 * 1024;

oproepBin();

describe('quality', { timeout: 600_000 }, () => {
  const browser = sharedBrowser();
  const BROWSER = { skip: skipWithoutChromium };
  let site, server;

  const setup = once(async () => {
    site = await copySite('oproep-quality-');
    site.build();
    server = await serve(site.public);
  });

  after(async () => {
    await browser.close();
    await server?.close();
    await site?.cleanup();
  });

  test('the Nu Html Checker finds no error in any HTML file', { skip: skipWithoutJava }, async () => {
    await setup();
    assert.ok(existsSync(VNU), `vnu.jar not found at ${VNU}`);
    const html = (await listFiles(site.public)).filter((f) => f.endsWith('.html'));
    assert.ok(html.length > 0, 'the site has no HTML files');
    const run = spawnSync(
      'java',
      ['-jar', VNU, '--skip-non-html', '--errors-only', site.public],
      { encoding: 'utf8', timeout: 300_000, maxBuffer: 64 * 1024 * 1024 },
    );
    assert.ifError(run.error);
    const output = `${run.stdout}${run.stderr}`
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => l.replace(`file:${site.public}`, '').replace(site.public, ''));
    console.log(`vnu checked ${html.length} HTML files: ${output.length} error line(s)`);
    assert.deepEqual(output, [], `vnu reported:\n${output.join('\n')}`);
    assert.equal(run.status, 0, `vnu exited with ${run.status}`);
  });

  for (const colorScheme of ['light', 'dark']) {
    test(`axe: no WCAG 2.1 A/AA violation on any template (${colorScheme})`, BROWSER, async () => {
      await setup();
      const b = await browser.get();
      const context = await b.newContext({ bypassCSP: true, colorScheme, serviceWorkers: 'block' });
      context.setDefaultTimeout(30_000);
      const foreign = [];
      await context.route(
        (url) => url.origin !== server.origin && url.protocol !== 'data:',
        (route) => {
          foreign.push(route.request().url());
          return route.abort();
        },
      );
      const problems = [];
      try {
        const page = await context.newPage();
        for (const path of PAGES) {
          const response = await page.goto(server.url(path), { waitUntil: 'load' });
          assert.equal(response?.status(), 200, `${path} answered ${response?.status()}`);
          await page.addScriptTag({ path: AXE });
          const result = await page.evaluate(
            (values) => window.axe.run(document, { runOnly: { type: 'tag', values } }),
            TAGS,
          );
          assert.ok(result.passes.length > 0, `axe checked nothing on ${path}`);
          for (const v of result.violations) {
            const node = v.nodes[0];
            problems.push(
              `${path} [${colorScheme}] ${v.id}: ${v.help} (${v.nodes.length} node(s); first: ` +
                `${JSON.stringify(node?.target)}${node?.failureSummary ? ' — ' + node.failureSummary.replace(/\s+/g, ' ') : ''})`,
            );
          }
        }
      } finally {
        await context.close();
      }
      if (problems.length) console.log(problems.join('\n'));
      assert.deepEqual(problems, [], `axe violations:\n${problems.join('\n')}`);
      assert.deepEqual(foreign, [], 'requests to other hosts');
    });
  }

  test('no page asks another host for anything', BROWSER, async () => {
    await setup();
    const { context, page, foreign, errors } = await openPage(await browser.get(), server.origin);
    try {
      for (const path of PAGES) {
        const response = await page.goto(server.url(path), { waitUntil: 'networkidle' });
        assert.equal(response?.status(), 200, `${path} answered ${response?.status()}`);
      }
    } finally {
      await context.close();
    }
    assert.deepEqual(foreign, [], `requests to other hosts:\n${foreign.join('\n')}`);
    assert.deepEqual(errors, [], 'script errors');
  });

  test('the home page with its CSS and JS weighs under 50 KB', BROWSER, async () => {
    await setup();
    const { context, page, foreign } = await openPage(await browser.get(), server.origin);
    const loads = [];
    page.on('response', (response) => {
      if (new URL(response.url()).origin !== server.origin) return;
      loads.push(response.body().then((body) => [response.url(), body.length], () => [response.url(), 0]));
    });
    try {
      await visit(page, server.url('/'), { waitUntil: 'networkidle' });
    } finally {
      var sizes = await Promise.all(loads);
      await context.close();
    }
    const total = sizes.reduce((sum, [, n]) => sum + n, 0);
    console.log(
      `home page: ${total} bytes uncompressed (limit ${HOME_LIMIT}): ` +
        sizes.map(([u, n]) => `${new URL(u).pathname} ${n}`).join(', '),
    );
    assert.ok(sizes.length >= 1, 'the home page loaded nothing');
    assert.ok(total < HOME_LIMIT, `the home page weighs ${total} bytes, limit ${HOME_LIMIT}`);
    assert.deepEqual(foreign, []);
  });

  test('the first Tab reaches a visible skip link, Enter moves to #inhoud', BROWSER, async () => {
    await setup();
    const { context, page } = await openPage(await browser.get(), server.origin);
    try {
      await visit(page, server.url('/'));
      await page.keyboard.press('Tab');
      const focused = await page.evaluate(() => {
        const el = document.activeElement;
        const r = el.getBoundingClientRect();
        return {
          skip: el.matches('a.skip-link'),
          href: el.getAttribute('href'),
          box: { x: r.x, y: r.y, width: r.width, height: r.height },
          viewport: { width: window.innerWidth, height: window.innerHeight },
        };
      });
      assert.ok(focused.skip, 'the first Tab does not focus a.skip-link');
      const { box, viewport } = focused;
      assert.ok(box.width > 0 && box.height > 0, `the skip link has no size: ${JSON.stringify(box)}`);
      assert.ok(
        box.x >= 0 && box.y >= 0 && box.x + box.width <= viewport.width && box.y + box.height <= viewport.height,
        `the focused skip link is outside the viewport: ${JSON.stringify(focused)}`,
      );
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => location.hash === '#inhoud');
      const target = await page.evaluate(() => {
        const main = document.getElementById('inhoud');
        const r = main.getBoundingClientRect();
        return {
          focusInside: main === document.activeElement || main.contains(document.activeElement),
          targeted: main.matches(':target'),
          top: r.top,
          height: window.innerHeight,
        };
      });
      assert.ok(target.targeted, '#inhoud is not the :target after Enter');
      assert.ok(
        target.focusInside || (target.top >= -1 && target.top < target.height),
        `neither focus nor scroll moved to #inhoud: ${JSON.stringify(target)}`,
      );
      // The next Tab continues inside #inhoud (sequential focus navigation starting point).
      await page.keyboard.press('Tab');
      const next = await page.evaluate(() => {
        const main = document.getElementById('inhoud');
        return main.contains(document.activeElement) || document.activeElement === document.body;
      });
      assert.ok(next, 'the Tab after the skip link does not continue inside #inhoud');
    } finally {
      await context.close();
    }
  });
});
