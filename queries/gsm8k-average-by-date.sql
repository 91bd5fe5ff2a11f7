-- @title GSM8K average by date and benchmark
-- @description Mean GSM8K accuracy (percent) per night and benchmark on one hardware, over all its machines.
-- @param hw hardware = mi30x  Hardware
-- @param limit integer(1..1000) = 30  Rows
SELECT tr.run_date, br.benchmark_name,
       ROUND(AVG(br.gsm8k_accuracy) * 100, 2) AS avg_gsm8k_pct,
       COUNT(*) AS results
FROM benchmark_results AS br
JOIN test_runs AS tr ON tr.id = br.test_run_id
WHERE tr.hardware = :hw AND br.gsm8k_accuracy IS NOT NULL
GROUP BY tr.run_date, br.benchmark_name
ORDER BY tr.run_date DESC, br.benchmark_name
LIMIT :limit
