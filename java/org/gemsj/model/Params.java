package org.gemsj.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.gemsj.torch.Tensors;

/**
 * The named parameters of a model, in a stable order (the order is part of checkpoints).
 * Tensors added here outlive any PointerScope the caller has open.
 */
public final class Params {
  private final Map<String, Tensor> byName = new LinkedHashMap<>();

  /** Registers {@code t} (float32) as a trainable leaf under {@code name}. */
  public Tensor add(String name, Tensor t) {
    if (byName.containsKey(name)) {
      throw new IllegalArgumentException("parameter '" + name + "' is registered twice");
    }
    Tensor leaf = Tensors.keep(t.detach().contiguous().clone());
    leaf.set_requires_grad(true);
    byName.put(name, leaf);
    return leaf;
  }

  public Tensor get(String name) {
    Tensor t = byName.get(name);
    if (t == null) {
      throw new IllegalArgumentException("no parameter '" + name + "'");
    }
    return t;
  }

  public boolean has(String name) {
    return byName.containsKey(name);
  }

  public List<String> names() {
    return Collections.unmodifiableList(new ArrayList<>(byName.keySet()));
  }

  public Map<String, Tensor> asMap() {
    return Collections.unmodifiableMap(byName);
  }

  public long count() {
    long n = 0;
    for (Tensor t : byName.values()) {
      n += t.numel();
    }
    return n;
  }
}
