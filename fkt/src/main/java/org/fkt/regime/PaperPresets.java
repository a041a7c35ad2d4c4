package org.fkt.regime;

import java.util.List;
import java.util.Locale;
import org.fkt.augment.Normalization;
import org.fkt.nn.models.Architecture;
import org.fkt.nn.models.Stem;
import org.fkt.train.OptimizerMode;
import org.fkt.train.TrainSettings;

/**
 * The paper's configurations by dataset. Table II runs ResNet-50 (ImageNet stem, 224x224 as the paper's
 * code, batch 256, 100 epochs per stage, LARS 0.001, SGD 0.025, temperature 0.5, lambda 1, three seeds)
 * on CIFAR-10, Intel Image and APTOS 2019; Table III is the ResNet-18 ablation on Intel Image.
 * {@code cifar10-sample} is the small CIFAR-10 sample bundled with the project, with settings short
 * enough for a 2-core CPU in a few minutes: what the README's main command runs.
 *
 * @param key   the dataset's key in the paper's tables (cifar10, intel, aptos)
 * @param table "II" or "III"
 */
public record PaperPresets(String name, String key, String table, TrainSettings settings, Normalization normalization,
                           boolean bundled) {
    public static final List<String> NAMES = List.of("cifar10", "intel", "aptos", "cifar10-sample");

    /** Training images the sample preset uses of the bundled 2,000 (stratified): what fits in minutes on 2 cores. */
    static final int SAMPLE_TRAIN_IMAGES = 1000;

    /** The preset of {@code dataset}; {@code resnet18} selects Table III's ablation (Intel Image only). */
    public static PaperPresets named(String dataset, boolean resnet18) {
        String d = dataset.toLowerCase(Locale.ROOT);
        TrainSettings paper = TrainSettings.paper();
        PaperPresets p = switch (d) {
            case "cifar10" -> new PaperPresets(d, "cifar10", "II", paper, Normalization.CIFAR10, false);
            case "intel" -> new PaperPresets(d, "intel", "II", paper, Normalization.IMAGENET, false);
            case "aptos" -> new PaperPresets(d, "aptos", "II", paper, Normalization.IMAGENET, false);
            case "cifar10-sample" -> new PaperPresets(d, "cifar10", "II", sample(), Normalization.CIFAR10, true);
            default -> throw new IllegalArgumentException("unknown dataset '" + dataset + "': expected one of " + NAMES);
        };
        if (!resnet18) {
            return p;
        }
        if (!p.key().equals("intel")) {
            throw new IllegalArgumentException("the ResNet-18 ablation (Table III) is defined on intel, not " + dataset);
        }
        return new PaperPresets(d, p.key(), "III", p.settings().withArch(Architecture.RESNET18), p.normalization(), false);
    }

    /**
     * The bundled sample's quick setting: ResNet-18 with the CIFAR stem at 32x32, batch 64, one epoch per
     * stage on 1,000 of the sample's training images, tested on its 500 test images. LARS's update is lr * eta * ||w|| per step (eta 0.001), so the paper's lr 0.001 moves the
     * encoder by 1e-6 of its norm per step; a run of a few dozen steps needs LARS lr 2 (0.2% per step,
     * SimCLR's own 4.8 at batch 4096 gives 0.5%) to learn anything. SGD 0.05.
     */
    static TrainSettings sample() {
        return new TrainSettings(Architecture.RESNET18, Stem.CIFAR, 32, 64, 1, 2.0, 0.9, 1e-6, 0.001,
                0.05, 0.9, 5e-4, "constant", 0, 0.5, 1.0, 0, 128, OptimizerMode.SPLIT, false, "simclr",
                Math.max(1, Runtime.getRuntime().availableProcessors() / 2), 0, SAMPLE_TRAIN_IMAGES);
    }

    /** How {@code s} is shorter than the paper's setting ("1 epoch per stage instead of 100, ..."), or null. */
    public String shortened(TrainSettings s, int trainImages, int seeds) {
        var parts = new java.util.ArrayList<String>();
        if (bundled) {
            parts.add("bundled CIFAR-10 sample (" + trainImages + " train images)");
        }
        if (s.epochs() < 100) {
            parts.add(s.epochs() + " epoch" + (s.epochs() == 1 ? "" : "s") + " per stage instead of 100");
        }
        if (s.limitTrain() > 0 && !bundled) {
            parts.add("training limited to " + trainImages + " images");
        }
        if (seeds < 3) {
            parts.add(seeds + " seed" + (seeds == 1 ? "" : "s") + " instead of 3");
        }
        if (s.imageSize() != 224 || s.arch() != (table.equals("III") ? Architecture.RESNET18 : Architecture.RESNET50)) {
            parts.add(s.arch().label() + " at " + s.imageSize() + "x" + s.imageSize());
        }
        return parts.isEmpty() ? null : String.join(", ", parts);
    }
}
