package org.gemsj.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.gemsj.data.Dataset;
import org.gemsj.data.Example;
import org.gemsj.data.SplitData;
import org.gemsj.data.Splitter;
import org.gemsj.data.Task;
import org.gemsj.eval.EvalResult;
import org.gemsj.eval.Evaluator;
import org.gemsj.eval.MetricsDoc;
import org.gemsj.eval.MetricsJson;
import org.gemsj.eval.MetricsTable;
import org.gemsj.eval.PopularityScorer;
import org.gemsj.eval.ReportWriter;
import org.gemsj.eval.TrainLog;
import org.gemsj.eval.TrainLogWriter;
import org.gemsj.io.AtomicFiles;
import org.gemsj.io.FileConfinement;
import org.gemsj.model.GenerativeModel;
import org.gemsj.nativeops.NativeLibrary;
import org.gemsj.model.ModelFactory;
import org.gemsj.model.ModelStore;
import org.gemsj.model.ParamFile;
import org.gemsj.model.Params;
import org.gemsj.optim.GemsOptimizer;
import org.gemsj.optim.TaskBatch;

/**
 * Fine-tunes the generative model on both tasks and evaluates it: baselines, null space,
 * mixed-task steps with one backward pass per task, validation with early stopping, atomic
 * checkpoints that resume exactly, then metrics.json, the saved model and report.md in OUT.
 */
public final class Trainer {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
      .findAndRegisterModules();

  private final TrainConfig config;
  private final RunDirectory run;
  private final PrintStream log;
  private long crashAfter = -1; // tests: simulate a crash right after this step's checkpoint
  private int conflictEvery; // 0: no gradient-conflict probe
  private FileConfinement confinement = FileConfinement.NONE;
  private volatile TrainListener listener = TrainListener.NONE;
  private volatile boolean stopRequested;
  private PrintStream progress = System.err;

  /** {@code log} receives the run's log lines (each also goes to the listener's {@code log} event). */
  public Trainer(TrainConfig config, PrintStream log) {
    config.check();
    NativeLibrary.load(); // libtorch and the threading policy (BlasThreads) before any work
    this.config = config;
    this.run = new RunDirectory(config.out());
    this.log = LogLines.tee(log, line -> listener.log(line));
  }

  /** Where an interrupted directory replacement leaves the previous copy ({@link AtomicFiles#replaceDirectory}). */
  private static Path old(Path f) {
    return f.resolveSibling(f.getFileName() + ".old");
  }

  /** Receives this run's progress events (replaces the previous listener); call before {@link #run}. */
  public Trainer listener(TrainListener listener) {
    this.listener = Objects.requireNonNull(listener, "listener");
    return this;
  }

  /** Where the progress bar is drawn (stderr by default; a service may pass a discarding stream). */
  public Trainer progressTo(PrintStream progress) {
    this.progress = Objects.requireNonNull(progress, "progress");
    return this;
  }

  /**
   * Asks a run to stop gracefully, from any thread (a listener, a signal handler): at the end of
   * the current step (or of the first step, when training has not begun yet) the trainer writes a
   * checkpoint and {@link #run} throws {@link TrainingStopped}. Once requested, it stays requested.
   */
  public void requestStop() {
    stopRequested = true;
  }

  /** Tests: end the run abruptly after step {@code step} (and its checkpoint, if one is due). */
  Trainer crashAfter(long step) {
    crashAfter = step;
    return this;
  }

  /**
   * Also writes OUT/conflict.jsonl: the per-weight cosine between the tasks' gradients (and
   * their contributions to the applied update) at step 1 and every {@code every} steps; 0 = off.
   * A measurement for the quality study, not part of the run's config: a resumed run probes only
   * when asked again (the study does), and drops the probes written after its checkpoint.
   */
  public Trainer probeConflict(int every) {
    if (every < 0) {
      throw new IllegalArgumentException("--conflict-every must be >= 0, got " + every);
    }
    conflictEvery = every;
    return this;
  }

  /**
   * Reads the dataset only through {@code c}: its files must resolve inside c's roots when they
   * are opened (a job server's data roots). A policy of this process, not part of the run's config.
   */
  public Trainer confineTo(FileConfinement c) {
    confinement = c;
    return this;
  }

  /** The config a run in {@code out} was started with (for --resume). */
  public static TrainConfig savedConfig(Path out) throws IOException {
    return new RunDirectory(out).readConfig();
  }

