package org.fkt.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of the {@code fkt} command. Subcommands: {@code demo} (the smoke training run, also
 * what runs with no arguments) and {@code dump} (one training step written out for comparison with
 * another framework). Invalid flags print usage and exit 2.
 */
@Command(name = "fkt", mixinStandardHelpOptions = true, version = "fkt 0.1.0",
        description = "Functional knowledge transfer: SimCLR pretraining + fine-tuning (RT) versus joint training (FT).",
        subcommands = {PretrainCommand.class, FinetuneCommand.class, JointCommand.class, EvaluateCommand.class,
            PaperCommand.class, DumpCommand.class, DemoCommand.class})
public final class Main implements Runnable {
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code. */
    static int run(String[] args) {
        var cli = new CommandLine(new Main());
        cli.setParameterExceptionHandler((e, args2) -> {
            var err = e.getCommandLine().getErr();
            err.println("fkt " + e.getCommandLine().getCommandName() + ": " + e.getMessage());
            e.getCommandLine().usage(err);
            return 2;
        });
        cli.setExecutionExceptionHandler((e, command, parsed) -> {
            command.getErr().println("fkt " + command.getCommandName() + ": " + e.getMessage());
            return 1;
        });
        return cli.execute(args.length == 0 ? new String[] {"demo"} : args);
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
