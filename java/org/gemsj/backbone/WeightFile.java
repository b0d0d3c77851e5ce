package org.gemsj.backbone;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.gemsj.io.FileConfinement;

/** A file of named float tensors that an encoder's weights are read from: safetensors, or ONNX. */
interface WeightFile extends AutoCloseable {
  Set<String> names();

  /** The named tensor's shape, without reading its values where the format allows. */
  long[] shape(String name) throws IOException;

  Weight read(String name) throws IOException;

  @Override
  void close() throws IOException;

  /** Opens {@code file} through {@code files}: an ONNX model (".onnx", parsed whole) or a safetensors file. */
  static WeightFile open(Path file, FileConfinement files) throws IOException {
    if (!file.getFileName().toString().endsWith(".onnx")) {
      return SafeTensors.open(file, files);
    }
    try (InputStream in = files.open(file)) {
      return new Parsed(OnnxWeights.read(in, file.toString()), file);
    }
  }

  /** Tensors already in memory (an ONNX model's initializers, under Hugging Face's names). */
  record Parsed(Map<String, Weight> weights, Path file) implements WeightFile {
    @Override
    public Set<String> names() {
      return weights.keySet();
    }

    @Override
    public long[] shape(String name) throws IOException {
      return read(name).shape();
    }

    @Override
    public Weight read(String name) throws IOException {
      Weight w = weights.get(name);
      if (w == null) {
        throw new IOException(file + ": no tensor '" + name + "'");
      }
      return w;
    }

    @Override
    public void close() {}
  }
}
