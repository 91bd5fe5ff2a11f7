/**
 * Numbered schema migrations. Applied only by `ci-dash db migrate`, at ingest/import start and by
 * `sync pull` on the downloaded copy — never on a web request (the web app only checks the version).
 *
 * Raw better-sqlite3 is used here on purpose: DDL and the in-place upgrade of the original's DB are
 * SQLite-specific. Application queries go through Kysely (database/schema.ts).
 */
import type BetterSqlite3 from 'better-sqlite3';
import { TASK_STATES_VIEW_SQL } from '../core/verdicts';

export interface Migration {
  version: number;
  name: string;
  up(db: BetterSqlite3.Database): void;
}

/** Compatibility tables: names, columns and types exactly as the original (SPEC §3.2). */
const COMPAT_TABLES: Record<string, string> = {
  test_runs: `CREATE TABLE test_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_date TEXT NOT NULL,
    hardware TEXT NOT NULL,
    docker_image TEXT,
    overall_status TEXT,
    total_tasks INTEGER DEFAULT 0,
    passed_tasks INTEGER DEFAULT 0,
    failed_tasks INTEGER DEFAULT 0,
    unknown_tasks INTEGER DEFAULT 0,
    not_run INTEGER DEFAULT 0,
    run_datetime_pt TEXT,
    machine_name TEXT,
    github_log_url TEXT,
    github_cron_log_url TEXT,
    github_detail_log_url TEXT,
    plot_github_url TEXT,
    created_at TEXT DEFAULT CURRENT_TIMESTAMP,
    updated_at TEXT DEFAULT CURRENT_TIMESTAMP,
    UNIQUE(run_date, hardware, machine_name)
  )`,
  benchmark_results: `CREATE TABLE benchmark_results (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    test_run_id INTEGER NOT NULL REFERENCES test_runs(id) ON DELETE CASCADE,
    benchmark_name TEXT NOT NULL,
    status TEXT,
    gsm8k_accuracy REAL,
    runtime_minutes INTEGER,
    error_message TEXT,
    timing_log_path TEXT,
    github_detail_log_url TEXT,
    created_at TEXT DEFAULT CURRENT_TIMESTAMP,
    UNIQUE(test_run_id, benchmark_name)
  )`,
  sanity_check_results: `CREATE TABLE sanity_check_results (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    test_run_id INTEGER NOT NULL REFERENCES test_runs(id) ON DELETE CASCADE,
    model_name TEXT NOT NULL,
    status TEXT,
    accuracy REAL,
    created_at TEXT DEFAULT CURRENT_TIMESTAMP,
    UNIQUE(test_run_id, model_name)
  )`,
  log_files: `CREATE TABLE log_files (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    test_run_id INTEGER NOT NULL REFERENCES test_runs(id) ON DELETE CASCADE,
    log_type TEXT NOT NULL,
    log_name TEXT NOT NULL,
    local_path TEXT,
    github_url TEXT,
    created_at TEXT DEFAULT CURRENT_TIMESTAMP,
    UNIQUE(test_run_id, log_type, log_name)
  )`,
  plot_files: `CREATE TABLE plot_files (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    test_run_id INTEGER NOT NULL REFERENCES test_runs(id) ON DELETE CASCADE,
    benchmark_name TEXT NOT NULL,
    plot_suffix TEXT,
    local_path TEXT,
    github_url TEXT,
    created_at TEXT DEFAULT CURRENT_TIMESTAMP,
    UNIQUE(test_run_id, benchmark_name, plot_suffix)
  )`,
};

