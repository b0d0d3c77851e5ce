package org.gemsj.data;

import java.util.List;

/** The leave-one-out split: per user and task, last event -> test, second-to-last -> valid. */
public record SplitData(List<Example> train, List<Example> valid, List<Example> test) {
  public SplitData {
    train = List.copyOf(train);
    valid = List.copyOf(valid);
    test = List.copyOf(test);
  }
}
