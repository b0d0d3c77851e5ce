package org.gemsj.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.grpc.ManagedChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import org.gemsj.serve.proto.GetJobRequest;
import org.gemsj.serve.proto.Job;
import org.gemsj.serve.proto.JobServiceGrpc;
import org.gemsj.serve.proto.JobSpec;
import org.gemsj.serve.proto.JobState;
import org.gemsj.serve.proto.SubmitJobRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A job whose spec asks for nproc 2 runs as two ranks under its worker. Killing rank 1 (SIGKILL)
 * mid-run ends rank 0 within seconds with an error naming it and its collective, and the job
 * ends FAILED with a reason naming rank 1, as `gems jobs get` shows it.
 */
class DataParallelJobTest {
  @TempDir Path dir;

  @Test
  void killingOneRankFailsTheJobNamingTheRank() throws Exception {
    Path data = ServeFixtures.tinyDataset(dir.resolve("root/shop"));
    try (GemsServer server = GemsServer.start(ServeFixtures.config(dir.resolve("server"), dir.resolve("root"),
        Duration.ofSeconds(20)))) {
      ManagedChannel ch = ServeFixtures.channel(server.port());
      var jobs = JobServiceGrpc.newBlockingStub(ch);
      JobSpec spec = ServeFixtures.tinySpec(data, 2000).toBuilder().setNproc(2).build();
      String id = jobs.submitJob(SubmitJobRequest.newBuilder().setSpec(spec).build()).getJob().getId();
      try {
        await(jobs, id, j -> j.getProgress().getStep() >= 1, "a step done");
        ProcessHandle rank1 = rank(1);
        long killed = System.nanoTime();
        rank1.destroyForcibly();
        Job job = await(jobs, id, j -> j.getState() == JobState.JOB_STATE_FAILED
            || j.getState() == JobState.JOB_STATE_SUCCEEDED || j.getState() == JobState.JOB_STATE_CANCELLED, "its end");
        double seconds = (System.nanoTime() - killed) / 1e9;
        String log = Files.readString(server.runner().jobDir(id).resolve("worker.log"));
        assertEquals(JobState.JOB_STATE_FAILED, job.getState(), log);
        assertTrue(job.getReason().contains("rank 1 of 2 exited with status 137"), job.getReason());
        assertTrue(seconds < 60, "the job ended " + seconds + " s after the kill");
        // rank 0 failed at its next collective, naming itself and what it was doing
        assertTrue(log.contains("gems train: rank 0 of 2: "), log);
        ServeFixtures.CliResult shown = ServeFixtures.cli("jobs", "get", id, "--server", "127.0.0.1:" + server.port(),
            "--token-file", Files.writeString(dir.resolve("token"), ServeFixtures.TOKEN).toString());
        assertEquals(0, shown.code());
        assertTrue(shown.out().contains("FAILED") && shown.out().contains("rank 1 of 2 exited"), shown.out());
        // nothing of the job is left running: the worker stopped rank 0 and waited for it
        List<ProcessHandle> left = ProcessHandle.current().descendants().filter(ProcessHandle::isAlive)
            .filter(p -> p.info().commandLine().orElse("").contains(dir.toString())).toList();
        assertTrue(left.isEmpty(), "still running: " + left);
      } finally {
        ProcessHandle.current().descendants().forEach(ProcessHandle::destroyForcibly);
      }
    }
  }

  private static Job await(JobServiceGrpc.JobServiceBlockingStub jobs, String id, Predicate<Job> done, String what)
      throws InterruptedException {
    Job job = null;
    for (long end = System.nanoTime() + 300_000_000_000L; System.nanoTime() < end; Thread.sleep(100)) {
      job = jobs.getJob(GetJobRequest.newBuilder().setJobId(id).build()).getJob();
      if (done.test(job)) {
        return job;
      }
    }
    return fail("no " + what + " within 300 s: " + job);
  }

  /** The process that is rank {@code rank} of a run this JVM started: RANK=rank in its environment. */
  private static ProcessHandle rank(int rank) throws Exception {
    for (ProcessHandle p : ProcessHandle.current().descendants().toList()) {
      try {
        String env = Files.readString(Path.of("/proc", String.valueOf(p.pid()), "environ"));
        if (List.of(env.split("\0")).contains("RANK=" + rank)) {
          return p;
        }
      } catch (java.io.IOException gone) {
        // exited meanwhile, or not ours to read
      }
    }
    return fail("no process with RANK=" + rank + " among " + ProcessHandle.current().descendants().toList());
  }
}
