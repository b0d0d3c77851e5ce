package org.gemsj.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.gemsj.api.GemsModel;
import org.gemsj.api.Hit;
import org.gemsj.serve.proto.CancelJobRequest;
import org.gemsj.serve.proto.GetJobRequest;
import org.gemsj.serve.proto.History;
import org.gemsj.serve.proto.Hits;
import org.gemsj.serve.proto.InferenceServiceGrpc;
import org.gemsj.serve.proto.Job;
import org.gemsj.serve.proto.JobEvent;
import org.gemsj.serve.proto.JobServiceGrpc;
import org.gemsj.serve.proto.JobSpec;
import org.gemsj.serve.proto.JobState;
import org.gemsj.serve.proto.ListJobsRequest;
import org.gemsj.serve.proto.ListJobsResponse;
import org.gemsj.serve.proto.RecommendRequest;
import org.gemsj.serve.proto.RerankQuery;
import org.gemsj.serve.proto.RerankRequest;
import org.gemsj.serve.proto.SearchQuery;
import org.gemsj.serve.proto.SearchRequest;
import org.gemsj.serve.proto.SubmitJobRequest;
import org.gemsj.serve.proto.SubmitJobResponse;
import org.gemsj.serve.proto.WatchJobRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One server on a real loopback socket, real worker processes: a job submitted, watched to
 * completion and then queried for inference (checked against {@link GemsModel} on the same files);
 * idempotent resubmission; cancellation while queued and while running; auth failures; invalid
 * specs and path escapes; paging.
 */
class JobServiceTest {
  @TempDir Path dir;

  @Test
  void jobsRunWatchCancelAndServeInference() throws Exception {
    Path data = ServeFixtures.tinyDataset(dir.resolve("root/shop"));
    try (GemsServer server = GemsServer.start(ServeFixtures.config(dir.resolve("server"), dir.resolve("root"),
        Duration.ofSeconds(20)))) {
      ManagedChannel ch = ServeFixtures.channel(server.port());
      var jobs = JobServiceGrpc.newBlockingStub(ch);
      JobSpec spec = ServeFixtures.tinySpec(data, 3);

      SubmitJobResponse first = jobs.submitJob(SubmitJobRequest.newBuilder().setSpec(spec).setRequestId("r-1").build());
      String id = first.getJob().getId();
      assertTrue(first.getCreated());
      // the same request id again: the same job, nothing new; with another spec: refused
      SubmitJobResponse again = jobs.submitJob(SubmitJobRequest.newBuilder().setSpec(spec).setRequestId("r-1").build());
      assertFalse(again.getCreated());
      assertEquals(id, again.getJob().getId());
      assertCode(Status.Code.ALREADY_EXISTS, () -> jobs.submitJob(SubmitJobRequest.newBuilder()
          .setSpec(spec.toBuilder().setSteps(4)).setRequestId("r-1").build()));

      // a second job waits behind the first (one running job at a time) and is cancelled at once
      String queued = jobs.submitJob(SubmitJobRequest.newBuilder().setSpec(spec).build()).getJob().getId();
      Job cancelled = jobs.cancelJob(CancelJobRequest.newBuilder().setJobId(queued).build()).getJob();
      assertEquals(JobState.JOB_STATE_CANCELLED, cancelled.getState());

      invalidRequestsAreRefused(jobs, ch, server.port(), data);

      // watch to the end: the current state first, then progress, log lines, a final snapshot
      List<JobEvent> events = new ArrayList<>();
      Iterator<JobEvent> it = jobs.withDeadlineAfter(240, TimeUnit.SECONDS)
          .watchJob(WatchJobRequest.newBuilder().setJobId(id).build());
      it.forEachRemaining(events::add);
      assertTrue(events.get(0).hasSnapshot() && events.get(0).getSeq() == 0);
      Job done = events.get(events.size() - 1).getSnapshot();
      assertEquals(JobState.JOB_STATE_SUCCEEDED, done.getState(), done.getReason());
      assertTrue(done.getMetricsJson().contains("\"test\""), done.getMetricsJson());
      List<JobEvent> progress = events.stream().filter(JobEvent::hasProgress).toList();
      assertFalse(progress.isEmpty(), "no progress events");
      assertEquals(3, progress.get(progress.size() - 1).getProgress().getStep());
      assertEquals(3, progress.get(0).getProgress().getTotalSteps());
      assertTrue(events.stream().anyMatch(JobEvent::hasEvaluation), "no evaluation event");
      assertTrue(events.stream().anyMatch(e -> e.getLogLine().startsWith("gems: wrote")), "no log lines");
      assertTrue(events.stream().anyMatch(e -> e.hasSnapshot() && e.getSnapshot().getState() == JobState.JOB_STATE_RUNNING));

      // a watcher that comes late gets the final state and the stream ends
      Iterator<JobEvent> late = jobs.watchJob(WatchJobRequest.newBuilder().setJobId(id).build());
      assertEquals(JobState.JOB_STATE_SUCCEEDED, late.next().getSnapshot().getState());
      assertFalse(late.hasNext());

      inferenceMatchesTheJavaApi(ch, server.runner().run(id).model(), id);
      cancelARunningJob(jobs, spec);

      // paging: three jobs, two per page, newest first; filter by state
      ListJobsResponse page1 = jobs.listJobs(ListJobsRequest.newBuilder().setPageSize(2).build());
      ListJobsResponse page2 = jobs.listJobs(ListJobsRequest.newBuilder().setPageSize(2)
          .setPageToken(page1.getNextPageToken()).build());
      assertEquals(List.of("j-000003", "j-000002"), page1.getJobsList().stream().map(Job::getId).toList());
      assertEquals(List.of("j-000001"), page2.getJobsList().stream().map(Job::getId).toList());
      assertTrue(page2.getNextPageToken().isEmpty());
      assertEquals(List.of(id), jobs.listJobs(ListJobsRequest.newBuilder().setState(JobState.JOB_STATE_SUCCEEDED).build())
          .getJobsList().stream().map(Job::getId).toList());
      ch.shutdownNow();
    }
  }

