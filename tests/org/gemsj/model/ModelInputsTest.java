package org.gemsj.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.gemsj.backbone.BundledBackbone;
import org.gemsj.backbone.BertEncoder;
import org.gemsj.backbone.TextTokenizer;
import org.gemsj.data.Example;
import org.gemsj.data.Item;
import org.gemsj.data.Task;
import org.gemsj.nativeops.NativeLibrary;
import org.gemsj.torch.Tensors;
import org.junit.jupiter.api.Test;

/** The item-token input layout (rows, padding, truncation) and the encoder reading item vectors. */
class ModelInputsTest {
  private static final long CLS = 101, SEP = 102;

  @Test
  void layoutPutsTheNewestItemsFirstAndCutsTheOldest() {
    long[] first = {7, 8, 9};
    List<int[]> history = List.of(new int[] {5}, new int[] {3}, new int[] {11}, new int[] {2}); // newest first
    long[][] row = ModelInputs.layout(first, history, null, CLS, SEP, 32);
    assertArrayEquals(new long[] {CLS, 7, 8, 9, SEP, SEP, SEP, SEP, SEP, SEP}, row[0]);
    assertArrayEquals(new long[] {0, 0, 0, 0, 0, 1, 1, 1, 1, 1}, row[1]);
    assertArrayEquals(new long[] {0, 0, 0, 0, 0, 5, 3, 11, 2, 0}, row[2]);
    // 8 tokens: [CLS] 3 words [SEP] leave room for 2 items and the closing [SEP]; the oldest two go
    long[][] cut = ModelInputs.layout(first, history, null, CLS, SEP, 8);
    assertArrayEquals(new long[] {0, 0, 0, 0, 0, 5, 3, 0}, cut[2]);
    assertEquals(8, cut[0].length);
  }

  @Test
  void multiTokenIdentifiersStayWholeAndTitlesFollowTheItems() {
    List<int[]> history = List.of(new int[] {4, 9, 13}, new int[] {1, 6, 14});
    // 9 tokens: [CLS] w [SEP] + one whole 3-token item + [SEP] = 7; the second item (3 more) does not fit
    long[][] row = ModelInputs.layout(new long[] {7}, history, null, CLS, SEP, 9);
    assertArrayEquals(new long[] {0, 0, 0, 4, 9, 13, 0}, row[2]);
    // 10 tokens: both fit exactly
    assertArrayEquals(new long[] {0, 0, 0, 4, 9, 13, 1, 6, 14, 0},
        ModelInputs.layout(new long[] {7}, history, null, CLS, SEP, 10)[2]);
    // titles after the items' [SEP], cut to fit, closed by [SEP]
    long[][] titled = ModelInputs.layout(new long[] {7}, history.subList(0, 1), new long[] {50, 51, 52, 53}, CLS,
        SEP, 10);
    assertArrayEquals(new long[] {CLS, 7, SEP, SEP, SEP, SEP, SEP, 50, 51, SEP}, titled[0]);
    assertArrayEquals(new long[] {0, 0, 0, 4, 9, 13, 0, 0, 0, 0}, titled[2]);
    assertArrayEquals(new long[] {0, 0, 0, 1, 1, 1, 1, 1, 1, 1}, titled[1]);
  }

  @Test
  void aLongQueryLeavesRoomForTheNewestItem() {
    long[] first = new long[40];
    java.util.Arrays.fill(first, 9);
    long[][] row = ModelInputs.layout(first, List.of(new int[] {5}, new int[] {6}), null, CLS, SEP, 16);
    assertEquals(16, row[0].length);
    assertEquals(5, row[2][14]); // [CLS] 12 words [SEP] item [SEP]
    assertEquals(SEP, row[0][15]);
  }

