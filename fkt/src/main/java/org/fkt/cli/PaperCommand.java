package org.fkt.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.fkt.regime.PaperPresets;
import org.fkt.regime.PaperRun;
import org.fkt.regime.TrainingData;
import org.fkt.train.Compute;
import org.fkt.train.StopSignal;
import org.fkt.train.TrainSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code fkt paper}: the paper's configuration for a dataset, RT and/or FT over several seeds, printed
 * as the paper's table beside its numbers. Every flag of the training commands shortens or changes it;
 * a shortened run says so. With no --data, {@code --dataset cifar10-sample} uses the bundled sample.
 */
@Command(name = "paper", mixinStandardHelpOptions = true,
        description = {"Run the paper's configuration: representational (rt) and/or functional (ft) transfer over",
            "seeds, then print Table II (or III with --ablation) beside the published numbers."})
final class PaperCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--dataset", required = true, description = "cifar10, intel, aptos or cifar10-sample (bundled; no --data needed)")
    String dataset;

    @Option(names = "--regime", defaultValue = "both", description = "rt, ft or both (default)")
    String regime;

    @Option(names = "--seeds", defaultValue = "3", description = "number of seeds (default ${DEFAULT-VALUE}, as the paper)")
    int seeds;

    @Option(names = "--ablation", description = "the ResNet-18 ablation (Table III; intel)")
    boolean ablation;

    @Option(names = "--out", description = "run folder (default: runs/paper-<dataset>-<date-time>)")
    Path out;

    @Option(names = "--resume", description = "continue the paper run in this folder; finished stages are not rerun")
    Path resume;

    @Mixin
    TrainOptions train;

    @Mixin
    DataFlags dataFlags;

    @Override
    public Integer call() {
        PrintStream console = System.out;
        PaperPresets preset;
        TrainSettings settings;
        boolean rt;
        boolean ft;
        try {
            preset = PaperPresets.named(dataset, ablation);
            settings = train.apply(preset.settings());
            rt = !regime.equals("ft");
            ft = !regime.equals("rt");
            if (!(regime.equals("rt") || regime.equals("ft") || regime.equals("both"))) {
                throw new IllegalArgumentException("--regime must be rt, ft or both, got " + regime);
            }
            if (seeds < 1) {
                throw new IllegalArgumentException("--seeds must be at least 1, got " + seeds);
            }
            if (!preset.bundled() && dataFlags.data == null) {
                throw new IllegalArgumentException("--data is required for --dataset " + dataset
                        + " (only cifar10-sample is bundled)");
            }
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        Path dir = resume != null ? resume : out != null ? out : StageCommand.defaultFolder("paper-" + dataset);
        Path record = dir.resolve("paper.json");
        if (resume != null) {
            var saved = PaperRecord.read(record);
            console.println("resuming the paper run in " + dir + " with its saved settings (flags given now are ignored)");
            preset = PaperPresets.named(saved.dataset(), saved.ablation());
            settings = saved.settings();
            seeds = saved.seeds();
            rt = saved.rt();
            ft = saved.ft();
        } else {
        }
        Compute compute = dataFlags.resolveDevice(console);
        if (resume == null) {
            PaperRecord.create(record, new PaperRecord(dataset, ablation, seeds, rt, ft, settings), compute);
        }
        TrainingData data = dataFlags.open(settings.imageSize(), settings.limitTrain(), dir.resolve("split.csv"),
                preset.bundled(), preset.normalization(), console);
        String note = preset.shortened(settings, data.trainSet().size(), seeds);
        if (note != null) {
            console.println("shortened run: " + note);
        }
        StopSignal stop = StopSignal.onInterrupt();
        try {
            boolean done = PaperRun.run(new PaperRun.Spec(preset, settings, data, seeds, rt, ft, dir, resume != null,
                    console, stop, note, compute));
            return done ? 0 : StageCommand.INTERRUPTED;
        } finally {
            stop.settle();
        }
    }
}
