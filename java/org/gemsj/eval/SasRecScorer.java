package org.gemsj.eval;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.gemsj.data.Example;
import org.gemsj.data.Item;
import org.gemsj.data.Task;
import org.gemsj.model.Params;
import org.gemsj.optim.GemsConfig;
import org.gemsj.optim.GemsOptimizer;
import org.gemsj.optim.LrSchedule;
import org.gemsj.optim.Method;
import org.gemsj.optim.TaskBatch;
import org.gemsj.torch.Attention;
import org.gemsj.torch.Tensors;

/**
 * SASRec (Kang and McAuley, ICDM 2018), the sequential-recommendation baseline: a small causal
 * Transformer over the user's item history, trained from scratch on the rec training examples.
 *
 * <p><b>Architecture.</b> Input token = item embedding (times sqrt(width), as the paper's code)
 * plus a learned position embedding, then dropout. The history is left-padded and its last item
 * always sits at the last position (positions count back from the most recent item). A learned
 * START token precedes the history, so an empty history has a defined state (START's) and every
 * position has a key to attend to. Then {@code blocks} pre-LayerNorm blocks: x += drop(MHA(LN(x)))
 * with causal, padding-masked multi-head attention ({@link Attention}, dropout on the attention
 * weights), x += drop(W2 drop(ReLU(W1 LN(x)))) with a width x width point-wise feed-forward
 * network, and a final LayerNorm. The state at the last position scores item i by its dot
 * product with item i's row of the same embedding table (shared input/output embeddings, no bias).
 *
 * <p><b>Training.</b> On the {@link Task#REC} examples of the given list (others are skipped),
 * the loss is the full-catalogue softmax cross-entropy of each example's target given its
 * history, at the last position only. The split's examples already hold one (history, next
 * item) pair per event, so this covers the same (prefix, next) pairs as the paper's
 * every-position objective without counting each pair up to 20 times. AdamW through the
 * project's {@link GemsOptimizer} in {@link Method#ADAMW} mode (betas 0.9 / 0.98 as the paper,
 * eps 1e-8), linear warmup over the first min(100, steps / 10) steps then cosine decay to 10% of
 * the peak rate. Epochs are seeded shuffles of the examples (the last batch of an epoch may be
 * smaller); the budget is {@link Options#epochs} epochs, capped at {@link Options#maxSteps} steps.
 *
 * <p><b>Determinism.</b> Weights come from {@code torch.manual_seed(seed)}, each step's dropout
 * masks from {@code manual_seed(seed * 1000003 + step)}, the example order from
 * {@code java.util.Random(seed * 31 + epoch)}: the same seed, data and thread count give the
 * same scores bit for bit. Training sets libtorch's global seed, so train one model at a time.
 *
 * <p>Scoring runs without gradients and without dropout; every temporary tensor of a training
 * step or a scoring batch is released when it returns. Histories longer than the model's
 * {@link #maxLength()} keep their most recent items.
 */
