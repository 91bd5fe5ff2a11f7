/**
 * The data repo's work clone (SPEC §6): a partial, shallow, single-branch clone with a sparse checkout
 * of the DB's folder only (the log branch carries > 1 GB of logs). Every git command runs through simple-git
 * with an environment built here: the token reaches git only as an extraheader in that command's
 * environment (§6.1) — never in a URL, `.git/config`, argv, logs or error messages.
 */
import fs from 'node:fs';
import path from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';
import { redactSecrets } from '../core/redact';
import type { SyncOptions } from './options';

/** A sync failure whose message is already safe to print or send to a client. */
export class SyncError extends Error {}

// Ambient variables simple-git would refuse or strip; we pass a clean environment plus our own keys.
const GIT_ENV_KEYS = new Set(['EDITOR', 'PAGER', 'PREFIX', 'SSH_ASKPASS', 'VISUAL']);
const OUR_GIT_KEYS = [
  'GIT_CONFIG_COUNT',
  'GIT_CONFIG_KEY_0',
  'GIT_CONFIG_VALUE_0',
  'GIT_TERMINAL_PROMPT',
  'GIT_AUTHOR_NAME',
  'GIT_AUTHOR_EMAIL',
  'GIT_COMMITTER_NAME',
  'GIT_COMMITTER_EMAIL',
];

/**
 * The per-command auth environment: an `http.<origin>/.extraheader` for the remote's own host, so
 * the token never goes to another host and never lands in any file. Empty without a token or for
 * non-HTTPS remotes (local paths, file://, ssh); a plain-http remote never gets it (see assertTokenSafe).
 */
export function gitAuthEnv(repoUrl: string, token: string | null): Record<string, string> {
  if (!token) return {};
  let url: URL;
  try {
    url = new URL(repoUrl);
  } catch {
    return {};
  }
  if (url.protocol !== 'https:') return {};
  const basic = Buffer.from(`x-access-token:${token}`).toString('base64');
  return {
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: `http.${url.protocol}//${url.host}/.extraheader`,
    GIT_CONFIG_VALUE_0: `AUTHORIZATION: basic ${basic}`,
  };
}

/** Refuses a DATA_REPO that carries credentials: they would be persisted in `.git/config` (§11 S5). */
export function assertCleanRepoUrl(repoUrl: string): void {
  if (/^[a-z][a-z0-9+.-]*:\/\/[^/]*@/i.test(repoUrl) && !/^ssh:\/\/[^/:@]+@/i.test(repoUrl)) {
    throw new SyncError(`DATA_REPO must not contain credentials (${redactSecrets(repoUrl)}); put the token in GITHUB_TOKEN`);
  }
}

/** GITHUB_TOKEN set and DATA_REPO on plain http: the token would cross the network readable; refused. */
export function assertTokenSafe(repoUrl: string, token: string | null): void {
  if (token && /^http:\/\//i.test(repoUrl)) {
    throw new SyncError(`DATA_REPO ${redactSecrets(repoUrl)} is plain http; GITHUB_TOKEN is only ever sent over https (use an https:// URL, or unset GITHUB_TOKEN for a remote that needs none)`);
  }
}

function gitEnvironment(opts: SyncOptions): Record<string, string> {
  const base: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || /^GIT_/i.test(k) || GIT_ENV_KEYS.has(k.toUpperCase())) continue;
    base[k] = v;
  }
  return {
    ...base,
    GIT_TERMINAL_PROMPT: '0',
    GIT_AUTHOR_NAME: opts.author.name,
    GIT_AUTHOR_EMAIL: opts.author.email,
    GIT_COMMITTER_NAME: opts.author.name,
    GIT_COMMITTER_EMAIL: opts.author.email,
    ...gitAuthEnv(opts.repo ?? '', opts.token),
  };
}

/** Error text safe to show: credential patterns redacted, the token and its header form removed. */
export function scrub(text: string, token: string | null): string {
  let out = text;
  if (token) {
    out = out.split(token).join('***');
    out = out.split(Buffer.from(`x-access-token:${token}`).toString('base64')).join('***');
  }
  return redactSecrets(out);
}

export interface RemoteBlob {
  commit: string;
  blob: string;
  size: number;
}

export class DataClone {
  private readonly env: Record<string, string>;
  /** A DB blob entered the object store (written by a commit or downloaded): tidy() has work to do. */
  private grew = false;

  constructor(private readonly opts: SyncOptions) {
    if (!opts.repo) throw new SyncError('DATA_REPO is not set (clone URL of the data repo); pass --repo or set DATA_REPO');
    assertCleanRepoUrl(opts.repo);
    assertTokenSafe(opts.repo, opts.token);
    this.env = gitEnvironment(opts);
  }

