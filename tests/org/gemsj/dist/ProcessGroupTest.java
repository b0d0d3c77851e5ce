package org.gemsj.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.gemsj.optim.TaskBatch;
import org.gemsj.torch.Tensors;
import org.junit.jupiter.api.Test;

/**
 * The launch contract read from the environment, and two ranks on loopback (two threads of this
 * JVM, each its own Gloo process group): sums and broadcasts against their closed forms, the
 * gradient reduction against the weighted mean it promises, and a rank that stops calling
 * failing the other at the timeout, naming it.
 */
class ProcessGroupTest {
  @Test
  void launchComesFromTheEnvironmentAndEachBadVariableIsNamed() {
    assertEquals(Launch.SINGLE, Launch.fromEnvironment(Map.of()));
    assertEquals(Launch.SINGLE, Launch.fromEnvironment(Map.of("WORLD_SIZE", "1", "RANK", "0")));
    Launch l = Launch.fromEnvironment(Map.of("WORLD_SIZE", "4", "RANK", "2", "LOCAL_RANK", "0", "MASTER_ADDR",
        "10.0.0.5", "MASTER_PORT", "29500", "TORCHELASTIC_USE_AGENT_STORE", "True"));
    assertEquals(new Launch(2, 4, 0, "10.0.0.5", 29500, true), l);
    assertEquals(2, Launch.fromEnvironment(Map.of("WORLD_SIZE", "4", "RANK", "2", "MASTER_ADDR", "h",
        "MASTER_PORT", "1")).localRank(), "LOCAL_RANK defaults to RANK");
    assertMessage("RANK is not set (WORLD_SIZE is 2)", Map.of("WORLD_SIZE", "2", "MASTER_ADDR", "h", "MASTER_PORT", "1"));
    assertMessage("MASTER_ADDR is not set", Map.of("WORLD_SIZE", "2", "RANK", "1", "MASTER_PORT", "1"));
    assertMessage("MASTER_PORT must be a whole number, got 'http'", Map.of("WORLD_SIZE", "2", "RANK", "1",
        "MASTER_ADDR", "h", "MASTER_PORT", "http"));
    assertMessage("MASTER_PORT must be a TCP port (1..65535), got 70000", Map.of("WORLD_SIZE", "2", "RANK", "1",
        "MASTER_ADDR", "h", "MASTER_PORT", "70000"));
    assertMessage("RANK must be in 0..1 for WORLD_SIZE 2, got 2", Map.of("WORLD_SIZE", "2", "RANK", "2",
        "MASTER_ADDR", "h", "MASTER_PORT", "1"));
  }