const COMPAT_INDEXES = [
  'CREATE INDEX IF NOT EXISTS idx_test_runs_date_hw ON test_runs(run_date, hardware)',
  'CREATE INDEX IF NOT EXISTS idx_test_runs_date_hw_machine ON test_runs(run_date, hardware, machine_name)',
  'CREATE INDEX IF NOT EXISTS idx_benchmark_results_run ON benchmark_results(test_run_id)',
  'CREATE INDEX IF NOT EXISTS idx_sanity_check_results_run ON sanity_check_results(test_run_id)',
  'CREATE INDEX IF NOT EXISTS idx_log_files_run ON log_files(test_run_id)',
  'CREATE INDEX IF NOT EXISTS idx_plot_files_run ON plot_files(test_run_id)',
  'CREATE INDEX IF NOT EXISTS idx_benchmark_results_name ON benchmark_results(benchmark_name)',
];

/** The tables the original wrote (and its scripts read); their rows are what an upgrade must keep. */
export const COMPAT_TABLE_NAMES: readonly string[] = Object.keys(COMPAT_TABLES);

/** Rows per compat table (a table the file lacks counts 0). */
export function compatRowCounts(db: BetterSqlite3.Database): Record<string, number> {
  return Object.fromEntries(COMPAT_TABLE_NAMES.map((t) => [t, tableExists(db, t) ? (db.prepare(`SELECT COUNT(*) FROM ${t}`).pluck().get() as number) : 0]));
}

function tableExists(db: BetterSqlite3.Database, name: string): boolean {
  return !!db.prepare("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?").get(name);
}

function columnNames(db: BetterSqlite3.Database, table: string): string[] {
  return (db.prepare('SELECT name FROM pragma_table_info(?)').all(table) as Array<{ name: string }>).map((r) => r.name);
}

/** Column names and declared types of a CREATE TABLE text (ours, so a simple line parse is enough). */
function declaredColumns(ddl: string): Array<{ name: string; decl: string }> {
  return ddl
    .split('\n')
    .slice(1)
    .map((l) => l.trim().replace(/,$/, ''))
    .filter((l) => /^[a-z_]+ [A-Z]/.test(l))
    .map((l) => ({ name: l.split(' ')[0], decl: l }));
}

/** True when test_runs carries a UNIQUE key on (run_date, hardware) without machine_name (the original's old DDL). */
function hasOldRunKey(db: BetterSqlite3.Database): boolean {
  const indexes = db.prepare("SELECT name FROM pragma_index_list('test_runs') WHERE \"unique\" = 1").all() as Array<{ name: string }>;
  return indexes.some((ix) => {
    const cols = (db.prepare('SELECT name FROM pragma_index_info(?)').all(ix.name) as Array<{ name: string }>).map((c) => c.name);
    return cols.length === 2 && cols.includes('run_date') && cols.includes('hardware');
  });
}

/**
 * Rebuilds a compat table with our DDL, copying every row (columns both sides share). Used for the
 * old `UNIQUE(run_date, hardware)` key, which cannot be altered in place.
 */
function rebuildTable(db: BetterSqlite3.Database, table: string): void {
  const keep = columnNames(db, table).filter((c) => declaredColumns(COMPAT_TABLES[table]).some((d) => d.name === c));
  const cols = keep.map((c) => `"${c}"`).join(', ');
  db.exec(`ALTER TABLE ${table} RENAME TO ${table}__old`);
  db.exec(COMPAT_TABLES[table]);
  db.exec(`INSERT INTO ${table} (${cols}) SELECT ${cols} FROM ${table}__old`);
  db.exec(`DROP TABLE ${table}__old`);
}

const compatTables: Migration = {
  version: 1,
  name: 'compat tables (create, or upgrade a DB written by the original)',
  up(db) {
    for (const [table, ddl] of Object.entries(COMPAT_TABLES)) {
      if (!tableExists(db, table)) {
        db.exec(ddl);
        continue;
      }
      // Original DBs grew columns over time: add any the file lacks, keeping every row.
      const have = new Set(columnNames(db, table));
      for (const col of declaredColumns(ddl)) {
        if (!have.has(col.name)) {
          // SQLite refuses non-constant defaults in ADD COLUMN; timestamps get NULL for old rows.
          db.exec(`ALTER TABLE ${table} ADD COLUMN ${col.decl.replace(/ DEFAULT CURRENT_TIMESTAMP/, '')}`);
        }
      }
    }
    if (hasOldRunKey(db)) {
      // Children reference test_runs(id); ids are copied unchanged and legacy rename keeps their
      // REFERENCES pointing at "test_runs", so the references stay valid.
      db.pragma('legacy_alter_table = ON');
      rebuildTable(db, 'test_runs');
      db.pragma('legacy_alter_table = OFF');
    }
    for (const sql of COMPAT_INDEXES) db.exec(sql);
  },
};

