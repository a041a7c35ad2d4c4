package org.fkt.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code fkt demo}: the smoke training run of a small conv net on generated images. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Train a small conv net on generated images and print the falling loss.")
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--steps", defaultValue = "120", description = "training steps (default ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--batch", defaultValue = "32", description = "images per step (default ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--lr", defaultValue = "0.05", description = "SGD learning rate (default ${DEFAULT-VALUE})")
    double lr;

    @Option(names = "--seed", defaultValue = "1", description = "random seed (default ${DEFAULT-VALUE})")
    long seed;

    @Override
    public Integer call() {
        if (steps < 1 || batch < 1) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                    "--steps and --batch must be at least 1");
        }
        new DemoTraining(seed).train(steps, batch, lr, 10, System.out);
        return 0;
    }
}