  private git(dir = this.opts.workDir): SimpleGit {
    return simpleGit({
      baseDir: dir,
      allowEnvironment: OUR_GIT_KEYS,
      unsafe: { allowUnsafeConfigEnvCount: true },
    }).env(this.env);
  }

  /** Runs one git step, turning failures into a SyncError with a redacted message. */
  private async run<T>(what: string, step: () => Promise<T>): Promise<T> {
    try {
      return await step();
    } catch (err) {
      throw this.failure(what, err);
    }
  }

  /** git's message, first lines only, with credentials scrubbed. */
  private failure(what: string, err: unknown): SyncError {
    const detail = ((err as Error).message ?? String(err)).trim().split('\n').filter(Boolean).slice(0, 4).join(' | ');
    return new SyncError(scrub(`git ${what} failed: ${detail}`, this.opts.token));
  }

  /** Clones on first use (atomically: into a temp dir, then rename), else fetches the branch. */
  async update(): Promise<void> {
    const { workDir, branch, repo } = this.opts;
    if (fs.existsSync(path.join(workDir, '.git'))) {
      // We hold the shared lock and only sync uses this clone: these locks are left by a killed git.
      for (const lock of ['index.lock', 'shallow.lock']) fs.rmSync(path.join(workDir, '.git', lock), { force: true });
      const current = (await this.run('remote get-url', () => this.git().raw(['remote', 'get-url', 'origin']))).trim();
      if (current !== repo) await this.run('remote set-url', () => this.git().raw(['remote', 'set-url', 'origin', repo as string]));
      await this.run(`fetch origin ${branch}`, () =>
        this.git().raw(['fetch', '--quiet', '--no-tags', '--depth=1', 'origin', `+refs/heads/${branch}:refs/remotes/origin/${branch}`]),
      );
      return;
    }
    const parent = path.dirname(workDir);
    fs.mkdirSync(parent, { recursive: true });
    const staging = `${workDir}.clone-${process.pid}`;
    fs.rmSync(staging, { recursive: true, force: true });
    try {
      await this.run(`clone (branch ${branch})`, () =>
        this.git(parent).raw(['clone', '--quiet', '--depth=1', '--filter=blob:none', '--no-checkout', '--single-branch', '--branch', branch, '--', repo as string, staging]),
      ).catch((err: SyncError) => {
        if (/Remote branch .* not found/i.test(err.message)) {
          throw new SyncError(`branch ${branch} does not exist on the data repo; create it there first (or set DATA_BRANCH)`);
        }
        throw err;
      });
      await this.run('sparse-checkout', () => this.git(staging).raw(['sparse-checkout', 'set', '--no-cone', this.sparsePattern()]));
      if (fs.existsSync(workDir)) {
        throw new SyncError(`work dir ${workDir} exists but is not a git clone; remove it or set DATA_WORK_DIR`);
      }
      fs.renameSync(staging, workDir);
    } finally {
      fs.rmSync(staging, { recursive: true, force: true });
    }
  }

  /** Only the DB's folder is checked out (or the file itself when it sits at the repo root). */
  private sparsePattern(): string {
    const dir = path.posix.dirname(this.opts.pathInRepo);
    return dir === '.' ? `/${this.opts.pathInRepo}` : `/${dir}/`;
  }

  /** Commit id of origin/{branch} after update(), or null when the branch has no commits yet. */
  async tip(): Promise<string | null> {
    try {
      return (await this.git().raw(['rev-parse', '--verify', '--quiet', `refs/remotes/origin/${this.opts.branch}^{commit}`])).trim() || null;
    } catch {
      return null;
    }
  }

  /** The DB blob at a commit, or null when the file is not there. */
  async blobAt(commit: string): Promise<RemoteBlob | null> {
    let blob: string;
    try {
      blob = (await this.git().raw(['rev-parse', '--verify', '--quiet', `${commit}:${this.opts.pathInRepo}`])).trim();
    } catch {
      return null;
    }
    if (!blob) return null;
    const size = Number((await this.run('cat-file -s', () => this.git().raw(['cat-file', '-s', blob]))).trim());
    return { commit, blob, size };
  }

  async remoteBlob(): Promise<RemoteBlob | null> {
    const tip = await this.tip();
    return tip ? this.blobAt(tip) : null;
  }

  async commitDate(commit: string): Promise<string> {
    return (await this.run('log', () => this.git().raw(['log', '-1', '--format=%cI', commit]))).trim();
  }

