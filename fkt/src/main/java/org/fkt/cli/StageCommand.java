package org.fkt.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Callable;
import org.fkt.augment.Normalization;
import org.fkt.regime.StageRun;
import org.fkt.regime.TrainingData;
import org.fkt.train.Compute;
import org.fkt.train.Stage;
import org.fkt.train.StopSignal;
import org.fkt.train.TrainSettings;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * What pretrain, finetune and joint share: the flags, settings resolution (a bad value is a usage
 * error, exit 2), the run folder, Ctrl-C handling (checkpoint, exit 130) and the final report.
 */
abstract class StageCommand implements Callable<Integer> {
    static final int INTERRUPTED = 130;

    @Spec
    CommandSpec spec;

    @Mixin
    TrainOptions train;

    @Mixin
    DataFlags dataFlags;

    @Option(names = "--out", description = "run folder (default: runs/<command>-<date-time>)")
    Path out;

    @Option(names = "--resume", description = "continue the run in this folder where it stopped, with its saved settings")
    Path resume;

    abstract Stage stage();

    /** The initial encoder weights, or null. */
    Path initEncoder() {
        return null;
    }

    /** Settings of this stage before the flags: the paper's. */
    TrainSettings base() {
        return TrainSettings.paper();
    }

    @Override
    public Integer call() {
        PrintStream console = System.out;
        TrainSettings settings = settings();
        Path dir = resume != null ? resume : out != null ? out : defaultFolder(stage().label());
        Compute compute = dataFlags.resolveDevice(console);
        TrainingData data = dataFlags.open(settings.imageSize(), settings.limitTrain(), dir.resolve("split.csv"), false,
                settings.imageSize() <= 64 ? Normalization.CIFAR10 : Normalization.IMAGENET, console);
        StopSignal stop = StopSignal.onInterrupt();
        try {
            String note = settings.limitTrain() > 0 ? "training limited to " + settings.limitTrain() + " images" : null;
            var result = StageRun.run(new StageRun.Spec(stage(), settings, data, dir, initEncoder(), resume != null,
                    console, stop, note, compute));
            return result.stopped() ? INTERRUPTED : 0;
        } finally {
            stop.settle();
        }
    }

    /** The resolved settings; an invalid value is a usage error naming the flag's problem. */
    TrainSettings settings() {
        try {
            return adjust(train.apply(base()));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
    }

    /** Command-specific changes to the resolved settings. */
    TrainSettings adjust(TrainSettings s) {
        return s;
    }

    static Path defaultFolder(String command) {
        return Path.of("runs", command + "-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    }
}
