package org.gemsj.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.gemsj.serve.proto.GetJobRequest;
import org.gemsj.serve.proto.Job;
import org.gemsj.serve.proto.JobEvent;
import org.gemsj.serve.proto.JobServiceGrpc;
import org.gemsj.serve.proto.JobState;
import org.gemsj.serve.proto.ListCheckpointsRequest;
import org.gemsj.serve.proto.ListJobsRequest;
import org.gemsj.serve.proto.SubmitJobRequest;
import org.gemsj.serve.proto.WatchJobRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of a real `gems serve` process while its worker trains: the worker exits by itself;
 * after a restart the job is still listed, resumes from its checkpoint and succeeds; after
 * another kill -9 and restart its metrics are still there.
 */
class RecoveryTest {
  private static final Pattern LISTENING = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+)");

  @TempDir Path dir;

  @Test
  void runningJobResumesAfterKillNineAndFinishedMetricsSurvive() throws Exception {
    Path data = ServeFixtures.tinyDataset(dir.resolve("root/shop"));
    Path tokens = Files.writeString(dir.resolve("tokens"), ServeFixtures.TOKEN + "\n");
    Path serverDir = dir.resolve("server");
    String id;

    Server first = Server.start(serverDir, dir.resolve("root"), tokens);
    try {
      var jobs = JobServiceGrpc.newBlockingStub(first.channel);
      id = jobs.submitJob(SubmitJobRequest.newBuilder().setSpec(ServeFixtures.tinySpec(data, 5)).build()).getJob().getId();
      Iterator<JobEvent> events = jobs.withDeadlineAfter(180, TimeUnit.SECONDS)
          .watchJob(WatchJobRequest.newBuilder().setJobId(id).build());
      while (events.hasNext()) { // until two steps are done (a checkpoint follows every step)
        JobEvent e = events.next();
        if (e.hasProgress() && e.getProgress().getStep() >= 2) {
          break;
        }
      }
    } finally {
      first.kill();
    }
    // the worker notices that its server is gone (its stdin closes) and exits on its own
    long pid;
    try (JobStore store = new JobStore(serverDir)) {
      pid = store.get(id).orElseThrow().pid();
    }
    ProcessHandle.of(pid).ifPresent(p -> p.onExit().orTimeout(60, TimeUnit.SECONDS).join());
    assertTrue(ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true), "worker " + pid + " outlived its server");

    Server second = Server.start(serverDir, dir.resolve("root"), tokens);
    Job done;
    try {
      var jobs = JobServiceGrpc.newBlockingStub(second.channel);
      assertEquals(List.of(id), jobs.listJobs(ListJobsRequest.getDefaultInstance()).getJobsList().stream()
          .map(Job::getId).toList());
      List<JobEvent> events = new ArrayList<>();
      jobs.withDeadlineAfter(240, TimeUnit.SECONDS).watchJob(WatchJobRequest.newBuilder().setJobId(id).build())
          .forEachRemaining(events::add);
      Job restarted = events.get(0).getSnapshot();
      assertTrue(restarted.getReason().startsWith("server restarted: resuming from the checkpoint at step"),
          restarted.getReason());
      done = events.get(events.size() - 1).getSnapshot();
      assertEquals(JobState.JOB_STATE_SUCCEEDED, done.getState(), done.getReason());
      assertEquals(2, done.getAttempts());
      assertTrue(events.stream().anyMatch(e -> e.getLogLine().contains("resuming at step")), "the worker did not resume");
      assertTrue(done.getMetricsJson().contains("\"test\""));
      var checkpoints = jobs.listCheckpoints(ListCheckpointsRequest.newBuilder().setJobId(id).build()).getCheckpointsList();
      assertEquals(1, checkpoints.size());
      assertEquals(5, checkpoints.get(0).getStep()); // the last step
    } finally {
      second.kill();
    }

    Server third = Server.start(serverDir, dir.resolve("root"), tokens);
    try {
      Job again = JobServiceGrpc.newBlockingStub(third.channel).getJob(GetJobRequest.newBuilder().setJobId(id).build()).getJob();
      assertEquals(JobState.JOB_STATE_SUCCEEDED, again.getState());
      assertEquals(done.getMetricsJson(), again.getMetricsJson());
    } finally {
      third.stop();
    }
  }

  /** A `gems serve` child process and a channel to it. */
  private record Server(Process process, ManagedChannel channel) {
    static Server start(Path dataDir, Path root, Path tokens) throws Exception {
      List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
          System.getProperty("java.class.path"), "org.gemsj.cli.GemsCli", "serve", "--port", "0", "--data-dir",
          dataDir.toString(), "--data-root", root.toString(), "--token-file", tokens.toString(), "--cancel-grace", "20");
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      String line;
      while ((line = out.readLine()) != null) {
        Matcher m = LISTENING.matcher(line);
        if (m.find()) {
          Thread drain = new Thread(() -> out.lines().forEach(l -> { }), "server-output");
          drain.setDaemon(true);
          drain.start();
          return new Server(p, ServeFixtures.channel(Integer.parseInt(m.group(1))));
        }
        System.out.println("[server] " + line);
      }
      throw new IllegalStateException("gems serve exited with " + p.waitFor() + " before listening");
    }

    /** kill -9: no shutdown hook runs. */
    void kill() throws Exception {
      channel.shutdownNow();
      process.destroyForcibly().waitFor();
    }

    void stop() throws Exception {
      channel.shutdownNow();
      process.destroy();
      process.waitFor(60, TimeUnit.SECONDS);
    }
  }
}
