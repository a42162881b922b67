// An RFC 6068 `mailto:` parser, written here so the tests do not trust the site's own code.
import assert from 'node:assert/strict';

// RFC 6068: hfvalue = *qchar; qchar = unreserved / pct-encoded / some-delims
// (`!$'()*+,;:@`). `&`, `=`, `?`, `#`, spaces and line breaks must be percent-encoded.
const QCHARS = /^(?:[A-Za-z0-9\-._~!$'()*+,;:@]|%[0-9A-Fa-f]{2})*$/;
// addr-spec characters as they may stand unencoded in `to` (RFC 6068 section 2).
const TO_CHARS = /^(?:[A-Za-z0-9\-._~!$'*+/=?^`{|}@]|%[0-9A-Fa-f]{2})*$/;

/**
 * Parses `href` strictly: `mailto:TO?name=value&name=value`. Fails (assert) on anything a
 * correct link cannot contain. Returns `{ to, fields }` with every part percent-decoded;
 * field names are lower-cased (RFC 6068 header names are case-insensitive).
 */
export function parseMailto(href) {
  assert.equal(typeof href, 'string', 'the link has no href');
  assert.ok(href.startsWith('mailto:'), `not a mailto: link: ${href}`);
  assert.ok(!href.includes('#'), `a raw # in a mailto: link ends it early: ${href}`);
  assert.doesNotMatch(href, /[\s]/, `raw whitespace or line break in ${JSON.stringify(href)}`);
  const rest = href.slice('mailto:'.length);
  const at = rest.indexOf('?');
  const rawTo = at < 0 ? rest : rest.slice(0, at);
  const rawQuery = at < 0 ? '' : rest.slice(at + 1);
  // `,` separates addresses; `?` starts the query, so it cannot be in `to` raw.
  assert.match(rawTo.replace(/,/g, ''), TO_CHARS, `bad characters in the address: ${rawTo}`);
  assert.ok(!rawTo.includes('?'), 'raw ? in the address');
  const fields = {};
  if (rawQuery !== '') {
    for (const pair of rawQuery.split('&')) {
      const eq = pair.indexOf('=');
      assert.ok(eq > 0, `a field without name=value in the query: ${JSON.stringify(pair)}`);
      const name = decodeURIComponent(pair.slice(0, eq)).toLowerCase();
      const rawValue = pair.slice(eq + 1);
      assert.match(
        rawValue,
        QCHARS,
        `field ${name} has characters that must be percent-encoded: ${rawValue}`,
      );
      assert.ok(!(name in fields), `field ${name} appears twice`);
      fields[name] = decodeURIComponent(rawValue);
    }
  }
  return { to: decodeURIComponent(rawTo), fields };
}

/** Line breaks as RFC 6068 wants them in a body: every one CRLF. */
export function crlf(text) {
  return text.replace(/\r\n/g, '\n').replace(/\n/g, '\r\n');
}

/** Fails unless every line break in `text` is a CRLF pair. */
export function assertOnlyCrlf(text, what = 'body') {
  assert.doesNotMatch(text, /[^\r]\n|^\n/, `${what} has a bare LF`);
  assert.doesNotMatch(text, /\r(?!\n)/, `${what} has a bare CR`);
}
