package org.gemsj.testing;

import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.global.torch;
import org.gemsj.backbone.BundledBackbone;
import org.gemsj.model.GenerativeModel;
import org.gemsj.model.ItemIds;
import org.gemsj.model.ModelFactory;
import org.gemsj.model.ModelInputs;

/** Small untrained models for inference tests: a MiniLM encoder at 32 tokens, history 3, a narrow decoder. */
public final class TinyModels {
  private TinyModels() {}

  /** The tiny shape with {@code scheme} ids (semantic: 2 levels of 4 codes), no priors. */
  public static ModelFactory.Options options(ItemIds.Scheme scheme) {
    return new ModelFactory.Options(BundledBackbone.MINILM, scheme, 2, 4, 1, 0, 6, 128, 32, 3, ModelInputs.Format.ITEMS, false,
        false);
  }

  /** A fresh decoder scores items nearly alike: random noise on its weights makes the ranking distinct. */
  public static void perturbDecoder(GenerativeModel model, Random r) {
    torch.manual_seed(r.nextLong());
    try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
      for (String n : model.decoder.names()) {
        var t = model.params.get(n);
        t.add_(torch.randn_like(t).mul(new Scalar(0.5)));
      }
    }
  }
}
