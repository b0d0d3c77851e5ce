package org.gemsj.study;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.gemsj.backbone.Backbone;
import org.gemsj.backbone.BertEncoder;
import org.gemsj.backbone.Pretrained;
import org.gemsj.backbone.TextTokenizer;
import org.gemsj.data.Example;
import org.gemsj.data.Item;
import org.gemsj.data.Task;
import org.gemsj.model.GenerativeModel;
import org.gemsj.model.Params;
import org.gemsj.model.TextEmbedder;

/**
 * Knowledge retention of a fine-tuned encoder against the pretrained one.
 * <ul>
 *   <li><b>drift</b>: the mean cosine between the pretrained and the fine-tuned sentence embedding
 *       of each held-out general-English sentence (1 = unchanged; the sentences are not the ones
 *       the null space was estimated on).
 *   <li><b>intent retention</b>: the held-out search cases (test split) whose target the
 *       pretrained encoder ranks in the top {@value #TOP} by zero-shot dense retrieval (query
 *       embedding vs item embedding) among the pool of all test search targets; the share of
 *       them the fine-tuned encoder still ranks there. A pool rather than the whole catalogue
 *       keeps re-embedding affordable per run; ties count against the target.
 * </ul>
 */
final class Retention {
  static final int TOP = 10;
  static final String HELDOUT = "/org/gemsj/knowledge/general-english-heldout.txt";

  /** What a run's encoder is compared with, computed once from the pretrained encoder. */
  record Reference(List<String> sentences, float[][] sentencesBefore, List<String> queries, List<Integer> targets,
      List<String> poolDocuments, boolean[] correctBefore) {
    int correctCount() {
      int c = 0;
      for (boolean b : correctBefore) {
        c += b ? 1 : 0;
      }
      return c;
    }
  }

  /** One run's retention; {@code intent} is NaN when the pretrained encoder got no case right. */
  record Result(double drift, double intent, double correctShareAfter) {
    Map<String, Object> json() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("heldout_cosine", drift);
      m.put("intent_retention", Double.isNaN(intent) ? null : intent);
      m.put("intent_correct_share_after", correctShareAfter);
      return m;
    }
  }

  private Retention() {}

  static Reference reference(Backbone backbone, int maxTokens, List<Item> items, List<Example> test) throws IOException {
    List<String> sentences = heldoutSentences();
    List<String> queries = new ArrayList<>();
    List<Integer> targets = new ArrayList<>();
    Map<String, Integer> poolIndex = new LinkedHashMap<>();
    Map<String, Item> byId = new LinkedHashMap<>();
    items.forEach(i -> byId.put(i.id(), i));
    for (Example e : test) {
      if (e.task() == Task.SEARCH) {
        queries.add(e.query());
        targets.add(poolIndex.computeIfAbsent(e.target(), id -> poolIndex.size()));
      }
    }
    List<String> pool = poolIndex.keySet().stream().map(id -> byId.get(id).document()).toList();
    Pretrained pretrained = backbone.read();
    BertEncoder encoder = pretrained.encoder(new Params(), "encoder.");
    Backbone.Pooling pooling = backbone.pooling();
    try (TextTokenizer tokenizer = pretrained.tokenizer(maxTokens)) {
      float[][] before = TextEmbedder.embed(encoder, tokenizer, pooling, sentences);
      boolean[] correct = correct(TextEmbedder.embed(encoder, tokenizer, pooling, queries),
          TextEmbedder.embed(encoder, tokenizer, pooling, pool), targets);
      return new Reference(sentences, before, queries, targets, pool, correct);
    }
  }

  static Result measure(Reference ref, GenerativeModel tuned) {
    float[][] after = tuned.embed(ref.sentences());
    double cos = 0;
    for (int i = 0; i < after.length; i++) {
      cos += dot(after[i], ref.sentencesBefore()[i]);
    }
    boolean[] correctAfter = correct(tuned.embed(ref.queries()), tuned.embed(ref.poolDocuments()), ref.targets());
    int kept = 0, after10 = 0;
    for (int i = 0; i < correctAfter.length; i++) {
      kept += ref.correctBefore()[i] && correctAfter[i] ? 1 : 0;
      after10 += correctAfter[i] ? 1 : 0;
    }
    int before = ref.correctCount();
    return new Result(cos / after.length, before == 0 ? Double.NaN : (double) kept / before,
        correctAfter.length == 0 ? Double.NaN : (double) after10 / correctAfter.length);
  }

  /** Per case: is its target among the top {@value #TOP} of the pool (ties against it)? */
  static boolean[] correct(float[][] queries, float[][] pool, List<Integer> targets) {
    boolean[] out = new boolean[queries.length];
    for (int q = 0; q < queries.length; q++) {
      double target = dot(queries[q], pool[targets.get(q)]);
      int better = 0;
      for (int i = 0; i < pool.length; i++) {
        if (i != targets.get(q) && dot(queries[q], pool[i]) >= target) {
          better++;
        }
      }
      out[q] = better < TOP;
    }
    return out;
  }

  private static double dot(float[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }

  static List<String> heldoutSentences() throws IOException {
    try (InputStream in = Retention.class.getResourceAsStream(HELDOUT)) {
      if (in == null) {
        throw new IOException("resource " + HELDOUT + " is missing from the build");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().map(String::strip)
          .filter(s -> !s.isEmpty()).toList();
    }
  }
}
