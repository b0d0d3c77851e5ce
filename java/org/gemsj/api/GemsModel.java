package org.gemsj.api;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.gemsj.data.Example;
import org.gemsj.data.Item;
import org.gemsj.data.Task;
import org.gemsj.model.BeamSearch;
import org.gemsj.model.GenerativeModel;
import org.gemsj.model.GenerativeModel.Request;
import org.gemsj.model.ModelStore;
import org.gemsj.model.ScoredItem;
import org.gemsj.nativeops.NativeLibrary;

/**
 * A trained GEMS-J model for use inside a JVM service: search and recommendation over its
 * catalogue, without the CLI or a server. Load once, share across threads, close at shutdown.
 *
 * <pre>{@code
 * try (GemsModel model = GemsModel.load(Path.of("out/demo/model"))) {
 *   List<Hit> hits = model.search("waterproof hiking boots", 5);
 * }
 * }</pre>
 *
 * <p><b>Results</b>: k distinct catalogue items, best first, by trie-constrained beam search
 * (beam width max(k, 20) unless given), the same search as {@code gems search|recommend}.
 *
 * <p><b>History</b>: a user's past item ids in time order, <b>oldest first, newest last</b> (as
 * in the training data's {@link Example#history()}); only the newest {@link #historyLength()}
 * are read, as in training. Every id must be in the catalogue.
 *
 * <p><b>Threads</b>: every method is safe to call from any thread. At most
 * {@code parallelCalls} inferences run at once ({@link Policy}; the others wait their turn,
 * first come first served); the model keeps no per-call state, so concurrent calls give the
 * answers they give alone. Each call is also spread over the cores by libtorch's intra-op
 * threads (a process-wide setting: OMP_NUM_THREADS). By default calls are not merged into one
 * batch: a batched encoder pads inputs to a common length and its floating-point sums then differ
 * in the last bits, so an answer would depend on which requests happened to arrive together. A
 * {@link Policy} with a batch window merges them (micro-batching), for throughput.
 * {@link #close()} waits for running calls; calls after it throw {@link IllegalStateException}.
 */
public final class GemsModel implements AutoCloseable {
  /** Beam width floor of the default beam max(k, 20): a beam wider than k finds better top-k lists. */
  public static final int MIN_BEAM = 20;

  /**
   * Inferences at once by default: one, each spread over the cores by libtorch. Running more at
   * once has not been measured to help on this project's 2-core machine yet (docs/PERFORMANCE.md,
   * "Serving"); a service with more cores may pass its own to {@link #load(Path, int)}.
   */
  public static final int DEFAULT_PARALLEL_CALLS = 1;

  private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock(true); // write: close
  private final Semaphore calls; // the inferences that may run at once
  private final MicroBatcher batcher; // null: every request runs alone
  private final Path dir;
  private volatile GenerativeModel model; // null once closed; set under the write lock

  private GemsModel(Path dir, GenerativeModel model, Policy policy) {
    this.dir = dir;
    this.model = model;
    this.calls = new Semaphore(policy.parallelCalls(), true);
    this.batcher = policy.batchWindow().isZero() ? null : new MicroBatcher(policy.batchWindow(), policy.maxBatch(),
        policy.parallelCalls(), policy.loneRequestsWait(), requests -> infer(m -> m.inferBatch(requests)));
  }

  /**
   * How a model runs its inferences.
   *
   * @param parallelCalls inferences (or batches) run at once
   * @param batchWindow micro-batching: searches, recommendations and re-ranks that arrive within
   *     this window of the first waiting one (or while the model is busy; a lone request after a
   *     lone batch does not wait) run as one batch (atomic
   *     ids: one encoder and one decoder pass for the batch; other ids run one by one); a batched
   *     answer is the request's answer alone to float rounding (the batch pads its inputs). ZERO: no batching.
   * @param maxBatch requests in one batch at most
   * @param loneRequestsWait a lone request after a lone batch waits the window too (false, the
   *     default: a single client pays no window; true: every batch waits it, kept for the benchmark)
   */
  public record Policy(int parallelCalls, Duration batchWindow, int maxBatch, boolean loneRequestsWait) {
    /** One call at a time, no batching: neither has been measured to help on a 2-core machine yet. */
    public static final Policy DEFAULT = new Policy(DEFAULT_PARALLEL_CALLS, Duration.ZERO, 1);

    /** A lone request after a lone batch does not wait the window. */
    public Policy(int parallelCalls, Duration batchWindow, int maxBatch) {
      this(parallelCalls, batchWindow, maxBatch, false);
    }

