package org.gemsj.dist;

import java.util.Map;

/**
 * Where this process stands in a data-parallel run, from the environment torchrun and the
 * Kubeflow PyTorchJob operator set: {@code RANK}, {@code WORLD_SIZE}, {@code LOCAL_RANK},
 * {@code MASTER_ADDR}, {@code MASTER_PORT}. Without {@code WORLD_SIZE} (or with 1) the process
 * trains alone. Under torchrun's agent store ({@code TORCHELASTIC_USE_AGENT_STORE=True}) the
 * store at MASTER_ADDR:MASTER_PORT exists already and every rank is its client.
 */
public record Launch(int rank, int worldSize, int localRank, String masterAddr, int masterPort, boolean agentStore) {
  /** A process training alone. */
  public static final Launch SINGLE = new Launch(0, 1, 0, "127.0.0.1", 0, false);

  public Launch {
    if (worldSize < 1 || rank < 0 || rank >= worldSize) {
      throw new IllegalArgumentException("RANK must be in 0.." + (worldSize - 1) + " for WORLD_SIZE " + worldSize
          + ", got " + rank);
    }
    if (worldSize > 1 && (masterPort < 1 || masterPort > 65535)) {
      throw new IllegalArgumentException("MASTER_PORT must be a TCP port (1..65535), got " + masterPort);
    }
  }

  public boolean distributed() {
    return worldSize > 1;
  }

  /** The launch {@code env} describes; each malformed variable is refused by name. */
  public static Launch fromEnvironment(Map<String, String> env) {
    String world = env.get("WORLD_SIZE");
    if (world == null || world.isBlank() || number(env, "WORLD_SIZE") == 1) {
      return SINGLE;
    }
    int worldSize = number(env, "WORLD_SIZE");
    int rank = required(env, "RANK", worldSize);
    String addr = env.get("MASTER_ADDR");
    if (addr == null || addr.isBlank()) {
      throw new IllegalArgumentException("MASTER_ADDR is not set (WORLD_SIZE is " + worldSize + "): the host of rank "
          + "0's store");
    }
    int port = required(env, "MASTER_PORT", worldSize);
    int local = env.containsKey("LOCAL_RANK") ? number(env, "LOCAL_RANK") : rank;
    return new Launch(rank, worldSize, local, addr.strip(), port, "True".equalsIgnoreCase(
        env.getOrDefault("TORCHELASTIC_USE_AGENT_STORE", "")));
  }

  private static int required(Map<String, String> env, String name, int worldSize) {
    if (!env.containsKey(name)) {
      throw new IllegalArgumentException(name + " is not set (WORLD_SIZE is " + worldSize + ")");
    }
    return number(env, name);
  }

  private static int number(Map<String, String> env, String name) {
    String v = env.get(name);
    try {
      return Integer.parseInt(v.strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be a whole number, got '" + v + "'");
    }
  }
}
