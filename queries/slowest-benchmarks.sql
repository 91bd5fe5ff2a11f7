-- @title Slowest benchmarks
-- @description Task runs with the longest stored runtime on one hardware, with that task's average runtime on this hardware for context.
-- @param hw hardware = mi30x  Hardware
-- @param limit integer(1..1000) = 20  Rows
SELECT tr.run_date, tr.machine_name, br.benchmark_name, br.status, br.runtime_minutes,
       ROUND(AVG(br.runtime_minutes) OVER (PARTITION BY br.benchmark_name), 1) AS avg_runtime_minutes
FROM benchmark_results AS br
JOIN test_runs AS tr ON tr.id = br.test_run_id
WHERE tr.hardware = :hw AND br.runtime_minutes IS NOT NULL
ORDER BY br.runtime_minutes DESC, tr.run_date DESC
LIMIT :limit
