package org.gemsj.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.gemsj.dist.LocalRanks;
import org.gemsj.io.FileConfinement;
import org.gemsj.io.AtomicFiles;
import org.gemsj.serve.proto.Job;
import org.gemsj.serve.proto.JobEvent;
import org.gemsj.serve.proto.JobState;
import org.gemsj.train.RunDirectory;
import org.gemsj.train.TrainConfig;
import org.gemsj.worker.WorkerLauncher;

/**
 * Runs queued jobs in worker processes, first in first out, at most {@code maxRunning} at a time,
 * and records what they do. Layout under the data directory: {@code jobs/<id>/out} (the run's
 * OUT), {@code jobs/<id>/worker.log} (the worker's output), {@code cache/} (null-space cache).
 *
 * <p>Recovery at start: a job recorded RUNNING has lost its server. Its worker, if still alive, is
 * stopped; a run that had written metrics.json is SUCCEEDED; otherwise the job is queued again in
 * its old place and continues from its checkpoint, or from the start when it had none. A job whose
 * worker was started {@code maxAttempts} times ends FAILED.
 */
public final class JobRunner implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Limits: running jobs, waiting jobs, SIGTERM-to-SIGKILL grace, worker starts per job. */
  public record Options(int maxRunning, int maxQueued, Duration cancelGrace, int maxAttempts) {
    /** Seconds from SIGTERM to SIGKILL of a cancelled worker: longer than a worker's ranks get (LocalRanks). */
    public static final int DEFAULT_CANCEL_GRACE_S = (int) LocalRanks.GRACE_SECONDS + 15;
    public static final Options DEFAULTS = new Options(1, 100, Duration.ofSeconds(DEFAULT_CANCEL_GRACE_S), 3);
  }

  private final JobLedger ledger;
  private final Path dataDir;
  private final List<Path> dataRoots;
  private final WorkerLauncher launcher;
  private final Options options;
  private final Map<String, Running> running = new HashMap<>();
  private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "gems-job-ticker");
    t.setDaemon(true);
    return t;
  });
  private volatile boolean closing;

  /** A started worker and what follows it. */
  private static final class Running {
    final String id;
    final Process process;
    final LogTailer tailer;
    final OutputPump pump;
    volatile boolean cancelRequested;
    volatile boolean killed;

    Running(String id, Process process, LogTailer tailer, OutputPump pump) {
      this.id = id;
      this.process = process;
      this.tailer = tailer;
      this.pump = pump;
    }
  }

  /**
   * @param dataRoots the directories a job's dataset must really lie in; its worker checks each
   *     file against them as it opens it ({@code gems train --data-root})
   */
  public JobRunner(JobLedger ledger, Path dataDir, List<Path> dataRoots, WorkerLauncher launcher, Options options) {
    this.dataRoots = dataRoots.stream().map(Path::toAbsolutePath).toList(); // the worker runs in the job directory
    this.ledger = ledger;
    this.dataDir = dataDir;
    this.launcher = launcher;
    this.options = options;
  }

  public Options options() {
    return options;
  }

  public Path jobDir(String id) {
    return dataDir.resolve("jobs").resolve(id);
  }

  public Path outDir(String id) {
    return jobDir(id).resolve("out");
  }

  /** The job's run directory (its OUT). */
  public RunDirectory run(String id) {
    return new RunDirectory(outDir(id));
  }

  /** Recovers jobs left RUNNING by an earlier server, then starts queued ones. */
  public void start() throws SQLException, IOException {
    checkJobDirectories();
    recover();
    ticker.scheduleWithFixedDelay(this::tickAll, 300, 300, TimeUnit.MILLISECONDS);
    schedule();
  }

  /** Starts queued jobs while slots are free. */
  public synchronized void schedule() throws SQLException {
    while (!closing && running.size() < options.maxRunning()) {
      List<JobStore.Row> queued = ledger.store().inQueueOrder(JobState.JOB_STATE_QUEUED);
      if (queued.isEmpty()) {
        return;
      }
      launch(queued.get(0).job());
    }
  }

  /**
   * Cancels a job: a queued one at once; a running one by SIGTERM to its worker (which checkpoints
   * and exits), SIGKILL after the grace period; the job becomes CANCELLED when the worker is gone.
   */
  public synchronized Job cancel(String id) throws SQLException {
    Job job = ledger.store().get(id).orElseThrow().job();
    if (job.getState() == JobState.JOB_STATE_QUEUED) {
      return ledger.change(id, b -> b.setState(JobState.JOB_STATE_CANCELLED).setReason("cancelled before it started"),
          null);
    }
    Running r = running.get(id);
    if (job.getState() == JobState.JOB_STATE_RUNNING && r != null && !r.cancelRequested) {
      r.cancelRequested = true;
      ledger.event(id, UnaryOperator.identity(), JobEvent.newBuilder()
          .setLogLine("gems serve: cancel requested: SIGTERM to worker " + r.process.pid()));
      r.process.destroy();
      ticker.schedule(() -> {
        if (r.process.isAlive()) {
          r.killed = true;
          kill(r.process.toHandle());
        }
      }, options.cancelGrace().toMillis(), TimeUnit.MILLISECONDS);
    }
    return ledger.store().get(id).orElseThrow().job();
  }

  /** Queues a FAILED or CANCELLED job again, to continue from its checkpoint. */
  public synchronized Job resume(String id) throws SQLException {
    Job job = ledger.store().get(id).orElseThrow().job();
    if (job.getState() != JobState.JOB_STATE_FAILED && job.getState() != JobState.JOB_STATE_CANCELLED) {
      throw new IllegalStateException("job " + id + " is " + job.getState() + "; only FAILED or CANCELLED jobs resume");
    }
    if (checkpointStep(id).isEmpty()) {
      throw new IllegalStateException("job " + id + " has no checkpoint to resume from");
    }
    if (ledger.store().count(JobState.JOB_STATE_QUEUED) >= options.maxQueued()) {
      throw new JobStore.QueueFullException(options.maxQueued()); // a resumed job waits in the same queue
    }
    Path owner = jobDir(id).resolve(OWNER);
    if (!Files.exists(owner)) { // its run is there (it has a checkpoint); a server from before the owner file
      try {
        writeOwner(job);
      } catch (IOException e) {
        throw new IllegalStateException("cannot write " + owner + ": " + e.getMessage(), e);
      }
    }
    Job queued = ledger.change(id, b -> b.setState(JobState.JOB_STATE_QUEUED).setReason("resume requested")
        .setAttempts(0), null);
    schedule();
    return queued;
  }

  /** The step held by the job's checkpoint, if it has one. */
  public OptionalLong checkpointStep(String id) {
    return run(id).checkpointStep();
  }

  private void launch(Job job) throws SQLException {
    String id = job.getId();
    Path out = outDir(id);
    OptionalLong checkpoint = checkpointStep(id);
    Process process;
    long steps;
    try {
      claimJobDirectory(job);
      // the data roots go with the worker: it checks them again as it opens each file, not only at submit
      // the run's length is read before the worker starts: nothing can fail between its start and its watch
      if (checkpoint.isPresent()) {
        steps = run(id).readConfig().steps();
        process = launcher.startResume(out, 0, dataRoots, JobSpecs.nproc(job.getSpec()), jobDir(id),
            ProcessBuilder.Redirect.PIPE);
      } else {
        TrainConfig config = JobSpecs.config(job.getSpec(), out, dataDir.resolve("cache"),
            FileConfinement.within(dataRoots));
        steps = config.steps();
        process = launcher.startFresh(config, 0, dataRoots, JobSpecs.nproc(job.getSpec()), jobDir(id),
            ProcessBuilder.Redirect.PIPE);
      }
    } catch (IOException | IllegalArgumentException e) { // a spec queued by an older server may fail today's checks
      ledger.change(id, b -> b.setState(JobState.JOB_STATE_FAILED).setReason("could not start a worker: " + e.getMessage()),
          null);
      return;
    }
    Running r;
    try {
      r = new Running(id, process, new LogTailer(run(id).trainLog(), steps),
          new OutputPump("gems-worker-" + id, process.getInputStream(), jobDir(id).resolve("worker.log"),
              line -> logLine(id, line)));
    } catch (IOException e) {
      kill(process.toHandle());
      ledger.change(id, b -> b.setState(JobState.JOB_STATE_FAILED).setReason("cannot read the run's log: " + e.getMessage()),
          null);
      return;
    }
    running.put(id, r);
    String how = checkpoint.isPresent() ? "resuming from the checkpoint at step " + checkpoint.getAsLong() : "starting";
    ledger.change(id, b -> b.setState(JobState.JOB_STATE_RUNNING).setAttempts(b.getAttempts() + 1), process.pid());
    ledger.event(id, UnaryOperator.identity(),
        JobEvent.newBuilder().setLogLine("gems serve: worker " + process.pid() + " " + how));
    r.pump.start();
    process.onExit().thenRun(() -> finished(r));
  }

  private void logLine(String id, String line) {
    try {
      ledger.event(id, UnaryOperator.identity(), JobEvent.newBuilder().setLogLine(line));
    } catch (SQLException e) {
      if (!closing) { // while stopping, the store closes under the workers' last lines
        System.err.println("gems serve: cannot record a log line of " + id + ": " + e.getMessage());
      }
    }
  }

  private void tickAll() {
    List<Running> now;
    synchronized (this) {
      now = new ArrayList<>(running.values());
    }
    for (Running r : now) {
      tick(r);
    }
  }

  /** Turns what the run logged since the last tick into events. */
  private void tick(Running r) {
    try {
      LogTailer.Found found;
      synchronized (r.tailer) {
        found = r.tailer.poll();
      }
      for (var e : found.evaluations()) {
        ledger.event(r.id, UnaryOperator.identity(), JobEvent.newBuilder().setEvaluation(e));
      }
      if (found.progress() != null) {
        ledger.event(r.id, b -> b.setProgress(found.progress()), JobEvent.newBuilder().setProgress(found.progress()));
      }
    } catch (IOException | SQLException | RuntimeException e) {
      System.err.println("gems serve: cannot follow " + r.id + ": " + e.getMessage());
    }
  }

  /** The worker exited: record how the job ended and start the next one. */
  private void finished(Running r) {
    if (closing && !r.cancelRequested) {
      synchronized (this) {
        running.remove(r.id);
      }
      return; // left RUNNING: the next server start resumes it (the store may be closing now)
    }
    try {
      r.pump.join(5000); // its last lines first
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    tick(r);
    synchronized (this) {
      running.remove(r.id);
      int code = r.process.exitValue();
      try {
        Optional<String> metrics = metrics(r.id);
        if (r.cancelRequested) {
          String why = r.killed ? "cancelled by request (killed after " + options.cancelGrace().toSeconds() + " s)"
              : "cancelled by request";
          ledger.change(r.id, b -> b.setState(JobState.JOB_STATE_CANCELLED).setReason(why), null);
        } else if (code == 0 && metrics.isPresent()) {
          ledger.change(r.id, b -> b.setState(JobState.JOB_STATE_SUCCEEDED).setReason("").setMetricsJson(metrics.get()),
              null);
        } else {
          String why = "worker exited with status " + code + (r.pump.reason().isEmpty() ? "" : ": " + r.pump.reason());
          ledger.change(r.id, b -> b.setState(JobState.JOB_STATE_FAILED).setReason(why), null);
        }
        schedule();
      } catch (SQLException e) {
        System.err.println("gems serve: cannot record the end of " + r.id + ": " + e.getMessage());
      }
    }
  }

  private Optional<String> metrics(String id) {
    try {
      return run(id).metricsJson();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** The file in a job's directory that says which job it belongs to (its id and creation time). */
  static final String OWNER = "job-owner.json";

  /**
   * Refuses to start when D/jobs holds job directories that jobs.db does not know: the database
   * was lost, emptied or replaced, and new jobs would be given those ids and adopt the old runs.
   */
  private void checkJobDirectories() throws SQLException, IOException {
    Path jobs = dataDir.resolve("jobs");
    if (!Files.isDirectory(jobs)) {
      return;
    }
    List<String> unknown = new ArrayList<>();
    try (var dirs = Files.list(jobs)) {
      for (Path d : dirs.sorted().toList()) {
        String name = d.getFileName().toString();
        if (name.matches("j-\\d{6,}") && ledger.store().get(name).isEmpty()) {
          unknown.add(name);
        }
      }
    }
    if (!unknown.isEmpty()) {
      throw new IOException(jobs + " holds " + unknown.size() + " job director"
          + (unknown.size() == 1 ? "y" : "ies") + " that " + dataDir.resolve(JobStore.FILE_NAME) + " does not know ("
          + String.join(", ", unknown.subList(0, Math.min(5, unknown.size()))) + (unknown.size() > 5 ? ", ..." : "")
          + "): the database was lost or replaced. Restore it, or move " + jobs + " aside to start with no jobs");
    }
  }

  /**
   * Claims the job's directory for this job, or refuses it: a directory that exists already must
   * name this job (id and creation time) in its {@link #OWNER} file; one that names another, or
   * none while holding a run, belongs to a job this database does not know.
   */
  private void claimJobDirectory(Job job) throws IOException {
    Path dir = jobDir(job.getId()), owner = dir.resolve(OWNER);
    if (Files.isRegularFile(owner)) {
      var saved = JSON.readTree(owner.toFile());
      if (!saved.path("id").asText().equals(job.getId()) || saved.path("created_ms").asLong() != job.getCreatedMs()) {
        throw new IOException(dir + " belongs to another job (created at " + saved.path("created_ms").asLong()
            + " ms, this one at " + job.getCreatedMs() + "): refusing to adopt its run");
      }
      return;
    }
    if (job.getAttempts() == 0 && Files.exists(run(job.getId()).config())) {
      // a job launched before has its own run there (a server from before the owner file); a new one does not
      throw new IOException(dir + " holds a run but no " + OWNER + ": refusing to adopt it");
    }
    writeOwner(job);
  }

  /** The job's {@link #OWNER} file: its id and creation time, the one format claim and resume write. */
  private void writeOwner(Job job) throws IOException {
    Files.createDirectories(jobDir(job.getId()));
    AtomicFiles.write(jobDir(job.getId()).resolve(OWNER),
        JSON.writeValueAsBytes(Map.of("id", job.getId(), "created_ms", job.getCreatedMs())));
  }

  private void recover() throws SQLException {
    for (JobStore.Row row : ledger.store().inQueueOrder(JobState.JOB_STATE_RUNNING)) {
      String id = row.job().getId();
      if (row.pid() != null) {
        WorkerLauncher.liveWorker(row.pid(), jobDir(id)).ifPresent(this::stopOrphan);
      }
      Optional<String> metrics = metrics(id);
      OptionalLong checkpoint = checkpointStep(id);
      UnaryOperator<Job.Builder> change;
      if (metrics.isPresent()) {
        change = b -> b.setState(JobState.JOB_STATE_SUCCEEDED).setReason("").setMetricsJson(metrics.get());
      } else if (row.job().getAttempts() >= options.maxAttempts()) {
        change = b -> b.setState(JobState.JOB_STATE_FAILED).setReason("the worker was started "
            + options.maxAttempts() + " times without finishing (the server stopped while it ran)");
      } else if (checkpoint.isPresent()) {
        change = b -> b.setState(JobState.JOB_STATE_QUEUED)
            .setReason("server restarted: resuming from the checkpoint at step " + checkpoint.getAsLong());
      } else {
        change = b -> b.setState(JobState.JOB_STATE_QUEUED)
            .setReason("server restarted before the first checkpoint: starting again");
      }
      ledger.change(id, change, null);
    }
  }

  /** Stops a worker left by a dead server: SIGTERM (it checkpoints), SIGKILL after the grace period. */
  private void stopOrphan(ProcessHandle p) {
    p.destroy();
    try {
      p.onExit().get(options.cancelGrace().toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      kill(p);
    }
  }

  /**
   * SIGKILL to a worker and everything it started: a worker of nproc > 1 runs its ranks as child
   * processes, and a rank whose parent is killed would train on unwatched.
   */
  private static void kill(ProcessHandle worker) {
    worker.descendants().forEach(ProcessHandle::destroyForcibly);
    worker.destroyForcibly();
  }

  /**
   * Stops the workers (SIGTERM, then SIGKILL after the grace period) and leaves their jobs
   * RUNNING, so that the next start resumes them from their checkpoints.
   */
  @Override
  public void close() {
    List<Running> now;
    synchronized (this) {
      closing = true;
      now = new ArrayList<>(running.values());
    }
    ticker.shutdownNow();
    for (Running r : now) {
      r.process.destroy();
    }
    for (Running r : now) {
      try {
        if (!r.process.waitFor(options.cancelGrace().toMillis(), TimeUnit.MILLISECONDS)) {
          kill(r.process.toHandle());
          r.process.waitFor();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
