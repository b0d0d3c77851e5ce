package org.gemsj.data.convert;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.gemsj.data.DatasetWriter;
import org.gemsj.data.Event;
import org.gemsj.data.Item;
import org.gemsj.data.Problems;
import org.gemsj.data.Task;

/**
 * MovieLens (ml-latest-small layout: movies.csv, ratings.csv, tags.csv) to the dataset format.
 * Items are movies (genres as categories). Ratings >= minRating are interactions; a seeded
 * {@code searchShare} of them (movies with genres only) become search events whose query is built
 * from the genres ("comedy romance movies"), the rest rec events. Each tag application is a search
 * event with the tag as its query. Repeats of (user, item, task, ts) are dropped. See docs/DATA.md.
 */
public final class MovieLensConverter {
  /** Genre queries use at most this many genres, in listed order. */
  static final int QUERY_GENRES = 3;
  private static final String NO_GENRES = "(no genres listed)";
  // ml-latest-small's documented column orders, for copies that lack the header row
  private static final List<String> MOVIES = List.of("movieId", "title", "genres");
  private static final List<String> RATINGS = List.of("userId", "movieId", "rating", "timestamp");
  private static final List<String> TAGS = List.of("userId", "movieId", "tag", "timestamp");

  public record Options(long seed, double searchShare, double minRating) {
    public static final Options DEFAULTS = new Options(0, 0.25, 0);

    public Options {
      if (!(searchShare >= 0 && searchShare <= 1)) {
        throw new IllegalArgumentException("searchShare must be in [0, 1], got " + searchShare);
      }
    }
  }

  private MovieLensConverter() {}

  public static void convert(Path src, Path outDir, Options o) throws IOException {
    Problems problems = new Problems();
    Map<String, Item> movies = new LinkedHashMap<>();
    boolean read = CsvTable.read(src.resolve("movies.csv"), MOVIES, MOVIES, problems, row -> {
      String id = row.required("movieId");
      String title = row.required("title");
      if (id == null || title == null) {
        return;
      }
      String genres = row.get("genres").trim();
      List<String> cats = genres.isEmpty() || genres.equals(NO_GENRES)
          ? List.of() : Arrays.stream(genres.split("\\|")).map(String::trim).filter(g -> !g.isEmpty()).toList();
      if (movies.putIfAbsent(id, new Item(id, title, "", cats)) != null) {
        row.problem("movieId", "duplicate movie \"" + id + "\"");
      }
    });
    if (!read) { // every rating would be an "unknown movie"
      problems.throwIfAny("movielens " + src);
    }
    EventSink sink = new EventSink();
    CsvTable.read(src.resolve("ratings.csv"), RATINGS, RATINGS, problems, row -> {
      String user = row.required("userId");
      String movie = knownMovie(row, movies);
      Double rating = row.number("rating");
      Long ts = timestamp(row);
      if (user == null || movie == null || rating == null || ts == null || rating < o.minRating()) {
        return;
      }
      List<String> genres = movies.get(movie).categories();
      if (!genres.isEmpty() && SearchShare.picked(o.seed(), user, movie, o.searchShare())) {
        String query = CategoryQuery.first(genres, QUERY_GENRES) + " movies";
        sink.add(new Event(user, movie, ts, Task.SEARCH, query));
      } else {
        sink.add(new Event(user, movie, ts, Task.REC, null));
      }
    });
    CsvTable.read(src.resolve("tags.csv"), TAGS, TAGS, problems, row -> {
      String user = row.required("userId");
      String movie = knownMovie(row, movies);
      Long ts = timestamp(row);
      String tag = row.get("tag").trim();
      if (user != null && movie != null && ts != null && !tag.isEmpty()) {
        sink.add(new Event(user, movie, ts, Task.SEARCH, tag));
      }
    });
    problems.throwIfAny("movielens " + src);
    DatasetWriter.write(outDir, new ArrayList<>(movies.values()), sink.events());
  }

  private static String knownMovie(CsvTable.Row row, Map<String, Item> movies) {
    String movie = row.required("movieId");
    if (movie != null && !movies.containsKey(movie)) {
      row.problem("movieId", "unknown movie \"" + movie + "\" (not in movies.csv)");
      return null;
    }
    return movie;
  }

  private static Long timestamp(CsvTable.Row row) {
    Long ts = row.integer("timestamp");
    if (ts != null && ts < 0) {
      row.problem("timestamp", "negative (" + ts + ")");
      return null;
    }
    return ts;
  }
}
