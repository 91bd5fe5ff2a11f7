-- @title Benchmarks
-- @description Task results of one hardware joined with their run, newest first; GSM8K as a percentage.
-- @description `state` is the word the pages use (task_states view): a task whose job never ran is "not run".
-- @param hw hardware = mi30x  Hardware
-- @param limit integer(1..1000) = 20  Rows
SELECT tr.run_date, tr.machine_name, br.benchmark_name, ts.state,
       ROUND(br.gsm8k_accuracy * 100, 1) AS gsm8k_pct,
       br.runtime_minutes, br.error_message
FROM benchmark_results AS br
JOIN test_runs AS tr ON tr.id = br.test_run_id
JOIN task_states AS ts ON ts.test_run_id = br.test_run_id AND ts.task_name = br.benchmark_name
WHERE tr.hardware = :hw
ORDER BY tr.run_date DESC, tr.machine_name, br.benchmark_name
LIMIT :limit
