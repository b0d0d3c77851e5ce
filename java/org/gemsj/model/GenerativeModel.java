package org.gemsj.model;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.gemsj.backbone.BertEncoder;
import org.gemsj.backbone.TextTokenizer;
import org.gemsj.data.Example;
import org.gemsj.data.Item;
import org.gemsj.data.Task;
import org.gemsj.torch.Attention;
import org.gemsj.torch.Tensors;

/**
 * Generative retrieval: the pretrained encoder reads the task, query and history; the decoder
 * writes the identifier of the item to retrieve. One model serves search and recommendation.
 *
 * <p>Not thread-safe (the encoder keeps per-forward state): give each thread its own model.
 */
public final class GenerativeModel implements AutoCloseable {
  /** Identifiers teacher-forced per decoder call when scoring a catalogue (bounds memory). */
  private static final int SCORE_CHUNK = 512;
  /** Upper end of the search for the transition prior's starting scale. */
  private static final double MAX_TRANSITION_SCALE = 10;

  /** Encoder token states and their mask. */
  public record Encoded(Tensor states, Tensor mask) {}

  public final ModelConfig config;
  public final Params params;
  public final BertEncoder encoder;
  public final ItemDecoder decoder;
  public final ItemIds ids;
  private final List<Item> items;
  private final Map<String, Integer> index = new HashMap<>();
  private final Map<String, Item> byId = new HashMap<>();
  private final TextTokenizer tokenizer;
  private final byte[] tokenizerJson; // saved with the model
  private TransitionPrior transitions; // null: none (semantic ids, --item-prior popularity|none, older models)

  GenerativeModel(ModelConfig config, Params params, BertEncoder encoder, ItemDecoder decoder, ItemIds ids,
      List<Item> items, TransitionPrior transitions, byte[] tokenizerJson) throws IOException {
    this.config = config;
    this.params = params;
    this.encoder = encoder;
    this.decoder = decoder;
    this.ids = ids;
    this.items = List.copyOf(items);
    for (int i = 0; i < items.size(); i++) {
      index.put(items.get(i).id(), i);
      byId.put(items.get(i).id(), items.get(i));
    }
    this.tokenizerJson = tokenizerJson.clone();
    this.tokenizer = new TextTokenizer(tokenizerJson, config.maxTokens());
    if (transitions != null) {
      attachTransitions(transitions);
    }
  }

  public List<Item> items() {
    return items;
  }

  /** Catalogue index of an item id; throws naming the id when it is unknown. */
  public int indexOf(String id) {
    Integer i = index.get(id);
    if (i == null) {
      throw new IllegalArgumentException("item '" + id + "' is not in the model's catalogue");
    }
    return i;
  }

  public boolean hasItem(String id) {
    return index.containsKey(id);
  }

  /**
   * A batch ready for a training pass: the encoder's input, and per example the identifier's
   * decoder inputs (BOS first) and targets [B, depth] with the trie's mask [B, depth, V] (0 where a
   * token continues a valid identifier, {@link Attention#MASKED} elsewhere).
   */
  public record Prepared(ModelInputs.Batch input, Tensor decoderInputs, Tensor targets, Tensor allowed,
      TransitionRows transitions) {}

  /**
   * The transition prior's fixed part for a batch: ln(1 + count) rows [B, V] over identifier tokens
   * and each example's task index [B] (0 search, 1 rec) into the learned scales.
   */
  public record TransitionRows(Tensor logCounts, Tensor tasks) {}

  public Encoded encode(List<Example> batch, double dropout) {
    return encode(input(batch), dropout);
  }

  /** The encoder's input for {@code batch} (tokenising; no tensors that need gradients). */
  public ModelInputs.Batch input(List<Example> batch) {
    return ModelInputs.encode(batch, config.input(), tokenizer, byId, id -> ids.tokensOf(indexOf(id)));
  }

  public Encoded encode(ModelInputs.Batch t, double dropout) {
    Tensor states = t.items() == null ? encoder.forward(t.ids(), t.mask(), t.types(), dropout)
        : encoder.forward(t.ids(), t.mask(), t.types(), t.items(), decoder.tokenEmbeddings(), dropout);
    return new Encoded(states, t.mask());
  }

