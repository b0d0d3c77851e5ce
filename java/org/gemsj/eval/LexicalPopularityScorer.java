package org.gemsj.eval;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.gemsj.data.Example;
import org.gemsj.data.Item;
import org.gemsj.data.Task;

/**
 * Word-match baseline for search: items rank by how many of the query's distinct analysed terms
 * their document holds (so the items holding every query word come first), and among equals by
 * training popularity. Terms are those of {@link Bm25Scorer#analyze} (English analyzer: lower
 * case, stemmed, stop words dropped); a query term no catalogue item holds is ignored.
 */
public final class LexicalPopularityScorer implements Scorer {
  private final List<Set<String>> terms = new ArrayList<>();
  private final Set<String> vocabulary = new HashSet<>();
  private final float[] prior;
  private final Bm25Scorer analyzer;

  /** {@code analyzer} only analyses text (its index is not used); the caller closes it. */
  public LexicalPopularityScorer(List<Item> items, List<Example> train, Bm25Scorer analyzer) {
    this.analyzer = analyzer;
    prior = PopularityScorer.tieBreak(items, train);
    for (Item item : items) {
      Set<String> t = new HashSet<>(analyzer.analyze(item.document()));
      terms.add(t);
      vocabulary.addAll(t);
    }
  }

  @Override
  public String name() {
    return "words+popularity";
  }

  @Override
  public Set<Task> tasks() {
    return Set.of(Task.SEARCH);
  }

  @Override
  public float[][] scores(List<Example> batch) {
    float[][] out = new float[batch.size()][];
    for (int b = 0; b < batch.size(); b++) {
      Set<String> query = new LinkedHashSet<>(analyzer.analyze(Bm25Scorer.queryOf(batch.get(b), name())));
      query.retainAll(vocabulary);
      float[] row = prior.clone();
      for (int i = 0; i < row.length; i++) {
        for (String t : query) {
          if (terms.get(i).contains(t)) {
            row[i] += 1;
          }
        }
      }
      out[b] = row;
    }
    return out;
  }
}
