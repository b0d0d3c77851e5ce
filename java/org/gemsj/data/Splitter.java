package org.gemsj.data;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Leave-one-out split per user and task. A user's events are ordered by (ts, file order). For each
 * task with at least {@link #MIN_EVENTS} events of that user: the last is a test example, the
 * second-to-last a validation example, the earlier ones training examples; with fewer, that task
 * gives no examples for the user (the events still appear in histories). An example's history is
 * the item ids of the user's last {@code historyLength} events of either task strictly before the
 * target, oldest first. Rec examples with an empty history are dropped (nothing to predict from);
 * search examples are kept (the query suffices). Output order: users in first-appearance order,
 * each user's examples in time order.
 */
public final class Splitter {
  /** Fewer events of a task than this give no examples of that task. */
  public static final int MIN_EVENTS = 3;
  public static final int DEFAULT_HISTORY = 20;

  private Splitter() {}

  public static SplitData split(Dataset d, int historyLength) {
    if (historyLength < 1) {
      throw new IllegalArgumentException("historyLength must be >= 1, got " + historyLength);
    }
    Map<String, List<Event>> byUser = new LinkedHashMap<>();
    for (Event e : d.events()) {
      byUser.computeIfAbsent(e.user(), u -> new ArrayList<>()).add(e);
    }
    List<Example> train = new ArrayList<>();
    List<Example> valid = new ArrayList<>();
    List<Example> test = new ArrayList<>();
    for (List<Event> events : byUser.values()) {
      // List.sort is stable, so equal timestamps keep file order.
      events.sort(Comparator.comparingLong(Event::ts));
      int[] count = new int[Task.values().length];
      for (Event e : events) {
        count[e.task().ordinal()]++;
      }
      int[] seen = new int[Task.values().length];
      for (int i = 0; i < events.size(); i++) {
        Event e = events.get(i);
        int t = e.task().ordinal();
        int fromEnd = count[t] - ++seen[t]; // 0 for the task's last event
        if (count[t] < MIN_EVENTS) {
          continue;
        }
        List<String> history = new ArrayList<>();
        for (int j = Math.max(0, i - historyLength); j < i; j++) {
          history.add(events.get(j).item());
        }
        if (e.task() == Task.REC && history.isEmpty()) {
          continue;
        }
        Example ex = new Example(e.user(), e.task(), history, e.query(), e.item(), e.ts());
        (fromEnd == 0 ? test : fromEnd == 1 ? valid : train).add(ex);
      }
    }
    return new SplitData(train, valid, test);
  }
}
