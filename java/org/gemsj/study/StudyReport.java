package org.gemsj.study;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.gemsj.data.Dataset;
import org.gemsj.data.SplitData;
import org.gemsj.data.Task;
import org.gemsj.eval.RankingMetrics;
import org.gemsj.io.AtomicFiles;
import org.gemsj.train.TrainConfig;

/**
 * Aggregates the study's runs over seeds and writes OUT/study.json (every number), OUT/study.md
 * (the tables) and the PNGs: metrics.png (NDCG@10 with error bars), conflict-METHOD.png
 * (layers x steps heatmaps), retention.png.
 */
final class StudyReport {
  static final List<String> TASKS = List.of(Task.SEARCH.wire, Task.REC.wire);
  static final List<String> TABLE_KEYS = List.of("ndcg@10", "hr@10", "mrr@10", "ndcg@20");
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final Study.Options o;
  /** The settings the budget gives every run (the first run's configuration). */
  private final TrainConfig budget;
  private final Dataset dataset;
  private final SplitData split;
  private final Map<StudyMethod, List<RunRecord>> runs;
  private final Retention.Reference reference;
  private final List<String> failed;
  private final double seconds;
  /** Per method, the conflict of the applied updates (heatmaps) and of the raw gradients. */
  private final Map<StudyMethod, ConflictAnalysis> conflict = new LinkedHashMap<>();
  private final Map<StudyMethod, ConflictAnalysis> rawConflict = new LinkedHashMap<>();

  StudyReport(Study.Options o, TrainConfig budget, Dataset dataset, SplitData split,
      Map<StudyMethod, List<RunRecord>> runs, Retention.Reference reference, List<String> failed, double seconds) {
    this.o = o;
    this.budget = budget;
    this.dataset = dataset;
    this.split = split;
    this.runs = runs;
    this.reference = reference;
    this.failed = failed;
    this.seconds = seconds;
    runs.forEach((m, r) -> {
      conflict.put(m, ConflictAnalysis.of(r.stream().map(RunRecord::conflict).toList(), true));
      rawConflict.put(m, ConflictAnalysis.of(r.stream().map(RunRecord::conflict).toList(), false));
    });
  }

  Study.Outcome write() throws IOException {
    Path json = o.out().resolve("study.json"), md = o.out().resolve("study.md");
    AtomicFiles.write(json, JSON.writeValueAsBytes(json()));
    plots();
    AtomicFiles.write(md, markdown().getBytes(StandardCharsets.UTF_8));
    return new Study.Outcome(json, md, failed);
  }

  // ---- aggregation

  SeedStats stats(StudyMethod m, ToDoubleFunction<RunRecord> f) {
    return SeedStats.of(runs.getOrDefault(m, List.of()).stream().map(r -> f.applyAsDouble(r))
        .filter(Double::isFinite).toList());
  }