  private static void invalidRequestsAreRefused(JobServiceGrpc.JobServiceBlockingStub jobs, ManagedChannel ch, int port,
      Path data) throws Exception {
    JobSpec spec = ServeFixtures.tinySpec(data, 3);
    StatusRuntimeException e = assertCode(Status.Code.INVALID_ARGUMENT,
        () -> jobs.submitJob(SubmitJobRequest.newBuilder().setSpec(spec.toBuilder().setMethod("sgd")).build()));
    assertTrue(e.getStatus().getDescription().startsWith("spec.method:"), e.getStatus().getDescription());
    e = assertCode(Status.Code.INVALID_ARGUMENT, () -> jobs.submitJob(SubmitJobRequest.newBuilder()
        .setSpec(spec.toBuilder().setDatasetPath(data + "/../../../../etc")).build()));
    assertTrue(e.getStatus().getDescription().startsWith("spec.dataset_path:"), e.getStatus().getDescription());
    e = assertCode(Status.Code.INVALID_ARGUMENT, () -> jobs.submitJob(SubmitJobRequest.newBuilder()
        .setSpec(spec.toBuilder().setDatasetPath("/etc")).build()));
    assertTrue(e.getStatus().getDescription().contains("outside the server's data roots"));
    assertCode(Status.Code.INVALID_ARGUMENT, () -> jobs.getJob(GetJobRequest.newBuilder().setJobId("../x").build()));
    assertCode(Status.Code.NOT_FOUND, () -> jobs.getJob(GetJobRequest.newBuilder().setJobId("j-000099").build()));
    // j-000001 exists: one spelling names it, not j-0000001 too (issue 15, item 12)
    e = assertCode(Status.Code.INVALID_ARGUMENT, () -> jobs.getJob(GetJobRequest.newBuilder().setJobId("j-0000001")
        .build()));
    assertTrue(e.getStatus().getDescription().contains("j-0000001"), e.getStatus().getDescription());

    // no token, a wrong token: UNAUTHENTICATED; the health check needs none
    ManagedChannel anonymous = GemsClient.channel("127.0.0.1:" + port, null, null, null);
    ManagedChannel wrong = GemsClient.channel("127.0.0.1:" + port, "not-the-token-0123456789", null, null);
    try {
      e = assertCode(Status.Code.UNAUTHENTICATED, () -> JobServiceGrpc.newBlockingStub(anonymous)
          .listJobs(ListJobsRequest.getDefaultInstance()));
      assertTrue(e.getStatus().getDescription().contains("missing bearer token"));
      assertCode(Status.Code.UNAUTHENTICATED, () -> InferenceServiceGrpc.newBlockingStub(wrong)
          .search(SearchRequest.getDefaultInstance()));
      assertEquals(HealthCheckResponse.ServingStatus.SERVING, HealthGrpc.newBlockingStub(anonymous)
          .check(HealthCheckRequest.newBuilder().setService("gems.v1.JobService").build()).getStatus());
    } finally {
      anonymous.shutdownNow();
      wrong.shutdownNow();
    }
  }

