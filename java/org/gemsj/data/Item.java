package org.gemsj.data;

import java.util.List;

/** A catalogue item (one line of items.jsonl). {@code text} may be empty; categories may be empty. */
public record Item(String id, String title, String text, List<String> categories) {
  public Item {
    categories = List.copyOf(categories);
    text = text == null ? "" : text;
  }

  /** What the encoder reads for this item: title, categories, then text. */
  public String document() {
    StringBuilder sb = new StringBuilder(title);
    if (!categories.isEmpty()) {
      sb.append(" (").append(String.join(", ", categories)).append(")");
    }
    if (!text.isEmpty()) {
      sb.append(". ").append(text);
    }
    return sb.toString();
  }
}
