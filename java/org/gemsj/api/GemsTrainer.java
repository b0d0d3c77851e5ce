package org.gemsj.api;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import org.gemsj.eval.MetricsDoc;
import org.gemsj.train.TrainConfig;
import org.gemsj.train.TrainDefaults;
import org.gemsj.train.TrainListener;
import org.gemsj.train.TrainSettings;
import org.gemsj.train.Trainer;
import org.gemsj.train.TrainingStopped;

/**
 * Training from a JVM service: what {@code gems train} does, with progress as {@link TrainListener}
 * events instead of console output, and a graceful {@link #stop()}.
 *
 * <pre>{@code
 * GemsTrainer trainer = GemsTrainer.builder(data, out).steps(500).build();
 * MetricsDoc metrics = trainer.run(listener); // or TrainingStopped after stop(): resume(out)
 * }</pre>
 *
 * One instance runs once. {@link #stop()} may be called from any thread, the listener included.
 */
public final class GemsTrainer {
  private final Trainer trainer;
  private final TrainConfig config;
  private final boolean resume;
  private final boolean overwrite;
  private final AtomicBoolean started = new AtomicBoolean();

  private GemsTrainer(TrainConfig config, boolean resume, boolean overwrite) {
    this.config = config;
    this.resume = resume;
    this.overwrite = overwrite;
    PrintStream discard = new PrintStream(OutputStream.nullOutputStream());
    this.trainer = new Trainer(config, discard).progressTo(discard); // log lines reach the listener
  }

  /** A new run on the dataset in {@code data} (docs/DATA.md), writing into {@code out}. */
  public static Builder builder(Path data, Path out) {
    return new Builder(data, out);
  }

  /** Continues the run in {@code out} from its checkpoint, with the settings it started with. */
  public static GemsTrainer resume(Path out) throws IOException {
    return new GemsTrainer(Trainer.savedConfig(out).relocated(out), true, false);
  }

  /** The run's full configuration (what OUT/train_config.json holds). */
  public TrainConfig config() {
    return config;
  }

  /**
   * Trains and evaluates; returns metrics.json's content. Blocks until done.
   *
   * @throws TrainingStopped when {@link #stop()} ended the run early (the checkpoint holds its
   *     last step; {@link #resume(Path)} continues it)
   * @throws IllegalStateException when this instance has run before
   */
  public MetricsDoc run(TrainListener listener) throws IOException, TrainingStopped {
    if (!started.compareAndSet(false, true)) {
      throw new IllegalStateException("this GemsTrainer has already run; use GemsTrainer.resume(out) or a new one");
    }
    return trainer.listener(listener).run(resume, overwrite);
  }

  /** Asks the run to stop at the end of the current step, after writing a checkpoint. Thread-safe. */
  public void stop() {
    trainer.requestStop();
  }

  /**
   * Settings of a new run. Each left unset takes the default of {@code gems train}
   * ({@link TrainDefaults}, docs/TRAINING.md); the learning rate's default depends on the method.
   */
  public static final class Builder extends TrainSettings<Builder> {
    private boolean overwrite;

    private Builder(Path data, Path out) {
      super(data, out);
    }

    @Override
    protected Builder self() {
      return this;
    }

    /** Replace an earlier run's files in OUT (otherwise such an OUT is refused). */
    public Builder overwrite(boolean on) { overwrite = on; return this; }

    public GemsTrainer build() {
      return new GemsTrainer(config(), false, overwrite);
    }
  }
}