  /** Search, Recommend and Rerank over gRPC return what GemsModel returns on the same model files. */
  private static void inferenceMatchesTheJavaApi(ManagedChannel ch, Path modelDir, String id) throws Exception {
    var inference = InferenceServiceGrpc.newBlockingStub(ch);
    try (GemsModel model = GemsModel.load(modelDir)) {
      String a = model.items().get(0).id(), b = model.items().get(1).id();
      var search = inference.search(SearchRequest.newBuilder().setModel(id).setK(5)
          .addQueries(SearchQuery.newBuilder().setQuery("waterproof hiking boots"))
          .addQueries(SearchQuery.newBuilder().setQuery("camping stove").addHistory(a).addHistory(b)).build());
      assertSame(model.search("waterproof hiking boots", 5), search.getResults(0));
      assertSame(model.search("camping stove", List.of(a, b), 5), search.getResults(1));
      var rec = inference.recommend(RecommendRequest.newBuilder().setModel(id).setK(3)
          .addHistories(History.newBuilder().addItems(b).addItems(a)).build());
      assertSame(model.recommend(List.of(b, a), 3), rec.getResults(0));
      String c = model.items().get(2).id(), d = model.items().get(3).id();
      var rerank = inference.rerank(RerankRequest.newBuilder().setModel(id)
          .addQueries(RerankQuery.newBuilder().setQuery("camping stove").addHistory(a).addCandidateIds(c)
              .addCandidateIds(b).addCandidateIds(d))
          .addQueries(RerankQuery.newBuilder().addHistory(b).addHistory(a).addCandidateIds(d).addCandidateIds(c)).build());
      assertSame(model.rerank("camping stove", List.of(a), List.of(c, b, d)), rerank.getResults(0));
      assertSame(model.rerank(null, List.of(b, a), List.of(d, c)), rerank.getResults(1));
      StatusRuntimeException bad = assertCode(Status.Code.INVALID_ARGUMENT, () -> inference.rerank(RerankRequest.newBuilder().setModel(id)
          .addQueries(RerankQuery.newBuilder().setQuery("x").addCandidateIds(c))
          .addQueries(RerankQuery.newBuilder().setQuery("y").addCandidateIds(c).addCandidateIds(c)).build()));
      assertTrue(bad.getStatus().getDescription().startsWith("queries[1].candidate_ids[1]:"), bad.getStatus().getDescription());
      bad = assertCode(Status.Code.INVALID_ARGUMENT, () -> inference.rerank(RerankRequest.newBuilder().setModel(id)
          .addQueries(RerankQuery.newBuilder().addCandidateIds(c)).build()));
      assertTrue(bad.getStatus().getDescription().startsWith("queries[0].history:"), bad.getStatus().getDescription());
      bad = assertCode(Status.Code.INVALID_ARGUMENT, () -> inference.rerank(RerankRequest.newBuilder().setModel(id)
          .addQueries(RerankQuery.newBuilder().setQuery("x").addCandidateIds("nope")).build()));
      assertTrue(bad.getStatus().getDescription().startsWith("queries[0].candidate_ids[0]:"), bad.getStatus().getDescription());

      StatusRuntimeException e = assertCode(Status.Code.INVALID_ARGUMENT, () -> inference.recommend(RecommendRequest
          .newBuilder().setModel(id).setK(3).addHistories(History.newBuilder().addItems(a).addItems("nope")).build()));
      assertTrue(e.getStatus().getDescription().startsWith("histories[0].items[1]:"), e.getStatus().getDescription());
      assertCode(Status.Code.INVALID_ARGUMENT, () -> inference.search(SearchRequest.newBuilder().setModel(id).setK(0)
          .addQueries(SearchQuery.newBuilder().setQuery("x")).build()));
      assertCode(Status.Code.NOT_FOUND, () -> inference.search(SearchRequest.newBuilder().setModel("j-000002").setK(1)
          .addQueries(SearchQuery.newBuilder().setQuery("x")).build()));
      // a deadline that passes mid-batch stops the call
      SearchRequest.Builder many = SearchRequest.newBuilder().setModel(id).setK(5);
      for (int i = 0; i < 200; i++) {
        many.addQueries(SearchQuery.newBuilder().setQuery("tent " + i));
      }
      assertCode(Status.Code.DEADLINE_EXCEEDED, () -> inference.withDeadlineAfter(300, TimeUnit.MILLISECONDS)
          .search(many.build()));
    }
  }

