package org.gemsj.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.gemsj.backbone.Backbone;
import org.gemsj.io.FileConfinement;
import org.gemsj.study.Study;
import org.gemsj.study.StudyBudget;
import org.gemsj.study.StudyMethod;
import org.gemsj.study.StudyOverrides;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** `gems study`: every method at the same budget over several seeds, with the conflict and retention analyses. */
@Command(name = "study", mixinStandardHelpOptions = true,
    description = "Quality study: gems, its ablations, galore, lora and full at the same budget over several seeds, "
        + "plus baselines, gradient conflict, knowledge retention and cost (writes OUT/study.json, OUT/study.md, "
        + "PNGs; each run in OUT/runs/). Rerun the same command to continue an interrupted study.")
final class StudyCommand implements Callable<Integer> {
  @Option(names = "--data", required = true, description = "dataset directory (docs/DATA.md)") Path data;
  @Option(names = "--out", required = true, description = "output directory") Path out;
  @Option(names = "--seeds", description = "seeds per method (default 3)") int seeds = 3;
  @Option(names = "--first-seed", description = "the first seed; the others follow it (default 1)") long firstSeed = 1;
  @Option(names = "--budget", description = "small (45 min on 2 idle cores for MovieLens-small), medium "
      + "(trains to a validation plateau, up to an hour a run) or full (default small)") String budget = "small";
  @Option(names = "--methods", description = "comma-separated subset of: gems, gems --decomposition complementary, "
      + "gems --decomposition complementary --gates running, gems --no-null-space, gems --single-subspace, galore, "
      + "lora, full (default all; StudyMethod.ALL)") String methods;
  @Option(names = "--backbone", paramLabel = "NAME|DIR",
      description = "minilm (default), bge-small, or a Hugging Face encoder directory (docs/TRAINING.md)")
  String backbone = "minilm";
  @Option(names = "--cache-dir", description = "null-space and item-embedding cache (default ~/.cache/gems-j)")
  Path cacheDir;
  @Option(names = "--jobs", description = "runs trained at once, each on one thread (default: one per core)")
  int jobs = Runtime.getRuntime().availableProcessors();
  @Option(names = "--steps", description = "override the budget's steps") Integer steps;
  @Option(names = "--batch-size", description = "override the budget's batch size") Integer batchSize;
  @Option(names = "--max-tokens", description = "override the budget's encoder input length") Integer maxTokens;
  @Option(names = "--history", description = "override the budget's history length") Integer history;
  @Option(names = "--eval-every", description = "override the budget's validation interval") Integer evalEvery;
  @Option(names = "--valid-limit", description = "override the budget's validation examples per task") Integer validLimit;
  @Option(names = "--refresh", description = "override the budget's basis-refresh interval") Integer refresh;
  @Option(names = "--set", paramLabel = "NAME=VALUE", description = "a `gems train` option for every run, e.g. "
      + "--set lr=1e-4 --set null-space-energy=0.99 (repeatable; for sweeps of one method)")
  List<String> sets = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    Map<String, String> options = new LinkedHashMap<>(); // the budget overrides as `gems train` options
    put(options, "--steps", steps);
    put(options, "--batch-size", batchSize);
    put(options, "--max-tokens", maxTokens);
    put(options, "--history", history);
    put(options, "--eval-every", evalEvery);
    put(options, "--valid-limit", validLimit);
    put(options, "--refresh", refresh);
    options.putAll(TrainOptionOverrides.parse(sets));
    List<String> described = new ArrayList<>();
    options.forEach((k, v) -> described.add(k + " " + v));
    StudyOverrides overrides = options.isEmpty() ? StudyOverrides.NONE
        : new StudyOverrides(String.join(" ", described), TrainOptionOverrides.settings(options));
    Study.Options study = new Study.Options(data, out, seeds, firstSeed, StudyBudget.parse(budget), overrides,
        methods == null ? StudyMethod.ALL : StudyMethod.parse(methods), Backbone.parse(backbone, FileConfinement.NONE), cacheDir, jobs);
    Study.Outcome outcome = new Study(study, System.out).run();
    System.out.println("study: wrote " + outcome.studyJson() + ", " + outcome.studyMd() + " and the plots");
    if (!outcome.failed().isEmpty()) {
      System.out.println("study: " + outcome.failed().size() + " run(s) failed: " + String.join("; ", outcome.failed()));
      return 1;
    }
    return 0;
  }

  private static void put(Map<String, String> m, String option, Integer value) {
    if (value != null) {
      if (value < 1) {
        throw new IllegalArgumentException(option + " must be >= 1, got " + value);
      }
      m.put(option, value.toString());
    }
  }
}
