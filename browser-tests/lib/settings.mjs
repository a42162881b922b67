// Reads the `signing:` block of a site.yaml on its own, so that what the tests expect comes
// from the settings file and not from the site's output. Only the YAML forms a site.yaml uses
// for these keys are understood (plain, "double-quoted", 'single-quoted' one-line scalars and
// `|`, `|-`, `|+` literal blocks); anything else is an error that says so, never a guess.

function unsupported(key, why) {
  return new Error(
    `site.yaml: signing.${key}: ${why} (browser-tests/lib/settings.mjs reads only simple YAML)`,
  );
}

function doubleQuoted(key, raw) {
  const m = raw.match(/^"((?:[^"\\]|\\.)*)"\s*(?:#.*)?$/);
  if (!m) throw unsupported(key, 'a double-quoted value must end on its own line');
  return m[1].replace(/\\(u[0-9A-Fa-f]{4}|x[0-9A-Fa-f]{2}|.)/g, (_, e) => {
    const simple = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\', '/': '/', ' ': ' ', 0: '\0' };
    if (e in simple) return simple[e];
    if (e[0] === 'u' || e[0] === 'x') return String.fromCharCode(parseInt(e.slice(1), 16));
    throw unsupported(key, `escape \\${e}`);
  });
}

function singleQuoted(key, raw) {
  const m = raw.match(/^'((?:[^']|'')*)'\s*(?:#.*)?$/);
  if (!m) throw unsupported(key, 'a single-quoted value must end on its own line');
  return m[1].replace(/''/g, "'");
}

function plain(key, raw) {
  const value = raw.replace(/\s+#.*$/, '').trim();
  if (/^[[{&*!>%@`]/.test(value)) throw unsupported(key, `value ${value}`);
  if (value === 'true') return true;
  if (value === 'false') return false;
  return value;
}

/** `{ address, subject, body, hide_address }` from site.yaml's text. */
export function signingSettings(yaml) {
  const lines = yaml.replace(/\r\n/g, '\n').split('\n');
  const start = lines.findIndex((l) => /^signing:\s*(#.*)?$/.test(l));
  if (start < 0) throw new Error('site.yaml has no `signing:` block');
  const result = {};
  let i = start + 1;
  let indent = null;
  while (i < lines.length) {
    const line = lines[i];
    if (/^\s*(#.*)?$/.test(line)) {
      i++;
      continue;
    }
    const own = line.match(/^ */)[0].length;
    if (own === 0) break; // the next top-level key
    indent ??= own;
    if (own !== indent) throw unsupported('?', `unexpected indentation on line ${i + 1}`);
    const m = line.slice(own).match(/^([A-Za-z_]+):(?:\s+(.*))?$/);
    if (!m) throw unsupported('?', `cannot read line ${i + 1}: ${line}`);
    const [, key, rawValue = ''] = m;
    const raw = rawValue.trim();
    i++;
    const block = raw.match(/^\|([+-]?)\s*(?:#.*)?$/);
    if (block) {
      const body = [];
      let blockIndent = null;
      while (i < lines.length) {
        const l = lines[i];
        if (/^ *$/.test(l)) {
          body.push('');
          i++;
          continue;
        }
        const ind = l.match(/^ */)[0].length;
        if (ind <= indent) break;
        blockIndent ??= ind;
        if (ind < blockIndent) throw unsupported(key, `line ${i + 1} is indented less than the block`);
        body.push(l.slice(blockIndent));
        i++;
      }
      // Trailing empty lines: `|` keeps one line break, `|-` none, `|+` all.
      let trailing = 0;
      while (body.length && body[body.length - 1] === '') {
        body.pop();
        trailing++;
      }
      let text = body.join('\n');
      if (block[1] === '+') text += '\n'.repeat(trailing + (body.length ? 1 : 0));
      else if (block[1] === '' && body.length) text += '\n';
      result[key] = text;
    } else if (raw.startsWith('"')) {
      result[key] = doubleQuoted(key, raw);
    } else if (raw.startsWith("'")) {
      result[key] = singleQuoted(key, raw);
    } else if (raw === '' || raw.startsWith('>')) {
      throw unsupported(key, 'nested, empty or folded values');
    } else {
      result[key] = plain(key, raw);
    }
  }
  for (const key of ['address', 'subject', 'body']) {
    if (typeof result[key] !== 'string') throw new Error(`site.yaml: signing.${key} is missing`);
  }
  result.hide_address = result.hide_address === true;
  return result;
}

/** site.yaml's text with `signing.hide_address` set to `value` (added or replaced). */
export function withHideAddress(yaml, value) {
  const lines = yaml.split('\n');
  const start = lines.findIndex((l) => /^signing:\s*(#.*)?$/.test(l));
  if (start < 0) throw new Error('site.yaml has no `signing:` block');
  let end = start + 1;
  while (end < lines.length && (/^\s/.test(lines[end]) || lines[end] === '')) end++;
  const existing = lines.slice(start + 1, end).findIndex((l) => /^\s+hide_address:/.test(l));
  const first = lines.slice(start + 1, end).find((l) => l.trim() !== '' && !/^\s*#/.test(l));
  const pad = first ? first.match(/^ */)[0] : '  ';
  if (existing >= 0) lines[start + 1 + existing] = `${pad}hide_address: ${value}`;
  else lines.splice(start + 1, 0, `${pad}hide_address: ${value}`);
  return lines.join('\n');
}
