package org.gemsj.cli;

import java.io.IOException;
import org.gemsj.dist.DistributedException;
import org.gemsj.nativeops.NativeLibrary;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The `gems` command line (./gems at the repository root runs it, building first if needed). */
@Command(
    name = "gems",
    mixinStandardHelpOptions = true,
    version = "gems-j 0.1.0",
    description = "GEMS-J: fine-tune one model for search and recommendation with gradient multi-subspace tuning.",
    subcommands = {BenchCommand.class, DataCommand.class, TrainCommand.class, EvalCommand.class,
        QueryCommands.Search.class, QueryCommands.Recommend.class, QueryCommands.Rerank.class, StudyCommand.class, ServeCommand.class,
        SubmitCommand.class, JobsCommand.class})
public final class GemsCli implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  public static void main(String[] args) {
    NativeLibrary.load(); // libtorch and the threading policy (BlasThreads) before any work
    System.exit(commandLine().execute(args));
  }

  /**
   * The CLI with its error policy, for every command: bad input (IllegalArgumentException, and
   * IOException such as an invalid dataset's error list) prints one message, no stack trace, and
   * exits 2, like picocli's own usage errors; a data-parallel rank's failed group
   * (DistributedException) prints its one line and exits 4.
   */
  public static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new GemsCli());
    cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      if (e instanceof IllegalArgumentException || e instanceof IOException) {
        commandLine.getErr().println(commandLine.getCommandSpec().qualifiedName() + ": " + e.getMessage());
        return 2;
      }
      if (e instanceof DistributedException) { // its message names the rank and the collective
        commandLine.getErr().println(commandLine.getCommandSpec().qualifiedName() + ": " + e.getMessage());
        return DistributedException.EXIT_STATUS;
      }
      throw e;
    });
    return cli;
  }
}