    public Policy {
      Objects.requireNonNull(batchWindow, "batchWindow");
      if (parallelCalls < 1) {
        throw new IllegalArgumentException("parallelCalls must be >= 1, got " + parallelCalls);
      }
      if (batchWindow.isNegative() || maxBatch < 1) {
        throw new IllegalArgumentException("need batchWindow >= 0 and maxBatch >= 1, got " + batchWindow + " and "
            + maxBatch);
      }
    }

    /** Requests that may be inside the model at once: each parallel call may carry a batch. */
    public int inFlight() {
      return parallelCalls * (batchWindow.isZero() ? 1 : maxBatch);
    }
  }

  /** Loads a saved model directory ({@code OUT/model} of a training run) with {@link Policy#DEFAULT}. */
  public static GemsModel load(Path dir) throws IOException {
    return load(dir, Policy.DEFAULT);
  }

  /** As {@link #load(Path)}, running up to {@code parallelCalls} inferences at once. */
  public static GemsModel load(Path dir, int parallelCalls) throws IOException {
    return load(dir, new Policy(parallelCalls, Duration.ZERO, 1));
  }

  /** As {@link #load(Path)}, with this execution policy. */
  public static GemsModel load(Path dir, Policy policy) throws IOException {
    Objects.requireNonNull(dir, "dir");
    Objects.requireNonNull(policy, "policy");
    NativeLibrary.load(); // libtorch and GEMS-J's threading policy (BlasThreads)
    return new GemsModel(dir, ModelStore.load(dir), policy);
  }

  /** Batches run by micro-batching so far (0 without it). */
  long batchesRun() {
    return batcher == null ? 0 : batcher.batches();
  }

  /** The beam width used when none is given: max(k, {@link #MIN_BEAM}). */
  public static int defaultBeamWidth(int k) {
    return Math.max(k, MIN_BEAM);
  }

  /** The top {@code k} items for a query, with no user history. */
  public List<Hit> search(String query, int k) {
    return search(query, List.of(), k);
  }

  /** The top {@code k} items for a query, personalised by the user's history (oldest first; may be empty). */
  public List<Hit> search(String query, List<String> history, int k) {
    return search(query, history, k, defaultBeamWidth(k));
  }

  /** As {@link #search(String, List, int)} with an explicit beam width ({@code >= k}). */
  public List<Hit> search(String query, List<String> history, int k, int beamWidth) {
    if (query == null || query.isBlank()) {
      throw new IllegalArgumentException("query is empty");
    }
    return topK(Task.SEARCH, query, history, k, beamWidth);
  }

  /** The {@code k} items the user most likely wants next, from their history (oldest first; not empty). */
  public List<Hit> recommend(List<String> history, int k) {
    return recommend(history, k, defaultBeamWidth(k));
  }

  /** As {@link #recommend(List, int)} with an explicit beam width ({@code >= k}). */
  public List<Hit> recommend(List<String> history, int k, int beamWidth) {
    if (history == null || history.isEmpty()) {
      throw new IllegalArgumentException("history is empty: recommend needs at least one past item id");
    }
    return topK(Task.REC, null, history, k, beamWidth);
  }

  /**
   * Re-ranks candidates a search engine retrieved: every candidate, best first, scored by the
   * model. A search re-rank when {@code query} is given (history optional), a recommendation
   * re-rank when it is null (history required). A score is the log-probability of the item
   * among the candidates: its full-catalogue log-probability (what {@link #search} and
   * {@link #recommend} report) minus the log-sum-exp of the candidates' ones, so the
   * candidates' probabilities sum to 1 and their order is their full-catalogue order. Ties keep
   * the candidates' order.
   *
   * @param candidateIds distinct catalogue item ids, at least one
   */
  public List<Hit> rerank(String query, List<String> history, List<String> candidateIds) {
    Objects.requireNonNull(history, "history");
    Objects.requireNonNull(candidateIds, "candidateIds");
    if (query != null && query.isBlank()) {
      throw new IllegalArgumentException("query is empty (pass null for a recommendation re-rank)");
    }
    if (query == null && history.isEmpty()) {
      throw new IllegalArgumentException("history is empty: a recommendation re-rank needs at least one past item id");
    }
    if (candidateIds.isEmpty()) {
      throw new IllegalArgumentException("candidateIds is empty: nothing to re-rank");
    }
    int[] indices = new int[candidateIds.size()];
    Example e = withModel(m -> {
      Example checked = example(m, query == null ? Task.REC : Task.SEARCH, query, history);
      Map<String, Integer> seen = new HashMap<>();
      for (int i = 0; i < indices.length; i++) {
        String id = candidateIds.get(i);
        if (id == null || !m.hasItem(id)) {
          throw new IllegalArgumentException("candidateIds[" + i + "]: item '" + id + "' is not in the model's catalogue");
        }
        Integer before = seen.putIfAbsent(id, i);
        if (before != null) {
          throw new IllegalArgumentException("candidateIds[" + i + "]: item '" + id + "' is also candidateIds[" + before
              + "]");
        }
        indices[i] = m.indexOf(id);
      }
      return checked;
    });
    float[] full = run(Request.scores(e, indices)).scores();
    return withModel(m -> {
      double logZ = BeamSearch.logSumExp(full, IntStream.range(0, full.length).toArray());
      Integer[] order = new Integer[indices.length];
      for (int i = 0; i < order.length; i++) {
        order[i] = i;
      }
      Arrays.sort(order, (a, b) -> Float.compare(full[b], full[a])); // stable: ties keep the candidates' order
      List<Hit> hits = new ArrayList<>();
      for (int i : order) {
        hits.add(new Hit(candidateIds.get(i), m.items().get(indices[i]).title(), full[i] - logZ));
      }
      return hits;
    });
  }