  /**
   * Runs training and the final evaluation; returns metrics.json's content. A fresh run into an
   * OUT that holds an earlier run's files is refused unless {@code overwrite} (then they are
   * deleted first; a dataset directory inside OUT stays).
   *
   * @throws TrainingStopped when {@link #requestStop()} ended training early (checkpoint written;
   *     {@code run(true, false)} on a Trainer of {@link #savedConfig} continues it)
   */
  public MetricsDoc run(boolean resume, boolean overwrite) throws IOException, TrainingStopped {
    Path out = config.out();
    if (!resume && !overwrite) {
      for (Path f : run.runFiles()) {
        if (Files.exists(f) || Files.exists(old(f))) {
          throw new IllegalArgumentException(out + " already holds a training run (" + f.getFileName() + "): continue it with "
              + "--resume " + out + ", or pass --overwrite to replace it, or choose another --out");
        }
      }
    }
    // everything the run reads is checked before anything is written into OUT: a bad dataset leaves OUT as it was
    log.println("gems: loading " + config.data());
    Dataset dataset = Dataset.load(config.data(), confinement);
    SplitData split = Splitter.split(dataset, config.model().historyLength());
    if (split.train().isEmpty()) {
      throw new IllegalArgumentException(config.data() + ": no training examples (every user needs at least "
          + Splitter.MIN_EVENTS + " events of a task)");
    }
    Files.createDirectories(out);
    if (!resume) {
      for (Path f : run.runFiles()) {
        AtomicFiles.deleteTree(f); // only with --overwrite is there anything to delete
        AtomicFiles.deleteTree(old(f));
      }
      run.writeConfig(config);
    }
    log.printf("gems: %d items, %d train / %d valid / %d test examples%n", dataset.items().size(),
        split.train().size(), split.valid().size(), split.test().size());
    log.println("gems: building the model (" + config.model().backbone().cliName + " encoder, "
        + config.model().ids().name().toLowerCase() + " ids)");
    List<EvalResult> baselines;
    TrainState state;
    long optimizerBytes;
    ModelFactory.Built built = ModelFactory.build(config.model(), dataset.items(), config.seed(), config.cacheDir());
    try (GenerativeModel model = built.model()) {
      if (config.model().itemPrior()) { // a resumed run's checkpoint replaces it
        model.initItemPrior(PopularityScorer.fromTrainTargets(dataset.items(), split.train()).counts());
      }
      if (config.model().transitionPrior()) { // counted again on resume; its scales come from the checkpoint
        log.printf("gems: item-to-item prior over the training transitions, rec scale starting at %.2f%n",
            model.initTransitionPrior(split.train()));
      }
      baselines = BaselineSuite.evaluate(model, built.itemVectors(), dataset, split, config.seed(), log);
      Map<String, Tensor> bases = null;
      if (config.usesNullSpace()) {
        log.println("gems: estimating the null space of the pretrained encoder");
        bases = NullSpaceEstimator.protectedBases(config.model().backbone(), model.encoder, config.knowledgeCorpus(),
            config.nullSpaceEnergy(), config.model().maxTokens(), config.cacheDir());
        logProtectedShare(model, bases);
      }
      Adaptation adaptation = new Adaptation(config, model, bases);
      String digest = dataset.digest();
      state = resume ? restore(model, adaptation, digest) : TrainState.initial(digest);
      state = train(model, adaptation, split, state);
      optimizerBytes = adaptation.stateBytes();
    }
    MetricsDoc doc = finish(dataset, split, baselines, state, optimizerBytes);
    listener.finished(doc);
    return doc;
  }

  private void logProtectedShare(GenerativeModel model, Map<String, Tensor> bases) {
    long kept = 0, total = 0;
    for (String n : model.encoder.targetedNames()) {
      kept += bases.get(n).size(1);
      total += bases.get(n).size(0);
    }
    log.printf("gems: protecting %d of %d output directions (%.0f%%) across %d weights%n", kept, total,
        100.0 * kept / total, bases.size());
  }

