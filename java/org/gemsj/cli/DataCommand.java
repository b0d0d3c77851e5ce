package org.gemsj.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.gemsj.data.Dataset;
import org.gemsj.data.DatasetStats;
import org.gemsj.data.Splitter;
import org.gemsj.data.convert.AmazonConverter;
import org.gemsj.data.convert.MovieLensConverter;
import org.gemsj.data.convert.QilinConverter;
import org.gemsj.data.synth.SyntheticData;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** `gems data ...`: convert public datasets, generate the synthetic one, validate and count. */
@Command(name = "data", description = "Datasets: convert, synth, stats (format: docs/DATA.md).",
    subcommands = {DataCommand.Convert.class, DataCommand.Synth.class, DataCommand.Stats.class})
final class DataCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  /** Loads, splits and prints the counts of the dataset just written. */
  private static void printStats(Path dir, int history) throws IOException {
    Dataset d = Dataset.load(dir);
    System.out.print(DatasetStats.of(d, Splitter.split(d, history)).format());
  }

  enum Source { movielens, amazon, qilin }

  @Command(name = "convert", mixinStandardHelpOptions = true,
      description = "Convert MovieLens, Amazon Reviews or Qilin files into a dataset directory.")
  static final class Convert implements Callable<Integer> {
    @Option(names = "--from", required = true, description = "movielens, amazon or qilin")
    Source from;

    @Parameters(index = "0", arity = "0..1", paramLabel = "SRC",
        description = "source directory (amazon: optional with --reviews and --meta)")
    Path src;

    @Option(names = "--out", required = true, description = "dataset directory to write")
    Path out;

    @Option(names = "--seed", defaultValue = "0",
        description = "seed of the search-share choice (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--search-share", defaultValue = "0.25",
        description = "movielens/amazon: share of interactions made category-query searches"
            + " (default: ${DEFAULT-VALUE})")
    double searchShare;

    @Option(names = "--min-rating", defaultValue = "0",
        description = "movielens/amazon: keep ratings >= this (default: ${DEFAULT-VALUE}, all)")
    double minRating;

    @Option(names = "--reviews", description = "amazon: reviews file (.json/.jsonl, .gz ok)")
    Path reviews;

    @Option(names = "--meta", description = "amazon: metadata file (.json/.jsonl, .gz ok)")
    Path meta;

    @Option(names = "--train-only", description = "qilin: skip search_test.csv and recommendation_test.csv")
    boolean trainOnly;

    @Override
    public Integer call() throws Exception {
      if (src == null && !(from == Source.amazon && reviews != null && meta != null)) {
        throw new IllegalArgumentException("SRC is required (amazon: or give both --reviews and --meta)");
      }
      switch (from) {
        case movielens -> MovieLensConverter.convert(src, out,
            new MovieLensConverter.Options(seed, searchShare, minRating));
        case amazon -> AmazonConverter.convert(src, out,
            new AmazonConverter.Options(seed, searchShare, minRating, reviews, meta));
        case qilin -> QilinConverter.convert(src, out, new QilinConverter.Options(!trainOnly));
      }
      System.out.println("wrote " + out.toAbsolutePath());
      printStats(out, Splitter.DEFAULT_HISTORY);
      return 0;
    }
  }

  @Command(name = "synth", mixinStandardHelpOptions = true,
      description = "Generate the synthetic shop dataset (queries name a product type, the history decides the item).")
  static final class Synth implements Callable<Integer> {
    @Option(names = "--out", required = true, description = "dataset directory to write")
    Path out;

    @Option(names = "--seed", defaultValue = "0", description = "seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--items", defaultValue = "360", description = "catalogue size (default: ${DEFAULT-VALUE})")
    int items;

    @Option(names = "--users", defaultValue = "300", description = "users (default: ${DEFAULT-VALUE})")
    int users;

    @Option(names = "--events-per-user", defaultValue = "14",
        description = "mean events per user, spread +-2 (default: ${DEFAULT-VALUE})")
    int eventsPerUser;

    @Override
    public Integer call() throws Exception {
      SyntheticData.generate(out, seed, new SyntheticData.Options(items, users, eventsPerUser));
      System.out.println("wrote " + out.toAbsolutePath());
      printStats(out, Splitter.DEFAULT_HISTORY);
      return 0;
    }
  }

  @Command(name = "stats", mixinStandardHelpOptions = true,
      description = "Load and validate a dataset, split it, print counts.")
  static final class Stats implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR", description = "dataset directory")
    Path dir;

    @Option(names = "--history", defaultValue = "20", description = "history length (default: ${DEFAULT-VALUE})")
    int history;

    @Override
    public Integer call() throws Exception {
      printStats(dir, history);
      return 0;
    }
  }
}