public final class SasRecScorer implements Scorer {
  /**
   * SASRec's hyperparameters and training budget.
   *
   * @param width embedding and hidden width (default 64)
   * @param blocks self-attention blocks (default 2)
   * @param heads attention heads; must divide width (default 1, as the paper)
   * @param dropout dropout rate of embeddings, attention weights, residual branches and the
   *     feed-forward hidden layer (default 0.2)
   * @param maxLength history items the model reads; 0 = the longest history among the training
   *     examples (default 0, i.e. the split's history length)
   * @param lr peak AdamW learning rate (default 1e-3)
   * @param weightDecay decoupled AdamW weight decay (default 0.01)
   * @param batchSize examples per step (default 128)
   * @param epochs passes over the rec training examples (default 20)
   * @param maxSteps hard cap on optimizer steps, whatever the epochs (default 1800: on
   *     MovieLens-small, ~73k rec examples or 572 steps an epoch, the cap binds at about 3.1
   *     epochs; a step took ~85 ms on 2 shared CPU cores, so training takes about 2.5 minutes)
   * @param seed seeds weights, dropout and example order (default 0)
   */
  public record Options(int width, int blocks, int heads, double dropout, int maxLength, double lr,
      double weightDecay, int batchSize, int epochs, int maxSteps, long seed) {
    public Options {
      if (width < 1 || blocks < 1 || heads < 1 || width % heads != 0) {
        throw new IllegalArgumentException("SASRec needs width >= 1, blocks >= 1 and heads >= 1 dividing width; got width "
            + width + ", blocks " + blocks + ", heads " + heads);
      }
      if (!(dropout >= 0 && dropout < 1)) {
        throw new IllegalArgumentException("SASRec dropout must be in [0, 1), got " + dropout);
      }
      if (maxLength < 0) {
        throw new IllegalArgumentException("SASRec maxLength must be >= 0 (0 = from the training examples), got " + maxLength);
      }
      if (!(lr > 0 && Double.isFinite(lr)) || !(weightDecay >= 0 && Double.isFinite(weightDecay))) {
        throw new IllegalArgumentException("SASRec needs lr > 0 and weightDecay >= 0, finite; got lr " + lr
            + ", weightDecay " + weightDecay);
      }
      if (batchSize < 1 || epochs < 1 || maxSteps < 1) {
        throw new IllegalArgumentException("SASRec needs batchSize, epochs and maxSteps >= 1; got " + batchSize + ", "
            + epochs + ", " + maxSteps);
      }
    }

    /** The documented defaults. */
    public static Options defaults() {
      return new Options(64, 2, 1, 0.2, 0, 1e-3, 0.01, 128, 20, 1800, 0);
    }

    public Options withSeed(long v) {
      return new Options(width, blocks, heads, dropout, maxLength, lr, weightDecay, batchSize, epochs, maxSteps, v);
    }

    public Options withBudget(int epochsValue, int maxStepsValue) {
      return new Options(width, blocks, heads, dropout, maxLength, lr, weightDecay, batchSize, epochsValue, maxStepsValue,
          seed);
    }

    public Options withShape(int widthValue, int blocksValue, int headsValue) {
      return new Options(widthValue, blocksValue, headsValue, dropout, maxLength, lr, weightDecay, batchSize, epochs,
          maxSteps, seed);
    }

    public Options withMaxLength(int v) {
      return new Options(width, blocks, heads, dropout, v, lr, weightDecay, batchSize, epochs, maxSteps, seed);
    }
  }

  private static final double BETA1 = 0.9, BETA2 = 0.98, EPS = 1e-8, FINAL_LR_RATIO = 0.1;

  private final Options options;
  private final int maxLength;
  private final int catalogue; // token ids 0..N-1 are the items, N is padding, N + 1 is START
  private final Map<String, Integer> index;
  private final Params params = new Params();
  private long trainedSteps;
  private double trainSeconds;
  private double lastEpochLoss = Double.NaN;

  private SasRecScorer(List<Item> items, Options options, int maxLength) {
    if (items.isEmpty()) {
      throw new IllegalArgumentException("SASRec needs a non-empty catalogue");
    }
    this.options = options;
    this.maxLength = maxLength;
    this.catalogue = items.size();
    this.index = Evaluator.itemIndex(items);
    torch.manual_seed(options.seed());
    int w = options.width();
    try (PointerScope scope = new PointerScope()) {
      normal("item_embedding", catalogue + 2, w);
      normal("position_embedding", maxLength + 1, w);
      for (int l = 0; l < options.blocks(); l++) {
        String p = "block." + l + ".";
        layerNorm(p + "attention_norm", w);
        for (String proj : List.of("query", "key", "value", "output")) {
          linear(p + "attention." + proj, w, w);
        }
        layerNorm(p + "ffn_norm", w);
        linear(p + "ffn.in", w, w);
        linear(p + "ffn.out", w, w);
      }
      layerNorm("final_norm", w);
    }
  }

