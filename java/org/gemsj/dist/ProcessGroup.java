package org.gemsj.dist;

import java.time.Duration;
import org.bytedeco.javacpp.SizeTPointer;
import org.bytedeco.javacpp.chrono.Milliseconds;
import org.bytedeco.pytorch.GlooDeviceVector;
import org.bytedeco.pytorch.ProcessGroupGloo;
import org.bytedeco.pytorch.TCPStore;
import org.bytedeco.pytorch.TCPStoreOptions;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.Work;

/**
 * The ranks of one data-parallel run, over libtorch's c10d: a {@code TCPStore} at
 * MASTER_ADDR:MASTER_PORT for the rendezvous (rank 0 serves it, unless torchrun's agent does) and
 * a Gloo process group for the collectives. Every collective waits at most {@code timeout}: a
 * rank that died or stopped calling fails the others within it (Gloo's own default is 30
 * minutes), with an error naming this rank and the operation. After a failure the group is dead.
 */
public final class ProcessGroup implements AutoCloseable {
  private final Launch launch;
  private final Duration timeout;
  // the store is owned here, not by the group's intrusive pointer: it must outlive the group
  private final TCPStore store;
  private final ProcessGroupGloo group;

  private ProcessGroup(Launch launch, Duration timeout, TCPStore store, ProcessGroupGloo group) {
    this.launch = launch;
    this.timeout = timeout;
    this.store = store;
    this.group = group;
  }

  /** Joins the run {@code launch} describes; returns once every rank has joined (or fails at {@code timeout}). */
  public static ProcessGroup join(Launch launch, Duration timeout) {
    if (!launch.distributed()) {
      throw new IllegalArgumentException("a process group needs WORLD_SIZE > 1");
    }
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("the collectives' timeout must be > 0, got " + timeout);
    }
    Milliseconds ms = new Milliseconds(timeout.toMillis());
    TCPStore store;
    try {
      TCPStoreOptions o = new TCPStoreOptions();
      o.port((short) launch.masterPort()); // uint16 in C++: ports above 32767 wrap to negative shorts and back
      o.isServer(launch.rank() == 0 && !launch.agentStore());
      o.numWorkers(new SizeTPointer(1).put((long) launch.worldSize()));
      o.waitWorkers(false);
      o.timeout(ms);
      store = new TCPStore(launch.masterAddr(), o);
    } catch (RuntimeException e) {
      throw failure("could not reach the store at " + launch.masterAddr() + ":" + launch.masterPort(), e, launch);
    }
    try {
      ProcessGroupGloo.Options options = ProcessGroupGloo.Options.create(ms);
      options.devices(new GlooDeviceVector(ProcessGroupGloo.createDeviceForHostname(launch.masterAddr())));
      return new ProcessGroup(launch, timeout, store, new ProcessGroupGloo(store, launch.rank(), launch.worldSize(),
          options));
    } catch (RuntimeException e) {
      throw failure("could not form the process group of " + launch.worldSize() + " ranks", e, launch);
    }
  }

  public Launch launch() {
    return launch;
  }

  /** Replaces {@code t} (contiguous, on the CPU) by its sum over the ranks, in place. */
  public void sumInPlace(Tensor t, String what) {
    try (TensorVector v = new TensorVector(t)) {
      await(group.allreduce(v), "summing " + what);
    }
  }

  /** Replaces {@code t} on every rank by rank 0's, in place. */
  public void broadcastFromRankZero(Tensor t, String what) {
    try (TensorVector v = new TensorVector(t)) {
      await(group.broadcast(v), "broadcasting " + what);
    }
  }

  /** Returns once every rank has called it. */
  public void barrier(String what) {
    await(group.barrier(), "waiting for every rank at " + what);
  }

  private void await(Work work, String what) {
    try (work) {
      if (!work._wait(new Milliseconds(timeout.toMillis()))) {
        throw new DistributedException("rank " + launch.rank() + " of " + launch.worldSize() + ": " + what
            + " did not finish within " + timeout.toSeconds() + " s: another rank has stopped");
      }
    } catch (DistributedException e) {
      throw e;
    } catch (RuntimeException e) {
      throw failure(what + " failed", e, launch);
    }
  }

  private static DistributedException failure(String what, RuntimeException e, Launch launch) {
    // libtorch appends its C++ stack, and Gloo starts with its source file's build path: the cause is what is left
    String first = String.valueOf(e.getMessage()).lines().findFirst().orElse("").replaceFirst("^\\[[^\\]]*\\] ", "");
    return new DistributedException("rank " + launch.rank() + " of " + launch.worldSize() + ": " + what + ": " + first,
        e);
  }

  @Override
  public void close() {
    group.close();
    store.close();
  }
}
