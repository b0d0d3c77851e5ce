package org.gemsj.backbone;

import com.google.protobuf.CodedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.gemsj.backbone.onnx.OnnxSubset.GraphProto;
import org.gemsj.backbone.onnx.OnnxSubset.ModelProto;
import org.gemsj.backbone.onnx.OnnxSubset.NodeProto;
import org.gemsj.backbone.onnx.OnnxSubset.TensorProto;

/**
 * Reads the float32 weights of a BERT encoder out of an ONNX file, under Hugging Face's
 * parameter names ({@code encoder.layer.0.attention.self.query.weight}, ...).
 *
 * <p>Exporters name LayerNorm, embedding and bias initializers after the module, but the
 * Linear weights are anonymous {@code onnx::MatMul_NNN} right operands of a MatMul: each is
 * named after the node that consumes it ({@code /encoder/layer.0/attention/self/query/MatMul})
 * and transposed to nn.Linear's (out x in) layout.
 */
public final class OnnxWeights {
  private static final int FLOAT = 1;

  private OnnxWeights() {}

  public static Map<String, Weight> readResource(String resource) throws IOException {
    try (InputStream in = OnnxWeights.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IOException("resource " + resource + " is not on the classpath (is the model jar a dependency?)");
      }
      return read(in, resource);
    }
  }

  public static Map<String, Weight> read(InputStream in, String source) throws IOException {
    CodedInputStream coded = CodedInputStream.newInstance(in);
    coded.setSizeLimit(Integer.MAX_VALUE);
    ModelProto model = ModelProto.parseFrom(coded);
    if (!model.hasGraph()) {
      throw new IOException(source + ": no graph in the ONNX model");
    }
    GraphProto graph = model.getGraph();
    Map<String, String> matmulWeightNames = new HashMap<>();
    for (NodeProto node : graph.getNodeList()) {
      if (node.getOpType().equals("MatMul") && node.getInputCount() == 2) {
        matmulWeightNames.put(node.getInput(1), moduleName(node.getName()) + ".weight");
      }
    }
    Map<String, Weight> weights = new LinkedHashMap<>();
    for (TensorProto t : graph.getInitializerList()) {
      if (t.getDataType() != FLOAT) {
        continue; // shape constants and the like
      }
      String matmulName = matmulWeightNames.get(t.getName());
      Weight w = decode(t, source);
      if (matmulName != null && w.shape().length == 2) {
        weights.put(matmulName, transpose(w));
      } else {
        weights.put(t.getName(), w);
      }
    }
    return weights;
  }

  /** "/encoder/layer.0/attention/self/query/MatMul" -> "encoder.layer.0.attention.self.query". */
  static String moduleName(String nodeName) {
    String s = nodeName.startsWith("/") ? nodeName.substring(1) : nodeName;
    int last = s.lastIndexOf('/');
    return (last < 0 ? s : s.substring(0, last)).replace('/', '.');
  }

  private static Weight decode(TensorProto t, String source) throws IOException {
    long[] shape = t.getDimsList().stream().mapToLong(Long::longValue).toArray();
    long count = 1;
    for (long d : shape) {
      count *= d;
    }
    float[] values;
    if (t.hasRawData()) {
      ByteBuffer raw = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
      values = new float[raw.remaining() / 4];
      raw.asFloatBuffer().get(values);
    } else {
      values = new float[t.getFloatDataCount()];
      for (int i = 0; i < values.length; i++) {
        values[i] = t.getFloatData(i);
      }
    }
    if (values.length != count) {
      throw new IOException(source + ": initializer '" + t.getName() + "' has " + values.length
          + " values for shape " + Arrays.toString(shape));
    }
    return new Weight(values, shape);
  }

  private static Weight transpose(Weight w) {
    int rows = (int) w.shape()[0], cols = (int) w.shape()[1];
    float[] out = new float[w.values().length];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        out[c * rows + r] = w.values()[r * cols + c];
      }
    }
    return new Weight(out, new long[] {cols, rows});
  }
}
