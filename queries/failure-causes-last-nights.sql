-- @title Causes of failures in the last nights
-- @description Why tasks failed over each hardware's newest N nights: the stored cause of every failing task
-- @description (category, one-line summary, the log file and line of the decisive lines), newest night first.
-- @param nights integer(1..90) = 7  Nights
-- @param hw text = ''  Hardware (empty = both)
WITH nights AS (
  SELECT hardware, run_date,
         DENSE_RANK() OVER (PARTITION BY hardware ORDER BY run_date DESC) AS night_rank
  FROM test_runs
)
SELECT tr.run_date, tr.hardware, tr.machine_name, tf.task_name, tf.category, tf.summary, tf.file, tf.line
FROM task_failures AS tf
JOIN test_runs AS tr ON tr.id = tf.test_run_id
JOIN nights AS n ON n.hardware = tr.hardware AND n.run_date = tr.run_date
WHERE n.night_rank <= :nights AND (:hw = '' OR tr.hardware = :hw)
ORDER BY tr.run_date DESC, tr.hardware, tf.category, tf.task_name