const extensionTables: Migration = {
  version: 2,
  name: 'extension tables (provenance, corrected facts, metrics, upstream, alerts, perf, srt)',
  up(db) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS ingest_runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        command TEXT,
        base_dir TEXT,
        layout TEXT,
        source_commit TEXT,
        tool_version TEXT,
        dates_ok INTEGER DEFAULT 0,
        dates_failed INTEGER DEFAULT 0,
        status TEXT NOT NULL DEFAULT 'running'
      );
      CREATE TABLE IF NOT EXISTS ingest_issues (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        ingest_run_id INTEGER REFERENCES ingest_runs(id) ON DELETE CASCADE,
        run_date TEXT,
        hardware TEXT,
        severity TEXT NOT NULL,
        code TEXT NOT NULL,
        rel_path TEXT,
        message TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS idx_ingest_issues_run ON ingest_issues(ingest_run_id);
      CREATE INDEX IF NOT EXISTS idx_ingest_issues_date_hw ON ingest_issues(run_date, hardware);

      CREATE TABLE IF NOT EXISTS run_meta (
        test_run_id INTEGER PRIMARY KEY REFERENCES test_runs(id) ON DELETE CASCADE,
        ingest_run_id INTEGER REFERENCES ingest_runs(id) ON DELETE SET NULL,
        layout TEXT,
        machine_source TEXT,
        started_at TEXT,
        started_at_source TEXT,
        docker_image_own TEXT,
        docker_required_missing INTEGER,
        docker_optional_missing INTEGER,
        docker_check_format TEXT,
        detail_tree_url TEXT,
        cron_dir_present INTEGER
      );
      CREATE TABLE IF NOT EXISTS task_meta (
        benchmark_result_id INTEGER PRIMARY KEY REFERENCES benchmark_results(id) ON DELETE CASCADE,
        task_exists INTEGER,
        source TEXT,
        source_rel_path TEXT,
        result_dir TEXT,
        rule_id TEXT,
        gsm8k_threshold REAL,
        below_threshold INTEGER,
        skipped_reason TEXT,
        note TEXT,
        failing_line TEXT
      );
      CREATE TABLE IF NOT EXISTS sanity_models (
        test_run_id INTEGER NOT NULL REFERENCES test_runs(id) ON DELETE CASCADE,
        model_name TEXT NOT NULL,
        status TEXT,
        mean_accuracy REAL,
        best_accuracy REAL,
        threshold REAL,
        trials INTEGER,
        source_rel_path TEXT,
        PRIMARY KEY (test_run_id, model_name)
      );
      CREATE TABLE IF NOT EXISTS benchmark_metrics (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        test_run_id INTEGER NOT NULL REFERENCES test_runs(id) ON DELETE CASCADE,
        benchmark_name TEXT NOT NULL,
        result_dir TEXT NOT NULL,
        source TEXT NOT NULL,
        load_kind TEXT NOT NULL,
        load_value INTEGER NOT NULL,
        metric TEXT NOT NULL,
        value REAL,
        UNIQUE(test_run_id, benchmark_name, result_dir, source, load_kind, load_value, metric)
      );
      CREATE INDEX IF NOT EXISTS idx_benchmark_metrics_run ON benchmark_metrics(test_run_id);
      CREATE INDEX IF NOT EXISTS idx_benchmark_metrics_series ON benchmark_metrics(benchmark_name, metric, load_kind, load_value);
      CREATE TABLE IF NOT EXISTS plot_assets (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        hardware TEXT NOT NULL,
        model TEXT NOT NULL,
        mode TEXT NOT NULL,
        run_date TEXT NOT NULL,
        suffix TEXT,
        file_name TEXT NOT NULL,
        rel_path TEXT NOT NULL,
        bytes INTEGER,
        UNIQUE(hardware, model, mode, file_name)
      );
      CREATE INDEX IF NOT EXISTS idx_plot_assets_hw_date ON plot_assets(hardware, run_date);
      CREATE TABLE IF NOT EXISTS upstream_ci_reports (
        report_date TEXT PRIMARY KEY,
        file_name TEXT NOT NULL,
        format TEXT NOT NULL,
        amd_total INTEGER,
        nvidia_total INTEGER,
        coverage_pct REAL
      );
      CREATE TABLE IF NOT EXISTS upstream_ci_rows (
        report_date TEXT NOT NULL REFERENCES upstream_ci_reports(report_date) ON DELETE CASCADE,
        row_index INTEGER NOT NULL,
        section TEXT NOT NULL,
        test_category TEXT NOT NULL,
        amd_tests INTEGER,
        nvidia_tests INTEGER,
        coverage_text TEXT,
        coverage_pct REAL,
        PRIMARY KEY (report_date, row_index)
      );
      CREATE TABLE IF NOT EXISTS alert_events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL,
        run_date TEXT NOT NULL,
        hardware TEXT NOT NULL,
        machine_name TEXT NOT NULL DEFAULT '',
        subject TEXT NOT NULL,
        metric TEXT NOT NULL DEFAULT '',
        load_value INTEGER NOT NULL DEFAULT -1,
        current_value REAL,
        baseline_value REAL,
        baseline_desc TEXT,
        delta_pct REAL,
        state TEXT NOT NULL DEFAULT 'new',
        note TEXT,
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S','now')),
        updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S','now')),
        UNIQUE(kind, run_date, hardware, machine_name, subject, metric, load_value)
      );
      CREATE INDEX IF NOT EXISTS idx_alert_events_date ON alert_events(run_date, hardware);
      CREATE TABLE IF NOT EXISTS digest_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        run_date TEXT NOT NULL,
        hardware TEXT NOT NULL,
        channel TEXT NOT NULL,
        sent_at TEXT,
        status TEXT NOT NULL,
        payload_rel_path TEXT
      );
      CREATE TABLE IF NOT EXISTS perf_runs (
        run_id TEXT PRIMARY KEY,
        run_date TEXT,
        commit_sha TEXT,
        branch TEXT,
        source_file TEXT,
        imported_at TEXT
      );
      CREATE TABLE IF NOT EXISTS perf_results (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id TEXT NOT NULL REFERENCES perf_runs(run_id) ON DELETE CASCADE,
        gpu_config TEXT,
        partition TEXT,
        model TEXT,
        variant TEXT,
        server_args TEXT,
        batch_size INTEGER,
        input_len INTEGER,
        output_len INTEGER,
        latency_ms REAL,
        input_throughput REAL,
        output_throughput REAL,
        overall_throughput REAL,
        ttft_ms REAL,
        acc_length REAL,
        UNIQUE(run_id, gpu_config, partition, model, variant, server_args, batch_size, input_len, output_len)
      );
      CREATE TABLE IF NOT EXISTS srt_runs (
        job_id TEXT PRIMARY KEY,
        job_name TEXT,
        run_dir TEXT,
        run_ts TEXT,
        metadata_format TEXT,
        topology TEXT,
        mode TEXT,
        gpu_type TEXT,
        gpus_per_node INTEGER,
        gpus_total INTEGER,
        prefill_nodes INTEGER,
        decode_nodes INTEGER,
        agg_nodes INTEGER,
        prefill_workers INTEGER,
        decode_workers INTEGER,
        agg_workers INTEGER,
        container TEXT,
        framework_version TEXT,
        backend_type TEXT,
        frontend_type TEXT,
        model TEXT,
        precision TEXT,
        isl INTEGER,
        osl INTEGER,
        profiler TEXT,
        expected_concurrencies TEXT,
        missing_concurrencies TEXT,
        status TEXT NOT NULL,
        status_reason TEXT,
        metadata_json TEXT,
        config_json TEXT,
        fingerprint TEXT,
        tags_edited_at TEXT,
        imported_at TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS idx_srt_runs_filters ON srt_runs(gpu_type, topology, isl, osl);
      CREATE TABLE IF NOT EXISTS srt_points (
        job_id TEXT NOT NULL REFERENCES srt_runs(job_id) ON DELETE CASCADE,
        concurrency INTEGER NOT NULL,
        result_file TEXT NOT NULL,
        gpus INTEGER,
        duration REAL,
        completed INTEGER,
        num_prompts INTEGER,
        total_input_tokens INTEGER,
        total_output_tokens INTEGER,
        request_throughput REAL,
        request_goodput REAL,
        output_throughput REAL,
        peak_output_tokens_per_s REAL,
        total_token_throughput REAL,
        output_tps_per_gpu REAL,
        total_tps_per_gpu REAL,
        tps_per_user REAL,
        mean_ttft_ms REAL,
        median_ttft_ms REAL,
        std_ttft_ms REAL,
        p99_ttft_ms REAL,
        mean_tpot_ms REAL,
        median_tpot_ms REAL,
        std_tpot_ms REAL,
        p99_tpot_ms REAL,
        mean_itl_ms REAL,
        median_itl_ms REAL,
        std_itl_ms REAL,
        p99_itl_ms REAL,
        mean_e2el_ms REAL,
        median_e2el_ms REAL,
        std_e2el_ms REAL,
        p99_e2el_ms REAL,
        PRIMARY KEY (job_id, concurrency)
      );
      CREATE TABLE IF NOT EXISTS srt_tags (
        job_id TEXT NOT NULL REFERENCES srt_runs(job_id) ON DELETE CASCADE,
        tag TEXT NOT NULL,
        source TEXT NOT NULL DEFAULT 'file',
        PRIMARY KEY (job_id, tag)
      );
      CREATE TABLE IF NOT EXISTS srt_node_metrics (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        job_id TEXT NOT NULL REFERENCES srt_runs(job_id) ON DELETE CASCADE,
        log_file TEXT NOT NULL,
        node TEXT NOT NULL,
        worker_type TEXT NOT NULL,
        worker_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        ts TEXT NOT NULL,
        dp_rank INTEGER,
        tp_rank INTEGER,
        ep_rank INTEGER,
        pp_rank INTEGER,
        new_seq INTEGER,
        new_token INTEGER,
        cached_token INTEGER,
        num_token INTEGER,
        token_usage REAL,
        preallocated_usage REAL,
        running_req INTEGER,
        queue_req INTEGER,
        prealloc_req INTEGER,
        inflight_req INTEGER,
        transfer_req INTEGER,
        input_throughput REAL,
        gen_throughput REAL,
        avail_mem_gb REAL,
        mem_usage_gb REAL,
        kv_size_gb REAL,
        kv_tokens INTEGER
      );
      CREATE INDEX IF NOT EXISTS idx_srt_node_metrics_job ON srt_node_metrics(job_id, kind, worker_type);
    `);
  },
};

const metricSeriesIndex: Migration = {
  version: 3,
  name: 'benchmark_metrics: index by run and metric (one chart and the nightly scan read only their series)',
  up(db) {
    // (test_run_id, metric, benchmark_name) serves every read that starts from the runs of a window;
    // it also covers what the plain test_run_id index did, so that one goes.
    db.exec(`
      CREATE INDEX IF NOT EXISTS idx_benchmark_metrics_run_metric ON benchmark_metrics(test_run_id, metric, benchmark_name);
      DROP INDEX IF EXISTS idx_benchmark_metrics_run;
    `);
  },
};

const noLogsAndDatabaseMeta: Migration = {
  version: 4,
  name: 'run_meta.no_logs (a night the CI ran but this machine left no logs for); database_meta key/value (marks a sample DB)',
  up(db) {
    if (!columnNames(db, 'run_meta').includes('no_logs')) db.exec('ALTER TABLE run_meta ADD COLUMN no_logs INTEGER');
    db.exec('CREATE TABLE IF NOT EXISTS database_meta (key TEXT PRIMARY KEY, value TEXT)');
  },
};

/**
 * SQL for the importer's count rule on a `{jobid}.json` value: a non-negative whole JSON number, or a
 * string of digits (spaces around allowed); anything else is NULL.
 */
function jsonCount(column: string, jsonPath: string): string {
  const type = `json_type(${column}, '${jsonPath}')`;
  const value = `json_extract(${column}, '${jsonPath}')`;
  const text = `trim(${value}, ' ' || char(9, 10, 11, 12, 13))`;
  return `CASE
    WHEN ${type} IN ('integer', 'real') AND ${value} >= 0 AND ${value} = CAST(${value} AS INTEGER) THEN CAST(${value} AS INTEGER)
    WHEN ${type} = 'text' AND ${text} <> '' AND ${text} NOT GLOB '*[^0-9]*' THEN CAST(${text} AS INTEGER)
  END`;
}

const srtGpusPerWorker: Migration = {
  version: 5,
  name: 'srt_runs: GPUs per prefill/decode/agg worker, parsed at import (pages no longer re-parse metadata_json)',
  up(db) {
    const columns = ['prefill', 'decode', 'agg'];
    db.exec(columns.map((w) => `ALTER TABLE srt_runs ADD COLUMN gpus_per_${w} INTEGER;`).join('\n'));
    // Only the flat v2.0 format carries them (resources.gpus_per_*); legacy runs keep NULL, as the importer writes.
    db.exec(`UPDATE srt_runs SET ${columns.map((w) => `gpus_per_${w} = ${jsonCount('metadata_json', `$.resources.gpus_per_${w}`)}`).join(', ')}
      WHERE metadata_format = 'v2' AND json_valid(metadata_json)`);
  },
};

/** Every migration, in order. Later issues append new versions here; never edit a released one. */
const taskFailures: Migration = {
  version: 6,
  name: 'task_failures: the cause and decisive log lines of every failing task (issue 15)',
  up(db) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS task_failures (
        test_run_id INTEGER NOT NULL REFERENCES test_runs(id) ON DELETE CASCADE,
        task_name TEXT NOT NULL,
        category TEXT NOT NULL,
        rule TEXT NOT NULL,
        summary TEXT NOT NULL,
        excerpt TEXT NOT NULL,
        file TEXT NOT NULL,
        line INTEGER NOT NULL,
        PRIMARY KEY (test_run_id, task_name)
      );
      CREATE INDEX IF NOT EXISTS idx_task_failures_task ON task_failures(task_name, category);
    `);
  },
};

