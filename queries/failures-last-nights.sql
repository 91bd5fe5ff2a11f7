-- @title Failures in the last nights per hardware
-- @description For each hardware, how often each task failed over its newest N nights in the database
-- @description (nights counted per hardware, so a gap in ingest does not shrink the window).
-- @param nights integer(1..90) = 7  Nights
WITH nights AS (
  SELECT hardware, run_date,
         DENSE_RANK() OVER (PARTITION BY hardware ORDER BY run_date DESC) AS night_rank
  FROM test_runs
)
SELECT tr.hardware, br.benchmark_name,
       COUNT(DISTINCT tr.run_date) AS nights_failed,
       MIN(tr.run_date) AS first_failure,
       MAX(tr.run_date) AS last_failure
FROM benchmark_results AS br
JOIN test_runs AS tr ON tr.id = br.test_run_id
JOIN nights AS n ON n.hardware = tr.hardware AND n.run_date = tr.run_date
WHERE br.status = 'fail' AND n.night_rank <= :nights
GROUP BY tr.hardware, br.benchmark_name
ORDER BY tr.hardware, nights_failed DESC, br.benchmark_name
