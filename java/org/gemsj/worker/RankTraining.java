package org.gemsj.worker;

import java.time.Duration;
import org.gemsj.dist.Launch;
import org.gemsj.dist.ProcessGroup;
import org.gemsj.eval.MetricsDoc;
import org.gemsj.train.Trainer;

/**
 * Runs a {@link Trainer} as this process's part of its launch ({@link Launch}): alone, or as one
 * rank of a data-parallel run, joined to its group for the run's length. Either way SIGTERM stops
 * it as {@link SignalStop} says; `gems train` and the worker both run training through here.
 */
public final class RankTraining {
  /** Seconds a rank waits in one collective for the others unless told (Gloo's own 30 minutes, made explicit). */
  public static final int DEFAULT_TIMEOUT_S = 1800;

  private RankTraining() {}

  /** {@code trainer.run(resume, overwrite)} in {@code launch}; TrainingStopped when a signal ended it. */
  public static MetricsDoc run(Trainer trainer, Launch launch, Duration timeout, boolean resume, boolean overwrite)
      throws Exception {
    if (!launch.distributed()) {
      return SignalStop.run(trainer, resume, overwrite);
    }
    try (ProcessGroup group = ProcessGroup.join(launch, timeout)) {
      System.out.printf("gems: rank %d of %d joined the group at %s:%d%n", launch.rank(), launch.worldSize(),
          launch.masterAddr(), launch.masterPort());
      trainer.distributed(group);
      return SignalStop.run(trainer, resume, overwrite);
    }
  }
}
