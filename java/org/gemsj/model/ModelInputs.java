package org.gemsj.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.bytedeco.pytorch.Tensor;
import org.gemsj.backbone.TextTokenizer;
import org.gemsj.data.Example;
import org.gemsj.data.Item;
import org.gemsj.data.Task;
import org.gemsj.torch.Tensors;

/**
 * The encoder's input for an example. The first segment names the task (and carries the query for
 * search); the history follows newest first, so truncation drops the oldest events:
 *
 * <ul>
 *   <li>{@link Format#ITEMS}: {@code [CLS] first [SEP] item item ... [SEP]}, one position per
 *       identifier token of each history item, whose input vector is that token's row of the
 *       decoder's identifier embedding table (so item tokens never collide with word pieces);
 *   <li>{@link Format#ITEMS_AND_TITLES}: as ITEMS, then {@code "history: title | title ..." [SEP]};
 *   <li>{@link Format#TITLES}: {@code [CLS] first [SEP] history: title | title ... [SEP]}, no item
 *       tokens (how models saved before item tokens read their input).
 * </ul>
 */
public final class ModelInputs {
  /** How the history is shown to the encoder. */
  public enum Format {
    TITLES, ITEMS, ITEMS_AND_TITLES;

    /**
     * {@code --history-text none|titles|titles-only}: item tokens, with or without the titles after
     * them, or the titles alone (no item tokens: the input of models saved before item tokens).
     */
    public static Format fromHistoryText(String s) {
      return switch (s.toLowerCase(Locale.ROOT)) {
        case "none" -> ITEMS;
        case "titles" -> ITEMS_AND_TITLES;
        case "titles-only" -> TITLES;
        default -> throw new IllegalArgumentException("--history-text must be none, titles or titles-only, got '"
            + s + "'");
      };
    }

    public boolean itemTokens() {
      return this != TITLES;
    }

    public boolean titles() {
      return this != ITEMS;
    }
  }

  /**
   * A padded batch: the tokenizer's ids, mask and types [B, T], and {@code items} [B, T], the
   * decoder token at each item position (0, the decoder's BOS, elsewhere); null for TITLES.
   */
  public record Batch(Tensor ids, Tensor mask, Tensor types, Tensor items) {}

  private ModelInputs() {}

  public static String first(Example e) {
    return e.task() == Task.SEARCH ? "search: " + e.query() : "recommend the next item";
  }

  /** The history's titles, newest first ("no history" when empty). */
  public static String titles(Example e, Map<String, Item> items) {
    List<String> titles = new ArrayList<>();
    for (int i = e.history().size() - 1; i >= 0; i--) {
      Item item = items.get(e.history().get(i));
      titles.add(item == null ? e.history().get(i) : item.title());
    }
    return titles.isEmpty() ? "no history" : "history: " + String.join(" | ", titles);
  }

  /**
   * Encodes {@code batch} as {@code format} says; {@code tokensOf} gives a history item's
   * identifier tokens (it throws for an unknown id).
   */
  public static Batch encode(List<Example> batch, Format format, TextTokenizer tokenizer, Map<String, Item> items,
      Function<String, int[]> tokensOf) {
    if (!format.itemTokens()) {
      List<String> first = new ArrayList<>(), second = new ArrayList<>();
      for (Example e : batch) {
        first.add(first(e));
        second.add(titles(e, items));
      }
      TextTokenizer.Batch t = tokenizer.encodePairs(first, second);
      return new Batch(t.ids(), t.mask(), t.types(), null);
    }
    int b = batch.size();
    long[][] ids = new long[b][], types = new long[b][], itemRows = new long[b][];
    for (int i = 0; i < b; i++) {
      Example e = batch.get(i);
      List<int[]> history = new ArrayList<>();
      for (int h = e.history().size() - 1; h >= 0; h--) {
        history.add(tokensOf.apply(e.history().get(h)));
      }
      long[][] row = layout(tokenizer.pieces(first(e)), history,
          format.titles() ? tokenizer.pieces(titles(e, items)) : null, tokenizer.cls(), tokenizer.sep(),
          tokenizer.maxLength);
      ids[i] = row[0];
      types[i] = row[1];
      itemRows[i] = row[2];
    }
    TextTokenizer.Batch t = tokenizer.pad(ids, types);
    int width = (int) t.ids().size(1);
    long[] flat = new long[b * width];
    for (int i = 0; i < b; i++) {
      System.arraycopy(itemRows[i], 0, flat, i * width, itemRows[i].length);
    }
    return new Batch(t.ids(), t.mask(), t.types(), Tensors.fromLongs(flat, b, width));
  }

  /**
   * One example's rows {ids, types, items} of at most {@code max} tokens: {@code [CLS] first
   * [SEP]} (type 0; the first text cut to leave room for one item), then the history's items,
   * newest first, as whole identifiers while they fit, then [SEP], then (when {@code titles} is
   * not null) the titles' pieces while they fit and [SEP] (type 1). An item position's id is
   * [SEP]'s (never read: its input vector is the item's), its {@code items} entry the item's
   * identifier token; 0 elsewhere.
   */
  static long[][] layout(long[] first, List<int[]> history, long[] titles, long cls, long sep, int max) {
    int itemWidth = history.isEmpty() ? 0 : history.get(0).length;
    int firstRoom = Math.min(first.length, Math.max(1, max - 3 - itemWidth)); // [CLS] first [SEP] ... [SEP]
    List<Long> ids = new ArrayList<>(), types = new ArrayList<>(), itemTokens = new ArrayList<>();
    ids.add(cls);
    for (int i = 0; i < firstRoom; i++) {
      ids.add(first[i]);
    }
    ids.add(sep);
    while (types.size() < ids.size()) {
      types.add(0L);
      itemTokens.add(0L);
    }
    for (int[] item : history) {
      if (ids.size() + item.length + 1 > max) {
        break; // older items do not fit either: they are as long
      }
      for (int token : item) {
        ids.add(sep);
        types.add(1L);
        itemTokens.add((long) token);
      }
    }
    ids.add(sep); // always fits: the first text and the items each left room for it
    types.add(1L);
    itemTokens.add(0L);
    if (titles != null && ids.size() + 2 <= max) {
      for (int i = 0; i < titles.length && ids.size() + 1 < max; i++) {
        ids.add(titles[i]);
        types.add(1L);
        itemTokens.add(0L);
      }
      ids.add(sep);
      types.add(1L);
      itemTokens.add(0L);
    }
    return new long[][] {unbox(ids), unbox(types), unbox(itemTokens)};
  }

  private static long[] unbox(List<Long> values) {
    long[] out = new long[values.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = values.get(i);
    }
    return out;
  }
}
