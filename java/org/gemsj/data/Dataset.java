package org.gemsj.data;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.gemsj.io.FileConfinement;

/**
 * A validated dataset directory (items.jsonl + events.jsonl, see docs/DATA.md). Items keep file
 * order, which is the catalogue index; events keep file order, which breaks timestamp ties.
 */
public final class Dataset {
  public static final String ITEMS = "items.jsonl";
  public static final String EVENTS = "events.jsonl";

  private final List<Item> items;
  private final Map<String, Integer> index;
  private final List<Event> events;
  private final Set<String> users;

  private final String digest;

  Dataset(List<Item> items, List<Event> events, String digest) {
    this.digest = digest;
    this.items = List.copyOf(items);
    this.events = List.copyOf(events);
    Map<String, Integer> idx = new HashMap<>(items.size() * 2);
    for (int i = 0; i < items.size(); i++) {
      idx.put(items.get(i).id(), i);
    }
    this.index = idx;
    Set<String> u = new LinkedHashSet<>();
    for (Event e : events) {
      u.add(e.user());
    }
    this.users = Collections.unmodifiableSet(u);
  }

  /**
   * Reads and validates {@code dir}. Every problem found (up to {@link Problems#LIMIT} listed) is
   * reported in one {@link DatasetException} as "file:line: field 'name': problem".
   */
  public static Dataset load(Path dir) throws IOException {
    return load(dir, FileConfinement.NONE);
  }

  /**
   * {@link #load(Path)}, opening each file through {@code confinement}: a file that resolves
   * outside its roots is refused when it is opened (IllegalArgumentException naming it).
   */
  public static Dataset load(Path dir, FileConfinement confinement) throws IOException {
    return new DatasetReader(dir, confinement).read();
  }

  /** SHA-256 (hex) over items.jsonl then events.jsonl, the bytes this dataset was parsed from. */
  public String digest() {
    return digest;
  }

  /** The catalogue in file order; an item's position is its index. */
  public List<Item> items() {
    return items;
  }

  /** The catalogue index of {@code id}, or -1 if there is no such item. */
  public int indexOf(String id) {
    Integer i = index.get(id);
    return i == null ? -1 : i;
  }

  /** The item with this id, or null. */
  public Item item(String id) {
    int i = indexOf(id);
    return i < 0 ? null : items.get(i);
  }

  /** All events in file order. */
  public List<Event> events() {
    return events;
  }

  /** User ids in order of first appearance in events.jsonl. */
  public Set<String> users() {
    return users;
  }
}
