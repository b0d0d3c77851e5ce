package org.gemsj.train;

import java.util.List;
import org.gemsj.data.Example;
import org.gemsj.eval.Scorer;
import org.gemsj.model.GenerativeModel;

/** The generative model as a scorer: each item's identifier log-probability. */
public record ModelScorer(String name, GenerativeModel model) implements Scorer {
  @Override
  public float[][] scores(List<Example> batch) {
    return model.scoreAll(batch);
  }
}
