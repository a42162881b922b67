// Reading a built site from disk.
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

/** Every file below `dir`, as paths relative to it with `/` separators, sorted. */
export async function listFiles(dir) {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath ?? e.path, e.name)).split(sep).join('/'))
    .sort();
}

/** `[relativePath, text]` for every file below `dir` (read as UTF-8). */
export async function readAll(dir) {
  const files = await listFiles(dir);
  return Promise.all(files.map(async (f) => [f, await readFile(join(dir, f), 'utf8')]));
}

/** The URL path a built HTML file is served at: `a/index.html` -> `/a/`. */
export function urlPathOf(file) {
  return '/' + file.replace(/(^|\/)index\.html$/, '$1');
}

/** Decodes HTML character references (numeric and the common named ones). */
export function decodeEntities(text) {
  const named = {
    amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0', commat: '@', period: '.',
  };
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[A-Za-z]+);/g, (whole, ref) => {
    if (ref[0] === '#') {
      const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return String.fromCodePoint(code);
    }
    return named[ref] ?? whole;
  });
}
