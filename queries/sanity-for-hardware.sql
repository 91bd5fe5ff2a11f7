-- @title Sanity
-- @description Per-model sanity check results of one hardware, newest first (accuracy is the stored mean, as a percentage).
-- @param hw hardware = mi30x  Hardware
-- @param limit integer(1..1000) = 20  Rows
SELECT tr.run_date, tr.machine_name, sc.model_name, sc.status,
       ROUND(sc.accuracy * 100, 1) AS accuracy_pct
FROM sanity_check_results AS sc
JOIN test_runs AS tr ON tr.id = sc.test_run_id
WHERE tr.hardware = :hw
ORDER BY tr.run_date DESC, tr.machine_name, sc.model_name
LIMIT :limit
