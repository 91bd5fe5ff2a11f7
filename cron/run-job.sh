#!/usr/bin/env bash
# Runs one nightly CI job from cron and publishes its results (SPEC §5.1):
#
#   cron/run-job.sh [--no-ingest] <log-name> -- <command…>
#
# 1. computes the run date ONCE, at start, in America/Chicago (a job that runs past midnight
#    still belongs to the night it started);
# 2. runs <command…> with stdout+stderr, redacted, into cron/cron_log/{hw}/{date}/<log-name>;
# 3. runs `ci-dash ingest --date D --hardware $HARDWARE_TYPE` (skipped with --no-ingest, for jobs
#    that only upload: cleanup, digest) and `ci-dash sync push`; both take the shared lock
#    (LOCK_DIR/ci-dashboard.lock) themselves and their output goes to {date}/run-job.log;
# 4. exits with the job's status; when the job passed but ingest or push failed, with theirs.
#    Nothing is masked: every status is logged.
#
# Secrets (GITHUB_TOKEN, TEAMS_WEBHOOK_URL, …) come from an env file readable only by the CI user:
# CI_DASH_ENV_FILE (default ~/.config/ci-dash/env). Never put them on the crontab line.
#
# Environment: HARDWARE_TYPE (required), CI_TIMEZONE (default America/Chicago), CRON_LOG_DIR
# (default <project>/cron/cron_log), CI_DASH_BIN (default <project>/bin/ci-dash.js).
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PROJECT_ROOT="$(dirname "$SCRIPT_DIR")"

usage() {
  echo "usage: run-job.sh [--no-ingest] <log-name> -- <command…>" >&2
  exit 2
}

INGEST=1
while [[ $# -gt 0 && $1 == --* && $1 != -- ]]; do
  case "$1" in
    --no-ingest) INGEST=0 ;;
    --help|-h) sed -n '2,22p' "$0"; exit 0 ;;
    *) echo "run-job.sh: unknown option $1" >&2; usage ;;
  esac
  shift
done
[[ $# -ge 3 && $2 == -- ]] || usage
LOG_NAME="$1"
shift 2
[[ $LOG_NAME =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ ]] || { echo "run-job.sh: invalid log name '$LOG_NAME'" >&2; exit 2; }
[[ $LOG_NAME == *.log ]] || LOG_NAME="$LOG_NAME.log"

# Secrets: only from a file nobody else can read.
ENV_FILE="${CI_DASH_ENV_FILE:-${HOME:-/nonexistent}/.config/ci-dash/env}"
if [[ -n ${CI_DASH_ENV_FILE:-} && ! -f $ENV_FILE ]]; then
  echo "run-job.sh: CI_DASH_ENV_FILE=$ENV_FILE does not exist" >&2
  exit 2
fi
if [[ -f $ENV_FILE ]]; then
  mode="$(stat -c '%a' "$ENV_FILE")"
  if (( (8#$mode & 8#077) != 0 )); then
    echo "run-job.sh: refusing $ENV_FILE: readable by group or others (mode $mode); run chmod 600 on it" >&2
    exit 2
  fi
  if [[ "$(stat -c '%u' "$ENV_FILE")" != "$(id -u)" ]]; then
    echo "run-job.sh: refusing $ENV_FILE: not owned by the CI user $(id -un)" >&2
    exit 2
  fi
  set -a
  # shellcheck disable=SC1090
  source "$ENV_FILE"
  set +a
fi

: "${HARDWARE_TYPE:?run-job.sh: HARDWARE_TYPE must be set (mi30x or mi35x), in the env file or the crontab}"
[[ $HARDWARE_TYPE == mi30x || $HARDWARE_TYPE == mi35x ]] || { echo "run-job.sh: HARDWARE_TYPE must be mi30x or mi35x, got '$HARDWARE_TYPE'" >&2; exit 2; }

RUN_DATE="$(TZ="${CI_TIMEZONE:-America/Chicago}" date +%Y%m%d)"
LOG_DIR="${CRON_LOG_DIR:-$SCRIPT_DIR/cron_log}/$HARDWARE_TYPE/$RUN_DATE"
mkdir -p "$LOG_DIR"
JOB_LOG="$LOG_DIR/$LOG_NAME"
WRAPPER_LOG="$LOG_DIR/run-job.log"
CI_DASH_BIN="${CI_DASH_BIN:-$PROJECT_ROOT/bin/ci-dash.js}"
REDACT=(node "$SCRIPT_DIR/redact-log.js")
# A broken redactor would kill the job with SIGPIPE mid-run: check it before starting anything.
if ! echo ok | "${REDACT[@]}" >/dev/null 2>&1; then
  echo "run-job.sh: cannot run $SCRIPT_DIR/redact-log.js (node missing, or project not built: npm run build)" >&2
  exit 1
fi

note() {
  echo "[run-job] $(date -u '+%Y-%m-%d %H:%M:%S') UTC $LOG_NAME: $*" >>"$WRAPPER_LOG"
}

# Runs a ci-dash command with its output (redacted) in the wrapper log; returns its status.
ci_dash() {
  local status
  note "ci-dash $*"
  set +e
  "$CI_DASH_BIN" "$@" 2>&1 | "${REDACT[@]}" >>"$WRAPPER_LOG"
  status=${PIPESTATUS[0]}
  set -e
  note "ci-dash $1 exited $status"
  return "$status"
}

note "start (run date $RUN_DATE, hardware $HARDWARE_TYPE): $(printf '%q ' "$@" | "${REDACT[@]}")"
set +e
"$@" 2>&1 | "${REDACT[@]}" >>"$JOB_LOG"
JOB_STATUS=${PIPESTATUS[0]}
set -e
note "job exited $JOB_STATUS"

INGEST_STATUS=0
if (( INGEST )); then
  ci_dash ingest --date "$RUN_DATE" --hardware "$HARDWARE_TYPE" || INGEST_STATUS=$?
fi
PUSH_STATUS=0
ci_dash sync push || PUSH_STATUS=$?

FINAL=$JOB_STATUS
if (( FINAL == 0 )); then
  if (( INGEST_STATUS != 0 )); then FINAL=$INGEST_STATUS; elif (( PUSH_STATUS != 0 )); then FINAL=$PUSH_STATUS; fi
fi
note "done: job $JOB_STATUS, ingest $( (( INGEST )) && echo "$INGEST_STATUS" || echo skipped), push $PUSH_STATUS -> exit $FINAL"
exit "$FINAL"
