package org.gemsj.readme;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.gemsj.nativeops.BasisRefresh;
import org.gemsj.nativeops.FusedStep;
import org.gemsj.optim.GemsConfig;
import org.gemsj.optim.GemsOptimizer;
import org.gemsj.optim.TaskBatch;
import org.gemsj.torch.Tensors;
import org.junit.jupiter.api.Test;

/** The README's examples, compiled and run; the README must quote them verbatim. */
class ReadmeExampleTest {

  @Test
  void nativeOpsExample() {
    // README:ops:begin
    Tensor weight = torch.randn(1536, 384).mul_(Tensors.scalar(0.02)); // m >= n: bases are rows
    Tensor gradSearch = torch.randn(1536, 384), gradRec = torch.randn(1536, 384);
    long rankShared = 32, rankTask = 16, total = rankShared + 2 * rankTask;

    // Bases: shared from the mixed gradient, then one per task (rows of a total x 384 tensor).
    Tensor basis = torch.zeros(total, 384);
    Tensor mixed = gradSearch.add(gradRec).div_(Tensors.scalar(2));
    BasisRefresh.Options seeded = BasisRefresh.Options.defaults(42);
    double energy = BasisRefresh.refresh(mixed, rankShared, BasisRefresh.Method.RANDOMIZED, seeded,
        basis.narrow(0, 0, rankShared));
    BasisRefresh.refresh(gradSearch, rankTask, BasisRefresh.Method.EXACT, seeded, basis.narrow(0, rankShared, rankTask));
    BasisRefresh.refresh(gradRec, rankTask, BasisRefresh.Method.EXACT, seeded, basis.narrow(0, rankShared + rankTask, rankTask));

    // Adam moments live in the subspaces: total x max(m, n).
    Tensor expAvg = torch.zeros(total, 1536), expAvgSq = torch.zeros(total, 1536);
    FusedStep.apply(weight,
        new FusedStep.Task(gradSearch, 24, 0.5), // search: gradient, samples in batch, gate
        new FusedStep.Task(gradRec, 40, 0.5),
        basis, rankShared, rankTask, expAvg, expAvgSq,
        1, FusedStep.Hyper.defaults(5e-4), null); // step 1, reference hyperparameters, no null space
    // README:ops:end
    assertTrue(energy > 0 && energy < 1, "captured energy " + energy);
    assertTrue(Tensors.norm(expAvg) > 0, "moments updated");
  }

  @Test
  void optimizerExample() {
    // README:optimizer:begin
    Tensor query = torch.randn(384, 384), bias = torch.zeros(384);
    GemsOptimizer optimizer = new GemsOptimizer(
        GemsConfig.builder().rankShared(64).rankTask(32).refreshInterval(200).build(),
        List.of(new GemsOptimizer.Param("layer0.query", query)), // GEMS: targeted 2-D weights
        List.of(new GemsOptimizer.Param("layer0.query.bias", bias))); // AdamW: everything else

    // One step = two backward passes: the gradients of each task's mean loss.
    TaskBatch search = new TaskBatch(Map.of("layer0.query", torch.randn(384, 384),
        "layer0.query.bias", torch.randn(384)), 24, 2.31);
    TaskBatch rec = new TaskBatch(Map.of("layer0.query", torch.randn(384, 384),
        "layer0.query.bias", torch.randn(384)), 40, 3.02);
    GemsOptimizer.StepReport report = optimizer.step(search, rec);
    System.out.printf("step %d lr %.2e gates %.3f/%.3f%n", report.step(), report.lr(),
        report.gateSearch(), report.gateRec());
    // README:optimizer:end
    assertEquals(1, report.step());
    assertEquals(1.0, report.gateSearch() + report.gateRec(), 1e-12);
  }

  @Test
  void readmeQuotesTheseExamplesVerbatim() throws Exception {
    String source = Files.readString(Path.of("tests/org/gemsj/readme/ReadmeExampleTest.java"));
    String readme = Files.readString(Path.of("README.md"));
    for (String name : new String[] {"ops", "optimizer"}) {
      String begin = "// README:" + name + ":begin\n", end = "    // README:" + name + ":end";
      String body = source.substring(source.indexOf(begin) + begin.length(), source.indexOf(end));
      String dedented = body.replaceAll("(?m)^    ", "");
      assertTrue(readme.contains(dedented), "README.md does not quote the '" + name + "' example verbatim");
    }
  }
}