  private TrainState train(GenerativeModel model, Adaptation adaptation, SplitData split, TrainState state)
      throws IOException, TrainingStopped {
    Path out = config.out();
    List<Example> train = split.train();
    List<Example> valid = validationSample(split.valid());
    BatchOrder order = new BatchOrder(train.size(), config.batchSize(), config.seed());
    TrainStep step = new TrainStep(model, adaptation, config.dropout());
    long startNanos = System.nanoTime();
    double secondsBefore = state.trainSeconds();
    try (TrainLogWriter logWriter = new TrainLogWriter(run.trainLog());
        ConflictLog conflictLog = conflictEvery > 0 ? new ConflictLog(run.conflictLog()) : null;
        ProgressBar bar = new ProgressBarBuilder().setTaskName(config.name()).setInitialMax(config.steps())
            .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(1000).showSpeed()
            .setConsumer(new me.tongfei.progressbar.ConsoleProgressBarConsumer(progress)).build()) {
      bar.stepTo(state.step());
      while (state.step() < config.steps() && !state.stopped()) {
        long t = state.step() + 1;
        long stepStart = System.nanoTime();
        torch.manual_seed(config.seed() * 1_000_003L + t); // dropout masks depend on (seed, step) only
        List<Example> search = new ArrayList<>(), rec = new ArrayList<>();
        for (int i : order.batch(t)) {
          (train.get(i).task() == Task.SEARCH ? search : rec).add(train.get(i));
        }
        double[] losses = new double[2];
        GemsOptimizer.StepReport report;
        try (PointerScope scope = new PointerScope()) {
          TrainStep.Result r = step.run(search, rec);
          losses[0] = r.search().loss();
          losses[1] = r.rec().loss();
          report = r.report();
          if (conflictLog != null && (t == 1 || t % conflictEvery == 0)) {
            conflictLog.write((int) t, adaptation.conflict(r.search(), r.rec(), report));
          }
        }
        double seconds = secondsBefore + (System.nanoTime() - startNanos) / 1e9;
        double rate = config.batchSize() / ((System.nanoTime() - stepStart) / 1e9);
        logWriter.step(new TrainLog.Step((int) t, search.isEmpty() ? null : losses[0], rec.isEmpty() ? null : losses[1],
            report.gateSearch(), report.gateRec(), report.lr(), rate, seconds,
            Pointer.physicalBytes() / 1048576.0, NativeLibrary.nativeHeapBytes() / 1048576.0,
            report.gateSearchMin(), report.gateSearchMax(), report.referenceGateSearch()));
        listener.step(t, config.steps(), search.isEmpty() ? null : losses[0], rec.isEmpty() ? null : losses[1], rate,
            seconds);
        bar.stepTo(t);
        bar.setExtraMessage(String.format(" loss search %.3f rec %.3f", losses[0], losses[1]));
        state = state.next(t, seconds);
        if (t % config.evalEvery() == 0 || t == config.steps()) {
          state = validate(model, adaptation, valid, state, logWriter);
        }
        boolean stopNow = stopRequested; // read once: the checkpoint and the stop must agree
        if (t % config.checkpointEvery() == 0 || t == config.steps() || state.stopped() || stopNow) {
          checkpoint(model, adaptation, state);
        }
        if (t == crashAfter) {
          throw new IllegalStateException("simulated crash after step " + t);
        }
        if (stopNow) {
          break;
        }
      }
    }
    if (stopRequested) { // every way out of the loop above wrote a checkpoint for state.step()
      log.printf("gems: stopped on request after step %d of %d; checkpoint written; continue with: gems train "
          + "--resume %s%n", state.step(), config.steps(), out);
      throw new TrainingStopped(state.step(), config.steps(), out);
    }
    if (state.stopped()) {
      log.printf("gems: early stop at step %d (best validation NDCG@10 %.4f at step %d)%n", state.step(),
          state.bestScore(), state.bestStep());
    }
    return state;
  }

  /** Validation examples used during training: up to validLimit per task, a seeded sample. */
  private List<Example> validationSample(List<Example> valid) {
    List<Example> out = new ArrayList<>();
    for (Task task : Task.values()) {
      List<Example> of = new ArrayList<>(valid.stream().filter(e -> e.task() == task).toList());
      Collections.shuffle(of, new Random(config.seed()));
      out.addAll(of.subList(0, Math.min(config.validLimit(), of.size())));
    }
    return out;
  }

  private TrainState validate(GenerativeModel model, Adaptation adaptation, List<Example> valid, TrainState s,
      TrainLogWriter logWriter) throws IOException {
    double score = Double.POSITIVE_INFINITY; // no validation examples: the latest model is the best
    EvalResult r = null;
    if (!valid.isEmpty()) {
      r = new Evaluator().evaluate(model.items(), valid, new ModelScorer(config.name(), model), config.seed());
      logWriter.valid((int) s.step(), r);
      score = r.meanOverTasks("ndcg@10");
    }
    boolean improved = score > s.bestScore() || valid.isEmpty();
    if (improved) {
      try (PointerScope scope = new PointerScope()) { // LoRA's merged weights are temporaries
        ModelStore.save(model, adaptation.inferenceWeights(), run.model());
      }
    }
    if (r != null) {
      listener.validation(s.step(), r, improved);
    }
    return improved ? s.improved(valid.isEmpty() ? Double.NEGATIVE_INFINITY : score) : s.notImproved(config.patience());
  }