  /** The catalogue, in the model's order. */
  public List<Item> items() {
    return withModel(GenerativeModel::items);
  }

  /** The catalogue item with this id, if any. */
  public Optional<Item> item(String id) {
    return withModel(m -> m.hasItem(id) ? Optional.of(m.items().get(m.indexOf(id))) : Optional.empty());
  }

  /** How many of the newest history items the model reads (older ones are ignored). */
  public int historyLength() {
    return withModel(m -> m.config.historyLength());
  }

  /** Frees the model; waits for the calls in progress. Idempotent. */
  @Override
  public void close() {
    lifecycle.writeLock().lock();
    try {
      if (model != null) {
        model.close();
        model = null;
      }
    } finally {
      lifecycle.writeLock().unlock();
    }
  }

  private List<Hit> topK(Task task, String query, List<String> history, int k, int beamWidth) {
    if (k < 1) {
      throw new IllegalArgumentException("k must be >= 1, got " + k);
    }
    if (beamWidth < k) {
      throw new IllegalArgumentException("beam width " + beamWidth + " cannot return k = " + k + " items: use a beam >= k");
    }
    Objects.requireNonNull(history, "history");
    Example e = withModel(m -> example(m, task, query, history)); // checked before it joins a batch
    List<ScoredItem> top = run(Request.topK(e, k, beamWidth)).top();
    return withModel(m -> hits(m, top));
  }

  /** One checked request: in a micro-batch when the policy batches, else alone in a call slot. */
  private GenerativeModel.Answer run(Request request) {
    return batcher != null ? batcher.submit(request) : infer(m -> m.inferBatch(List.of(request)).get(0));
  }

  private static List<Hit> hits(GenerativeModel m, List<ScoredItem> top) {
    List<Hit> hits = new ArrayList<>();
    for (ScoredItem s : top) {
      hits.add(new Hit(s.id(), m.items().get(m.indexOf(s.id())).title(), s.score()));
    }
    return hits;
  }

  /** The model's input for a request: the history checked against the catalogue, its newest historyLength ids. */
  private static Example example(GenerativeModel m, Task task, String query, List<String> history) {
    for (int i = 0; i < history.size(); i++) {
      String id = history.get(i);
      if (id == null || !m.hasItem(id)) {
        throw new IllegalArgumentException("history[" + i + "]: item '" + id + "' is not in the model's catalogue");
      }
    }
    int keep = m.config.historyLength();
    List<String> recent = history.subList(Math.max(0, history.size() - keep), history.size());
    return new Example("api", task, recent, query, null, 0);
  }

  /** Runs {@code body} on the open model (no inference: not counted against parallelCalls). */
  private <T> T withModel(Function<GenerativeModel, T> body) {
    lifecycle.readLock().lock();
    try {
      GenerativeModel m = model;
      if (m == null) {
        throw new IllegalStateException("GemsModel " + dir + " is closed");
      }
      return body.apply(m);
    } finally {
      lifecycle.readLock().unlock();
    }
  }

  /** Runs an inference: waits for one of the parallelCalls slots, then {@link #withModel}. */
  private <T> T infer(Function<GenerativeModel, T> body) {
    calls.acquireUninterruptibly(); // an interrupted request thread still gets its answer; the caller decides
    try {
      return withModel(body);
    } finally {
      calls.release();
    }
  }
}