  /**
   * Sets the identifier bias of every item to ln(1 + count) (atomic ids; a popularity prior the
   * softmax uses from the first step); {@code counts} per catalogue item.
   */
  public void initItemPrior(float[] counts) {
    if (ids.scheme != ItemIds.Scheme.ATOMIC) {
      throw new IllegalStateException("the item prior needs atomic ids (one bias per item)");
    }
    if (counts.length != items.size()) {
      throw new IllegalArgumentException(counts.length + " counts for " + items.size() + " items");
    }
    float[] bias = new float[counts.length];
    for (int i = 0; i < counts.length; i++) {
      bias[i] = (float) Math.log1p(counts[i]);
    }
    decoder.initOutputBias(1, Tensors.fromFloats(bias, counts.length));
  }

  /**
   * Adds the item-to-item prior (atomic ids), counted over {@code train}, and returns its rec scale:
   * the value that best explains the rec training targets by the identifier biases and the counts
   * alone ({@link TransitionPrior#fitScale}), so the prior is as strong as the data says from the
   * first step. The search scale starts at 0 (the query decides). Both are trained with the decoder.
   */
  public double initTransitionPrior(List<Example> train) {
    if (ids.scheme != ItemIds.Scheme.ATOMIC) {
      throw new IllegalStateException("the transition prior needs atomic ids (one logit per item)");
    }
    List<int[]> pairs = new ArrayList<>(), recPairs = new ArrayList<>();
    for (Example e : train) {
      int last = newest(e);
      if (last >= 0) {
        int[] pair = {last, indexOf(e.target())};
        pairs.add(pair);
        if (e.task() == Task.REC) {
          recPairs.add(pair);
        }
      }
    }
    TransitionPrior prior = TransitionPrior.count(items.size(), pairs);
    float[] bias;
    try (PointerScope scope = new PointerScope()) {
      bias = Tensors.toFloats(decoder.outputBias().narrow(0, 1, items.size()));
    }
    double rec = prior.fitScale(recPairs, bias, MAX_TRANSITION_SCALE);
    Tensor start = Tensors.fromFloats(new float[] {0f, (float) rec}, 2); // search, rec
    if (params.has(TransitionPrior.SCALE)) {
      try (NoGradGuard g = new NoGradGuard()) {
        params.get(TransitionPrior.SCALE).copy_(start);
      }
    } else {
      params.add(TransitionPrior.SCALE, start);
    }
    attachTransitions(prior);
    return rec;
  }

  private void attachTransitions(TransitionPrior t) {
    if (t.items() != items.size() || !params.has(TransitionPrior.SCALE) || ids.scheme != ItemIds.Scheme.ATOMIC) {
      throw new IllegalStateException("a transition prior needs atomic ids over the model's " + items.size()
          + " items and the weight " + TransitionPrior.SCALE);
    }
    transitions = t;
  }

  /** The item-to-item prior, or null when the model has none. */
  public TransitionPrior transitions() {
    return transitions;
  }

  /** The transition prior's scale for {@code task}'s examples. */
  public double transitionScale(Task task) {
    requireTransitions();
    try (PointerScope scope = new PointerScope()) {
      return Tensors.toFloats(params.get(TransitionPrior.SCALE))[taskIndex(task)];
    }
  }

  public void setTransitionScale(Task task, double value) {
    requireTransitions();
    try (NoGradGuard g = new NoGradGuard(); PointerScope scope = new PointerScope()) {
      params.get(TransitionPrior.SCALE).narrow(0, taskIndex(task), 1).fill_(new Scalar(value));
    }
  }

  private void requireTransitions() {
    if (transitions == null) {
      throw new IllegalStateException("the model has no transition prior");
    }
  }

  private static int taskIndex(Task task) {
    return task == Task.SEARCH ? 0 : 1;
  }

  /** Catalogue index of the example's newest history item, or -1 for an empty history. */
  public int newest(Example e) {
    return e.history().isEmpty() ? -1 : indexOf(e.history().get(e.history().size() - 1));
  }

  private TransitionRows transitionRows(List<Example> batch) {
    if (transitions == null) {
      return null;
    }
    int b = batch.size(), vocab = ids.vocabulary();
    float[] rows = new float[b * vocab];
    long[] tasks = new long[b];
    for (int i = 0; i < b; i++) {
      transitions.logCounts(newest(batch.get(i)), rows, i * vocab + 1); // token 0 is BOS
      tasks[i] = taskIndex(batch.get(i).task());
    }
    return new TransitionRows(Tensors.fromFloats(rows, b, vocab), Tensors.fromLongs(tasks, b));
  }