  private void normal(String name, long rows, long cols) {
    params.add(name, torch.randn(rows, cols).mul_(new Scalar(0.02)));
  }

  private void linear(String name, long out, long in) {
    normal(name + ".weight", out, in);
    params.add(name + ".bias", torch.zeros(out));
  }

  private void layerNorm(String name, long width) {
    params.add(name + ".weight", torch.ones(width));
    params.add(name + ".bias", torch.zeros(width));
  }

  /**
   * Trains SASRec on the rec examples of {@code train} (ids must be in {@code items}); one line of
   * progress per epoch goes to {@code log} (null for none).
   *
   * @throws IllegalArgumentException when there is no rec example or an id is not in the catalogue
   */
  public static SasRecScorer train(List<Item> items, List<Example> train, Options o, PrintStream log) {
    Map<String, Integer> index = Evaluator.itemIndex(items);
    List<int[]> histories = new ArrayList<>();
    List<Integer> targets = new ArrayList<>();
    int longest = 0;
    for (int i = 0; i < train.size(); i++) {
      Example ex = train.get(i);
      if (ex.task() != Task.REC) {
        continue;
      }
      Integer target = index.get(ex.target());
      if (target == null) {
        throw new IllegalArgumentException("SASRec training example " + i + " (user " + ex.user() + "): target item id '"
            + ex.target() + "' is not in the catalogue");
      }
      histories.add(indices(ex.history(), index, "SASRec training example " + i + " (user " + ex.user() + ")"));
      targets.add(target);
      longest = Math.max(longest, ex.history().size());
    }
    if (histories.isEmpty()) {
      throw new IllegalArgumentException("SASRec needs rec training examples; got " + train.size()
          + " examples, none of task rec");
    }
    SasRecScorer model = new SasRecScorer(items, o, o.maxLength() > 0 ? o.maxLength() : Math.max(1, longest));
    model.fit(histories, targets, log);
    return model;
  }

  /** A model with fresh weights and no training (for tests of the forward pass). */
  static SasRecScorer untrained(List<Item> items, Options o, int maxLength) {
    return new SasRecScorer(items, o, maxLength);
  }

  private static int[] indices(List<String> ids, Map<String, Integer> index, String what) {
    int[] out = new int[ids.size()];
    for (int j = 0; j < out.length; j++) {
      Integer k = index.get(ids.get(j));
      if (k == null) {
        throw new IllegalArgumentException(what + ": history item id '" + ids.get(j) + "' is not in the catalogue");
      }
      out[j] = k;
    }
    return out;
  }