  private Map<String, Object> block(StudyMethod m, String block, boolean std) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (String task : TASKS) {
      Map<String, Double> keys = new LinkedHashMap<>();
      for (String k : RankingMetrics.KEYS) {
        SeedStats s = stats(m, r -> r.metric(block, task, k));
        keys.put(k, std ? s.std() : s.mean());
      }
      out.put(task, keys);
    }
    return out;
  }

  /** Baseline metric over the seeds' runs (identical per seed for full ranking; sampled varies). */
  private SeedStats baseline(String name, String task, String key, boolean sampled) {
    List<Double> v = new ArrayList<>();
    runs.values().forEach(list -> list.forEach(r -> {
      Map<String, Map<String, Double>> b = sampled ? sampledBaseline(r, name) : r.metrics().baselines().get(name);
      if (b != null && b.containsKey(task)) {
        v.add(b.get(task).get(key));
      }
    }));
    return SeedStats.of(v);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Map<String, Double>> sampledBaseline(RunRecord r, String name) {
    Object all = r.metrics().extra().get("sampled_baselines");
    return all instanceof Map<?, ?> m ? (Map<String, Map<String, Double>>) m.get(name) : null;
  }

  private List<String> baselineNames() {
    List<String> names = new ArrayList<>();
    runs.values().forEach(l -> l.forEach(r -> r.metrics().baselines().keySet().forEach(n -> {
      if (!names.contains(n)) {
        names.add(n);
      }
    })));
    return names;
  }

  /** "mean ± standard error" over seeds, or the mean and "(one seed)". */
  private static String seText(SeedStats s) {
    return s.n() < 2 ? String.format(Locale.ROOT, "%.4f (one seed)", s.mean())
        : String.format(Locale.ROOT, "%.4f ± %.4f", s.mean(), s.std() / Math.sqrt(s.n()));
  }

  /** Per seed, the run's mean conflict cosine of a series. */
  private SeedStats conflictStats(StudyMethod m, boolean applied) {
    return stats(m, r -> ConflictAnalysis.meanCosine(r.conflict(), applied));
  }

  private StudyMethod reference() {
    return runs.keySet().stream().filter(m -> m.name().equals("gems")).findFirst().orElse(null);
  }

  // ---- study.json

  /** The budget's settings, which every run shares (the methods set the others). */
  private Map<String, Object> budgetSettings() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("steps", budget.steps());
    m.put("batch_size", budget.batchSize());
    m.put("max_tokens", budget.model().maxTokens());
    m.put("history", budget.model().historyLength());
    m.put("eval_every", budget.evalEvery());
    m.put("valid_limit", budget.validLimit());
    m.put("refresh", budget.refreshInterval());
    m.put("checkpoint_every", budget.checkpointEvery());
    m.put("conflict_every", o.budget().conflictEvery);
    return m;
  }

  private String budgetText() {
    StringBuilder text = new StringBuilder();
    budgetSettings().forEach((k, v) -> text.append(text.length() == 0 ? "" : ", ").append(k.replace('_', ' '))
        .append(' ').append(v));
    return text + (o.overrides().description().isEmpty() ? "" : "; " + o.overrides().description());
  }

  private Map<String, Object> json() {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("data", o.data().toString());
    root.put("budget", o.budget().cliName());
    root.put("budget_settings", budgetSettings());
    root.put("overrides", o.overrides().description());
    root.put("backbone", o.backbone().label());
    root.put("seeds", o.seedList());
    root.put("study_seconds", seconds);
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("items", dataset.items().size());
    data.put("train_examples", split.train().size());
    data.put("valid_examples", split.valid().size());
    data.put("test_examples", split.test().size());
    root.put("dataset", data);
    Map<String, Object> methods = new LinkedHashMap<>();
    for (StudyMethod m : runs.keySet()) {
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("mean", block(m, "test", false));
      e.put("std", block(m, "test", true));
      e.put("sampled_mean", block(m, "sampled_test", false));
      e.put("sampled_std", block(m, "sampled_test", true));
      e.put("valid_mean", block(m, "valid", false));
      e.put("valid_std", block(m, "valid", true));
      e.put("cost", cost(m));
      e.put("retention", retention(m));
      e.put("conflict", conflict.get(m).json());
      e.put("conflict_raw", rawConflict.get(m).json());
      e.put("conflict_mean_cosine", Map.of("raw", meanStd(conflictStats(m, false)),
          "applied", meanStd(conflictStats(m, true))));
      e.put("runs", runs.get(m).stream().map(RunRecord::json).toList());
      methods.put(m.name(), e);
    }
    root.put("methods", methods);
    Map<String, Object> baselines = new LinkedHashMap<>();
    for (String b : baselineNames()) {
      Map<String, Object> e = new LinkedHashMap<>();
      Map<String, Object> mean = new LinkedHashMap<>(), sampled = new LinkedHashMap<>();
      for (String task : TASKS) {
        if (baseline(b, task, "ndcg@10", false).n() > 0) {
          Map<String, Double> keys = new LinkedHashMap<>(), skeys = new LinkedHashMap<>();
          for (String k : RankingMetrics.KEYS) {
            keys.put(k, baseline(b, task, k, false).mean());
            skeys.put(k, baseline(b, task, k, true).mean());
          }
          mean.put(task, keys);
          sampled.put(task, skeys);
        }
      }
      e.put("mean", mean);
      e.put("sampled_mean", sampled);
      baselines.put(b, e);
    }
    root.put("baselines", baselines);
    root.put("differences_vs_gems", differences());
    Map<String, Object> ref = new LinkedHashMap<>();
    ref.put("heldout_sentences", reference.sentences().size());
    ref.put("intent_cases", reference.queries().size());
    ref.put("intent_pool_items", reference.poolDocuments().size());
    ref.put("intent_top", Retention.TOP);
    ref.put("intent_correct_before", reference.correctCount());
    root.put("retention_reference", ref);
    root.put("failed_runs", failed);
    return root;
  }

  private Map<String, Object> cost(StudyMethod m) {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("wall_seconds", meanStd(stats(m, RunRecord::wallSeconds)));
    c.put("train_seconds", meanStd(stats(m, r -> r.metrics().trainSeconds())));
    c.put("peak_rss_mb", meanStd(stats(m, RunRecord::peakRssMb)));
    c.put("optimizer_state_bytes", meanStd(stats(m, r -> r.optimizerStateBytes())));
    return c;
  }

  private Map<String, Object> retention(StudyMethod m) {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("heldout_cosine", meanStd(stats(m, r -> r.retention().drift())));
    c.put("intent_retention", meanStd(stats(m, r -> r.retention().intent())));
    c.put("intent_correct_share_after", meanStd(stats(m, r -> r.retention().correctShareAfter())));
    return c;
  }

  private static Map<String, Object> meanStd(SeedStats s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("mean", Double.isFinite(s.mean()) ? s.mean() : null);
    m.put("std", Double.isFinite(s.std()) ? s.std() : null);
    m.put("n", s.n());
    return m;
  }

  /** Per method and task: its test NDCG@10 minus gems's, the standard error, and whether it exceeds the noise. */
  private Map<String, Object> differences() {
    Map<String, Object> out = new LinkedHashMap<>();
    StudyMethod ref = reference();
    if (ref == null) {
      return out;
    }
    for (StudyMethod m : runs.keySet()) {
      if (m == ref) {
        continue;
      }
      Map<String, Object> tasks = new LinkedHashMap<>();
      for (String task : TASKS) {
        SeedStats a = stats(m, r -> r.metric("test", task, "ndcg@10"));
        SeedStats g = stats(ref, r -> r.metric("test", task, "ndcg@10"));
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("ndcg@10_diff", a.mean() - g.mean());
        d.put("standard_error", a.standardErrorOfDifference(g));
        d.put("exceeds_noise", a.exceedsNoise(g));
        tasks.put(task, d);
      }
      out.put(m.name(), tasks);
    }
    return out;
  }

  // ---- plots

  private void plots() throws IOException {
    List<String> categories = new ArrayList<>();
    runs.keySet().forEach(m -> categories.add(m.name()));
    List<String> baselines = baselineNames();
    categories.addAll(baselines);
    List<StudyPlots.Bars> series = new ArrayList<>();
    for (String task : TASKS) {
      List<Double> means = new ArrayList<>(), stds = new ArrayList<>();
      for (StudyMethod m : runs.keySet()) {
        SeedStats s = stats(m, r -> r.metric("test", task, "ndcg@10"));
        means.add(s.mean());
        stds.add(s.std());
      }
      for (String b : baselines) {
        SeedStats s = baseline(b, task, "ndcg@10", false);
        means.add(s.n() > 0 ? s.mean() : Double.NaN);
        stds.add(0.0);
      }
      series.add(new StudyPlots.Bars(task, means, stds));
    }
    StudyPlots.bars(o.out().resolve("metrics.png"), "Test NDCG@10 (full catalogue), mean ± std over "
        + o.seeds() + " seeds", "NDCG@10", categories, series);
    for (var e : conflict.entrySet()) {
      if (!e.getValue().isEmpty()) {
        StudyPlots.heatmap(o.out().resolve("conflict-" + e.getKey().slug() + ".png"), "Search vs rec cosine ("
            + e.getValue().series() + "), " + e.getKey().name() + ", mean over seeds", e.getValue());
      }
    }
    List<String> methods = runs.keySet().stream().map(StudyMethod::name).toList();
    List<StudyPlots.Bars> retention = new ArrayList<>();
    for (String what : List.of("heldout cosine", "intent retention")) {
      List<Double> means = new ArrayList<>(), stds = new ArrayList<>();
      for (StudyMethod m : runs.keySet()) {
        SeedStats s = stats(m, r -> what.startsWith("heldout") ? r.retention().drift() : r.retention().intent());
        means.add(s.mean());
        stds.add(s.std());
      }
      retention.add(new StudyPlots.Bars(what, means, stds));
    }
    StudyPlots.bars(o.out().resolve("retention.png"), "Knowledge retention (1 = as pretrained)", "share / cosine",
        methods, retention);
  }

  // ---- study.md

  private String markdown() {
    StringBuilder md = new StringBuilder();
    md.append("# GEMS-J quality study\n\n");
    md.append(String.format("Data `%s` (%d items; %d train / %d valid / %d test examples); budget `%s` (`%s`); "
        + "backbone %s; seeds %s; %.0f min.%n%n", o.data(), dataset.items().size(), split.train().size(),
        split.valid().size(), split.test().size(), o.budget().cliName(),
        budgetText(), o.backbone().label(), o.seedList(), seconds / 60));
    if (!failed.isEmpty()) {
      md.append("**Failed runs** (left out of every table): ").append(String.join("; ", failed)).append("\n\n");
    }
    md.append("## Test metrics, full-catalogue ranking (mean ± std over seeds)\n\n");
    metricTable(md, "test", true);
    md.append("\n## Test metrics, target among 99 sampled negatives (secondary)\n\n");
    metricTable(md, "sampled_test", false);
    md.append("\n## Validation (what selection may use)\n\n");
    metricTable(md, "valid", false);
    md.append("\n## Differences from gems, test NDCG@10\n\n");
    md.append("A difference counts when it exceeds twice its standard error over seeds.\n\n");
    md.append("| method | search Δ | rec Δ |\n| --- | --- | --- |\n");
    StudyMethod ref = reference();
    for (StudyMethod m : runs.keySet()) {
      if (ref == null || m == ref) {
        continue;
      }
      md.append("| ").append(m.name());
      for (String task : TASKS) {
        SeedStats a = stats(m, r -> r.metric("test", task, "ndcg@10"));
        SeedStats g = stats(ref, r -> r.metric("test", task, "ndcg@10"));
        md.append(" | ").append(a.differenceText(g));
      }
      md.append(" |\n");
    }
    md.append("\n## Gradient conflict (cosine between the search and rec signal per targeted weight)\n\n");
    md.append("`raw`: the task gradients (LoRA: its adapters' gradients); `applied`: the tasks' parts of the update "
        + "the optimizer applied (null space and subspace projections, gates, Adam's preconditioner). A negative "
        + "cosine is a conflict. Mean over layers and probes, then mean ± standard error over seeds; "
        + "`applied − raw` pairs each seed's two series.\n\n");
    md.append("| method | raw mean cos | applied mean cos | applied − raw | applied: attention mean cos / negative "
        + "| applied: FFN mean cos / negative |\n| --- | --- | --- | --- | --- | --- |\n");
    conflict.forEach((m, c) -> {
      if (c.isEmpty()) {
        return;
      }
      SeedStats paired = stats(m, r -> ConflictAnalysis.meanCosine(r.conflict(), true)
          - ConflictAnalysis.meanCosine(r.conflict(), false));
      Map<String, Double> a = c.byType().get("attention"), f = c.byType().get("ffn");
      md.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %.3f / %.0f%% | %.3f / %.0f%% |%n",
          m.name(), seText(conflictStats(m, false)), seText(conflictStats(m, true)), paired.pairedText(),
          a.get("mean_cosine"), 100 * a.get("negative_share"), f.get("mean_cosine"), 100 * f.get("negative_share")));
    });
    StudyMethod gems = reference();
    if (gems != null && !conflict.get(gems).isEmpty()) {
      md.append("\nApplied conflict against gems's (mean cosine, difference from gems):\n\n"
          + "| method | applied − gems applied | raw − gems applied |\n| --- | --- | --- |\n");
      for (StudyMethod m : conflict.keySet()) {
        if (m != gems && !conflict.get(m).isEmpty()) {
          md.append("| ").append(m.name()).append(" | ")
              .append(conflictStats(m, true).differenceText(conflictStats(gems, true))).append(" | ")
              .append(conflictStats(m, false).differenceText(conflictStats(gems, true))).append(" |\n");
        }
      }
    }
    md.append("\nHeatmaps: ");
    conflict.forEach((m, c) -> md.append(c.isEmpty() ? "" : "`conflict-" + m.slug() + ".png` "));
    md.append("\n\n## Knowledge retention\n\n");
    md.append(String.format("Held-out general English: %d sentences (mean cosine between pretrained and fine-tuned "
        + "embeddings). Intent: %d of %d held-out search cases had their target in the pretrained encoder's "
        + "top %d among %d pooled test targets; the share the fine-tuned encoder keeps there.%n%n",
        reference.sentences().size(), reference.correctCount(), reference.queries().size(), Retention.TOP,
        reference.poolDocuments().size()));
    md.append("| method | held-out cosine | intent retention | all cases in top " + Retention.TOP + " after |\n");
    md.append("| --- | --- | --- | --- |\n");
    for (StudyMethod m : runs.keySet()) {
      md.append(String.format("| %s | %s | %s | %s |%n", m.name(), pm(stats(m, r -> r.retention().drift())),
          pm(stats(m, r -> r.retention().intent())), pm(stats(m, r -> r.retention().correctShareAfter()))));
    }
    md.append("\n## Cost per run\n\n| method | wall s | train s | peak RSS MiB | optimizer state MiB |\n");
    md.append("| --- | --- | --- | --- | --- |\n");
    for (StudyMethod m : runs.keySet()) {
      md.append(String.format("| %s | %s | %s | %.0f | %.1f |%n", m.name(), pm0(stats(m, RunRecord::wallSeconds)),
          pm0(stats(m, r -> r.metrics().trainSeconds())), stats(m, RunRecord::peakRssMb).mean(),
          stats(m, r -> r.optimizerStateBytes()).mean() / 1048576.0));
    }
    md.append("\nPlots: `metrics.png`, `retention.png`, and the conflict heatmaps above.\n");
    return md.toString();
  }

  private void metricTable(StringBuilder md, String block, boolean withBaselines) {
    md.append("| method |");
    for (String task : TASKS) {
      for (String k : TABLE_KEYS) {
        md.append(' ').append(task).append(' ').append(k.toUpperCase().replace("NDCG", "NDCG")).append(" |");
      }
    }
    md.append("\n|---|").append("---|".repeat(TASKS.size() * TABLE_KEYS.size())).append('\n');
    for (StudyMethod m : runs.keySet()) {
      md.append("| ").append(m.name()).append(" |");
      for (String task : TASKS) {
        for (String k : TABLE_KEYS) {
          md.append(' ').append(pm(stats(m, r -> r.metric(block, task, k)))).append(" |");
        }
      }
      md.append('\n');
    }
    if (withBaselines) {
      for (String b : baselineNames()) {
        md.append("| ").append(b).append(" |");
        for (String task : TASKS) {
          for (String k : TABLE_KEYS) {
            SeedStats s = baseline(b, task, k, false);
            md.append(s.n() > 0 ? String.format(" %.4f |", s.mean()) : " – |");
          }
        }
        md.append('\n');
      }
    }
  }

  private static String pm(SeedStats s) {
    return s.n() == 0 || !Double.isFinite(s.mean()) ? "–" : String.format("%.4f ± %.4f", s.mean(), s.std());
  }

  private static String pm0(SeedStats s) {
    return s.n() == 0 ? "–" : String.format("%.0f ± %.0f", s.mean(), s.std());
  }
}
