package org.gemsj.study;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
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
import org.gemsj.train.TrainConfig;
import org.gemsj.worker.WorkerLauncher;

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
  /**
   * Each run computes on one thread and the study runs several at once: on a small shared machine,
   * multi-threaded libtorch/OpenBLAS runs that compete for cores spin-wait and slow down
   * several-fold, while single-threaded runs side by side keep every core busy (docs/RESULTS.md).
   * The study's own heap and stack settings apply to its runs too.
   */
  private static final WorkerLauncher WORKERS = WorkerLauncher.ofCurrentJvm(WorkerLauncher.currentMemoryOptions())
      .withEnvironment(Map.of("OMP_NUM_THREADS", "1", "OPENBLAS_NUM_THREADS", "1", "OMP_WAIT_POLICY", "PASSIVE"));

  /** One run of the plan, with the configuration it was (or will be) trained with. */
  private record Planned(StudyMethod method, long seed, Path dir, TrainConfig config) {}
  private static final ObjectMapper JSON = new ObjectMapper().findAndRegisterModules();

  /**
   * @param overrides settings that replace the budget's in every run
   * @param backbone the encoder every run starts from
   * @param cacheDir null: the trainer's default
   */
  public record Options(Path data, Path out, int seeds, long firstSeed, StudyBudget budget,
      StudyOverrides overrides, List<StudyMethod> methods, Backbone backbone, Path cacheDir, int jobs) {
    public Options {
      if (seeds < 1) {
        throw new IllegalArgumentException("--seeds must be >= 1, got " + seeds);
      }
      if (jobs < 1) {
        throw new IllegalArgumentException("--jobs must be >= 1, got " + jobs);
      }
      Objects.requireNonNull(backbone, "backbone");
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
    List<Planned> plan = new ArrayList<>(); // every config is checked here, before any run starts
    for (long seed : o.seedList()) { // seed-major: a partial study holds every method of its first seeds
      for (StudyMethod m : o.methods()) {
        Path dir = o.out().resolve("runs").resolve(m.slug()).resolve("seed-" + seed);
        plan.add(new Planned(m, seed, dir, config(m, seed, dir)));
      }
    }
    int history = plan.get(0).config().model().historyLength();
    int maxTokens = plan.get(0).config().model().maxTokens();
    Map<Path, Double> earlier = new LinkedHashMap<>(); // checked before any run starts: a mismatch fails at once
    for (Planned p : plan) {
      Double seconds = finishedEarlier(p.dir(), p.config());
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
          Double before = interruptedEarlier(p.dir(), p.config());
          log.printf("study: %s: %s (%s elapsed; output in %s)%n", what, before == null ? "training"
              : "resuming from its checkpoint", minutes(System.nanoTime() - started), p.dir().resolve(RUN_OUTPUT));
          seconds = train(p, before);
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
    Retention.Reference reference = Retention.reference(o.backbone(), maxTokens, dataset.items(),
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
    StudyReport report = new StudyReport(o, plan.get(0).config(), dataset, split, runs, reference, failed,
        (System.nanoTime() - started) / 1e9);
    return report.write();
  }

  /**
   * Wall seconds of a run that finished in an earlier invocation, or null. A finished run trained
   * with other settings (another budget, --set, dataset) is refused rather than mixed into the report.
   * A study directory that was moved keeps its runs (the dataset's path counts, unless the dataset
   * lies inside the run's directory; the cache directory does not).
   */
  private static Double finishedEarlier(Path dir, TrainConfig planned) throws IOException {
    Path record = dir.resolve(RUN_RECORD);
    RunDirectory run = new RunDirectory(dir);
    if (!Files.exists(record) || !Files.exists(run.metrics())) {
      return null;
    }
    JsonNode n = JSON.readTree(record.toFile());
    if (n.path("exit_code").asInt(-1) != 0) {
      return null;
    }
    List<String> differences = differences(run.readConfig().relocated(dir), planned.relocated(dir));
    if (!differences.isEmpty()) {
      throw new IllegalArgumentException(dir + " holds a finished run trained with other options ("
          + String.join("; ", differences) + "): give another --out, or delete that directory to retrain it");
    }
    return n.path("wall_seconds").asDouble();
  }

  /**
   * Wall seconds so far of a run that an earlier invocation started with the same settings but
   * did not finish (stopped or killed) and that left a checkpoint to resume; null otherwise.
   */
  private static Double interruptedEarlier(Path dir, TrainConfig planned) throws IOException {
    Path record = dir.resolve(RUN_RECORD);
    RunDirectory run = new RunDirectory(dir);
    if (!Files.exists(record) || run.checkpointStep().isEmpty()) {
      return null;
    }
    JsonNode n = JSON.readTree(record.toFile());
    return differences(run.readConfig().relocated(dir), planned.relocated(dir)).isEmpty()
        ? n.path("wall_seconds").asDouble(0) : null;
  }

  /**
   * The settings in which a run's saved configuration differs from the planned one, as
   * "lr 5.0E-5 there, 0.001 in this study"; empty when they are the same run.
   */
  static List<String> differences(TrainConfig saved, TrainConfig planned) {
    List<String> out = new ArrayList<>();
    ObjectNode there = JSON.valueToTree(saved), here = JSON.valueToTree(planned);
    for (String where : NOT_THE_RUN) {
      there.remove(where);
      here.remove(where);
    }
    differences("", there, here, out);
    return out;
  }

  /** Settings that say where a run keeps its caches, not what it computes: a study moved to another HOME keeps its runs. */
  private static final List<String> NOT_THE_RUN = List.of("cacheDir");

  private static void differences(String prefix, JsonNode there, JsonNode here, List<String> out) {
    Set<String> names = new TreeSet<>();
    there.fieldNames().forEachRemaining(names::add);
    here.fieldNames().forEachRemaining(names::add);
    for (String name : names) {
      JsonNode a = there.path(name), b = here.path(name);
      if (a.isObject() && b.isObject()) {
        differences(prefix + name + ".", a, b, out);
      } else if (!a.equals(b)) {
        out.add(prefix + name + " " + a + " there, " + b + " in this study");
      }
    }
  }

  /** The configuration of one run: the budget, then the method, then the overrides. */
  private TrainConfig config(StudyMethod m, long seed, Path dir) {
    TrainConfig.Builder b = TrainConfig.builder(o.data(), dir).seed(seed).backbone(o.backbone());
    if (o.cacheDir() != null) {
      b.cacheDir(o.cacheDir());
    }
    o.budget().preset.applyTo(b);
    m.settings().accept(b);
    o.overrides().settings().accept(b);
    try {
      return b.config();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(m.name() + ": " + e.getMessage(), e);
    }
  }

  /**
   * Trains one run, or continues it from its checkpoint when {@code before} (its wall seconds so
   * far) is not null; its total wall seconds, or null when it failed. The record is written before
   * the run starts, so a study killed mid-run resumes that run next time (the time of a segment
   * cut short by the kill is not counted; metrics.json's train_seconds is).
   */
  private Double train(Planned p, Double before) throws IOException, InterruptedException {
    Path dir = p.dir();
    Files.createDirectories(dir);
    double earlier = before == null ? 0 : before;
    writeRecord(p, null, earlier);
    File output = dir.resolve(RUN_OUTPUT).toFile();
    int conflictEvery = o.budget().conflictEvery;
    long start = System.nanoTime();
    Process process = before == null
        ? WORKERS.startFresh(p.config(), conflictEvery, List.of(), 1, dir, ProcessBuilder.Redirect.to(output))
        : WORKERS.startResume(dir, conflictEvery, List.of(), 1, dir, ProcessBuilder.Redirect.appendTo(output));
    int code = waitFor(process);
    double seconds = earlier + (System.nanoTime() - start) / 1e9;
    writeRecord(p, code, seconds);
    return code == 0 ? seconds : null;
  }

  /**
   * The exit status of a run's worker. The worker dies with the study: on the study's own exit (a
   * shutdown hook) and when the study stops its runs (another one failed, an interrupt).
   */
  private static int waitFor(Process p) throws InterruptedException {
    Thread reaper = new Thread(p::destroy);
    Runtime.getRuntime().addShutdownHook(reaper);
    try {
      return p.waitFor();
    } catch (InterruptedException e) {
      p.destroy();
      throw e;
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(reaper);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running already
      }
    }
  }

  private static void writeRecord(Planned p, Integer exitCode, double wallSeconds) throws IOException {
    Map<String, Object> record = new LinkedHashMap<>();
    if (exitCode != null) {
      record.put("exit_code", exitCode);
    }
    record.put("wall_seconds", wallSeconds);
    record.put("method", p.method().name()); // the settings are in the run's train_config.json
    record.put("seed", p.seed());
    AtomicFiles.write(p.dir().resolve(RUN_RECORD), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(record));
  }

  private static String minutes(long nanos) {
    long s = nanos / 1_000_000_000L;
    return String.format("%d:%02d", s / 60, s % 60);
  }
}