  /** The prior's logits [B, 1, V] (scale of each example's task times its rows), or null without one. */
  private Tensor transitionLogits(TransitionRows rows) {
    if (rows == null) {
      return null;
    }
    Tensor scale = params.get(TransitionPrior.SCALE).index_select(0, rows.tasks()).unsqueeze(1);
    return rows.logCounts().mul(scale).unsqueeze(1);
  }

  /** Mean over the batch of the identifier's negative log-likelihood (trie-constrained softmax). */
  public Tensor loss(List<Example> batch, double dropout) {
    Prepared p = prepare(batch);
    Encoded enc = encode(p.input(), dropout);
    return decoderLoss(p, enc.states(), enc.mask(), dropout);
  }

  /** Everything a training pass over {@code batch} needs before the encoder runs. */
  public Prepared prepare(List<Example> batch) {
    int b = batch.size(), depth = ids.depth(), vocab = ids.vocabulary();
    long[] inputs = new long[b * depth], targets = new long[b * depth];
    float[] bias = new float[b * depth * vocab];
    Arrays.fill(bias, (float) Attention.MASKED);
    for (int i = 0; i < b; i++) {
      int[] tokens = ids.tokensOf(indexOf(batch.get(i).target()));
      List<Integer> prefix = new ArrayList<>();
      for (int j = 0; j < depth; j++) {
        inputs[i * depth + j] = j == 0 ? ItemIds.BOS : tokens[j - 1];
        targets[i * depth + j] = tokens[j];
        for (int allowed : ids.trie().next(prefix)) {
          bias[(i * depth + j) * vocab + allowed] = 0;
        }
        prefix.add(tokens[j]);
      }
    }
    return new Prepared(input(batch), Tensors.fromLongs(inputs, b, depth), Tensors.fromLongs(targets, b * depth),
        Tensors.fromFloats(bias, b, depth, vocab), transitionRows(batch));
  }

  /** The loss of {@link #loss} from encoder states already computed (they may be a detached copy). */
  public Tensor decoderLoss(Prepared p, Tensor states, Tensor mask, double dropout) {
    long b = p.decoderInputs().size(0), depth = ids.depth(), vocab = ids.vocabulary();
    Tensor logits = decoder.forward(p.decoderInputs(), states, mask, dropout).add(p.allowed());
    Tensor prior = transitionLogits(p.transitions()); // atomic ids: depth 1, so it broadcasts over [B, 1, V]
    if (prior != null) {
      logits = logits.add(prior);
    }
    Tensor perToken = torch.cross_entropy_loss(logits.view(b * depth, vocab), p.targets());
    return perToken.mul(new Scalar(depth));
  }

