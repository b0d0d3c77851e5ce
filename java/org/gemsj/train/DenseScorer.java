package org.gemsj.train;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.gemsj.data.Example;
import org.gemsj.data.Task;
import org.gemsj.eval.Scorer;
import org.gemsj.model.GenerativeModel;

/**
 * Zero-shot dense retrieval: cosine between the query's and each item's sentence embedding from
 * the encoder as it is (build it before training to score the pretrained encoder).
 */
public final class DenseScorer implements Scorer {
  private final GenerativeModel model;
  private final float[][] itemVectors;

  /**
   * @param itemVectors the same encoder's embeddings of {@code model.items()}' documents, in
   *     catalogue order ({@link org.gemsj.model.ModelFactory.Built#itemVectors()})
   */
  public DenseScorer(GenerativeModel model, float[][] itemVectors) {
    if (itemVectors.length != model.items().size()) {
      throw new IllegalArgumentException(itemVectors.length + " item vectors for " + model.items().size() + " items");
    }
    this.model = model;
    this.itemVectors = itemVectors;
  }

  @Override
  public String name() {
    return "dense";
  }

  @Override
  public Set<Task> tasks() {
    return EnumSet.of(Task.SEARCH);
  }

  @Override
  public float[][] scores(List<Example> batch) {
    float[][] queries = model.embed(batch.stream().map(Example::query).toList());
    float[][] out = new float[batch.size()][itemVectors.length];
    for (int b = 0; b < batch.size(); b++) {
      for (int i = 0; i < itemVectors.length; i++) {
        double dot = 0;
        for (int d = 0; d < queries[b].length; d++) {
          dot += queries[b][d] * itemVectors[i][d];
        }
        out[b][i] = (float) dot;
      }
    }
    return out;
  }
}