  /** Writes a blob's bytes to `dest` (may fetch it lazily from the promisor remote). */
  async readBlob(blob: string, dest: string): Promise<void> {
    this.grew = true;
    const bytes = await this.run('cat-file blob', () => this.git().binaryCatFile(['blob', blob]));
    fs.writeFileSync(dest, bytes);
  }

  /**
   * Puts `file` at DATA_DB_PATH on top of origin/{branch} and commits it. Returns the new commit id,
   * or null when the file is byte-identical to the tip's (nothing to commit).
   */
  async commitOnTip(file: string, message: string): Promise<string | null> {
    const { branch, workDir, pathInRepo } = this.opts;
    await this.run('checkout', () => this.git().raw(['checkout', '--quiet', '--force', '-B', branch, `refs/remotes/origin/${branch}`]));
    await this.run('reset', () => this.git().raw(['reset', '--quiet', '--hard', `refs/remotes/origin/${branch}`]));
    const target = path.join(workDir, ...pathInRepo.split('/'));
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.copyFileSync(file, target);
    this.grew = true;
    await this.run('add', () => this.git().raw(['add', '--sparse', '--', pathInRepo]));
    const staged = await this.run('diff', () => this.git().raw(['diff', '--cached', '--name-only']));
    if (!staged.trim()) return null;
    await this.run('commit', () => this.git().raw(['commit', '--quiet', '--no-verify', '-m', message]));
    return (await this.git().raw(['rev-parse', 'HEAD'])).trim();
  }

  /** Pushes HEAD to the branch, never forcing. Returns false on a non-fast-forward rejection. */
  async push(): Promise<boolean> {
    try {
      await this.git().raw(['push', '--quiet', '--porcelain', 'origin', `HEAD:refs/heads/${this.opts.branch}`]);
      return true;
    } catch (err) {
      const text = (err as Error).message ?? String(err);
      if (/\[rejected\]|non-fast-forward|fetch first|\bstale info\b/i.test(text)) return false;
      throw this.failure('push', err);
    }
  }

  /**
   * Keeps the clone from holding every DB version: each push or pull brings in a whole-file blob (a
   * 66 MB DB is ~9 MB compressed) and git would keep them all. The clone is shallow (depth 1), so
   * once reflogs expire only the tip and its parent are reachable, and `git prune` deletes the loose
   * blobs of older pushes: cheap, no repack. Downloaded blobs sit in promisor packs, which git keeps
   * even when unreachable (prune, gc and repack alike, as of 2.39); so when the blobs held outweigh
   * the DB file itself, the clone is removed and the next sync re-clones it (shallow and blob-less:
   * one commit and its trees). Never fails the sync: the data is safe, the next tidy() tries again.
   */
  async tidy(): Promise<void> {
    if (!this.grew) return;
    this.grew = false;
    try {
      // Only a clone sync made (partial) is ever pruned or removed, never a checkout DATA_WORK_DIR happens to point at.
      const promisor = await this.git().raw(['config', '--get', 'remote.origin.promisor']).catch(() => '');
      if (promisor.trim() !== 'true') return;
      await this.run('reflog expire', () => this.git().raw(['reflog', 'expire', '--expire=now', '--all']));
      await this.run('prune', () => this.git().raw(['prune', '--expire=now']));
      const held = await this.blobBytesOnDisk();
      const limit = fs.existsSync(this.opts.dbPath) ? fs.statSync(this.opts.dbPath).size : 0;
      if (held > limit) {
        this.opts.log(`Work clone holds ${(held / 1048576).toFixed(1)} MB of DB versions; removing it (the next sync re-clones)…`);
        this.discard();
      }
    } catch (err) {
      this.opts.log(`warning: could not tidy the work clone: ${err instanceof SyncError ? err.message : scrub(String(err), this.opts.token)}`);
    }
  }

  /** Compressed bytes of the blobs present locally (reachable or not); never fetches anything. */
  private async blobBytesOnDisk(): Promise<number> {
    const out = await this.run('cat-file --batch-all-objects', () =>
      this.git().raw(['cat-file', '--batch-all-objects', '--batch-check=%(objecttype) %(objectsize:disk)']),
    );
    let total = 0;
    for (const line of out.split('\n')) {
      const [type, size] = line.split(' ');
      if (type === 'blob') total += Number(size);
    }
    return total;
  }

  /** Renamed away first, so a kill half-way through the removal never leaves a broken clone in place. */
  private discard(): void {
    const trash = `${this.opts.workDir}.discard`;
    fs.rmSync(trash, { recursive: true, force: true });
    fs.renameSync(this.opts.workDir, trash);
    fs.rmSync(trash, { recursive: true, force: true });
  }
}
