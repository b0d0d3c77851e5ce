package org.gemsj.train;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.global.torch;
import org.gemsj.data.Example;
import org.gemsj.data.SplitData;
import org.gemsj.data.Task;
import org.gemsj.eval.EvalResult;
import org.gemsj.eval.Evaluator;
import org.gemsj.eval.TrainLog;
import org.gemsj.eval.TrainLogWriter;
import org.gemsj.model.GenerativeModel;
import org.gemsj.model.ModelStore;
import org.gemsj.nativeops.NativeLibrary;
import org.gemsj.optim.GemsOptimizer;

/**
 * The steps of a run, from the state it starts at: mixed-task batches in a seeded order, the log
 * and progress of each step, validation with early stopping (the best model saved to OUT/model),
 * checkpoints, and a graceful stop on request. Its {@link Trainer} set the model up and evaluates
 * the result.
 *
 * @param stopRequested read after each step; true ends the run with a checkpoint and {@link TrainingStopped}
 * @param crashAfter tests: end the run abruptly after this step (and its checkpoint, if one is due); -1: never
 * @param ranks this process's shard of each batch, and whether it writes OUT (rank 0 of a data-parallel run)
 */
record TrainingLoop(TrainConfig config, RunDirectory run, PrintStream log, PrintStream progress,
    Supplier<TrainListener> listener, int conflictEvery, long crashAfter, BooleanSupplier stopRequested,
    DataParallel ranks) {

  TrainState run(GenerativeModel model, Adaptation adaptation, SplitData split, TrainState state)
      throws IOException, TrainingStopped {
    List<Example> train = split.train();
    List<Example> valid = validationSample(split.valid());
    BatchOrder order = new BatchOrder(train.size(), config.batchSize(), config.seed());
    TrainStep step = new TrainStep(model, adaptation, config.dropout(), ranks);
    boolean writes = ranks.writes();
    boolean stoppedTogether = false;
    long startNanos = System.nanoTime();
    double secondsBefore = state.trainSeconds();
    try (TrainLogWriter logWriter = writes ? new TrainLogWriter(run.trainLog()) : null;
        ConflictLog conflictLog = conflictEvery > 0 && writes ? new ConflictLog(run.conflictLog()) : null;
        ProgressBar bar = new ProgressBarBuilder().setTaskName(config.name()).setInitialMax(config.steps())
            .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(1000).showSpeed()
            .setConsumer(new ConsoleProgressBarConsumer(progress)).build()) {
      bar.stepTo(state.step());
      while (state.step() < config.steps() && !state.stopped()) {
        long t = state.step() + 1;
        long stepStart = System.nanoTime();
        torch.manual_seed(config.seed() * 1_000_003L + t); // dropout masks depend on (seed, step) only
        List<Example> search = new ArrayList<>(), rec = new ArrayList<>();
        for (int i : ranks.shard(order.batch(t))) {
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
        if (logWriter != null) {
          logWriter.step(new TrainLog.Step((int) t, search.isEmpty() ? null : losses[0], rec.isEmpty() ? null : losses[1],
            report.gateSearch(), report.gateRec(), report.lr(), rate, seconds,
            Pointer.physicalBytes() / 1048576.0, NativeLibrary.nativeHeapBytes() / 1048576.0,
            report.gateSearchMin(), report.gateSearchMax(), report.referenceGateSearch()));
        }
        listener.get().step(t, config.steps(), search.isEmpty() ? null : losses[0], rec.isEmpty() ? null : losses[1],
            rate, seconds);
        bar.stepTo(t);
        bar.setExtraMessage(String.format(" loss search %.3f rec %.3f", losses[0], losses[1]));
        state = state.next(t, seconds);
        if (t % config.evalEvery() == 0 || t == config.steps()) {
          state = validate(model, adaptation, valid, state, logWriter);
        }
        // read once, and agreed by every rank: the checkpoint and the stop must agree
        boolean stopNow = ranks.anyStop(stopRequested.getAsBoolean());
        if (t % config.checkpointEvery() == 0 || t == config.steps() || state.stopped() || stopNow) {
          if (writes) {
            RunCheckpoint.write(run, model, adaptation, state);
          }
          listener.get().checkpoint(state.step());
        }
        if (t == crashAfter) {
          throw new IllegalStateException("simulated crash after step " + t);
        }
        if (stopNow) {
          stoppedTogether = true;
          break;
        }
      }
    }
    // every way out of the loop above wrote a checkpoint for state.step(); ranks stop only together
    if (ranks.distributed() ? stoppedTogether : stopRequested.getAsBoolean()) {
      log.printf("gems: stopped on request after step %d of %d; checkpoint written; continue with: gems train "
          + "--resume %s%n", state.step(), config.steps(), config.out());
      throw new TrainingStopped(state.step(), config.steps(), config.out());
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
      if (logWriter != null) {
        logWriter.valid((int) s.step(), r);
      }
      score = r.meanOverTasks("ndcg@10");
    }
    boolean improved = score > s.bestScore() || valid.isEmpty();
    if (improved && ranks.writes()) {
      try (PointerScope scope = new PointerScope()) { // LoRA's merged weights are temporaries
        ModelStore.save(model, adaptation.inferenceWeights(), run.model());
      }
    }
    if (r != null) {
      listener.get().validation(s.step(), r, improved);
    }
    return improved ? s.improved(valid.isEmpty() ? Double.NEGATIVE_INFINITY : score) : s.notImproved(config.patience());
  }
}
