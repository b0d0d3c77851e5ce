package org.gemsj.worker;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.gemsj.dist.DistributedException;
import org.gemsj.dist.Launch;
import org.gemsj.dist.LocalRanks;
import org.gemsj.io.FileConfinement;
import org.gemsj.nativeops.NativeLibrary;
import org.gemsj.train.RunDirectory;
import org.gemsj.train.TrainConfig;
import org.gemsj.train.Trainer;
import org.gemsj.train.TrainingStopped;

/**
 * The training process the job server and the study start ({@link WorkerLauncher}): it runs the
 * run in OUT, the one argument, from OUT/train_config.json as its parent wrote it and
 * OUT/worker.json ({@link WorkerRequest}). Log and progress go to stdout.
 *
 * <p>The parent keeps the worker's stdin open and never writes to it; end of input means the
 * parent died (the kernel closes the pipe even on kill -9), and the worker exits instead of
 * training on unwatched. Exiting runs the JVM's shutdown hooks, so the run checkpoints on the way
 * out as on SIGTERM ({@link SignalStop}).
 *
 * <p>With a request for nproc > 1 it starts that many ranks, each a worker of the same OUT, and
 * watches them ({@link LocalRanks}): its exit status is the first failed rank's.
 *
 * <p>Exit status: 0 when the run finished, 143 or 130 when a signal stopped it ({@link SignalStop}), {@link #BAD_INPUT} after
 * bad input (one line, "gems train: ...", as the CLI prints it), {@link #RANK_FAILED} when a
 * data-parallel rank's group failed, {@link #ORPHANED} when the parent went away.
 */
public final class TrainWorker {
  /** Exit status after the parent went away (as after SIGTERM). */
  public static final int ORPHANED = 143;
  /** Exit status after bad input (a setting, a dataset), as `gems train`'s. */
  public static final int BAD_INPUT = 2;
  /** Exit status of a rank whose group failed (another rank died or stopped calling), as `gems train`'s. */
  public static final int RANK_FAILED = DistributedException.EXIT_STATUS;

  private TrainWorker() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      System.err.println("usage: TrainWorker OUT (a run directory holding train_config.json and worker.json)");
      System.exit(BAD_INPUT);
    }
    watchParent();
    Path out = Path.of(args[0]);
    try {
      WorkerRequest request = WorkerRequest.read(new RunDirectory(out));
      Launch launch = Launch.fromEnvironment(System.getenv());
      if (request.nproc() > 1 && !launch.distributed()) { // this worker starts the ranks, each a worker of OUT
        // the ranks' logs go beside this worker's own (the job server runs it in the job's directory)
        System.exit(LocalRanks.run(request.nproc(), TrainWorker.class.getName(), List.of(args[0]),
            Path.of(System.getProperty("user.dir"))));
      }
      NativeLibrary.load(); // libtorch and the threading policy (BlasThreads) before any work
      run(out, request, launch);
    } catch (IllegalArgumentException | IOException e) {
      System.err.println("gems train: " + e.getMessage());
      System.exit(BAD_INPUT);
    } catch (DistributedException e) {
      System.err.println("gems train: " + e.getMessage());
      System.exit(RANK_FAILED);
    }
    System.exit(0);
  }

  private static void run(Path out, WorkerRequest request, Launch launch) throws Exception {
    RunDirectory run = new RunDirectory(out);
    TrainConfig saved = run.readConfig();
    TrainConfig config = request.resume() ? saved.relocated(out) : saved;
    Trainer trainer = new Trainer(config, System.out).probeConflict(request.conflictEvery())
        .confineTo(request.dataRoots().isEmpty() ? FileConfinement.NONE : FileConfinement.within(request.dataRoots()));
    try {
      RankTraining.run(trainer, launch, Duration.ofSeconds(RankTraining.DEFAULT_TIMEOUT_S), request.resume(), true);
    } catch (TrainingStopped stopped) {
      // the trainer logged how to resume; the JVM exits with the signal's status
    }
  }

  private static void watchParent() {
    Thread watch = new Thread(() -> {
      try {
        while (System.in.read() >= 0) {
          // the parent writes nothing; any byte is ignored
        }
      } catch (IOException e) {
        // a broken pipe means the same as end of input
      }
      System.err.println("gems worker: the parent process is gone; stopping");
      System.exit(ORPHANED);
    }, "gems-parent-watch");
    watch.setDaemon(true);
    watch.start();
  }
}
