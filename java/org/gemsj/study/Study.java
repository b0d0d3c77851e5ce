package org.gemsj.study;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.gemsj.backbone.Backbone;
import org.gemsj.data.Dataset;
import org.gemsj.data.SplitData;
import org.gemsj.data.Splitter;
import org.gemsj.io.AtomicFiles;
import org.gemsj.model.GenerativeModel;
import org.gemsj.model.ModelStore;
import org.gemsj.train.RunDirectory;

/**
 * Runs the quality study: for each seed, each method trains at the same budget in its own JVM
 * into OUT/runs/METHOD/seed-S; then retention is measured on each saved model and the report is
 * written. A run that finished earlier (its metrics.json and study_run.json exist) is reused and a
 * run that was interrupted continues from its last checkpoint, so a study may be run in several
 * sittings; a run that failed is reported, not fatal.
 */
public final class Study {
  static final String RUN_RECORD = "study_run.json";
  static final String RUN_OUTPUT = "train.log";

  /** One run of the plan, with the `gems train` arguments it was (or will be) trained with. */
  private record Planned(StudyMethod method, long seed, Path dir, List<String> args) {}
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * @param overrides `gems train` options that replace the budget's (e.g. "--steps" -> "50")
   * @param backbone "minilm" or "bge-small"
   */
  public record Options(Path data, Path out, int seeds, long firstSeed, StudyBudget budget,
      Map<String, String> overrides, List<StudyMethod> methods, String backbone, Path cacheDir, int jobs) {
    public Options {
      if (seeds < 1) {
        throw new IllegalArgumentException("--seeds must be >= 1, got " + seeds);
      }
      if (jobs < 1) {
        throw new IllegalArgumentException("--jobs must be >= 1, got " + jobs);
      }
      Backbone.fromCli(backbone);
    }

    List<Long> seedList() {
      List<Long> s = new ArrayList<>();
      for (int i = 0; i < seeds; i++) {
        s.add(firstSeed + i);
      }
      return s;
    }
  }

  /** What the study produced; {@code failed} lists runs that ended with an error. */
  public record Outcome(Path studyJson, Path studyMd, List<String> failed) {}

  private final Options o;
  private final PrintStream log;

  public Study(Options options, PrintStream log) {
    this.o = options;
    this.log = log;
  }

  public Outcome run() throws IOException, InterruptedException {
    Dataset dataset = Dataset.load(o.data()); // a bad dataset fails here, before any run
    Files.createDirectories(o.out());
    int history = Integer.parseInt(o.budget().option("--history", o.overrides()));
    int maxTokens = Integer.parseInt(o.budget().option("--max-tokens", o.overrides()));
    List<Planned> plan = new ArrayList<>();
    for (long seed : o.seedList()) { // seed-major: a partial study holds every method of its first seeds
      for (StudyMethod m : o.methods()) {
        Path dir = o.out().resolve("runs").resolve(m.slug()).resolve("seed-" + seed);
        plan.add(new Planned(m, seed, dir, trainArgs(m, seed, dir)));
      }
    }
    Map<Path, Double> earlier = new LinkedHashMap<>(); // checked before any run starts: a mismatch fails at once
    for (Planned p : plan) {
      Double seconds = finishedEarlier(p.dir(), p.args());
      if (seconds != null) {
        earlier.put(p.dir(), seconds);
      }
    }
    long started = System.nanoTime();
    AtomicInteger done = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(o.jobs());
    List<Future<Double>> futures = new ArrayList<>(); // each run's wall seconds, null when it failed
    for (Planned p : plan) {
      futures.add(pool.submit(() -> {
        Double seconds = earlier.get(p.dir());
        String what = p.method().name() + ", seed " + p.seed();
        if (seconds != null) {
          log.printf("study: %s: finished earlier, reused (%d/%d)%n", what, done.incrementAndGet(), plan.size());
        } else {
          Double before = interruptedEarlier(p.dir(), p.args());
          log.printf("study: %s: %s (%s elapsed; output in %s)%n", what, before == null ? "training"
              : "resuming from its checkpoint", minutes(System.nanoTime() - started), p.dir().resolve(RUN_OUTPUT));
          seconds = train(p.dir(), p.args(), before);
          log.printf("study: %s: %s (%d/%d done, %s elapsed)%n", what, seconds == null ? "FAILED"
              : String.format("finished in %.0f s", seconds), done.incrementAndGet(), plan.size(),
              minutes(System.nanoTime() - started));
        }
        return seconds;
      }));
    }
    pool.shutdown();
    List<String> failed = new ArrayList<>(); // in plan order, whichever run ended first
    Map<Path, Double> wall = new HashMap<>();
    try {
      for (int i = 0; i < plan.size(); i++) {
        Planned p = plan.get(i);
        Double seconds = futures.get(i).get();
        if (seconds == null) {
          failed.add(p.method().name() + ", seed " + p.seed() + " (see " + p.dir().resolve(RUN_OUTPUT) + ")");
        } else {
          wall.put(p.dir(), seconds);
        }
      }
    } catch (ExecutionException e) {
      pool.shutdownNow();
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      throw new IllegalStateException("study run failed: " + e.getCause(), e.getCause());
    }
    Map<StudyMethod, List<Planned>> finished = new LinkedHashMap<>();
    for (StudyMethod m : o.methods()) { // tables in method order, runs in seed order
      for (Planned p : plan) {
        if (p.method() == m && wall.containsKey(p.dir())) {
          finished.computeIfAbsent(m, k -> new ArrayList<>()).add(p);
        }
      }
    }
    log.println("study: measuring knowledge retention of each model");
    SplitData split = Splitter.split(dataset, history);
    Retention.Reference reference = Retention.reference(Backbone.fromCli(o.backbone()), maxTokens, dataset.items(),
        split.test());
    Map<StudyMethod, List<RunRecord>> runs = new LinkedHashMap<>();
    for (var e : finished.entrySet()) {
      for (Planned p : e.getValue()) {
        try (GenerativeModel model = ModelStore.load(new RunDirectory(p.dir()).model())) {
          Retention.Result r = Retention.measure(reference, model);
          runs.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(RunRecord.read(e.getKey(), p.seed(), p.dir(),
              wall.get(p.dir()), r));
        }
      }
    }
    StudyReport report = new StudyReport(o, dataset, split, runs, reference, failed,
        (System.nanoTime() - started) / 1e9);
    return report.write();
  }

