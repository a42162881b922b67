// The suite's own helpers: the mailto: parser and the settings reader must reject what a
// broken site would produce, or the browser tests could pass on a broken link.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { assertOnlyCrlf, crlf, parseMailto } from '../lib/mailto.mjs';
import { serve } from '../lib/server.mjs';
import { signingSettings, withHideAddress } from '../lib/settings.mjs';

describe('parseMailto', () => {
  test('reads a correct link', () => {
    const link = parseMailto(
      'mailto:a@b.nl?subject=Ja%20%26%20nee%3F&body=Naam%3A%0D%0APlaats%3A%20Den%20Haag',
    );
    assert.deepEqual(link, {
      to: 'a@b.nl',
      fields: { subject: 'Ja & nee?', body: 'Naam:\r\nPlaats: Den Haag' },
    });
  });

  test('rejects what must be encoded', () => {
    for (const bad of [
      'mailto:a@b.nl?subject=Ja nee', // raw space
      'mailto:a@b.nl?body=a\nb', // raw line break
      'mailto:a@b.nl?subject=A%20#1', // raw #
      'mailto:a@b.nl?subject=Ja%20&%20nee', // raw & splits the value into a bogus field
      'mailto:a@b.nl?subject=a=b', // raw =
      'mailto:a@b.nl?subject=a?b', // raw ?
      'mailto:a@b.nl?subject=%ZZ', // broken escape
      'mailto:a@b.nl?subject=a&subject=b', // twice
      'http://a@b.nl/',
    ]) {
      assert.throws(() => parseMailto(bad), undefined, bad);
    }
  });

  test('line breaks', () => {
    assert.equal(crlf('a\nb\r\nc\n'), 'a\r\nb\r\nc\r\n');
    assert.doesNotThrow(() => assertOnlyCrlf('a\r\nb\r\n'));
    assert.throws(() => assertOnlyCrlf('a\nb'));
    assert.throws(() => assertOnlyCrlf('\nb'));
    assert.throws(() => assertOnlyCrlf('a\rb'));
  });
});

describe('signingSettings', () => {
  const yaml = [
    'title: "T"',
    'signing:',
    '  address: "x@y.nl" # comment',
    "  subject: 'Ik doe mee, ''echt'''",
    '  body: |',
    '    Eerste regel "quote".',
    '',
    '    Naam:',
    '      ingesprongen',
    '',
    'goal: 10',
    '',
  ].join('\n');

  test('reads quoted scalars and literal blocks', () => {
    assert.deepEqual(signingSettings(yaml), {
      address: 'x@y.nl',
      subject: "Ik doe mee, 'echt'",
      body: 'Eerste regel "quote".\n\nNaam:\n  ingesprongen\n',
      hide_address: false,
    });
    const stripped = signingSettings(yaml.replace('body: |', 'body: |-')).body;
    assert.equal(stripped, 'Eerste regel "quote".\n\nNaam:\n  ingesprongen');
  });

  test('sets hide_address', () => {
    assert.equal(signingSettings(withHideAddress(yaml, true)).hide_address, true);
    const twice = withHideAddress(withHideAddress(yaml, true), false);
    assert.equal(signingSettings(twice).hide_address, false);
    assert.equal(twice.match(/hide_address/g).length, 1);
  });

  test('refuses what it cannot read', () => {
    assert.throws(() => signingSettings(yaml.replace('body: |', 'body: >')), /folded/);
    assert.throws(() => signingSettings('title: x\n'), /no `signing:`/);
  });
});

describe('static server', () => {
  let dir, server;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'oproep-serve-'));
    await mkdir(join(dir, 'a'));
    await writeFile(join(dir, 'index.html'), '<p>home</p>');
    await writeFile(join(dir, 'a', 'index.html'), '<p>a</p>');
    await writeFile(join(dir, 'a', 'x.json'), '[]');
    await writeFile(join(dir, '404.html'), '<p>weg</p>');
    server = await serve(dir);
  });
  after(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('serves files, folders, types and 404', async () => {
    assert.match(server.origin, /^http:\/\/127\.0\.0\.1:\d+$/);
    let r = await fetch(server.url('/a/'));
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(await r.text(), '<p>a</p>');
    r = await fetch(server.url('/a'), { redirect: 'manual' });
    assert.equal(r.status, 301);
    assert.equal(r.headers.get('location'), '/a/');
    r = await fetch(server.url('/a/x.json'));
    assert.equal(r.headers.get('content-type'), 'application/json; charset=utf-8');
    r = await fetch(server.url('/nope/'));
    assert.equal(r.status, 404);
    assert.equal(await r.text(), '<p>weg</p>');
    r = await fetch(server.url('/%2e%2e/%2e%2e/etc/passwd'));
    assert.notEqual(r.status, 200);
  });
});
