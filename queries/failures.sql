-- @title Failures
-- @description Failed tasks of any hardware, newest first, with the stored error text.
-- @param limit integer(1..1000) = 20  Rows
SELECT tr.run_date, tr.hardware, tr.machine_name, br.benchmark_name,
       br.runtime_minutes, br.error_message
FROM benchmark_results AS br
JOIN test_runs AS tr ON tr.id = br.test_run_id
WHERE br.status = 'fail'
ORDER BY tr.run_date DESC, tr.hardware, br.benchmark_name
LIMIT :limit
