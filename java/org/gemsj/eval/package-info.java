/**
 * Evaluation and reporting.
 *
 * <p>A {@link org.gemsj.eval.Scorer} scores the whole catalogue per example; the {@link
 * org.gemsj.eval.Evaluator} ranks each target under the FULL protocol (all items, primary) and the
 * SAMPLED one (99 seeded random negatives), per task, into an {@link org.gemsj.eval.EvalResult}
 * of {@link org.gemsj.eval.RankingMetrics#KEYS}. Ties rank the target last among its equals.
 * Baselines: {@link org.gemsj.eval.Bm25Scorer} (search) and {@link org.gemsj.eval.PopularityScorer}
 * (rec). {@link org.gemsj.eval.MetricsJson} writes metrics.json, {@link org.gemsj.eval.TrainLog}
 * defines train_log.jsonl (written by {@link org.gemsj.eval.TrainLogWriter}), and {@link
 * org.gemsj.eval.ReportWriter} turns both into report.md with PNG plots.
 */
package org.gemsj.eval;
