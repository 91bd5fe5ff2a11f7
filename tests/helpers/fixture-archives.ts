/**
 * The two large fixture trees are committed as brotli-compressed tar archives
 * (`tests/fixtures/<tree>.tar.br`, about a quarter of an uncompressed copy) and unpacked next to them,
 * into gitignored folders, before the tests run (vitest globalSetup) or the bench starts.
 *
 * Unpacking is idempotent (a stamp holds the archive's sha256; a changed archive is unpacked again),
 * serialised between processes by the project's lock file (two vitest runs may start at once), and each tree is
 * unpacked into a temp folder and renamed into place, so a reader never sees half a tree. Files keep
 * the modes they have in the archive (the fixtures are read-only).
 *
 * Brotli instead of xz: Node decompresses it itself, so only `tar` (essential on every Linux) is needed.
 *
 * Packing (a maintainer's step, never run by the tests: how the committed archives were made from a
 * copy of the project's shared fixture set outside this repository):
 *   npx tsx tests/helpers/fixture-archives.ts pack <shared fixtures folder>
 */
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { withLock } from '../../database/lock';

/** The fixtures folder; the same layout as the shared `fixtures/` it was copied from. */
export const FIXTURES = path.resolve(__dirname, '..', 'fixtures');
/** Trees kept as archives (the rest of FIXTURES is committed as plain files). */
export const ARCHIVED_TREES = ['sglang-ci-logs', 'sglang-ci-perf-history'] as const;

const STATE_DIR = path.join(FIXTURES, '.extracted');
const LOCK_FILE = path.join(STATE_DIR, 'lock');
const LOCK_WAIT_MS = 5 * 60_000;

export function archivePath(tree: string): string {
  return path.join(FIXTURES, `${tree}.tar.br`);
}

function stampPath(tree: string): string {
  return path.join(STATE_DIR, `${tree}.sha256`);
}

function sha256(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

function isCurrent(tree: string, sha: string): boolean {
  try {
    return fs.readFileSync(stampPath(tree), 'utf8') === sha && fs.statSync(path.join(FIXTURES, tree)).isDirectory();
  } catch {
    return false;
  }
}

/** Unpacks every archived tree whose stamp does not match its archive. Returns the trees unpacked. */
export async function ensureFixtures(): Promise<string[]> {
  const wanted = ARCHIVED_TREES.map((tree) => {
    if (!fs.existsSync(archivePath(tree))) throw new Error(`fixture archive ${path.relative(process.cwd(), archivePath(tree))} is missing (see tests/fixtures/README.md)`);
    return { tree, sha: sha256(archivePath(tree)) };
  });
  if (wanted.every((w) => isCurrent(w.tree, w.sha))) return [];
  fs.mkdirSync(STATE_DIR, { recursive: true });
  // The project's own inter-process lock (stale holders are taken over).
  return withLock(LOCK_FILE, 'unpack test fixtures', LOCK_WAIT_MS, async () => {
    // Checked again under the lock: another process may have unpacked them while this one waited.
    const stale = wanted.filter((w) => !isCurrent(w.tree, w.sha));
    await Promise.all(stale.map((w) => unpackTree(w.tree, w.sha)));
    return stale.map((w) => w.tree);
  });
}

async function unpackTree(tree: string, sha: string): Promise<void> {
  const work = fs.mkdtempSync(path.join(STATE_DIR, `tmp-${tree}-`));
  try {
    await untar(archivePath(tree), work);
    const target = path.join(FIXTURES, tree);
    fs.rmSync(stampPath(tree), { force: true });
    if (fs.existsSync(target)) fs.renameSync(target, path.join(work, 'previous'));
    fs.renameSync(path.join(work, tree), target);
    fs.writeFileSync(stampPath(tree), sha);
  } finally {
    removeTree(work);
  }
}

/** Runs `tar -x` on the brotli-decompressed archive; modes as archived (-p). */
async function untar(archive: string, intoDir: string): Promise<void> {
  const tar = spawn('tar', ['-x', '-p', '-f', '-', '-C', intoDir], { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  tar.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve, reject) => {
    tar.on('error', (err) => reject(new Error(`cannot run tar to unpack ${archive}: ${err.message}`)));
    tar.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`tar failed (exit ${code}) unpacking ${archive}: ${stderr.trim()}`))));
  });
  const [fed, done] = await Promise.allSettled([pipeline(fs.createReadStream(archive), zlib.createBrotliDecompress(), tar.stdin), exited]);
  // tar stops reading at the end-of-archive blocks, before the padding: a closed pipe after a clean
  // exit is normal. A damaged stream shows as tar's error (a truncated archive).
  if (done.status === 'rejected') {
    const feedError = fed.status === 'rejected' ? ` (${(fed.reason as Error).message})` : '';
    throw new Error(`${(done.reason as Error).message}${feedError}`);
  }
}

/** Removes a tree whose folders may be read-only (as the fixtures' are). */
function removeTree(dir: string): void {
  if (!fs.existsSync(dir)) return;
  const makeWritable = (folder: string): void => {
    fs.chmodSync(folder, 0o755);
    for (const entry of fs.readdirSync(folder, { withFileTypes: true })) if (entry.isDirectory()) makeWritable(path.join(folder, entry.name));
  };
  makeWritable(dir);
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Writes `<tree>.tar.br` from `<sourceFixtures>/<tree>`: sorted names, zero times and owners (reproducible). */
async function packTree(sourceFixtures: string, tree: string): Promise<void> {
  const tar = spawn('tar', ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '-c', '-f', '-', '-C', sourceFixtures, tree], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve, reject) => tar.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`tar exited ${code}`)))));
  const brotli = zlib.createBrotliCompress({ params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_LGWIN]: 24 } });
  await Promise.all([pipeline(tar.stdout, brotli, fs.createWriteStream(archivePath(tree))), exited]);
}

if (require.main === module) {
  const [command, source] = process.argv.slice(2);
  if (command !== 'pack' || !source) {
    process.stderr.write('usage: npx tsx tests/helpers/fixture-archives.ts pack <shared fixtures folder>\n');
    process.exit(2);
  }
  Promise.all(ARCHIVED_TREES.map((tree) => packTree(path.resolve(source), tree))).then(
    () => ARCHIVED_TREES.forEach((tree) => process.stdout.write(`${archivePath(tree)}: ${fs.statSync(archivePath(tree)).size} bytes\n`)),
    (err: Error) => {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    },
  );
}
