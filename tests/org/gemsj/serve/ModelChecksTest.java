package org.gemsj.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Scalar;
import org.gemsj.backbone.BundledBackbone;
import org.gemsj.api.GemsModel;
import org.gemsj.data.Dataset;
import org.gemsj.model.GenerativeModel;
import org.gemsj.model.ModelFactory;
import org.gemsj.model.ModelStore;
import org.gemsj.model.ParamFile;
import org.gemsj.model.Params;
import org.gemsj.train.TrainDefaults;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue "Hardening", item 9: models named with --model are checked when the server starts (a
 * missing directory, a damaged or non-finite weights file stop it with one line naming the
 * model), and an unexpected error reaches a client without its stack or the server's paths.
 */
class ModelChecksTest {
  @TempDir Path dir;

  @Test
  void namedModelsAreCheckedAtStartInOneLine() throws Exception {
    Path data = ServeFixtures.tinyDataset(dir.resolve("root/shop"));
    Path good = dir.resolve("good");
    try (GenerativeModel m = ModelFactory.build(TrainDefaults.model(BundledBackbone.MINILM),
        Dataset.load(data).items(), 3, dir.resolve("cache")).model()) {
      ModelStore.save(m, good);
    }
    Path nan = copy(good, dir.resolve("nan")), cut = copy(good, dir.resolve("cut"));
    Params params = ParamFile.read(nan.resolve("weights.bin"));
    String first = params.names().iterator().next();
    Map<String, org.bytedeco.pytorch.Tensor> weights = new java.util.LinkedHashMap<>(params.asMap());
    org.bytedeco.pytorch.Tensor poisoned = weights.get(first).detach().clone();
    poisoned.view(-1).get(0).fill_(new Scalar(Double.NaN));
    weights.put(first, poisoned);
    ParamFile.write(nan.resolve("weights.bin"), weights);
    byte[] whole = Files.readAllBytes(cut.resolve("weights.bin"));
    Files.write(cut.resolve("weights.bin"), java.util.Arrays.copyOf(whole, whole.length / 2));

    assertStartRefused(Map.of("m", dir.resolve("missing")), "--model m=" + dir.resolve("missing") + ": ");
    assertStartRefused(Map.of("m", nan), "tensor '" + first + "' holds NaN or Inf values");
    assertStartRefused(Map.of("m", cut), "--model m=" + cut + ": ");
    try (GemsServer server = GemsServer.start(config(Map.of("m", good)))) {
      assertTrue(server.port() > 0, "a good model starts");
    }
  }

  @Test
  void anUnexpectedErrorKeepsItsTextOnTheServer() {
    StatusRuntimeException s = Errors.toStatus(new RuntimeException("libtorch: shape mismatch\n  frame #0: at /srv/secret/lib.so"));
    assertEquals(Status.Code.INTERNAL, s.getStatus().getCode());
    assertFalse(s.getStatus().getDescription().contains("secret") || s.getStatus().getDescription().contains("frame"),
        s.getStatus().getDescription());
    assertTrue(s.getStatus().getDescription().matches("internal error \\d+ \\(the server's log has the details\\)"),
        s.getStatus().getDescription());
  }

  private void assertStartRefused(Map<String, Path> models, String expected) {
    IOException e = assertThrows(IOException.class, () -> GemsServer.start(config(models)).close());
    assertTrue(e.getMessage().contains(expected), e.getMessage());
    assertFalse(e.getMessage().contains("\n") || e.getMessage().contains("\tat "), "more than one line: " + e.getMessage());
  }

  private ServerConfig config(Map<String, Path> models) {
    return new ServerConfig("127.0.0.1", 0, dir.resolve("server"), List.of(dir.resolve("root")),
        List.of(ServeFixtures.TOKEN), false, null, null, models, new JobRunner.Options(1, 3, Duration.ofSeconds(20), 3),
        ServerConfig.DEFAULT_MAX_MESSAGE_BYTES, List.of(), GemsModel.Policy.DEFAULT,
        ServerConfig.DEFAULT_MAX_WAITING);
  }

  private static Path copy(Path from, Path to) throws IOException {
    Files.createDirectories(to);
    try (var files = Files.list(from)) {
      for (Path f : files.toList()) {
        Files.copy(f, to.resolve(f.getFileName()));
      }
    }
    return to;
  }
}
