package org.gemsj.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.gemsj.dist.GradientReducer;
import org.gemsj.dist.ProcessGroup;
import org.gemsj.optim.TaskBatch;
import org.gemsj.torch.Tensors;

/**
 * This process's part in a data-parallel run ({@link ProcessGroup}): its shard of every global
 * batch (the batch's positions p with p mod WORLD_SIZE = RANK, so the batch order stays a
 * function of seed and step and any number of ranks sees the same global batches), the
 * all-reduced gradients every rank's optimizer steps on alike, and whether it writes OUT (rank 0
 * only: checkpoints, logs, the model, metrics). Every rank validates the same model on the same
 * examples, so early stopping agrees without a message. {@link #SINGLE}: a process alone.
 */
public final class DataParallel {
  static final DataParallel SINGLE = new DataParallel(null);

  private final ProcessGroup group; // null: alone
  private final GradientReducer reducer;

  /** This process as a rank of {@code group} (null: alone). */
  public DataParallel(ProcessGroup group) {
    this.group = group;
    this.reducer = group == null ? null : new GradientReducer(group);
  }

  boolean writes() {
    return group == null || group.launch().rank() == 0;
  }

  boolean distributed() {
    return group != null;
  }

  /** This rank's examples of a global batch. */
  public List<Integer> shard(List<Integer> batch) {
    if (group == null) {
      return batch;
    }
    List<Integer> mine = new ArrayList<>();
    for (int p = group.launch().rank(); p < batch.size(); p += group.launch().worldSize()) {
      mine.add(batch.get(p));
    }
    return mine;
  }

  /** The global batch's gradients of {@code task} from this rank's shard's. */
  TaskBatch reduce(String task, TaskBatch local, Map<String, Tensor> trainable) {
    return group == null ? local : reducer.reduce(task, local, trainable);
  }

  /** Whether any rank was asked to stop (so that all stop, and checkpoint, at the same step). */
  boolean anyStop(boolean mine) {
    if (group == null) {
      return mine;
    }
    Tensor flag = Tensors.fromFloats(new float[] {mine ? 1 : 0}, 1);
    group.sumInPlace(flag, "the stop flags");
    boolean any = flag.item_double() > 0;
    flag.close();
    return any;
  }
}
