package org.fkt.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of the {@code fkt} command. Training: {@code pretrain}, {@code finetune}, {@code joint},
 * {@code paper} (the paper's presets, RT against FT over seeds; with no arguments it runs the bundled
 * CIFAR-10 sample, {@link #MAIN_JOB}); {@code evaluate} and {@code cam} on trained weights; {@code dump}
 * (one step written out for comparison with another framework); {@code demo} (a seconds-long smoke run).
 * Invalid flags print usage and exit 2; a failure exits 1; a run stopped by Ctrl-C exits 130.
 */
@Command(name = "fkt", mixinStandardHelpOptions = true, version = "fkt 0.1.0",
        description = "Functional knowledge transfer: SimCLR pretraining + fine-tuning (RT) versus joint training (FT).",
        subcommands = {PretrainCommand.class, FinetuneCommand.class, JointCommand.class, EvaluateCommand.class,
            PaperCommand.class, CamCommand.class, DumpCommand.class, DemoCommand.class})
public final class Main implements Runnable {
    /** What runs with no arguments: RT against FT on the bundled CIFAR-10 sample, one seed, shortened. */
    static final String[] MAIN_JOB = {"paper", "--dataset", "cifar10-sample", "--seeds", "1"};

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
        return cli.execute(args.length == 0 ? MAIN_JOB : args);
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
