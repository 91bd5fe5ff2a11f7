/**
 * One table of named settings (Datasette style): every default lives here, each can be overridden by
 * an environment variable or by a `--config` JSON file with the same keys. Nothing else reads
 * process.env for these names.
 */
import fs from 'node:fs';
import path from 'node:path';
import { SECRET_SETTING_NAMES } from './core/redact';

// config.ts sits at the project root; compiled, it sits in dist/.
export const PROJECT_ROOT = path.resolve(__dirname, path.basename(__dirname) === 'dist' ? '..' : '.');

export const TOOL_VERSION: string = (JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

export interface Settings {
  CI_BASE_DIR: string | null;
  CI_DB_PATH: string;
  CI_TIMEZONE: string;
  DISPLAY_TIMEZONE: string;
  GITHUB_REPO: string;
  DATA_REPO: string | null;
  DATA_BRANCH: string;
  DATA_DB_PATH: string;
  DATA_WORK_DIR: string;
  GITHUB_TOKEN: string | null;
  HARDWARE_TYPE: string | null;
  MACHINE_NAME: string | null;
  DASHBOARD_HOST: string;
  DASHBOARD_PORT: number;
  DASHBOARD_URL: string;
  ADMIN_TOKEN: string | null;
  TEAMS_WEBHOOK_URL: string | null;
  TEAMS_WEBHOOK_FILE: string | null;
  LOCK_DIR: string | null;
  LOCK_WAIT_MS: number;
  EXPLORER_TIMEOUT_MS: number;
  EXPLORER_MAX_TIMEOUT_MS: number;
  EXPLORER_ROW_LIMIT: number;
  EXPLORER_CELL_LIMIT: number;
  EXPLORER_MAX_RESPONSE_BYTES: number;
  EXPLORER_POOL_SIZE: number;
  EXPLORER_QUEUE_WAIT_MS: number;
  CACHE_MAX_BYTES: number;
  FRESHNESS_WARN_HOURS: number;
  TRUST_PROXY: string;
}

/** Named defaults, documented in README ("Settings"). */
export const DEFAULTS: Settings = {
  CI_BASE_DIR: null,
  CI_DB_PATH: path.join(PROJECT_ROOT, 'database', 'ci_dashboard.db'),
  CI_TIMEZONE: 'America/Chicago',
  DISPLAY_TIMEZONE: 'America/Los_Angeles',
  GITHUB_REPO: 'ROCm/sglang-ci',
  DATA_REPO: null,
  DATA_BRANCH: 'log',
  DATA_DB_PATH: 'database/ci_dashboard.db',
  DATA_WORK_DIR: path.join(PROJECT_ROOT, '.data-clone'),
  GITHUB_TOKEN: null,
  HARDWARE_TYPE: null,
  MACHINE_NAME: null,
  DASHBOARD_HOST: '127.0.0.1',
  DASHBOARD_PORT: 5000,
  DASHBOARD_URL: 'http://127.0.0.1:5000',
  ADMIN_TOKEN: null,
  TEAMS_WEBHOOK_URL: null,
  TEAMS_WEBHOOK_FILE: null,
  LOCK_DIR: null,
  LOCK_WAIT_MS: 300_000,
  EXPLORER_TIMEOUT_MS: 2_000,
  EXPLORER_MAX_TIMEOUT_MS: 10_000,
  EXPLORER_ROW_LIMIT: 1_000,
  EXPLORER_CELL_LIMIT: 10_000,
  EXPLORER_MAX_RESPONSE_BYTES: 5 * 1024 * 1024,
  EXPLORER_POOL_SIZE: 2,
  // Longest wait of an explorer query for its turn; then 503 (one address's runaway queries cannot block everyone).
  EXPLORER_QUEUE_WAIT_MS: 5_000,
  CACHE_MAX_BYTES: 50 * 1024 * 1024,
  FRESHNESS_WARN_HOURS: 36,
  // Express's 'trust proxy': false, true, a hop count or comma-separated addresses/subnets (README "Behind a proxy").
  TRUST_PROXY: 'false',
};

/** Settings whose values are secrets: never printed, logged, stored or put in a URL. */
export const SECRET_SETTINGS: ReadonlyArray<keyof Settings> = SECRET_SETTING_NAMES;

const ALIASES: Partial<Record<keyof Settings, string[]>> = { CI_BASE_DIR: ['SGL_BENCHMARK_CI_DIR'] };

function coerce<K extends keyof Settings>(key: K, raw: unknown): Settings[K] {
  const def = DEFAULTS[key];
  if (typeof def === 'number') {
    const n = Number(raw);
    if (!Number.isFinite(n)) throw new Error(`setting ${key}: expected a number, got ${JSON.stringify(raw)}`);
    return n as Settings[K];
  }
  return (raw === '' || raw === null || raw === undefined ? def : String(raw)) as Settings[K];
}

/**
 * Settings = defaults < `--config` file < environment. CLI flags are applied by the caller on top.
 */
export function loadSettings(env: NodeJS.ProcessEnv = process.env, configFile?: string): Settings {
  const out: Settings = { ...DEFAULTS };
  if (configFile) {
    const parsed: unknown = JSON.parse(fs.readFileSync(configFile, 'utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new Error(`config file ${configFile}: expected a JSON object`);
    }
    for (const [k, v] of Object.entries(parsed)) {
      if (k in DEFAULTS) (out as unknown as Record<string, unknown>)[k] = coerce(k as keyof Settings, v);
    }
  }
  for (const key of Object.keys(DEFAULTS) as Array<keyof Settings>) {
    const names = [key, ...(ALIASES[key] ?? [])];
    const hit = names.map((n) => env[n]).find((v) => v !== undefined && v !== '');
    if (hit !== undefined) (out as unknown as Record<string, unknown>)[key] = coerce(key, hit);
  }
  return out;
}
