package org.gemsj.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.gemsj.api.GemsModel;
import org.gemsj.api.Hit;
import org.gemsj.data.Task;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * `gems search`, `gems recommend` and `gems rerank`: items from a saved model, through
 * {@link GemsModel} (one code path with services).
 */
final class QueryCommands {
  private QueryCommands() {}

  /** Options both commands share. */
  static final class Common {
    @Option(names = "--model", required = true, description = "a saved model directory (OUT/model)") Path model;
    @Option(names = "-k", description = "how many items (default 10)") int k = 10;
    @Option(names = "--beam", description = "beam width (default max(k, 20))") Integer beam;
  }

  static int run(Common c, HistoryOptions h, Task task, String query) throws Exception {
    if (c.k < 1) {
      throw new IllegalArgumentException("-k must be >= 1");
    }
    int beam = c.beam != null ? c.beam : GemsModel.defaultBeamWidth(c.k);
    if (beam < c.k) {
      throw new IllegalArgumentException("--beam " + beam + " cannot return -k " + c.k + " items: use --beam >= -k");
    }
    try (GemsModel model = GemsModel.load(c.model)) {
      List<String> history = h.resolve(model.historyLength());
      List<Hit> hits = task == Task.SEARCH ? model.search(query, history, c.k, beam) : model.recommend(history, c.k, beam);
      for (Hit hit : hits) {
        System.out.printf("%-12s %9.4f  %s%n", hit.id(), hit.score(), hit.title());
      }
    }
    return 0;
  }

  @Command(name = "search", mixinStandardHelpOptions = true, description = "Top-K items for a query (and a history).")
  static final class Search implements Callable<Integer> {
    @Mixin Common common;
    @ArgGroup(exclusive = false) HistoryOptions history = new HistoryOptions();
    @Parameters(index = "0", paramLabel = "QUERY") String query;

    @Override
    public Integer call() throws Exception {
      if (query.isBlank()) {
        throw new IllegalArgumentException("QUERY is empty");
      }
      return run(common, history, Task.SEARCH, query);
    }
  }

  @Command(name = "recommend", mixinStandardHelpOptions = true, description = "Top-K next items for a history.")
  static final class Recommend implements Callable<Integer> {
    @Mixin Common common;
    @ArgGroup(exclusive = false) HistoryOptions history = new HistoryOptions();

    @Override
    public Integer call() throws Exception {
      if (history.items == null && history.user == null) {
        throw new IllegalArgumentException("recommend needs a history: --user U --data DIR, or --history ID,ID");
      }
      return run(common, history, Task.REC, null);
    }
  }

  @Command(name = "rerank", mixinStandardHelpOptions = true, description = "Re-order candidate items for a query "
      + "(and a history), or for a history alone: every candidate, best first, scored by its log-probability among "
      + "the candidates.")
  static final class Rerank implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "a saved model directory (OUT/model)") Path model;
    @Option(names = "--candidates", required = true, split = ",", description = "distinct catalogue item ids")
    List<String> candidates;
    @Option(names = "--query", description = "the query (none: a recommendation re-rank, which needs a history)")
    String query;
    @ArgGroup(exclusive = false) HistoryOptions history = new HistoryOptions();

    @Override
    public Integer call() throws Exception {
      try (GemsModel m = GemsModel.load(model)) {
        for (Hit hit : m.rerank(query, history.resolve(m.historyLength()), candidates)) {
          System.out.printf("%-12s %9.4f  %s%n", hit.id(), hit.score(), hit.title());
        }
      }
      return 0;
    }
  }
}
