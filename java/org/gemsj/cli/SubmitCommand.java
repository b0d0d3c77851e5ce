package org.gemsj.cli;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.gemsj.io.Utf8Lines;
import org.gemsj.serve.proto.Job;
import org.gemsj.serve.proto.JobServiceGrpc;
import org.gemsj.serve.proto.JobSpec;
import org.gemsj.serve.proto.SubmitJobRequest;
import org.gemsj.serve.proto.SubmitJobResponse;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** `gems submit SPEC`: queue a training job on a `gems serve`. */
@Command(name = "submit", mixinStandardHelpOptions = true,
    description = "Submit a training job (SPEC: a JSON JobSpec file, '-' for stdin; docs/SERVING.md). Prints the job id. "
        + "Exit codes: 0 ok, 1 job failed/cancelled (--wait), 2 bad input, 3 unreachable/auth, 4 server error.")
final class SubmitCommand implements Callable<Integer> {
  @Mixin ClientOptions client;
  @Parameters(index = "0", paramLabel = "SPEC") String spec;
  @Option(names = "--request-id", description = "idempotency key: resubmitting with it returns the same job")
  String requestId = "";
  @Option(names = "--wait", description = "watch the job until it ends; exit 0 only if it SUCCEEDED") boolean await;

  @Override
  public Integer call() throws Exception {
    String json = spec.equals("-") ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8)
        : Utf8Lines.readFile(Path.of(spec));
    JobSpec.Builder b = JobSpec.newBuilder();
    try {
      JsonFormat.parser().merge(json, b);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException(spec + ": not a JobSpec: " + e.getMessage());
    }
    return client.call(ch -> {
      SubmitJobResponse r = JobServiceGrpc.newBlockingStub(ch)
          .submitJob(SubmitJobRequest.newBuilder().setSpec(b).setRequestId(requestId).build());
      Job job = r.getJob();
      System.out.println(job.getId() + (r.getCreated() ? "" : " (already submitted with this request id)"));
      return await ? JobsCommand.watch(ch, job.getId()) : ClientOptions.OK;
    });
  }
}