  @Test
  void batchesArePaddedAndItemTokensComeFromTheIdentifiers() throws Exception {
    NativeLibrary.load();
    List<Item> items = List.of(new Item("x", "red boots", "", List.of()), new Item("y", "blue tent", "", List.of()),
        new Item("z", "steel mug", "", List.of()));
    Map<String, Item> byId = new HashMap<>();
    items.forEach(i -> byId.put(i.id(), i));
    Map<String, int[]> tokens = Map.of("x", new int[] {1}, "y", new int[] {2}, "z", new int[] {3});
    List<Example> batch = List.of(new Example("u", Task.SEARCH, List.of("x", "y", "z"), "warm boots", "x", 0),
        new Example("v", Task.REC, List.of(), null, "y", 0));
    try (TextTokenizer tok = new TextTokenizer(BundledBackbone.MINILM.tokenizerJson(), 32); PointerScope scope = new PointerScope()) {
      ModelInputs.Batch b = ModelInputs.encode(batch, ModelInputs.Format.ITEMS, tok, byId, tokens::get);
      long width = b.ids().size(1);
      long[] itemRows = Tensors.toLongs(b.items());
      long[] mask = Tensors.toLongs(b.mask());
      long[] query = tok.pieces("search: warm boots");
      // row 0: [CLS] query [SEP] z y x [SEP]; row 1: [CLS] "recommend the next item" [SEP] [SEP], padded
      int start = 2 + query.length;
      assertArrayEquals(new long[] {3, 2, 1, 0}, java.util.Arrays.copyOfRange(itemRows, start, start + 4));
      assertEquals(start + 4, width);
      long recLength = 3 + tok.pieces("recommend the next item").length;
      for (int j = 0; j < width; j++) {
        assertEquals(0, itemRows[(int) width + j], "rec row has no items");
        assertEquals(j < recLength ? 1 : 0, mask[(int) width + j], "rec row mask at " + j);
      }
      assertNull(ModelInputs.encode(batch, ModelInputs.Format.TITLES, tok, byId, tokens::get).items());
      assertThrows(IllegalArgumentException.class, () -> ModelInputs.Format.fromHistoryText("images"));
    }
  }

  /**
   * Reading item vectors equals the plain text forward over a word-embedding table into which
   * those vectors were written at the item positions' ids (an independent composition).
   */
  @Test
  void encoderReadsItemVectorsAtItemPositions() throws Exception {
    NativeLibrary.load();
    Random r = new Random(System.nanoTime());
    torch.manual_seed(r.nextLong());
    try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
      Params params = new Params();
      BertEncoder encoder = BundledBackbone.MINILM.read().encoder(params, "encoder.");
      int h = encoder.config.hidden(), t = 9, b = 2;
      Tensor table = torch.randn(6, h);
      long[] ids = new long[b * t], rows = new long[b * t], mask = new long[b * t], types = new long[b * t];
      long[] spare = {1000, 1001, 1002, 1003, 1004, 1005}; // word ids the text never uses, one per table row
      Tensor words = params.get("encoder.embeddings.word_embeddings.weight");
      Tensor patched = words.clone();
      for (int k = 1; k < 6; k++) {
        patched.select(0, spare[k]).copy_(table.select(0, k));
      }
      long[] refIds = new long[b * t];
      for (int i = 0; i < b * t; i++) {
        ids[i] = 2000 + r.nextInt(1000);
        boolean item = i % t > 2 && r.nextBoolean();
        rows[i] = item ? 1 + r.nextInt(5) : 0;
        refIds[i] = item ? spare[(int) rows[i]] : ids[i];
        mask[i] = i % t < t - (i / t) * 2 ? 1 : 0; // the second row is padded
        types[i] = i % t > 2 ? 1 : 0;
      }
      Tensor ours = encoder.forward(Tensors.fromLongs(ids, b, t), Tensors.fromLongs(mask, b, t),
          Tensors.fromLongs(types, b, t), Tensors.fromLongs(rows, b, t), table, 0);
      words.copy_(patched);
      Tensor reference = encoder.forward(Tensors.fromLongs(refIds, b, t), Tensors.fromLongs(mask, b, t),
          Tensors.fromLongs(types, b, t), 0);
      double err = ours.sub(reference).abs().max().item_double() / reference.abs().max().item_double();
      assertTrue(err < 1e-5, "relative error " + err);
    }
  }
}
