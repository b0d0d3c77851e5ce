package org.gemsj.cli;

import io.grpc.ManagedChannel;
import java.time.Instant;
import java.util.Iterator;
import java.util.concurrent.Callable;
import org.gemsj.serve.JobLedger;
import org.gemsj.serve.proto.CancelJobRequest;
import org.gemsj.serve.proto.Checkpoint;
import org.gemsj.serve.proto.GetJobRequest;
import org.gemsj.serve.proto.Job;
import org.gemsj.serve.proto.JobEvent;
import org.gemsj.serve.proto.JobServiceGrpc;
import org.gemsj.serve.proto.JobState;
import org.gemsj.serve.proto.ListCheckpointsRequest;
import org.gemsj.serve.proto.ListJobsRequest;
import org.gemsj.serve.proto.ListJobsResponse;
import org.gemsj.serve.proto.ResumeJobRequest;
import org.gemsj.serve.proto.WatchJobRequest;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** `gems jobs list|get|cancel|watch|resume|checkpoints`: inspect and steer jobs on a `gems serve`. */
@Command(name = "jobs", mixinStandardHelpOptions = true,
    description = "Inspect and steer training jobs on a gems serve. "
        + "Exit codes: 0 ok, 1 job failed/cancelled (watch), 2 bad input, 3 unreachable/auth, 4 server error.",
    subcommands = {JobsCommand.ListJobs.class, JobsCommand.Get.class, JobsCommand.Cancel.class,
        JobsCommand.Watch.class, JobsCommand.Resume.class, JobsCommand.Checkpoints.class})
final class JobsCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  /** Prints a job's events until it ends; 0 if it SUCCEEDED, 1 otherwise. */
  static int watch(ManagedChannel ch, String id) {
    Iterator<JobEvent> events = JobServiceGrpc.newBlockingStub(ch).watchJob(WatchJobRequest.newBuilder().setJobId(id).build());
    JobState last = JobState.JOB_STATE_UNSPECIFIED;
    while (events.hasNext()) {
      JobEvent e = events.next();
      JobPrinter.event(e, System.out);
      if (e.hasSnapshot()) {
        last = e.getSnapshot().getState();
      }
    }
    return last == JobState.JOB_STATE_SUCCEEDED ? ClientOptions.OK : ClientOptions.JOB_UNSUCCESSFUL;
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "Jobs, newest first.")
  static final class ListJobs implements Callable<Integer> {
    @Mixin ClientOptions client;
    @Option(names = "--state", description = "only jobs in this state: queued, running, succeeded, failed, cancelled")
    String state;
    @Option(names = "--limit", description = "at most this many jobs (default 100)") int limit = 100;

    @Override
    public Integer call() throws Exception {
      if (limit < 1) { // checked before connecting: 0 or -5 used to print one job and exit 0
        throw new IllegalArgumentException("--limit must be at least 1, got " + limit);
      }
      JobState s = JobState.JOB_STATE_UNSPECIFIED;
      if (state != null) {
        try {
          s = JobState.valueOf("JOB_STATE_" + state.toUpperCase());
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("--state '" + state + "' is not one of queued, running, succeeded, failed, cancelled");
        }
      }
      JobState filter = s;
      return client.call(ch -> {
        var stub = JobServiceGrpc.newBlockingStub(ch);
        String token = "";
        int shown = 0;
        do {
          ListJobsResponse r = stub.listJobs(ListJobsRequest.newBuilder().setState(filter)
              .setPageSize(Math.min(1000, Math.max(1, limit - shown))).setPageToken(token).build());
          for (Job j : r.getJobsList()) {
            System.out.println(JobPrinter.row(j));
            shown++;
          }
          token = r.getNextPageToken();
        } while (!token.isEmpty() && shown < limit);
        return ClientOptions.OK;
      });
    }
  }

  @Command(name = "get", mixinStandardHelpOptions = true, description = "One job in detail.")
  static final class Get implements Callable<Integer> {
    @Mixin ClientOptions client;
    @Parameters(index = "0", paramLabel = "JOB") String id;

    @Override
    public Integer call() throws Exception {
      return client.call(ch -> {
        JobPrinter.details(JobServiceGrpc.newBlockingStub(ch).getJob(GetJobRequest.newBuilder().setJobId(id).build())
            .getJob(), System.out);
        return ClientOptions.OK;
      });
    }
  }

  @Command(name = "cancel", mixinStandardHelpOptions = true,
      description = "Cancel a job (a running worker checkpoints and stops).")
  static final class Cancel implements Callable<Integer> {
    @Mixin ClientOptions client;
    @Parameters(index = "0", paramLabel = "JOB") String id;
    @Option(names = "--wait", description = "wait until the job has stopped") boolean await;

    @Override
    public Integer call() throws Exception {
      return client.call(ch -> {
        Job j = JobServiceGrpc.newBlockingStub(ch).cancelJob(CancelJobRequest.newBuilder().setJobId(id).build()).getJob();
        System.out.println(JobPrinter.row(j));
        if (await && !JobLedger.isFinal(j.getState())) {
          watch(ch, id);
        }
        return ClientOptions.OK;
      });
    }
  }

  @Command(name = "watch", mixinStandardHelpOptions = true,
      description = "Follow a job's state, progress, validations and log lines until it ends (exit 0 if it SUCCEEDED, 1 if not).")
  static final class Watch implements Callable<Integer> {
    @Mixin ClientOptions client;
    @Parameters(index = "0", paramLabel = "JOB") String id;

    @Override
    public Integer call() throws Exception {
      return client.call(ch -> watch(ch, id));
    }
  }

  @Command(name = "resume", mixinStandardHelpOptions = true,
      description = "Queue a FAILED or CANCELLED job again, from its latest checkpoint.")
  static final class Resume implements Callable<Integer> {
    @Mixin ClientOptions client;
    @Parameters(index = "0", paramLabel = "JOB") String id;

    @Override
    public Integer call() throws Exception {
      return client.call(ch -> {
        System.out.println(JobPrinter.row(JobServiceGrpc.newBlockingStub(ch)
            .resumeJob(ResumeJobRequest.newBuilder().setJobId(id).build()).getJob()));
        return ClientOptions.OK;
      });
    }
  }

  @Command(name = "checkpoints", mixinStandardHelpOptions = true, description = "A job's checkpoints.")
  static final class Checkpoints implements Callable<Integer> {
    @Mixin ClientOptions client;
    @Parameters(index = "0", paramLabel = "JOB") String id;

    @Override
    public Integer call() throws Exception {
      return client.call(ch -> {
        for (Checkpoint c : JobServiceGrpc.newBlockingStub(ch)
            .listCheckpoints(ListCheckpointsRequest.newBuilder().setJobId(id).build()).getCheckpointsList()) {
          System.out.printf("%s  step %d  written %s%n", c.getPath(), c.getStep(), Instant.ofEpochMilli(c.getWrittenMs()));
        }
        return ClientOptions.OK;
      });
    }
  }
}
