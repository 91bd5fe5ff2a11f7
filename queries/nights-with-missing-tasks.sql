-- @title Nights with missing tasks
-- @description Runs where some tasks did not run, left no logs or no verdict, with the names of those tasks.
-- @description One state per task (the task_states view, the words the pages use): the counts add up to the tasks.
-- @param hw hardware = mi30x  Hardware
-- @param limit integer(1..1000) = 30  Rows
SELECT tr.run_date, tr.machine_name,
       COUNT(ts.state) AS tasks,
       SUM(ts.state = 'pass') AS passed,
       SUM(ts.state = 'fail') AS failed,
       SUM(ts.state = 'unknown') AS unknown,
       SUM(ts.state = 'not run') AS not_run,
       SUM(ts.state = 'no logs') AS no_logs,
       GROUP_CONCAT(CASE WHEN ts.state IN ('not run', 'no logs') THEN ts.task_name END, '; ') AS not_run_tasks,
       GROUP_CONCAT(CASE WHEN ts.state = 'unknown' THEN ts.task_name END, '; ') AS unknown_tasks_list
FROM test_runs AS tr
JOIN task_states AS ts ON ts.test_run_id = tr.id
WHERE tr.hardware = :hw
GROUP BY tr.id
HAVING SUM(ts.state IN ('unknown', 'not run', 'no logs')) > 0
ORDER BY tr.run_date DESC, tr.machine_name
LIMIT :limit
