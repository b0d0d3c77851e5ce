package org.gemsj.backbone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.io.InputStream;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.gemsj.model.Params;
import org.gemsj.torch.Tensors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Our libtorch BERT, fed the pretrained weights, against ONNX Runtime running the very ONNX file
 * the weights came from: pooled, normalised sentence embeddings agree within 1e-4.
 */
class EncoderOnnxParityTest {
  private static final List<String> SENTENCES = List.of(
      "The quick brown fox jumps over the lazy dog.",
      "waterproof hiking boots",
      "How do I reset my password if I no longer have access to my email?",
      "Ein kleines Café in Zürich serviert den besten Kuchen.",
      "Prices rose 3.5% in Q3, while unemployment fell to 4.1 percent!",
      "a",
      "Sci-fi movies from the 80s with time travel, robots & dystopian cities",
      "She said: \"I'll be there at 5 o'clock\" -- and she was.");

  @ParameterizedTest
  @EnumSource(BundledBackbone.class)
  void pooledEmbeddingsMatchOnnxRuntime(BundledBackbone backbone) throws Exception {
    List<String> texts = new ArrayList<>(SENTENCES);
    Collections.shuffle(texts, new Random(System.nanoTime())); // padding lands on different rows each run
    Params params = new Params();
    BertEncoder encoder = backbone.read().encoder(params, "");
    try (TextTokenizer tokenizer = new TextTokenizer(backbone.tokenizerJson(), 64);
        PointerScope scope = new PointerScope();
        NoGradGuard noGrad = new NoGradGuard()) {
      TextTokenizer.Batch batch = tokenizer.encode(texts);
      Tensor ours = BertEncoder.pool(encoder.forward(batch.ids(), batch.mask(), batch.types(), 0), batch.mask(),
          backbone.pooling());
      Tensor reference = BertEncoder.pool(onnxRuntimeStates(backbone, batch), batch.mask(), backbone.pooling());
      float[] a = Tensors.toFloats(ours), r = Tensors.toFloats(reference);
      assertEquals(texts.size() * 384, a.length);
      double worst = 0;
      for (int i = 0; i < a.length; i++) {
        worst = Math.max(worst, Math.abs(a[i] - r[i]));
      }
      assertTrue(worst < 1e-4, backbone + ": max |ours - onnxruntime| = " + worst);
      // and the embeddings are not degenerate: different sentences differ
      assertTrue(Math.abs(a[0] - a[384]) + Math.abs(a[1] - a[385]) > 1e-3);
    }
  }

  /** last_hidden_state of the ONNX model, computed by ONNX Runtime. */
  static Tensor onnxRuntimeStates(BundledBackbone backbone, TextTokenizer.Batch batch) throws Exception {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    byte[] model;
    try (InputStream in = BertEncoder.class.getResourceAsStream(backbone.onnxResource)) {
      model = in.readAllBytes();
    }
    long[] shape = Tensors.shape(batch.ids());
    try (OrtSession session = env.createSession(model, new OrtSession.SessionOptions());
        OnnxTensor ids = OnnxTensor.createTensor(env, LongBuffer.wrap(Tensors.toLongs(batch.ids())), shape);
        OnnxTensor mask = OnnxTensor.createTensor(env, LongBuffer.wrap(Tensors.toLongs(batch.mask())), shape);
        OnnxTensor types = OnnxTensor.createTensor(env, LongBuffer.wrap(Tensors.toLongs(batch.types())), shape);
        OrtSession.Result result = session.run(Map.of("input_ids", ids, "attention_mask", mask, "token_type_ids", types))) {
      OnnxTensor out = (OnnxTensor) result.get(0);
      long[] outShape = out.getInfo().getShape();
      float[] values = new float[(int) (outShape[0] * outShape[1] * outShape[2])];
      out.getFloatBuffer().get(values);
      return Tensors.fromFloats(values, outShape);
    }
  }
}
