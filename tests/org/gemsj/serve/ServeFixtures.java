package org.gemsj.serve;

import io.grpc.ManagedChannel;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.gemsj.api.GemsModel;
import org.gemsj.cli.GemsCli;
import org.gemsj.data.synth.SyntheticData;
import org.gemsj.serve.proto.Job;
import org.gemsj.serve.proto.JobEvent;
import org.gemsj.serve.proto.JobServiceGrpc;
import org.gemsj.serve.proto.JobSpec;
import org.gemsj.serve.proto.WatchJobRequest;

/** What the serve tests share: a tiny dataset, a tiny job spec, server configs, a client. */
final class ServeFixtures {
  static final String TOKEN = "test-token-0123456789abcdef";

  private ServeFixtures() {}

  /** 60 items, 12 users: a tiny synthetic shop (two or three items per product type). */
  static Path tinyDataset(Path dir) throws Exception {
    Files.createDirectories(dir);
    SyntheticData.generate(dir, 3, new SyntheticData.Options(60, 12, 8));
    return dir;
  }

  /**
   * A job that trains in seconds: full fine-tuning (no basis refresh, no null space), 4-example
   * batches, short inputs, a small decoder feed-forward.
   */
  static JobSpec tinySpec(Path data, int steps) {
    return JobSpec.newBuilder().setDatasetPath(data.toString()).setMethod("full").setSteps(steps).setBatchSize(4)
        .setSeed(5).setHistory(2).setMaxTokens(24).setDecoderFfn(64).setEvalEvery(steps).setCheckpointEvery(1)
        .setValidLimit(8).build();
  }

  static ServerConfig config(Path dataDir, Path dataRoot, Duration cancelGrace) {
    return new ServerConfig("127.0.0.1", 0, dataDir, List.of(dataRoot), List.of(TOKEN), false, null, null, Map.of(),
        new JobRunner.Options(1, 3, cancelGrace, 3), ServerConfig.DEFAULT_MAX_MESSAGE_BYTES, List.of(),
        GemsModel.Policy.DEFAULT, ServerConfig.DEFAULT_MAX_WAITING);
  }

  /** Every event of a job's watch, from its current state to its final one. */
  static List<JobEvent> watch(JobServiceGrpc.JobServiceBlockingStub jobs, String id) {
    List<JobEvent> events = new ArrayList<>();
    jobs.withDeadlineAfter(180, TimeUnit.SECONDS).watchJob(WatchJobRequest.newBuilder().setJobId(id).build())
        .forEachRemaining(events::add);
    return events;
  }

  /** The job as a watch's last event shows it. */
  static Job last(List<JobEvent> events) {
    return events.get(events.size() - 1).getSnapshot();
  }

  static ManagedChannel channel(int port) throws Exception {
    return GemsClient.channel("127.0.0.1:" + port, TOKEN, null, null);
  }

  /** What `gems ARGS` printed to stdout, and its exit status. */
  record CliResult(int code, String out) {}

  /** Runs `gems ARGS` in this JVM, as a shell would. */
  static CliResult cli(String... args) {
    PrintStream saved = System.out;
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
    try {
      int code = GemsCli.commandLine().execute(args);
      return new CliResult(code, buffer.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(saved);
    }
  }
}
