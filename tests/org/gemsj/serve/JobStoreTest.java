package org.gemsj.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.gemsj.serve.proto.Job;
import org.gemsj.serve.proto.JobEvent;
import org.gemsj.serve.proto.JobSpec;
import org.gemsj.serve.proto.JobState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The SQLite job store: idempotent inserts, the queue limit, updates with events, reopening. */
class JobStoreTest {
  @TempDir Path dir;

  @Test
  void storesJobsAndEventsAcrossReopening() throws Exception {
    JobSpec a = JobSpec.newBuilder().setDatasetPath("/d/a").build();
    String id;
    try (JobStore store = new JobStore(dir)) {
      JobStore.Inserted first = store.insert("req-1", a, 2);
      assertTrue(first.created());
      id = first.job().getId();
      assertEquals("j-000001", id);
      JobStore.Inserted again = store.insert("req-1", a, 2);
      assertFalse(again.created());
      assertEquals(id, again.job().getId());
      store.insert("", a, 2);
      assertThrows(JobStore.QueueFullException.class, () -> store.insert("", a, 2));
      JobEvent e = store.update(id, b -> b.setState(JobState.JOB_STATE_RUNNING), 4242L, false, null);
      assertEquals(2, e.getSeq()); // 1 is the QUEUED snapshot
      store.update(id, b -> b.setState(JobState.JOB_STATE_SUCCEEDED).setMetricsJson("{\"m\":1}"), null, false, null);
    }
    try (JobStore store = new JobStore(dir)) {
      Job job = store.get(id).orElseThrow().job();
      assertEquals(JobState.JOB_STATE_SUCCEEDED, job.getState());
      assertEquals("{\"m\":1}", job.getMetricsJson());
      assertEquals(3, store.events(id).size());
      List<Job> newestFirst = store.list(JobState.JOB_STATE_UNSPECIFIED, 10, Long.MAX_VALUE);
      assertEquals(List.of("j-000002", "j-000001"), newestFirst.stream().map(Job::getId).toList());
      assertEquals(List.of("j-000001"), store.list(JobState.JOB_STATE_SUCCEEDED, 10, Long.MAX_VALUE).stream()
          .map(Job::getId).toList());
      assertEquals(List.of("j-000001"), store.list(JobState.JOB_STATE_UNSPECIFIED, 10, 2).stream().map(Job::getId).toList());
      assertTrue(store.get("j-000009").isEmpty());
      assertTrue(store.get("../etc").isEmpty());
    }
  }
}
