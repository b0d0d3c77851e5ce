package org.gemsj.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** `gems jobs list --limit N` refuses N < 1 by name, before it connects anywhere (issue 15, item 12). */
class JobsListLimitTest {
  @Test
  void aLimitBelowOneIsRefused() {
    for (String limit : new String[] {"0", "-5"}) {
      JobsCommand.ListJobs list = new JobsCommand.ListJobs();
      new CommandLine(list).parseArgs("--limit", limit, "--server", "127.0.0.1:1");
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, list::call);
      assertEquals("--limit must be at least 1, got " + limit, e.getMessage());
    }
  }
}
