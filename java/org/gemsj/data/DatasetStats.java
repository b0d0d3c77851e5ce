package org.gemsj.data;

import java.util.List;

/** Counts for printing: catalogue, users, events per task, examples per split and task. */
public record DatasetStats(int items, int users, int searchEvents, int recEvents,
    int trainSearch, int trainRec, int validSearch, int validRec, int testSearch, int testRec) {

  public static DatasetStats of(Dataset d, SplitData s) {
    int search = 0;
    for (Event e : d.events()) {
      search += e.task() == Task.SEARCH ? 1 : 0;
    }
    return new DatasetStats(d.items().size(), d.users().size(), search, d.events().size() - search,
        count(s.train(), Task.SEARCH), count(s.train(), Task.REC),
        count(s.valid(), Task.SEARCH), count(s.valid(), Task.REC),
        count(s.test(), Task.SEARCH), count(s.test(), Task.REC));
  }

  private static int count(List<Example> examples, Task task) {
    int n = 0;
    for (Example e : examples) {
      n += e.task() == task ? 1 : 0;
    }
    return n;
  }

  /** A small aligned table. */
  public String format() {
    return String.format(
        "items  %d%nusers  %d%nevents search %d, rec %d%n"
            + "%-6s %8s %8s%n%-6s %8d %8d%n%-6s %8d %8d%n%-6s %8d %8d%n",
        items, users, searchEvents, recEvents,
        "split", "search", "rec",
        "train", trainSearch, trainRec,
        "valid", validSearch, validRec,
        "test", testSearch, testRec);
  }
}