const alertEventImages: Migration = {
  version: 7,
  name: 'alert_events: the docker image of the night and of its baseline (an /alerts item shows a release change)',
  up(db) {
    // New nullable columns only: scripts and canned queries keep reading the columns they know.
    const have = columnNames(db, 'alert_events');
    if (!have.includes('docker_image')) db.exec('ALTER TABLE alert_events ADD COLUMN docker_image TEXT');
    if (!have.includes('baseline_docker_image')) db.exec('ALTER TABLE alert_events ADD COLUMN baseline_docker_image TEXT');
  },
};

const taskStatesView: Migration = {
  version: 8,
  name: 'task_states view: one display state per task and sanity model, the words the pages use (explorer queries read it)',
  up(db) {
    db.exec(`DROP VIEW IF EXISTS task_states; CREATE VIEW task_states AS ${TASK_STATES_VIEW_SQL}`);
  },
};

/**
 * The original system wrote a full row set, every task unknown, for a night whose tree held nothing for
 * a hardware (SPEC §4.1) and kept no run_meta. Our ingest marks such a run no_logs; runs the original
 * wrote get the same mark here, so that a pulled production DB reads "no logs", not "partial" (issue
 * 16.1); so do such runs of our builds before migration 4 (run_meta without the mark). Only runs that
 * measured nothing qualify: a `not run` task, a runtime, a GSM8K figure or a sanity verdict each come from a log.
 */