  /** A running worker gets SIGTERM and the job ends CANCELLED. */
  private static void cancelARunningJob(JobServiceGrpc.JobServiceBlockingStub jobs, JobSpec spec) throws Exception {
    String id = jobs.submitJob(SubmitJobRequest.newBuilder().setSpec(spec.toBuilder().setSteps(50)).build()).getJob().getId();
    Iterator<JobEvent> events = jobs.withDeadlineAfter(120, TimeUnit.SECONDS)
        .watchJob(WatchJobRequest.newBuilder().setJobId(id).build());
    while (events.hasNext()) {
      JobEvent e = events.next();
      if (e.hasSnapshot() && e.getSnapshot().getState() == JobState.JOB_STATE_RUNNING) {
        jobs.cancelJob(CancelJobRequest.newBuilder().setJobId(id).build());
      }
      if (e.hasSnapshot() && JobLedger.isFinal(e.getSnapshot().getState())) {
        assertEquals(JobState.JOB_STATE_CANCELLED, e.getSnapshot().getState());
        assertTrue(e.getSnapshot().getReason().startsWith("cancelled by request"), e.getSnapshot().getReason());
      }
    }
    assertEquals(JobState.JOB_STATE_CANCELLED, jobs.getJob(GetJobRequest.newBuilder().setJobId(id).build()).getJob().getState());
  }

  private static void assertSame(List<Hit> expected, Hits actual) {
    assertEquals(expected.size(), actual.getHitsCount());
    for (int i = 0; i < expected.size(); i++) {
      assertEquals(expected.get(i).id(), actual.getHits(i).getId());
      assertEquals(expected.get(i).title(), actual.getHits(i).getTitle());
      assertEquals(expected.get(i).score(), actual.getHits(i).getScore(), 0.0); // same model, same code path
    }
  }

  private static StatusRuntimeException assertCode(Status.Code code, org.junit.jupiter.api.function.Executable call) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call);
    assertEquals(code, e.getStatus().getCode(), e.getStatus().toString());
    return e;
  }
}
