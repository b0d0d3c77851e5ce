package org.gemsj.serve;

import io.grpc.stub.StreamObserver;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.gemsj.api.GemsModel;
import org.gemsj.api.Hit;
import org.gemsj.serve.proto.History;
import org.gemsj.serve.proto.Hits;
import org.gemsj.serve.proto.InferenceServiceGrpc;
import org.gemsj.serve.proto.RecommendRequest;
import org.gemsj.serve.proto.RecommendResponse;
import org.gemsj.serve.proto.RerankQuery;
import org.gemsj.serve.proto.RerankRequest;
import org.gemsj.serve.proto.RerankResponse;
import org.gemsj.serve.proto.SearchQuery;
import org.gemsj.serve.proto.SearchRequest;
import org.gemsj.serve.proto.SearchResponse;

/**
 * gems.v1.InferenceService over {@link GemsModel}. A request carries a batch of queries,
 * answered in order; each query waits for its turn at the model through a {@link ModelGate}, so a
 * call whose deadline passes (or whose client cancels) stops with DEADLINE_EXCEEDED (CANCELLED)
 * before its next query is computed, even while it waits, and a model with too many queries
 * waiting refuses new calls with RESOURCE_EXHAUSTED (a call already answering is answered
 * whole). A query being computed is not interrupted.
 */
final class InferenceServiceImpl extends InferenceServiceGrpc.InferenceServiceImplBase {
  static final int MAX_BATCH = 256;
  static final int MAX_K = 100;
  static final int MAX_CANDIDATES = 1000;

  private final ModelRegistry models;
  private final int inFlight;
  private final int maxWaiting;
  private final Map<GemsModel, ModelGate> gates = new ConcurrentHashMap<>(); // one per loaded model

  /**
   * @param inFlight queries each model takes in at once (its parallel calls times its batch size)
   * @param maxWaiting queries that may wait for each model; more are refused with RESOURCE_EXHAUSTED
   */
  InferenceServiceImpl(ModelRegistry models, int inFlight, int maxWaiting) {
    this.models = models;
    this.inFlight = inFlight;
    this.maxWaiting = maxWaiting;
  }

  private ModelGate gate(GemsModel model) {
    return gates.computeIfAbsent(model, m -> new ModelGate(inFlight, maxWaiting));
  }

  @Override
  public void search(SearchRequest req, StreamObserver<SearchResponse> out) {
    Errors.reply(out, () -> {
      checkBatch("queries", req.getQueriesCount(), req.getK());
      GemsModel model = model(req.getModel());
      for (int i = 0; i < req.getQueriesCount(); i++) {
        SearchQuery q = req.getQueries(i);
        if (q.getQuery().isBlank()) {
          throw new SpecException("queries[" + i + "].query", "is empty");
        }
        checkHistory(model, "queries[" + i + "].history", q.getHistoryList());
      }
      SearchResponse.Builder r = SearchResponse.newBuilder();
      for (SearchQuery q : req.getQueriesList()) {
        r.addResults(hits(gate(model).run(r.getResultsCount() == 0,
            () -> model.search(q.getQuery(), q.getHistoryList(), req.getK()))));
      }
      return r.build();
    });
  }

  @Override
  public void recommend(RecommendRequest req, StreamObserver<RecommendResponse> out) {
    Errors.reply(out, () -> {
      checkBatch("histories", req.getHistoriesCount(), req.getK());
      GemsModel model = model(req.getModel());
      for (int i = 0; i < req.getHistoriesCount(); i++) {
        List<String> items = req.getHistories(i).getItemsList();
        if (items.isEmpty()) {
          throw new SpecException("histories[" + i + "].items", "is empty: recommend needs at least one past item");
        }
        checkHistory(model, "histories[" + i + "].items", items);
      }
      RecommendResponse.Builder r = RecommendResponse.newBuilder();
      for (History h : req.getHistoriesList()) {
        r.addResults(hits(gate(model).run(r.getResultsCount() == 0, () -> model.recommend(h.getItemsList(), req.getK()))));
      }
      return r.build();
    });
  }

