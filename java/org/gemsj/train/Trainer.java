package org.gemsj.train;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.bytedeco.pytorch.Tensor;
import org.gemsj.data.Dataset;
import org.gemsj.data.SplitData;
import org.gemsj.data.Splitter;
import org.gemsj.eval.EvalResult;
import org.gemsj.eval.MetricsDoc;
import org.gemsj.eval.PopularityScorer;
import org.gemsj.dist.ProcessGroup;
import org.gemsj.io.FileConfinement;
import org.gemsj.model.GenerativeModel;
import org.gemsj.nativeops.NativeLibrary;
import org.gemsj.model.ModelFactory;

/**
 * Fine-tunes the generative model on both tasks and evaluates it. This class sets a run up (OUT
 * guarded, the dataset loaded and split, the model built, the baselines scored, the null space
 * estimated, a checkpoint restored) and hands over to {@link TrainingLoop} (the steps,
 * validation, checkpoints) and then {@link FinalEvaluation} (metrics.json, the saved model and
 * report.md in OUT).
 */
public final class Trainer {
  private final TrainConfig config;
  private final RunDirectory run;
  private final PrintStream log;
  private long crashAfter = -1; // tests: simulate a crash right after this step's checkpoint
  private int conflictEvery; // 0: no gradient-conflict probe
  private FileConfinement confinement = FileConfinement.NONE;
  private DataParallel ranks = DataParallel.SINGLE;
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

  /**
   * Trains as one rank of {@code group}: on its shard of every batch, with the gradients
   * all-reduced; only rank 0 writes OUT and evaluates at the end (OUT must be the same directory
   * for every rank, so that a resume reads one checkpoint). A policy of this process, not part of
   * the run's config: a run resumes with any number of ranks.
   */
  public Trainer distributed(ProcessGroup group) {
    ranks = new DataParallel(Objects.requireNonNull(group, "group"));
    return this;
  }

  /** The config a run in {@code out} was started with (for --resume). */
  public static TrainConfig savedConfig(Path out) throws IOException {
    return new RunDirectory(out).readConfig();
  }

  /**
   * Runs training and the final evaluation; returns metrics.json's content (null on a data-parallel rank
   * other than 0, which trains but neither evaluates nor writes). A fresh run into an
   * OUT that holds an earlier run's files is refused unless {@code overwrite} (then they are
   * deleted first; a dataset directory inside OUT stays).
   *
   * @throws TrainingStopped when {@link #requestStop()} ended training early (checkpoint written;
   *     {@code run(true, false)} on a Trainer of {@link #savedConfig} continues it)
   */
  public MetricsDoc run(boolean resume, boolean overwrite) throws IOException, TrainingStopped {
    Path out = config.out();
    if (!resume && !overwrite && ranks.writes()) {
      Optional<Path> earlier = run.anyRunFile();
      if (earlier.isPresent()) {
        throw new IllegalArgumentException(out + " already holds a training run (" + earlier.get().getFileName()
            + "): continue it with --resume " + out + ", or pass --overwrite to replace it, or choose another --out");
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
    if (!resume && ranks.writes()) {
      run.startFresh(config); // only with --overwrite is there anything to delete
    }
    log.printf("gems: %d items, %d train / %d valid / %d test examples%n", dataset.items().size(),
        split.train().size(), split.valid().size(), split.test().size());
    log.println("gems: building the model (" + config.model().backbone().label() + " encoder, "
        + config.model().ids().name().toLowerCase() + " ids)");
    List<EvalResult> baselines;
    TrainState state;
    long optimizerBytes;
    ModelFactory.Built built = ModelFactory.build(config.model(), dataset.items(), config.seed(), config.cacheDir(),
        confinement);
    try (GenerativeModel model = built.model()) {
      if (config.model().itemPrior()) { // a resumed run's checkpoint replaces it
        model.initItemPrior(PopularityScorer.fromTrainTargets(dataset.items(), split.train()).counts());
      }
      if (config.model().transitionPrior()) { // counted again on resume; its scales come from the checkpoint
        log.printf("gems: item-to-item prior over the training transitions, rec scale starting at %.2f%n",
            model.initTransitionPrior(split.train()));
      }
      // the other ranks wait for rank 0 at the first step's all-reduce
      baselines = ranks.writes() ? BaselineSuite.evaluate(model, built.itemVectors(), dataset, split, config.seed(), log)
          : List.of();
      Map<String, Tensor> bases = null;
      if (config.usesNullSpace()) {
        log.println("gems: estimating the null space of the pretrained encoder");
        bases = NullSpaceEstimator.protectedBases(model, config.knowledgeCorpus(), config.nullSpaceEnergy(),
            config.cacheDir());
        logProtectedShare(model, bases);
      }
      Adaptation adaptation = new Adaptation(config, model, bases);
      String digest = dataset.digest();
      state = resume ? RunCheckpoint.restore(run, config, model, adaptation, digest, ranks.writes(), log)
          : TrainState.initial(digest);
      state = new TrainingLoop(config, run, log, progress, () -> listener, conflictEvery, crashAfter,
          () -> stopRequested, ranks).run(model, adaptation, split, state);
      optimizerBytes = adaptation.stateBytes();
    }
    if (!ranks.writes()) {
      log.println("gems: this rank's training is done; rank 0 evaluates the model and writes " + out);
      return null;
    }
    MetricsDoc doc = FinalEvaluation.run(config, run, dataset, split, baselines, state, optimizerBytes, log);
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
}
