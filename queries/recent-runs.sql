-- @title Recent Runs
-- @description The newest nightly runs of every hardware and machine, with their stored task counts.
-- @param limit integer(1..1000) = 10  Rows
SELECT id, run_date, hardware, machine_name, overall_status,
       total_tasks, passed_tasks, failed_tasks, unknown_tasks, not_run,
       docker_image, run_datetime_pt, updated_at
FROM test_runs
ORDER BY run_date DESC, hardware, machine_name
LIMIT :limit
