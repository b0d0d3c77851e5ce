package org.gemsj.train;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import org.gemsj.data.Dataset;
import org.gemsj.data.SplitData;
import org.gemsj.data.Task;
import org.gemsj.eval.Bm25PopularityScorer;
import org.gemsj.eval.Bm25Scorer;
import org.gemsj.eval.EvalResult;
import org.gemsj.eval.Evaluator;
import org.gemsj.eval.LexicalPopularityScorer;
import org.gemsj.eval.PopularityScorer;
import org.gemsj.eval.SasRecScorer;
import org.gemsj.eval.Scorer;
import org.gemsj.eval.TransitionScorer;
import org.gemsj.model.GenerativeModel;

/**
 * The simple baselines every trained model is compared with, all through the same evaluator on the
 * same test split: search: BM25, BM25 with a popularity prior (weight chosen on validation), word
 * match by popularity, zero-shot dense; rec: most-popular, item-to-item transitions, SASRec
 * (trained on the training split's rec examples at its default budget, seeded with the run's
 * seed). Popularity and transitions are counted on the training examples only.
 */
public final class BaselineSuite {
  private BaselineSuite() {}

  /** The names, in the order {@link #evaluate} returns them. */
  public static final List<String> NAMES =
      List.of("bm25", "bm25+popularity", "words+popularity", "dense", "popularity", "item-to-item", "sasrec");

  /** Test results of every baseline; {@code model} is the untrained model (for zero-shot dense). */
  public static List<EvalResult> evaluate(GenerativeModel model, float[][] itemVectors, Dataset dataset,
      SplitData split, long seed, PrintStream log) throws IOException {
    log.println("gems: baselines (" + String.join(", ", NAMES) + ") on the test split");
    List<EvalResult> results = new ArrayList<>();
    Evaluator evaluator = new Evaluator();
    var items = dataset.items();
    try (Bm25Scorer bm25 = new Bm25Scorer(items)) {
      Bm25PopularityScorer prior = Bm25PopularityScorer.tuned(bm25, items, split.train(), split.valid(), seed);
      log.printf("gems: bm25+popularity weight %s (chosen on validation NDCG@10 from %s)%n", prior.weight(),
          Bm25PopularityScorer.WEIGHTS);
      for (Scorer s : List.of(bm25, prior, new LexicalPopularityScorer(items, split.train(), bm25))) {
        results.add(evaluator.evaluate(items, split.test(), s, seed));
      }
    }
    results.add(evaluator.evaluate(items, split.test(), new DenseScorer(model, itemVectors), seed));
    results.add(evaluator.evaluate(items, split.test(), PopularityScorer.fromTrainTargets(items, split.train()), seed));
    results.add(evaluator.evaluate(items, split.test(), new TransitionScorer(items, split.train()), seed));
    if (split.train().stream().anyMatch(e -> e.task() == Task.REC)) {
      SasRecScorer.Options options = SasRecScorer.Options.defaults().withSeed(seed);
      log.println("gems: training the SASRec baseline (" + options.epochs() + " epochs, at most " + options.maxSteps()
          + " steps)");
      SasRecScorer sasrec = SasRecScorer.train(items, split.train(), options, log);
      results.add(evaluator.evaluate(items, split.test(), sasrec, seed));
    }
    return results;
  }
}