  private static void assertMessage(String part, Map<String, String> env) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Launch.fromEnvironment(env));
    assertTrue(e.getMessage().contains(part), "expected '" + part + "' in: " + e.getMessage());
  }

  /** What one rank does with its group; runs on its own thread. */
  interface RankBody<T> {
    T run(ProcessGroup group) throws Exception;
  }

  private static <T> List<T> onTwoRanks(Duration timeout, RankBody<T> body) throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Future<T>> ranks = new ArrayList<>();
      for (int rank = 0; rank < 2; rank++) {
        Launch launch = new Launch(rank, 2, rank, "127.0.0.1", port, false);
        ranks.add(pool.submit(() -> {
          try (ProcessGroup g = ProcessGroup.join(launch, timeout); PointerScope scope = new PointerScope()) {
            return body.run(g);
          }
        }));
      }
      List<T> out = new ArrayList<>();
      for (Future<T> f : ranks) {
        out.add(f.get(120, TimeUnit.SECONDS));
      }
      return out;
    } finally {
      pool.shutdownNow();
    }
  }

  private static float[] random(Random r, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) r.nextGaussian();
    }
    return v;
  }

  @Test
  void sumsBroadcastsAndReducesGradientsToTheWeightedMean() throws Exception {
    long seed = System.nanoTime();
    // each rank's inputs, from the rank's own seeded stream; the expectations recompute them here
    record Inputs(float[] sum, float[] broadcast, float[] a, float[] b, long count, double loss) {}
    java.util.function.IntFunction<Inputs> inputs = rank -> {
      Random r = new Random(seed + rank);
      return new Inputs(random(r, 7), random(r, 5), random(r, 12), random(r, 3), rank == 0 ? 3 : 5,
          1 + r.nextDouble());
    };
    List<Map<String, float[]>> results = onTwoRanks(Duration.ofSeconds(60), g -> {
      Inputs in = inputs.apply(g.launch().rank());
      Map<String, float[]> out = new LinkedHashMap<>();
      Tensor s = Tensors.fromFloats(in.sum(), 7);
      g.sumInPlace(s, "test values");
      out.put("sum", Tensors.toFloats(s));
      Tensor b = Tensors.fromFloats(in.broadcast(), 5);
      g.broadcastFromRankZero(b, "test values");
      out.put("broadcast", Tensors.toFloats(b));
      Map<String, Tensor> trainable = new LinkedHashMap<>();
      trainable.put("a", Tensors.fromFloats(new float[12], 3, 4));
      trainable.put("b", Tensors.fromFloats(new float[3], 3));
      TaskBatch local = new TaskBatch(Map.of("a", Tensors.fromFloats(in.a(), 3, 4), "b", Tensors.fromFloats(in.b(), 3)),
          in.count(), in.loss());
      GradientReducer reducer = new GradientReducer(g);
      TaskBatch both = reducer.reduce("search", local, trainable);
      out.put("both.a", Tensors.toFloats(both.grads().get("a")));
      out.put("both.b", Tensors.toFloats(both.grads().get("b")));
      out.put("both.count+loss", new float[] {both.count(), (float) both.loss()});
      // a task only rank 1's shard holds: rank 0 sends zeros, the result is rank 1's own
      TaskBatch one = reducer.reduce("rec", g.launch().rank() == 1 ? local : TaskBatch.absent(), trainable);
      out.put("one.a", Tensors.toFloats(one.grads().get("a")));
      out.put("one.count", new float[] {one.count()});
      TaskBatch none = reducer.reduce("rec", TaskBatch.absent(), trainable);
      out.put("none.count", new float[] {none.count()});
      g.barrier("the test's end");
      return out;
    });
    Inputs r0 = inputs.apply(0), r1 = inputs.apply(1);
    for (Map<String, float[]> out : results) { // both ranks hold the same answers
      for (int i = 0; i < 7; i++) {
        assertEquals(r0.sum()[i] + r1.sum()[i], out.get("sum")[i], 1e-5);
      }
      for (int i = 0; i < 5; i++) {
        assertEquals(r0.broadcast()[i], out.get("broadcast")[i], 0f);
      }
      for (int i = 0; i < 12; i++) {
        double mean = (3.0 * r0.a()[i] + 5.0 * r1.a()[i]) / 8;
        assertEquals(mean, out.get("both.a")[i], 1e-5 * (1 + Math.abs(mean)));
        assertEquals(r1.a()[i], out.get("one.a")[i], 1e-5 * (1 + Math.abs(r1.a()[i])));
      }
      for (int i = 0; i < 3; i++) {
        assertEquals((3.0 * r0.b()[i] + 5.0 * r1.b()[i]) / 8, out.get("both.b")[i], 1e-5);
      }
      assertEquals(8, out.get("both.count+loss")[0]);
      assertEquals((3 * r0.loss() + 5 * r1.loss()) / 8, out.get("both.count+loss")[1], 1e-5);
      assertEquals(5, out.get("one.count")[0]);
      assertEquals(0, out.get("none.count")[0]);
    }
  }

  @Test
  void aRankThatStopsCallingFailsTheOtherAtTheTimeoutNamingIt() throws Exception {
    long start = System.nanoTime();
    List<String> outcomes = onTwoRanks(Duration.ofSeconds(3), g -> {
      if (g.launch().rank() == 1) {
        Thread.sleep(8_000); // never calls the collective rank 0 waits in
        return "idle";
      }
      DistributedException e = assertThrows(DistributedException.class,
          () -> g.sumInPlace(Tensors.fromFloats(new float[] {1, 2}, 2), "gradients"));
      return e.getMessage();
    });
    assertTrue(outcomes.get(0).startsWith("rank 0 of 2: summing gradients"), outcomes.get(0));
    assertTrue(System.nanoTime() - start < 60_000_000_000L, "no hang");
  }
}
