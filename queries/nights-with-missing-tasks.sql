-- @title Nights with missing tasks
-- @description Runs where some tasks did not run or left no verdict, with the names of those tasks.
-- @param hw hardware = mi30x  Hardware
-- @param limit integer(1..1000) = 30  Rows
SELECT tr.run_date, tr.machine_name, tr.total_tasks, tr.not_run, tr.unknown_tasks,
       GROUP_CONCAT(CASE WHEN br.status = 'not run' THEN br.benchmark_name END, '; ') AS not_run_tasks,
       GROUP_CONCAT(CASE WHEN br.status = 'unknown' THEN br.benchmark_name END, '; ') AS unknown_tasks_list
FROM test_runs AS tr
LEFT JOIN benchmark_results AS br ON br.test_run_id = tr.id
WHERE tr.hardware = :hw AND (tr.not_run > 0 OR tr.unknown_tasks > 0)
GROUP BY tr.id
ORDER BY tr.run_date DESC, tr.machine_name
LIMIT :limit
