-- @title GSM8K by model over time
-- @description Sanity-check GSM8K accuracy (percent, stored mean) per model and night on one hardware.
-- @description Leave the model empty for all models.
-- @param hw hardware = mi30x  Hardware
-- @param model text = '' Model (empty = all)
-- @param limit integer(1..1000) = 200  Rows
SELECT tr.run_date, tr.machine_name, sc.model_name,
       ROUND(sc.accuracy * 100, 1) AS accuracy_pct, sc.status
FROM sanity_check_results AS sc
JOIN test_runs AS tr ON tr.id = sc.test_run_id
WHERE tr.hardware = :hw AND (:model = '' OR sc.model_name = :model)
ORDER BY sc.model_name, tr.run_date, tr.machine_name
LIMIT :limit
