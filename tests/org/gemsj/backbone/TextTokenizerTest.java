package org.gemsj.backbone;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.gemsj.torch.Tensors;
import org.junit.jupiter.api.Test;

/** Truncation to the encoder's length: history gives way first, [SEP]s stay, queries stay whole. */
class TextTokenizerTest {
  private static final long CLS = 101, SEP = 102;

  @Test
  void truncationCutsTheSecondSegmentFirst() {
    long[] ids = {CLS, 1, 2, SEP, 10, 11, 12, 13, SEP};
    long[] types = {0, 0, 0, 0, 1, 1, 1, 1, 1};
    long[][] cut = TextTokenizer.truncate(ids, types, 7);
    assertArrayEquals(new long[] {CLS, 1, 2, SEP, 10, 11, SEP}, cut[0]);
    assertArrayEquals(new long[] {0, 0, 0, 0, 1, 1, 1}, cut[1]);
    // a first segment too long for the budget is cut too, keeping two tokens of the second
    long[][] tight = TextTokenizer.truncate(ids, types, 5);
    assertArrayEquals(new long[] {CLS, 1, SEP, 10, SEP}, tight[0]);
    // a single text is cut at its end
    long[][] single = TextTokenizer.truncate(new long[] {CLS, 1, 2, 3, SEP}, new long[5], 3);
    assertArrayEquals(new long[] {CLS, 1, SEP}, single[0]);
    // short enough: untouched
    assertArrayEquals(ids, TextTokenizer.truncate(ids, types, 9)[0]);
  }

  @Test
  void longInputsFitAndKeepTheirQuery() throws Exception {
    String history = "history: " + "tent | sleeping bag | hiking boots | ".repeat(40);
    try (TextTokenizer tok = new TextTokenizer(BundledBackbone.MINILM.tokenizerJson(), 32); PointerScope scope = new PointerScope()) {
      TextTokenizer.Batch b = tok.encodePairs(List.of("search: warm tent", "search: x"), List.of(history, "history: mug"));
      long[] ids = Tensors.toLongs(b.ids()), mask = Tensors.toLongs(b.mask());
      assertEquals(2 * 32, ids.length);
      assertEquals(CLS, ids[0]);
      assertEquals(SEP, ids[31]); // first row: exactly 32 tokens ending in [SEP]
      long realSecond = 0;
      for (int j = 32; j < 64; j++) {
        realSecond += mask[j];
      }
      assertTrue(realSecond < 32 && mask[32 + (int) realSecond - 1] == 1 && ids[32 + (int) realSecond - 1] == SEP);
      TextTokenizer.Batch single = tok.encode(List.of(history));
      assertEquals(32, single.ids().size(1));
    }
  }
}
