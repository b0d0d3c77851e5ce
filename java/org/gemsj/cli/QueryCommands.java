package org.gemsj.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.gemsj.data.Example;
import org.gemsj.data.Item;
import org.gemsj.data.Task;
import org.gemsj.model.GenerativeModel;
import org.gemsj.model.ModelStore;
import org.gemsj.model.ScoredItem;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** `gems search` and `gems recommend`: top-K items from a saved model by constrained beam search. */
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
    try (GenerativeModel model = ModelStore.load(c.model)) {
      List<String> history = h.resolve(model.config.historyLength());
      for (String id : history) {
        model.indexOf(id); // unknown ids fail here, by name
      }
      int beam = c.beam != null ? c.beam : Math.max(c.k, 20);
      if (beam < c.k) {
        throw new IllegalArgumentException("--beam " + beam + " cannot return -k " + c.k + " items: use --beam >= -k");
      }
      Example e = new Example("cli", task, history, query, null, 0);
      for (ScoredItem s : model.topK(e, c.k, beam)) {
        Item item = model.items().get(model.indexOf(s.id()));
        System.out.printf("%-12s %9.4f  %s%n", s.id(), s.score(), item.title());
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
}