const originalNoLogsRuns: Migration = {
  version: 9,
  name: "run_meta.no_logs for the original system's placeholder runs (every task unknown, nothing measured)",
  up(db) {
    const nothingMeasured = `EXISTS (SELECT 1 FROM benchmark_results b WHERE b.test_run_id = t.id)
        AND NOT EXISTS (SELECT 1 FROM benchmark_results b WHERE b.test_run_id = t.id
          AND (b.status <> 'unknown' OR b.runtime_minutes IS NOT NULL OR b.gsm8k_accuracy IS NOT NULL))
        AND NOT EXISTS (SELECT 1 FROM sanity_check_results s WHERE s.test_run_id = t.id AND s.status IN ('pass', 'fail'))`;
    // docker_image_own repeats the run's image: with a run_meta row, readers take the image from there.
    db.exec(`
      INSERT INTO run_meta (test_run_id, no_logs, docker_image_own)
      SELECT t.id, 1, t.docker_image FROM test_runs t
      WHERE NOT EXISTS (SELECT 1 FROM run_meta m WHERE m.test_run_id = t.id) AND ${nothingMeasured}
    `);
    // Builds before migration 4 wrote run_meta without the mark (and placeholder runs for nights
    // with no input at all); one whose cron folder was absent and that measured nothing gets it now.
    db.exec(`
      UPDATE run_meta SET no_logs = 1
      WHERE no_logs IS NULL AND COALESCE(cron_dir_present, 0) = 0
        AND test_run_id IN (SELECT t.id FROM test_runs t WHERE ${nothingMeasured})
    `);
  },
};