  private void fit(List<int[]> histories, List<Integer> targets, PrintStream log) {
    int n = histories.size(), batch = options.batchSize();
    int perEpoch = (n + batch - 1) / batch;
    long total = Math.min((long) options.epochs() * perEpoch, options.maxSteps());
    int warmup = (int) Math.min(100, total / 10);
    GemsConfig config = GemsConfig.builder().method(Method.ADAMW)
        .schedule(new LrSchedule(options.lr(), warmup, (int) total, FINAL_LR_RATIO))
        .weightDecay(options.weightDecay()).betas(BETA1, BETA2).eps(EPS).seed(options.seed()).build();
    List<GemsOptimizer.Param> all = new ArrayList<>();
    params.asMap().forEach((name, t) -> all.add(new GemsOptimizer.Param(name, t)));
    GemsOptimizer optimizer = new GemsOptimizer(config, List.of(), all);
    long start = System.nanoTime();
    long t = 0;
    for (int epoch = 0; t < total; epoch++) {
      List<Integer> order = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        order.add(i);
      }
      Collections.shuffle(order, new Random(options.seed() * 31 + epoch));
      double lossSum = 0;
      long seen = 0;
      for (int from = 0; from < n && t < total; from += batch) {
        t++;
        List<int[]> hs = new ArrayList<>(batch);
        long[] ys = new long[Math.min(batch, n - from)];
        for (int b = 0; b < ys.length; b++) {
          int i = order.get(from + b);
          hs.add(histories.get(i));
          ys[b] = targets.get(i);
        }
        lossSum += step(optimizer, hs, ys, t) * ys.length;
        seen += ys.length;
      }
      lastEpochLoss = lossSum / seen;
      trainedSteps = t;
      trainSeconds = (System.nanoTime() - start) / 1e9;
      if (log != null) {
        log.printf("sasrec: epoch %d/%d  step %d/%d  loss %.4f  %.1f s%s%n", epoch + 1,
            Math.min(options.epochs(), (total + perEpoch - 1) / perEpoch), t, total, lastEpochLoss, trainSeconds,
            t == options.maxSteps() && total < (long) options.epochs() * perEpoch ? " (step cap reached)" : "");
      }
    }
  }

  /** One AdamW step on a batch; returns its mean loss. */
  private double step(GemsOptimizer optimizer, List<int[]> histories, long[] targets, long t) {
    try (PointerScope scope = new PointerScope()) {
      torch.manual_seed(options.seed() * 1_000_003L + t);
      for (Tensor p : params.asMap().values()) {
        Tensor g = p.grad();
        if (g.defined()) {
          g.zero_();
        }
      }
      double loss;
      try (PointerScope pass = new PointerScope()) { // this pass's activations end here
        Tensor logits = logits(lastStates(histories, options.dropout()));
        Tensor l = torch.cross_entropy_loss(logits, Tensors.fromLongs(targets, targets.length));
        loss = l.item_double();
        l.backward();
      }
      if (!Double.isFinite(loss)) {
        throw new IllegalStateException("SASRec training loss is " + loss + " at step " + t);
      }
      Map<String, Tensor> grads = new HashMap<>();
      params.asMap().forEach((name, p) -> {
        Tensor g = p.grad();
        grads.put(name, g.defined() ? g : torch.zeros_like(p));
      });
      optimizer.step(TaskBatch.absent(), new TaskBatch(grads, targets.length, loss));
      return loss;
    }
  }

  /** Hidden states [B, T, width] of the padded START + history sequences, T = 1 + longest history. */
  private Tensor states(List<int[]> histories, double dropout) {
    int b = histories.size(), longest = 0;
    for (int[] h : histories) {
      longest = Math.max(longest, Math.min(h.length, maxLength));
    }
    int len = longest + 1;
    long[] tokens = new long[b * len], mask = new long[b * len];
    for (int r = 0; r < b; r++) {
      int[] h = histories.get(r);
      int kept = Math.min(h.length, maxLength), pad = len - 1 - kept;
      for (int j = 0; j < len; j++) {
        int at = r * len + j;
        tokens[at] = j < pad ? catalogue : j == pad ? catalogue + 1 : h[h.length - kept + (j - pad - 1)];
        mask[at] = j < pad ? 0 : 1;
      }
    }
    int w = options.width();
    Tensor positions = torch.arange(new Scalar(maxLength + 1 - len), new Scalar(maxLength + 1),
        new TensorOptions(torch.ScalarType.Long));
    Tensor x = torch.embedding(p("item_embedding"), Tensors.fromLongs(tokens, b, len)).mul(new Scalar(Math.sqrt(w)))
        .add(torch.embedding(p("position_embedding"), positions));
    x = torch.dropout(x, dropout, dropout > 0);
    Tensor bias = Attention.causalBias(len).add(Attention.paddingBias(Tensors.fromLongs(mask, b, len)));
    for (int l = 0; l < options.blocks(); l++) {
      String p = "block." + l + ".";
      Tensor h = norm(x, p + "attention_norm");
      Tensor context = Attention.attend(linear(h, p + "attention.query"), linear(h, p + "attention.key"),
          linear(h, p + "attention.value"), bias, options.heads(), dropout);
      x = x.add(torch.dropout(linear(context, p + "attention.output"), dropout, dropout > 0));
      h = norm(x, p + "ffn_norm");
      Tensor f = torch.dropout(torch.relu(linear(h, p + "ffn.in")), dropout, dropout > 0);
      x = x.add(torch.dropout(linear(f, p + "ffn.out"), dropout, dropout > 0));
    }
    return norm(x, "final_norm");
  }

  private Tensor lastStates(List<int[]> histories, double dropout) {
    Tensor s = states(histories, dropout);
    return s.select(1, s.size(1) - 1);
  }

  /** [B, N] item scores of states [B, width]: dot products with the item embeddings. */
  private Tensor logits(Tensor last) {
    return last.matmul(p("item_embedding").narrow(0, 0, catalogue).t());
  }

  private Tensor linear(Tensor x, String module) {
    return torch.linear(x, p(module + ".weight"), new TensorOptional(p(module + ".bias")));
  }

  private Tensor norm(Tensor x, String module) {
    return torch.layer_norm(x, new long[] {options.width()}, new TensorOptional(p(module + ".weight")),
        new TensorOptional(p(module + ".bias")), 1e-5, false);
  }

  private Tensor p(String name) {
    return params.get(name);
  }

  @Override
  public String name() {
    return "sasrec";
  }

  @Override
  public Set<Task> tasks() {
    return Set.of(Task.REC);
  }

  /**
   * Scores every catalogue item for each rec example from its history (oldest first).
   *
   * @throws IllegalArgumentException for an example of another task or a history id not in the catalogue
   */
  @Override
  public float[][] scores(List<Example> batch) {
    List<int[]> histories = new ArrayList<>(batch.size());
    for (int i = 0; i < batch.size(); i++) {
      Example ex = batch.get(i);
      if (ex.task() != Task.REC) {
        throw new IllegalArgumentException("SASRec scores rec examples; example " + i + " (user " + ex.user()
            + ") is of task " + ex.task().wire);
      }
      histories.add(indices(ex.history(), index, "example " + i + " (user " + ex.user() + ")"));
    }
    float[][] out = new float[batch.size()][];
    if (batch.isEmpty()) {
      return out;
    }
    float[] flat;
    try (NoGradGuard g = new NoGradGuard(); PointerScope scope = new PointerScope()) {
      flat = Tensors.toFloats(logits(lastStates(histories, 0)));
    }
    for (int b = 0; b < out.length; b++) {
      out[b] = java.util.Arrays.copyOfRange(flat, b * catalogue, (b + 1) * catalogue);
    }
    return out;
  }

  /**
   * The final-LayerNorm states [T][width] of one history at every position (START first, then
   * the kept history items), without dropout; for tests of causality and of the forward pass.
   */
  float[][] positionStates(List<String> history) {
    int[] h = indices(history, index, "history");
    float[] flat;
    int len;
    try (NoGradGuard g = new NoGradGuard(); PointerScope scope = new PointerScope()) {
      Tensor s = states(List.of(h), 0);
      len = (int) s.size(1);
      flat = Tensors.toFloats(s);
    }
    int w = options.width();
    float[][] out = new float[len][];
    for (int j = 0; j < len; j++) {
      out[j] = java.util.Arrays.copyOfRange(flat, j * w, (j + 1) * w);
    }
    return out;
  }

  /** The named parameters (live tensors; for tests). */
  Map<String, Tensor> parameters() {
    return params.asMap();
  }

  public Options options() {
    return options;
  }

  /** History items the model reads (the most recent ones). */
  public int maxLength() {
    return maxLength;
  }

  /** Optimizer steps taken in training. */
  public long trainedSteps() {
    return trainedSteps;
  }

  /** Wall-clock seconds training took. */
  public double trainSeconds() {
    return trainSeconds;
  }

  /** Mean training loss over the last epoch (NaN before training). */
  public double lastEpochLoss() {
    return lastEpochLoss;
  }
}
