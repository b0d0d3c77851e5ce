package org.gemsj.serve;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.gemsj.serve.proto.Job;
import org.gemsj.serve.proto.JobEvent;
import org.gemsj.serve.proto.JobSpec;
import org.gemsj.serve.proto.JobState;

/**
 * The job store plus its live watchers. Recording a change and delivering it happen under one
 * lock, and so do a watcher's snapshot and its registration: a watcher sees the job as it was,
 * then every later event, none twice and none missed.
 */
public final class JobLedger {
  private final JobStore store;
  private final Map<String, List<Consumer<JobEvent>>> watchers = new HashMap<>();

  public JobLedger(JobStore store) {
    this.store = store;
  }

  public JobStore store() {
    return store;
  }

  public static boolean isFinal(JobState s) {
    return s == JobState.JOB_STATE_SUCCEEDED || s == JobState.JOB_STATE_FAILED || s == JobState.JOB_STATE_CANCELLED;
  }

  public synchronized JobStore.Inserted insert(String requestId, JobSpec spec, int maxQueued) throws SQLException {
    return store.insert(requestId, spec, maxQueued);
  }

  /** Changes a job, records its worker's {@code pid} (null clears it) and announces the new snapshot; returns the job. */
  public synchronized Job change(String id, UnaryOperator<Job.Builder> change, Long pid) throws SQLException {
    JobEvent e = store.update(id, change, pid, false, null);
    deliver(e);
    return e.getSnapshot();
  }

  /** Records an event that leaves the job itself as it is apart from {@code change} (progress, logs). */
  public synchronized void event(String id, UnaryOperator<Job.Builder> change, JobEvent.Builder event) throws SQLException {
    deliver(store.update(id, change, null, true, event));
  }

  /**
   * Sends {@code watcher} the job's current snapshot (seq 0), then, unless the job is final, every
   * later event until one carries a final state. Empty when the job does not exist.
   */
  public synchronized Optional<Job> watch(String id, Consumer<JobEvent> watcher) throws SQLException {
    Optional<JobStore.Row> row = store.get(id);
    if (row.isEmpty()) {
      return Optional.empty();
    }
    Job job = row.get().job();
    watcher.accept(JobEvent.newBuilder().setJobId(id).setSeq(0).setTimeMs(System.currentTimeMillis())
        .setSnapshot(job).build());
    if (!isFinal(job.getState())) {
      watchers.computeIfAbsent(id, k -> new ArrayList<>()).add(watcher);
    }
    return Optional.of(job);
  }

  public synchronized void unwatch(String id, Consumer<JobEvent> watcher) {
    List<Consumer<JobEvent>> list = watchers.get(id);
    if (list != null) {
      list.remove(watcher);
      if (list.isEmpty()) {
        watchers.remove(id);
      }
    }
  }

  private void deliver(JobEvent e) {
    List<Consumer<JobEvent>> list = watchers.get(e.getJobId());
    if (list == null) {
      return;
    }
    for (Consumer<JobEvent> w : List.copyOf(list)) {
      try {
        w.accept(e);
      } catch (RuntimeException gone) { // a watcher whose stream broke: drop it, keep the others
        list.remove(w);
      }
    }
    if (e.hasSnapshot() && isFinal(e.getSnapshot().getState())) {
      watchers.remove(e.getJobId());
    }
  }
}
