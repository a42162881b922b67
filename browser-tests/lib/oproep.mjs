// The real `oproep` binary and real sites built with it in temporary folders.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository: browser-tests/lib/ is two levels below it. */
export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

let binary = null;

/**
 * The binary under test: `OPROEP_BIN` when set (CI sets it), else `cargo build --release`
 * once in the repository and `target/release/oproep`.
 */
export function oproepBin() {
  if (binary) return binary;
  if (process.env.OPROEP_BIN) {
    binary = resolve(process.env.OPROEP_BIN);
    if (!existsSync(binary)) {
      throw new Error(`OPROEP_BIN is ${process.env.OPROEP_BIN}, but there is no file there`);
    }
    return binary;
  }
  const build = spawnSync('cargo', ['build', '--release', '--quiet'], {
    cwd: REPO,
    encoding: 'utf8',
    timeout: 15 * 60 * 1000,
    stdio: ['ignore', 'inherit', 'pipe'],
  });
  if (build.error || build.status !== 0) {
    throw new Error(
      `cargo build --release failed (${build.error ?? 'exit ' + build.status}):\n${build.stderr}`,
    );
  }
  binary = join(REPO, 'target', 'release', 'oproep');
  return binary;
}

/** Runs the binary; throws with its output when it fails. */
export function oproep(args, { timeout = 120_000 } = {}) {
  const started = process.hrtime.bigint();
  const run = spawnSync(oproepBin(), args, {
    encoding: 'utf8',
    timeout,
    maxBuffer: 64 * 1024 * 1024,
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (run.error || run.status !== 0) {
    throw new Error(
      `oproep ${args.join(' ')} failed (${run.error ?? 'exit ' + run.status}):\n` +
        `${run.stdout}\n${run.stderr}`,
    );
  }
  return { stdout: run.stdout, stderr: run.stderr, ms };
}

/**
 * A copy of the repository's content/ in a fresh temporary folder, to change and build.
 * `cleanup()` removes the folder.
 */
export async function copySite(prefix = 'oproep-site-') {
  const root = await mkdtemp(join(tmpdir(), prefix));
  await cp(join(REPO, 'content'), join(root, 'content'), { recursive: true });
  return {
    root,
    content: join(root, 'content'),
    public: join(root, 'public'),
    async read(relative) {
      return readFile(join(root, 'content', relative), 'utf8');
    },
    async write(relative, text) {
      await writeFile(join(root, 'content', relative), text);
    },
    /** `oproep build --root ROOT`; returns the build's duration in milliseconds. */
    build(extra = []) {
      return oproep(['build', '--root', root, ...extra]).ms;
    },
    async cleanup() {
      await rm(root, { recursive: true, force: true });
    },
  };
}

/**
 * `fn` run once, on first call; every call returns its promise. Tests start with
 * `await setup()`, so a failed setup fails each test with its own message.
 */
export function once(fn) {
  let promise = null;
  return () => (promise ??= fn());
}
