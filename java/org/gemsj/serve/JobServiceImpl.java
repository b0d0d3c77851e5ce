package org.gemsj.serve;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.nio.file.Files;
import java.sql.SQLException;
import java.util.List;
import java.util.function.Consumer;
import org.gemsj.serve.proto.CancelJobRequest;
import org.gemsj.serve.proto.CancelJobResponse;
import org.gemsj.serve.proto.Checkpoint;
import org.gemsj.serve.proto.GetJobRequest;
import org.gemsj.serve.proto.GetJobResponse;
import org.gemsj.serve.proto.Job;
import org.gemsj.serve.proto.JobEvent;
import org.gemsj.serve.proto.JobServiceGrpc;
import org.gemsj.serve.proto.JobSpec;
import org.gemsj.serve.proto.ListCheckpointsRequest;
import org.gemsj.serve.proto.ListCheckpointsResponse;
import org.gemsj.serve.proto.ListJobsRequest;
import org.gemsj.serve.proto.ListJobsResponse;
import org.gemsj.serve.proto.ResumeJobRequest;
import org.gemsj.serve.proto.ResumeJobResponse;
import org.gemsj.serve.proto.SubmitJobRequest;
import org.gemsj.serve.proto.SubmitJobResponse;
import org.gemsj.serve.proto.WatchJobRequest;

/** gems.v1.JobService over the job ledger and runner. */
final class JobServiceImpl extends JobServiceGrpc.JobServiceImplBase {
  private static final int MAX_REQUEST_ID = 128;

  private final JobLedger ledger;
  private final JobRunner runner;
  private final DataRoots roots;

  JobServiceImpl(JobLedger ledger, JobRunner runner, DataRoots roots) {
    this.ledger = ledger;
    this.runner = runner;
    this.roots = roots;
  }

  @Override
  public void submitJob(SubmitJobRequest req, StreamObserver<SubmitJobResponse> out) {
    Errors.reply(out, () -> {
      if (req.getRequestId().length() > MAX_REQUEST_ID) {
        throw new SpecException("request_id", "is longer than " + MAX_REQUEST_ID + " characters");
      }
      if (!req.hasSpec()) {
        throw new SpecException("spec", "is required");
      }
      JobSpec spec = JobSpecs.validate(req.getSpec(), roots);
      JobStore.Inserted ins = ledger.insert(req.getRequestId(), spec, runner.options().maxQueued());
      if (!ins.created() && !ins.job().getSpec().equals(spec)) {
        throw Status.ALREADY_EXISTS.withDescription("request_id '" + req.getRequestId()
            + "' was used for job " + ins.job().getId() + " with a different spec").asRuntimeException();
      }
      if (ins.created()) {
        runner.schedule();
      }
      Job job = ins.created() ? job(ins.job().getId()) : ins.job();
      return SubmitJobResponse.newBuilder().setJob(job).setCreated(ins.created()).build();
    });
  }

  @Override
  public void getJob(GetJobRequest req, StreamObserver<GetJobResponse> out) {
    Errors.reply(out, () -> GetJobResponse.newBuilder().setJob(job(req.getJobId())).build());
  }

  @Override
  public void listJobs(ListJobsRequest req, StreamObserver<ListJobsResponse> out) {
    Errors.reply(out, () -> {
      int size = req.getPageSize() == 0 ? 100 : req.getPageSize();
      if (size < 1 || size > 1000) {
        throw new SpecException("page_size", "must be in 1..1000 (0: 100), got " + req.getPageSize());
      }
      long before = Long.MAX_VALUE;
      if (!req.getPageToken().isEmpty()) {
        before = JobStore.numOf(req.getPageToken());
        if (before < 0) {
          throw new SpecException("page_token", "is not a token this server returned");
        }
      }
      List<Job> jobs = ledger.store().list(req.getState(), size + 1, before);
      ListJobsResponse.Builder r = ListJobsResponse.newBuilder().addAllJobs(jobs.subList(0, Math.min(size, jobs.size())));
      if (jobs.size() > size) {
        r.setNextPageToken(jobs.get(size - 1).getId()); // the next page holds jobs numbered below it
      }
      return r.build();
    });
  }

  @Override
  public void cancelJob(CancelJobRequest req, StreamObserver<CancelJobResponse> out) {
    Errors.reply(out, () -> {
      job(req.getJobId());
      return CancelJobResponse.newBuilder().setJob(runner.cancel(req.getJobId())).build();
    });
  }

  @Override
  public void watchJob(WatchJobRequest req, StreamObserver<JobEvent> out) {
    try {
      job(req.getJobId());
      ServerCallStreamObserver<JobEvent> stream = (ServerCallStreamObserver<JobEvent>) out;
      Consumer<JobEvent> watcher = new Consumer<>() {
        @Override
        public void accept(JobEvent e) {
          synchronized (stream) {
            if (stream.isCancelled()) {
              throw new IllegalStateException("watcher gone"); // the ledger drops it
            }
            stream.onNext(e);
            if (e.hasSnapshot() && JobLedger.isFinal(e.getSnapshot().getState())) {
              stream.onCompleted();
            }
          }
        }
      };
      stream.setOnCancelHandler(() -> ledger.unwatch(req.getJobId(), watcher));
      ledger.watch(req.getJobId(), watcher);
    } catch (Exception e) {
      Errors.fail(out, e);
    }
  }

  @Override
  public void listCheckpoints(ListCheckpointsRequest req, StreamObserver<ListCheckpointsResponse> out) {
    Errors.reply(out, () -> {
      job(req.getJobId());
      ListCheckpointsResponse.Builder r = ListCheckpointsResponse.newBuilder();
      var step = runner.checkpointStep(req.getJobId());
      if (step.isPresent()) {
        var dir = runner.run(req.getJobId()).checkpoint();
        r.addCheckpoints(Checkpoint.newBuilder().setPath("out/" + dir.getFileName()).setStep(step.getAsLong())
            .setWrittenMs(Files.getLastModifiedTime(dir).toMillis()));
      }
      return r.build();
    });
  }

  @Override
  public void resumeJob(ResumeJobRequest req, StreamObserver<ResumeJobResponse> out) {
    Errors.reply(out, () -> {
      job(req.getJobId());
      return ResumeJobResponse.newBuilder().setJob(runner.resume(req.getJobId())).build();
    });
  }

  private Job job(String id) throws SQLException {
    if (JobStore.numOf(id) < 0) {
      throw new SpecException("job_id", SpecException.quote(id) + " is not a job id (j-NNNNNN)");
    }
    return ledger.store().get(id).orElseThrow(() -> Errors.notFound("no job " + id)).job();
  }
}
