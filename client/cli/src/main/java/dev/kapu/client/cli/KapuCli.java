package dev.kapu.client.cli;

import dev.kapu.daemon.DaemonCommand;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/** The {@code kapu} command line. */
@Command(
    name = "kapu",
    mixinStandardHelpOptions = true,
    versionProvider = KapuCli.Version.class,
    description = "Daemons that keep stateful resources and run tasks against them.",
    subcommands = {DaemonCommand.class, DashboardCommand.class, QueryCommand.class, ServeCommand.class,
        StatusCommand.class, EndCommands.KillSession.class, EndCommands.CancelTask.class,
        EndCommands.CancelStatement.class})
public final class KapuCli implements Callable<Integer> {

  @Override
  public Integer call() {
    CommandLine.usage(this, System.out);
    return 0;
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new KapuCli()).execute(args));
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = KapuCli.class.getPackage().getImplementationVersion();
      return new String[] {"kapu " + (version != null ? version : "development build")};
    }
  }
}
