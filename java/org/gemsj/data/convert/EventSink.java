package org.gemsj.data.convert;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.gemsj.data.Event;

/** Collects converted events in arrival order, dropping repeats of (user, item, task, ts). */
final class EventSink {
  private final List<Event> events = new ArrayList<>();
  private final Set<Key> seen = new HashSet<>();
  private int duplicates;

  private record Key(String user, String item, Object task, long ts) {}

  void add(Event e) {
    if (seen.add(new Key(e.user(), e.item(), e.task(), e.ts()))) {
      events.add(e);
    } else {
      duplicates++;
    }
  }

  List<Event> events() {
    return events;
  }

  int duplicates() {
    return duplicates;
  }
}
