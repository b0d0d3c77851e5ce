package org.gemsj.data.convert;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** Builds keyword queries from category names, as unified search+rec studies do for Amazon data. */
public final class CategoryQuery {
  private CategoryQuery() {}

  /**
   * The deepest (last) up to {@code max} categories of a path, lowercased, '&' and ',' dropped, each
   * word once, joined by spaces; "" when there are none.
   */
  public static String deepest(List<String> path, int max) {
    return words(path.subList(Math.max(0, path.size() - max), path.size()));
  }

  /** The first up to {@code max} categories (unordered lists such as genres), as {@link #deepest}. */
  public static String first(List<String> categories, int max) {
    return words(categories.subList(0, Math.min(max, categories.size())));
  }

  private static String words(List<String> cats) {
    Set<String> words = new LinkedHashSet<>();
    for (String c : cats) {
      for (String w : c.toLowerCase(Locale.ROOT).replace('&', ' ').replace(',', ' ').trim().split("\\s+")) {
        if (!w.isEmpty()) {
          words.add(w);
        }
      }
    }
    return String.join(" ", new ArrayList<>(words));
  }
}