export const MIGRATIONS: Migration[] = [compatTables, extensionTables, metricSeriesIndex, noLogsAndDatabaseMeta, srtGpusPerWorker, taskFailures, alertEventImages, taskStatesView, originalNoLogsRuns];

export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

export function currentSchemaVersion(db: BetterSqlite3.Database): number {
  if (!tableExists(db, 'schema_migrations')) return tableExists(db, 'test_runs') ? 0 : -1;
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null };
  return row.v ?? 0;
}

/**
 * Applies pending migrations, each in its own transaction. Returns the versions applied.
 * Throws when the file is newer than this build (never downgrade).
 */
export function migrate(db: BetterSqlite3.Database): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT)`);
  const current = currentSchemaVersion(db);
  if (current > LATEST_SCHEMA_VERSION) {
    throw new Error(`database schema version ${current} is newer than this build supports (${LATEST_SCHEMA_VERSION}); upgrade ci-dash`);
  }
  const applied: number[] = [];
  // PRAGMA foreign_keys cannot change inside a transaction; table rebuilds need it off.
  db.pragma('foreign_keys = OFF');
  try {
    for (const m of MIGRATIONS) {
      if (m.version <= current) continue;
      db.transaction(() => {
        m.up(db);
        db.prepare("INSERT INTO schema_migrations (version, applied_at) VALUES (?, strftime('%Y-%m-%d %H:%M:%S','now'))").run(m.version);
      })();
      applied.push(m.version);
    }
  } finally {
    db.pragma('foreign_keys = ON');
  }
  return applied;
}
