package org.gemsj.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.gemsj.api.GemsModel;
import org.gemsj.serve.proto.CancelJobRequest;
import org.gemsj.serve.proto.GetJobRequest;
import org.gemsj.serve.proto.JobEvent;
import org.gemsj.serve.proto.JobServiceGrpc;
import org.gemsj.serve.proto.JobState;
import org.gemsj.serve.proto.ResumeJobRequest;
import org.gemsj.serve.proto.SubmitJobRequest;
import org.gemsj.serve.proto.WatchJobRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue "Hardening", item 11: ResumeJob respects --max-queue as SubmitJob does. */
class ResumeQueueLimitTest {
  @TempDir Path dir;

  @Test
  void aResumeIntoAFullQueueIsResourceExhausted() throws Exception {
    Path data = ServeFixtures.tinyDataset(dir.resolve("root/shop"));
    ServerConfig config = new ServerConfig("127.0.0.1", 0, dir.resolve("server"), List.of(dir.resolve("root")),
        List.of(ServeFixtures.TOKEN), false, null, null, Map.of(), new JobRunner.Options(1, 1, Duration.ofSeconds(20), 3),
        ServerConfig.DEFAULT_MAX_MESSAGE_BYTES, List.of(), GemsModel.Policy.DEFAULT,
        ServerConfig.DEFAULT_MAX_WAITING);
    try (GemsServer server = GemsServer.start(config)) {
      ManagedChannel ch = ServeFixtures.channel(server.port());
      var jobs = JobServiceGrpc.newBlockingStub(ch);
      var longSpec = ServeFixtures.tinySpec(data, 400);
      // a job cancelled after its first checkpoints: resumable
      String stopped = jobs.submitJob(SubmitJobRequest.newBuilder().setSpec(longSpec).build()).getJob().getId();
      Iterator<JobEvent> events = jobs.withDeadlineAfter(180, TimeUnit.SECONDS)
          .watchJob(WatchJobRequest.newBuilder().setJobId(stopped).build());
      while (events.hasNext()) {
        JobEvent e = events.next();
        if (e.hasProgress() && e.getProgress().getStep() >= 2) {
          jobs.cancelJob(CancelJobRequest.newBuilder().setJobId(stopped).build());
          break;
        }
      }
      awaitState(jobs, stopped, JobState.JOB_STATE_CANCELLED);
      String running = jobs.submitJob(SubmitJobRequest.newBuilder().setSpec(longSpec).build()).getJob().getId();
      String queued = jobs.submitJob(SubmitJobRequest.newBuilder().setSpec(longSpec).build()).getJob().getId();
      assertEquals(JobState.JOB_STATE_QUEUED, state(jobs, queued)); // the queue (1) is full now
      StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
          () -> jobs.resumeJob(ResumeJobRequest.newBuilder().setJobId(stopped).build()));
      assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
      assertTrue(e.getStatus().getDescription().contains("the queue is full (1 jobs waiting)"), e.getMessage());
      assertEquals(JobState.JOB_STATE_CANCELLED, state(jobs, stopped));
      jobs.cancelJob(CancelJobRequest.newBuilder().setJobId(queued).build());
      jobs.cancelJob(CancelJobRequest.newBuilder().setJobId(running).build());
      ch.shutdownNow();
    }
  }

  private static JobState state(JobServiceGrpc.JobServiceBlockingStub jobs, String id) {
    return jobs.getJob(GetJobRequest.newBuilder().setJobId(id).build()).getJob().getState();
  }

  private static void awaitState(JobServiceGrpc.JobServiceBlockingStub jobs, String id, JobState want)
      throws InterruptedException {
    for (int i = 0; i < 600 && state(jobs, id) != want; i++) {
      Thread.sleep(100);
    }
    assertEquals(want, state(jobs, id));
  }
}
