package org.gemsj.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.gemsj.data.Dataset;
import org.gemsj.data.DatasetException;
import org.gemsj.serve.DataRoots;
import org.gemsj.serve.JobSpecs;
import org.gemsj.serve.SpecException;
import org.gemsj.serve.proto.JobSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue "Hardening", beyond the list: the two parsers that take outside input, fed seeded random
 * mutations of valid input. Every input is accepted or refused with the file and line (datasets)
 * or the field (job specs) named; nothing throws anything else, hangs, or writes a file. The seed
 * of a failing case is in the message.
 */
class InputFuzzTest {
  private static final int CASES = 300;
  private static final String ITEMS = """
      {"id":"a","title":"Alpha","text":"first","categories":["x","y"]}
      {"id":"b","title":"Beta \\u00e9"}
      {"id":"c","title":"Gamma","categories":[]}
      """;
  private static final String EVENTS = """
      {"user":"u1","item":"a","ts":5,"task":"rec"}
      {"user":"u1","item":"b","ts":6,"task":"search","query":"beta things"}
      {"user":"u2","item":"c","ts":7,"task":"rec"}
      {"user":"u2","item":"a","ts":9,"task":"search","query":"alpha"}
      """;

  @TempDir Path dir;

  @Test
  void datasetFilesAreAcceptedOrRefusedByFileAndLine() throws Exception {
    long seed = new Random().nextLong(); // fresh cases every run; a failure names its seed
    Random random = new Random(seed);
    for (int c = 0; c < CASES; c++) {
      Path data = Files.createDirectories(dir.resolve("case-" + c));
      Files.write(data.resolve(Dataset.ITEMS), mutate(ITEMS.getBytes(StandardCharsets.UTF_8), random));
      Files.write(data.resolve(Dataset.EVENTS), mutate(EVENTS.getBytes(StandardCharsets.UTF_8), random));
      String what = "seed " + seed + ", case " + c;
      assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
        try {
          Dataset.load(data);
        } catch (DatasetException e) {
          assertTrue(e.total() > 0, what);
          for (String error : e.errors()) {
            assertTrue(error.matches("(items|events)\\.jsonl(:\\d+)?: .+"), what + ": " + error); // no line: the whole file
          }
        } catch (Exception other) {
          fail(what + ": " + other, other);
        }
      }, what);
      try (var files = Files.list(data)) {
        assertEquals(2, files.count(), what + ": the loader wrote a file");
      }
    }
  }

  @Test
  void jobSpecsAreAcceptedOrRefusedByField() throws Exception {
    Files.createDirectories(dir.resolve("root/shop"));
    DataRoots roots = new DataRoots(List.of(dir.resolve("root")));
    long seed = new Random().nextLong();
    Random random = new Random(seed);
    String[] methods = {"gems", "galore", "lora", "full", "", "sgd", "GEMS", "gems\u0000", "x".repeat(5000)};
    String[] paths = {"shop", "", "/", "..", "shop/../..", dir.toString(), "shop\u0000x", "\u00e9", "s".repeat(70_000)};
    for (int c = 0; c < CASES; c++) {
      JobSpec spec = JobSpec.newBuilder().setDatasetPath(pick(paths, random)).setMethod(pick(methods, random))
          .setBackbone(random.nextInt(4) == 0 ? "gpt" : "").setIds(random.nextInt(4) == 0 ? "semantic" : "")
          .setSteps(anInt(random)).setBatchSize(anInt(random)).setLr(aDouble(random)).setDecoderLr(aDouble(random))
          .setRankShared(anInt(random)).setRankTask(anInt(random)).setHistory(anInt(random))
          .setMaxTokens(anInt(random)).setDecoderWidth(anInt(random)).setDecoderHeads(anInt(random))
          .setCodebook(anInt(random)).setLevels(anInt(random)).setNoNullSpace(random.nextBoolean())
          .setSingleSubspace(random.nextBoolean()).setDecomposition(random.nextInt(3) == 0 ? "complementary" : "")
          .setGates(random.nextInt(3) == 0 ? "running" : "").build();
      String what = "seed " + seed + ", case " + c;
      try {
        JobSpecs.validate(spec, roots);
      } catch (SpecException e) {
        assertTrue(e.field().startsWith("spec"), what + ": " + e.field());
        assertTrue(e.getMessage().length() < 1000, what + ": a " + e.getMessage().length() + "-character message");
      } catch (Exception other) {
        fail(what + ": " + other, other);
      }
    }
  }

  /** Byte flips, cuts, inserted bytes (invalid UTF-8, NUL, newlines, braces), duplicated spans. */
  private static byte[] mutate(byte[] in, Random r) {
    byte[] b = in.clone();
    int edits = r.nextInt(4);
    for (int e = 0; e < edits && b.length > 0; e++) {
      int at = r.nextInt(b.length);
      switch (r.nextInt(5)) {
        case 0 -> b[at] = (byte) r.nextInt(256);
        case 1 -> b = java.util.Arrays.copyOf(b, at);
        case 2 -> {
          byte[] insert = {(byte) 0xff, 0, '\n', '{', '"', (byte) 0xc3, '}', ':'};
          byte[] out = new byte[b.length + 1];
          System.arraycopy(b, 0, out, 0, at);
          out[at] = insert[r.nextInt(insert.length)];
          System.arraycopy(b, at, out, at + 1, b.length - at);
          b = out;
        }
        case 3 -> {
          int len = Math.min(b.length - at, 1 + r.nextInt(40));
          byte[] out = new byte[b.length + len];
          System.arraycopy(b, 0, out, 0, at + len);
          System.arraycopy(b, at, out, at + len, b.length - at);
          b = out;
        }
        default -> {
          int len = Math.min(b.length - at, 1 + r.nextInt(10));
          byte[] out = new byte[b.length - len];
          System.arraycopy(b, 0, out, 0, at);
          System.arraycopy(b, at + len, out, at, b.length - at - len);
          b = out;
        }
      }
    }
    return b;
  }

  private static String pick(String[] values, Random r) {
    return values[r.nextInt(values.length)];
  }

  private static int anInt(Random r) {
    int[] edges = {0, 1, 2, -1, 4, 8, 16, 512, 513, 4096, Integer.MAX_VALUE, Integer.MIN_VALUE};
    return r.nextBoolean() ? edges[r.nextInt(edges.length)] : r.nextInt(100);
  }

  private static double aDouble(Random r) {
    double[] edges = {0, 1e-4, -1e-4, 1, 2, Double.NaN, Double.POSITIVE_INFINITY, Double.MIN_VALUE};
    return edges[r.nextInt(edges.length)];
  }
}
