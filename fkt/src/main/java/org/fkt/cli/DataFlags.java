package org.fkt.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import org.fkt.augment.Normalization;
import org.fkt.data.DataFormat;
import org.fkt.data.DataOptions;
import org.fkt.data.DataSources;
import org.fkt.data.DataSplits;
import org.fkt.regime.TrainingData;
import org.fkt.train.Compute;
import picocli.CommandLine.Option;

/** The data, device and TF32 flags shared by the training and evaluation commands. */
final class DataFlags {
    @Option(names = "--data", description = "dataset: a folder or .zip (CIFAR-10 binary batches, class folders with"
            + " train/ and test/, Intel Image's seg_train/seg_test, or APTOS 2019's train.csv + train_images/)")
    Path data;

    @Option(names = "--format", defaultValue = "auto", description = "auto (default), cifar-binary, image-folder or aptos")
    String format;

    @Option(names = "--cache-dir", description = "keep decoded images in memory-mapped cache files here, reused by later runs")
    Path cacheDir;

    @Option(names = "--test-fraction", defaultValue = "0.2", description = "test share of a made split (APTOS; default ${DEFAULT-VALUE})")
    double testFraction;

    @Option(names = "--normalization", description = "cifar10 or imagenet mean/std (default: cifar10 for CIFAR data, else imagenet)")
    String normalization;

    @Option(names = "--device", defaultValue = "auto", description = "auto (default: the GPU when usable, else the CPU), cpu or cuda:N")
    String device;

    @Option(names = "--tf32", description = "TF32 tensor-core math for GEMMs and convolutions on the GPU (default: off, float32)")
    boolean tf32;

    /** Opens the data named by --data (or the bundled sample when {@code bundled} and no --data is given). */
    TrainingData open(int imageSize, int limitTrain, Path splitFile, boolean bundled, Normalization fallback, PrintStream out) {
        DataFormat f;
        try {
            f = DataFormat.valueOf(format.trim().toUpperCase(java.util.Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--format must be auto, cifar-binary, image-folder or aptos, got " + format, e);
        }
        var options = new DataOptions(data, f, imageSize, cacheDir, 0L, testFraction, out, 0, limitTrain, 0, splitFile);
        DataSplits splits;
        if (data == null) {
            if (!bundled) {
                throw new IllegalArgumentException("--data is required");
            }
            splits = DataSources.openBundledSample(options);
        } else {
            splits = DataSources.open(options);
        }
        Normalization n = normalization != null ? Normalization.named(normalization) : fallback;
        var training = new TrainingData(splits, n);
        training.summarize(out);
        return training;
    }

    /** Resolves --device and --tf32 (see {@link Compute#resolve}); a GPU that cannot run is a usage error with the reason. */
    Compute resolveDevice(PrintStream out) {
        return Compute.resolve(device, tf32, out);
    }
}
