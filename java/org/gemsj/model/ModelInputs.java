package org.gemsj.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.gemsj.data.Example;
import org.gemsj.data.Item;
import org.gemsj.data.Task;

/**
 * The encoder's input text for an example: a (first, second) pair where first names the task
 * (and carries the query for search) and second lists the history, newest first, so that
 * truncation drops the oldest events.
 */
public final class ModelInputs {
  private ModelInputs() {}

  public static String first(Example e) {
    return e.task() == Task.SEARCH ? "search: " + e.query() : "recommend the next item";
  }

  public static String second(Example e, Map<String, Item> items) {
    List<String> titles = new ArrayList<>();
    for (int i = e.history().size() - 1; i >= 0; i--) {
      Item item = items.get(e.history().get(i));
      titles.add(item == null ? e.history().get(i) : item.title());
    }
    return titles.isEmpty() ? "no history" : "history: " + String.join(" | ", titles);
  }
}
