package org.gemsj.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.gemsj.data.Dataset;
import org.gemsj.data.Event;
import picocli.CommandLine.Option;

/** Where a query's user history comes from: listed item ids, or a user's events in a dataset. */
final class HistoryOptions {
  @Option(names = "--history", split = ",", description = "past item ids, oldest first") List<String> items;
  @Option(names = "--user", description = "take the history of this user from --data") String user;
  @Option(names = "--data", description = "dataset directory holding --user's events") Path data;

  /** The last {@code limit} item ids, oldest first (empty when none was given). */
  List<String> resolve(int limit) throws IOException {
    List<String> history = new ArrayList<>();
    if (items != null && user != null) {
      throw new IllegalArgumentException("give the history either as --history or as --user with --data, not both");
    }
    if (items != null) {
      history.addAll(items);
    }
    if (user != null) {
      if (data == null) {
        throw new IllegalArgumentException("--user needs --data DIR (the dataset holding the user's events)");
      }
      List<Event> events = new ArrayList<>(Dataset.load(data).events().stream().filter(e -> e.user().equals(user)).toList());
      if (events.isEmpty()) {
        throw new IllegalArgumentException("user '" + user + "' has no events in " + data);
      }
      events.sort(Comparator.comparingLong(Event::ts));
      events.forEach(e -> history.add(e.item()));
    }
    return history.subList(Math.max(0, history.size() - limit), history.size());
  }
}
