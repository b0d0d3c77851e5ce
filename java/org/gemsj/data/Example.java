package org.gemsj.data;

import java.util.List;

/**
 * One training or evaluation case: the user's last events before the target (item ids, oldest
 * first, both tasks' items), the query for search (null for rec), and the target item id.
 */
public record Example(String user, Task task, List<String> history, String query, String target, long ts) {
  public Example {
    history = List.copyOf(history);
  }
}