  /**
   * Wall seconds of a run that finished in an earlier invocation, or null. A finished run trained
   * with other options (another budget, --set, dataset) is refused rather than mixed into the report.
   */
  private static Double finishedEarlier(Path dir, List<String> args) throws IOException {
    Path record = dir.resolve(RUN_RECORD);
    if (!Files.exists(record) || !Files.exists(new RunDirectory(dir).metrics())) {
      return null;
    }
    JsonNode n = JSON.readTree(record.toFile());
    if (n.path("exit_code").asInt(-1) != 0) {
      return null;
    }
    List<String> earlier = new ArrayList<>();
    n.path("train_args").forEach(a -> earlier.add(a.asText()));
    if (!sameOptions(earlier, args)) {
      throw new IllegalArgumentException(dir + " holds a finished run trained with other options ("
          + String.join(" ", earlier) + "; this study would use " + String.join(" ", args)
          + "): give another --out, or delete that directory to retrain it");
    }
    return n.path("wall_seconds").asDouble();
  }

  /**
   * Wall seconds so far of a run that an earlier invocation started with the same arguments but
   * did not finish (stopped or killed) and that left a checkpoint to resume; null otherwise.
   */
  private static Double interruptedEarlier(Path dir, List<String> args) throws IOException {
    Path record = dir.resolve(RUN_RECORD);
    if (!Files.exists(record) || new RunDirectory(dir).checkpointStep().isEmpty()) {
      return null;
    }
    JsonNode n = JSON.readTree(record.toFile());
    List<String> earlier = new ArrayList<>();
    n.path("train_args").forEach(a -> earlier.add(a.asText()));
    return sameOptions(earlier, args) ? n.path("wall_seconds").asDouble(0) : null;
  }

  /**
   * Whether two `gems train` argument lists set the same options to the same values, in any
   * order (a flag followed by a token that is no flag takes it as its value).
   */
  static boolean sameOptions(List<String> a, List<String> b) {
    return options(a).equals(options(b));
  }

  private static Map<String, String> options(List<String> args) {
    Map<String, String> out = new HashMap<>();
    for (int i = 0; i < args.size(); i++) {
      String flag = args.get(i);
      boolean valued = i + 1 < args.size() && !args.get(i + 1).startsWith("--");
      out.put(flag, valued ? args.get(++i) : "");
    }
    return out;
  }

  /** The `gems train` arguments of one run. */
  private List<String> trainArgs(StudyMethod m, long seed, Path dir) {
    List<String> args = new ArrayList<>(List.of("--data", o.data().toString(), "--out", dir.toString(), "--overwrite",
        "--seed", Long.toString(seed), "--backbone", o.backbone(),
        "--conflict-every", Integer.toString(o.budget().conflictEvery)));
    if (o.cacheDir() != null) {
      args.addAll(List.of("--cache-dir", o.cacheDir().toString()));
    }
    args.addAll(m.trainArgs());
    args.addAll(o.budget().trainArgs(o.overrides()));
    return args;
  }

  /**
   * Trains one run, or continues it from its checkpoint when {@code before} (its wall seconds so
   * far) is not null; its total wall seconds, or null when it failed. The record is written before
   * the run starts, so a study killed mid-run resumes that run next time (the time of a segment
   * cut short by the kill is not counted; metrics.json's train_seconds is).
   */
  private Double train(Path dir, List<String> args, Double before) throws IOException, InterruptedException {
    Files.createDirectories(dir);
    double earlier = before == null ? 0 : before;
    writeRecord(dir, args, null, earlier);
    List<String> launch = before == null ? args : List.of("--resume", dir.toString(),
        "--conflict-every", Integer.toString(o.budget().conflictEvery));
    RunLauncher.Outcome r = RunLauncher.train(launch, dir.resolve(RUN_OUTPUT), before != null);
    writeRecord(dir, args, r.exitCode(), earlier + r.wallSeconds());
    return r.exitCode() == 0 ? earlier + r.wallSeconds() : null;
  }

  private static void writeRecord(Path dir, List<String> args, Integer exitCode, double wallSeconds)
      throws IOException {
    Map<String, Object> record = new LinkedHashMap<>();
    if (exitCode != null) {
      record.put("exit_code", exitCode);
    }
    record.put("wall_seconds", wallSeconds);
    record.put("train_args", args);
    AtomicFiles.write(dir.resolve(RUN_RECORD), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(record));
  }

  private static String minutes(long nanos) {
    long s = nanos / 1_000_000_000L;
    return String.format("%d:%02d", s / 60, s % 60);
  }
}