  private void checkpoint(GenerativeModel model, Adaptation adaptation, TrainState state) throws IOException {
    AtomicFiles.replaceDirectory(run.checkpoint(), dir -> {
      ParamFile.write(dir.resolve("weights.bin"), model.params.asMap());
      adaptation.save(dir);
      AtomicFiles.write(dir.resolve(run.checkpointState().getFileName().toString()), JSON.writeValueAsBytes(state));
    });
    listener.checkpoint(state.step());
  }

  private TrainState restore(GenerativeModel model, Adaptation adaptation, String digest) throws IOException {
    Path dir = run.checkpoint();
    AtomicFiles.recoverDirectory(dir);
    AtomicFiles.recoverDirectory(run.model());
    if (!Files.isDirectory(dir)) {
      throw new IOException("nothing to resume: " + dir + " does not exist");
    }
    Params saved = ParamFile.read(dir.resolve("weights.bin"));
    try (NoGradGuard g = new NoGradGuard(); PointerScope scope = new PointerScope()) {
      for (String n : model.params.names()) {
        model.params.get(n).copy_(saved.get(n));
      }
    }
    adaptation.load(dir);
    TrainState state = JSON.readValue(run.checkpointState().toFile(), TrainState.class);
    if (!digest.equals(state.dataDigest())) {
      throw new IllegalArgumentException(config.data() + " changed since the checkpoint was written (its files' "
          + "SHA-256 differs): resuming would train on other data; start a new run instead");
    }
    truncateAfter(run.trainLog(), state.step());
    truncateAfter(run.conflictLog(), state.step());
    log.println("gems: resuming at step " + state.step() + " of " + config.steps());
    return state;
  }

  /** Drops the lines of a JSON-lines log written after the checkpoint, which the resumed run writes again. */
  private static void truncateAfter(Path file, long step) throws IOException {
    if (!Files.exists(file)) {
      return;
    }
    StringBuilder kept = new StringBuilder();
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      try {
        if (JSON.readTree(line).path("step").asLong() <= step) {
          kept.append(line).append('\n');
        }
      } catch (IOException torn) {
        // a line cut by the crash: dropped
      }
    }
    AtomicFiles.write(file, kept.toString().getBytes(StandardCharsets.UTF_8));
  }

  private MetricsDoc finish(Dataset dataset, SplitData split, List<EvalResult> baselines, TrainState state,
      long optimizerBytes) throws IOException {
    Path out = config.out();
    log.println("gems: evaluating the best model (step " + state.bestStep() + ") on the test and validation splits");
    MetricsDoc doc;
    AtomicFiles.recoverDirectory(run.model());
    try (GenerativeModel best = ModelStore.load(run.model())) {
      Map<String, Object> extra = new LinkedHashMap<>();
      if (best.transitions() != null && !split.valid().isEmpty()) {
        TransitionScaleSelection.Choice c = TransitionScaleSelection.select(best, split.valid(), config.seed(), log);
        best.setTransitionScale(Task.REC, c.chosen());
        ModelStore.save(best, run.model()); // what serving loads is what the test measures
        extra.put("transition_scale_rec_learned", c.learned());
        extra.put("transition_scale_rec", c.chosen());
      }
      ModelScorer scorer = new ModelScorer(config.name(), best);
      Evaluator evaluator = new Evaluator();
      EvalResult test = evaluator.evaluate(dataset.items(), split.test(), scorer, config.seed());
      EvalResult valid = split.valid().isEmpty() ? null
          : evaluator.evaluate(dataset.items(), split.valid(), scorer, config.seed());
      extra.put("best_step", state.bestStep());
      extra.put("steps", state.step());
      extra.put("optimizer_state_bytes", optimizerBytes);
      extra.put("seed", config.seed());
      doc = MetricsDoc.of(config.name(), config.model().backbone().cliName, test, valid, baselines,
          state.trainSeconds(), extra);
    }
    MetricsJson.write(run.metrics(), doc);
    ReportWriter.write(out, TrainLog.read(run.trainLog()), doc,
        "GEMS-J: " + config.name() + " on " + config.data().getFileName());
    log.println();
    log.println(MetricsTable.text(MetricsTable.systems(doc), MetricsTable.DEFAULT_COLUMNS));
    log.println("gems: wrote " + run.metrics() + ", " + run.model() + "/, " + run.report());
    return doc;
  }
}