  @Override
  public void rerank(RerankRequest req, StreamObserver<RerankResponse> out) {
    Errors.reply(out, () -> {
      if (req.getQueriesCount() < 1 || req.getQueriesCount() > MAX_BATCH) {
        throw new SpecException("queries", "needs 1.." + MAX_BATCH + " entries, got " + req.getQueriesCount());
      }
      GemsModel model = model(req.getModel());
      for (int i = 0; i < req.getQueriesCount(); i++) { // every query checked before any is answered
        RerankQuery q = req.getQueries(i);
        String at = "queries[" + i + "]";
        if (q.getQuery().isEmpty() && q.getHistoryCount() == 0) {
          throw new SpecException(at + ".history", "is empty: a recommendation re-rank (no query) needs at least one "
              + "past item");
        }
        if (!q.getQuery().isEmpty() && q.getQuery().isBlank()) {
          throw new SpecException(at + ".query", "is blank (leave it empty for a recommendation re-rank)");
        }
        checkHistory(model, at + ".history", q.getHistoryList());
        int n = q.getCandidateIdsCount();
        if (n < 1 || n > MAX_CANDIDATES) {
          throw new SpecException(at + ".candidate_ids", "needs 1.." + MAX_CANDIDATES + " ids, got " + n);
        }
        checkHistory(model, at + ".candidate_ids", q.getCandidateIdsList());
        Map<String, Integer> seen = new HashMap<>();
        for (int j = 0; j < n; j++) {
          Integer before = seen.putIfAbsent(q.getCandidateIds(j), j);
          if (before != null) {
            throw new SpecException(at + ".candidate_ids[" + j + "]", "item " + SpecException.quote(q.getCandidateIds(j))
                + " is also candidate_ids[" + before + "]");
          }
        }
      }
      RerankResponse.Builder r = RerankResponse.newBuilder();
      for (RerankQuery q : req.getQueriesList()) {
        r.addResults(hits(gate(model).run(r.getResultsCount() == 0, () -> model.rerank(
            q.getQuery().isEmpty() ? null : q.getQuery(), q.getHistoryList(), q.getCandidateIdsList()))));
      }
      return r.build();
    });
  }

  private GemsModel model(String name) throws Exception {
    if (name.isEmpty()) {
      throw new SpecException("model", "is required (a SUCCEEDED job's id or a name given to gems serve --model)");
    }
    return models.get(name).orElseThrow(() -> Errors.notFound("no model " + SpecException.quote(name)
        + " (a SUCCEEDED job's id or a name given to gems serve --model)"));
  }

  private static void checkBatch(String field, int count, int k) {
    if (count < 1 || count > MAX_BATCH) {
      throw new SpecException(field, "needs 1.." + MAX_BATCH + " entries, got " + count);
    }
    if (k < 1 || k > MAX_K) {
      throw new SpecException("k", "must be in 1.." + MAX_K + ", got " + k);
    }
  }

  private static void checkHistory(GemsModel model, String field, List<String> history) {
    for (int j = 0; j < history.size(); j++) {
      if (model.item(history.get(j)).isEmpty()) {
        throw new SpecException(field + "[" + j + "]", "item " + SpecException.quote(history.get(j)) + " is not in the model's catalogue");
      }
    }
  }

  private static Hits hits(List<Hit> hits) {
    Hits.Builder b = Hits.newBuilder();
    for (Hit h : hits) {
      if (!Double.isFinite(h.score())) {
        throw new IllegalStateException("the model produced a non-finite score for item "
            + SpecException.quote(h.id()) + "; refusing to answer with it");
      }
      b.addHits(org.gemsj.serve.proto.Hit.newBuilder().setId(h.id()).setTitle(h.title()).setScore(h.score()));
    }
    return b.build();
  }
}