  /** Log-probability of every catalogue item's identifier, per example [B][N] (no gradients). */
  public float[][] scoreAll(List<Example> batch) {
    try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
      Encoded enc = encode(batch, 0);
      return ids.scheme == ItemIds.Scheme.ATOMIC ? atomicScores(enc, batch)
          : semanticScores(enc, batch.size(), IntStream.range(0, items.size()).toArray());
    }
  }

  /**
   * Log-probability of each of the given catalogue items' identifiers for one example: the
   * values {@link #scoreAll} gives those items (no gradients; semantic ids to float rounding, as
   * the decoder runs them in other batches). Semantic ids teacher-force only these items, so a
   * few hundred candidates cost far less than the whole catalogue.
   *
   * @param itemIndices positions in {@link #items()}
   */
  public float[] scoreItems(Example example, int[] itemIndices) {
    checkIndices(itemIndices);
    try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
      Encoded enc = encode(List.of(example), 0);
      if (ids.scheme == ItemIds.Scheme.ATOMIC) {
        float[] all = atomicScores(enc, List.of(example))[0];
        float[] out = new float[itemIndices.length];
        for (int c = 0; c < itemIndices.length; c++) {
          out[c] = all[itemIndices[c]];
        }
        return out;
      }
      return semanticScores(enc, 1, itemIndices)[0];
    }
  }

  private void checkIndices(int[] itemIndices) {
    for (int i : itemIndices) {
      if (i < 0 || i >= items.size()) {
        throw new IllegalArgumentException("item index " + i + " is outside the catalogue of " + items.size());
      }
    }
  }

  /**
   * The decoder's logits over the catalogue without the transition term, per example [B][N]
   * (atomic ids; no gradients): what {@link #scoreAll} normalises after adding the prior.
   */
  public float[][] itemLogits(List<Example> batch) {
    if (ids.scheme != ItemIds.Scheme.ATOMIC) {
      throw new IllegalStateException("item logits need atomic ids (one logit per item)");
    }
    try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
      Encoded enc = encode(batch, 0);
      long[] bos = new long[batch.size()];
      Tensor logits = decoder.forward(Tensors.fromLongs(bos, batch.size(), 1), enc.states(), enc.mask(), 0)
          .select(1, 0).narrow(1, 1, items.size());
      return rows(Tensors.toFloats(logits), batch.size());
    }
  }

  private float[][] rows(float[] flat, int b) {
    float[][] out = new float[b][];
    for (int i = 0; i < b; i++) {
      out[i] = Arrays.copyOfRange(flat, i * items.size(), (i + 1) * items.size());
    }
    return out;
  }

  private float[][] atomicScores(Encoded enc, List<Example> batch) {
    return rows(Tensors.toFloats(atomicLogits(enc, batch).narrow(1, 1, items.size()).log_softmax(1)), batch.size());
  }

  /** Atomic ids' one decoding step: the decoder's logits plus the transition prior, [B, vocabulary]. */
  private Tensor atomicLogits(Encoded enc, List<Example> batch) {
    int b = batch.size();
    Tensor logits = decoder.forward(Tensors.fromLongs(new long[b], b, 1), enc.states(), enc.mask(), 0);
    Tensor prior = transitionLogits(transitionRows(batch));
    return (prior != null ? logits.add(prior) : logits).select(1, 0);
  }

  /** Beam search results as catalogue items, best first. */
  private List<ScoredItem> scored(List<BeamSearch.Beam> beams) {
    List<ScoredItem> out = new ArrayList<>();
    for (BeamSearch.Beam beam : beams) {
      out.add(new ScoredItem(items.get(ids.trie().item(beam.tokens())).id(), beam.score()));
    }
    return out;
  }

  /**
   * Teacher-forces each of {@code which} (catalogue positions) once per example (causal masking
   * gives all prefixes' distributions in one pass), in chunks of items; the example's encoder
   * states are shared by the chunk's rows (broadcast, not copied). Each level's softmax is over
   * the tokens the whole catalogue's trie allows there, so a score does not depend on which
   * other items are scored. Returns [B][which.length].
   */
  private float[][] semanticScores(Encoded enc, int b, int[] which) {
    int n = which.length, depth = ids.depth(), vocab = ids.vocabulary();
    // what depends on the catalogue only is worked out once, not per example
    int[][] tokens = ids.table();
    int[][][] allowed = new int[n][depth][];
    long[] inputs = new long[n * depth];
    Map<List<Integer>, int[]> byPrefix = new HashMap<>();
    for (int i = 0; i < n; i++) {
      int item = which[i];
      List<Integer> prefix = new ArrayList<>();
      for (int j = 0; j < depth; j++) {
        allowed[i][j] = byPrefix.computeIfAbsent(List.copyOf(prefix), p -> ids.trie().next(p));
        inputs[i * depth + j] = j == 0 ? ItemIds.BOS : tokens[item][j - 1];
        prefix.add(tokens[item][j]);
      }
    }
    float[][] out = new float[b][n];
    for (int e = 0; e < b; e++) {
      for (int start = 0; start < n; start += SCORE_CHUNK) {
        int count = Math.min(SCORE_CHUNK, n - start);
        float[] logits;
        try (PointerScope scope = new PointerScope()) {
          long[] chunk = Arrays.copyOfRange(inputs, start * depth, (start + count) * depth);
          logits = Tensors.toFloats(decoder.forward(Tensors.fromLongs(chunk, count, depth),
              enc.states().narrow(0, e, 1), enc.mask().narrow(0, e, 1), 0));
        }
        for (int i = 0; i < count; i++) {
          int at = start + i, item = which[at];
          double score = 0;
          for (int j = 0; j < depth; j++) {
            int row = (i * depth + j) * vocab;
            score += logits[row + tokens[item][j]] - BeamSearch.logSumExp(logits, row, allowed[at][j]);
          }
          out[e][at] = (float) score;
        }
      }
    }
    return out;
  }

  /**
   * One request of {@link #inferBatch}: the top {@code k} items by beam search ({@link #topK}),
   * or, when {@code candidates} (catalogue positions) is given, those items' log-probabilities
   * ({@link #scoreItems}).
   */
  public record Request(Example example, int k, int beamWidth, int[] candidates) {
    public static Request topK(Example example, int k, int beamWidth) {
      return new Request(example, k, beamWidth, null);
    }

    public static Request scores(Example example, int[] candidates) {
      return new Request(example, 0, 0, candidates.clone());
    }
  }

  /** The answer to a {@link Request}: {@code top} for a top-k request, {@code scores} for a candidates one. */
  public record Answer(List<ScoredItem> top, float[] scores) {}

  /**
   * {@link #topK} and {@link #scoreItems} for several requests at once. With atomic ids (one
   * decoding step) the encoder and the decoder run once over the whole batch and each request
   * reads its own row; other ids run one request at a time. The answers are each request's alone
   * to float rounding: the batch pads its inputs to a common length, which changes the order of
   * some sums in the last bits.
   */
  public List<Answer> inferBatch(List<Request> requests) {
    if (ids.depth() != 1 || requests.size() == 1) {
      List<Answer> out = new ArrayList<>();
      for (Request q : requests) {
        out.add(q.candidates() == null ? new Answer(topK(q.example(), q.k(), q.beamWidth()), null)
            : new Answer(null, scoreItems(q.example(), q.candidates())));
      }
      return out;
    }
    for (Request q : requests) {
      if (q.candidates() != null) {
        checkIndices(q.candidates());
      }
    }
    int b = requests.size(), vocab = ids.vocabulary(), n = items.size();
    List<Example> examples = requests.stream().map(Request::example).toList();
    float[] flat, logProbs = null;
    try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
      Tensor first = atomicLogits(encode(examples, 0), examples);
      flat = Tensors.toFloats(first);
      if (requests.stream().anyMatch(q -> q.candidates() != null)) { // what scoreItems normalises, per row
        logProbs = Tensors.toFloats(first.narrow(1, 1, n).log_softmax(1));
      }
    }
    List<Answer> out = new ArrayList<>();
    for (int e = 0; e < b; e++) {
      Request q = requests.get(e);
      if (q.candidates() != null) {
        float[] scores = new float[q.candidates().length];
        for (int c = 0; c < scores.length; c++) {
          scores[c] = logProbs[e * n + q.candidates()[c]];
        }
        out.add(new Answer(null, scores));
        continue;
      }
      float[] row = Arrays.copyOfRange(flat, e * vocab, (e + 1) * vocab);
      out.add(new Answer(scored(BeamSearch.search(ids.trie(), 1, q.beamWidth(), q.k(), prefixes -> {
        float[][] rows = new float[prefixes.size()][];
        Arrays.fill(rows, row);
        return rows;
      })), null));
    }
    return out;
  }

  /** The top {@code k} items for one example by constrained beam search, best first. */
  public List<ScoredItem> topK(Example example, int k, int beamWidth) {
    try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
      Encoded enc = encode(List.of(example), 0);
      Tensor prior = transitionLogits(transitionRows(List.of(example)));
      float[] first = prior == null ? null : Tensors.toFloats(prior); // atomic ids: the only step
      List<BeamSearch.Beam> beams = BeamSearch.search(ids.trie(), ids.depth(), beamWidth, k, prefixes -> {
        int p = prefixes.size(), len = prefixes.get(0).size() + 1;
        long[] tokens = new long[p * len];
        for (int i = 0; i < p; i++) {
          for (int j = 0; j < len - 1; j++) {
            tokens[i * len + j + 1] = prefixes.get(i).get(j);
          }
        }
        Tensor logits = decoder.forward(Tensors.fromLongs(tokens, p, len), enc.states(), enc.mask(), 0)
            .select(1, len - 1);
        float[] flat = Tensors.toFloats(logits);
        int vocab = ids.vocabulary();
        float[][] rows = new float[p][];
        for (int i = 0; i < p; i++) {
          rows[i] = Arrays.copyOfRange(flat, i * vocab, (i + 1) * vocab);
          if (first != null && len == 1) {
            for (int v = 0; v < vocab; v++) {
              rows[i][v] += first[v];
            }
          }
        }
        return rows;
      });
      return scored(beams);
    }
  }

  /** L2-normalised sentence embeddings of {@code texts} from the encoder, [N][H] (no gradients). */
  public float[][] embed(List<String> texts) {
    return TextEmbedder.embed(encoder, tokenizer, config.backbone().pooling(), texts);
  }

  /** The encoder's tokenizer, cutting at the model's input length. */
  public TextTokenizer tokenizer() {
    return tokenizer;
  }

  /** The tokenizer.json the model reads text with (what {@link ModelStore} saves with it). */
  byte[] tokenizerJson() {
    return tokenizerJson.clone();
  }

  @Override
  public void close() {
    tokenizer.close();
  }
}
