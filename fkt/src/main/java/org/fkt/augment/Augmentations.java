package org.fkt.augment;

import java.util.List;
import java.util.Locale;

/**
 * The named pipelines. Every pipeline ends with the given {@link Normalization}.
 *
 * <ul>
 *   <li>{@code simclr} (SimCLR, Chen et al. 2020, and the paper's text): random resized crop (scale 0.08-1,
 *       ratio 3/4-4/3, bilinear), horizontal flip p = 0.5, colour jitter (0.8 s, 0.8 s, 0.8 s, 0.2 s; s = 1)
 *       with p = 0.8, grayscale p = 0.2, Gaussian blur p = 0.5 (kernel 10 % of S made odd, sigma 0.1-2).</li>
 *   <li>{@code paper-code}: the two-view transform of the paper's published joint-training script
 *       (src/joint_train.py): random resized crop (scale 0.08-1), vertical flip p = 0.5, grayscale
 *       p = 0.2, Gaussian blur p = 0.5 (kernel: the largest odd size <= 10 % of S, 21 at 224; sigma 0.1-2),
 *       random affine (rotation +-180 degrees, translation up to 0.2 of the side, nearest, zero fill).
 *       No colour jitter: the script builds one but leaves it out of its Compose; and its horizontal
 *       flip is overwritten by the vertical one (the same variable is assigned twice), so only the
 *       vertical flip runs. That script's labelled image is {@code Resize(224), CenterCrop(224)}, i.e.
 *       {@code eval}.</li>
 *   <li>{@code paper-code-pretrain}: the transform of the paper's published pretraining script
 *       (src/pretrain.py): resize to S x S, horizontal flip 0.5, random rotation +-90 degrees, vertical
 *       flip 0.5, random affine (+-180 degrees, translation 0.2), Gaussian blur always (kernel 9 at 224,
 *       scaled with S and made odd; sigma 0.1-0.5). That script does not normalise: pass
 *       {@link Normalization#NONE} to match it.</li>
 *   <li>{@code supervised}: the standard light pipeline for labelled images: for S <= 64 (CIFAR) a
 *       random crop with 4-pixel zero padding plus horizontal flip; for larger S a random resized crop
 *       (scale 0.08-1, the ImageNet recipe) plus horizontal flip.</li>
 *   <li>{@code eval}: resize the shorter side to S and center crop (nothing when the image is S x S);
 *       no randomness.</li>
 * </ul>
 */
public final class Augmentations {
    /** The names {@link #named} accepts. */
    public static final List<String> NAMES = List.of("simclr", "paper-code", "paper-code-pretrain", "supervised", "eval");

    private Augmentations() {
    }

    /** The pipeline {@code name} for output side {@code size}, colour-jitter strength 1. */
    public static Augmentation named(String name, int size, Normalization normalization) {
        return named(name, size, normalization, 1.0);
    }

    /** As {@link #named(String, int, Normalization)} with SimCLR's colour-jitter strength {@code s} (simclr only). */
    public static Augmentation named(String name, int size, Normalization normalization, double strength) {
        if (size <= 0) {
            throw new IllegalArgumentException("augmentation " + name + ": image size must be positive, got " + size);
        }
        String key = name.toLowerCase(Locale.ROOT);
        return switch (key) {
            case "simclr" -> simclr(size, normalization, strength);
            case "paper-code" -> new Pipeline(key, size,
                    new Steps.RandomResizedCrop(Crops.SCALE_MIN, Crops.SCALE_MAX, Crops.RATIO_MIN, Crops.RATIO_MAX),
                    List.of(new Steps.VerticalFlip(0.5), new Steps.Grayscale(0.2),
                            new Steps.Blur(0.5, oddAtMost(0.1 * size), GaussianBlur.SIGMA_MIN, GaussianBlur.SIGMA_MAX),
                            new Steps.RandomAffine(180, 0.2)),
                    normalization);
            case "paper-code-pretrain" -> new Pipeline(key, size, new Steps.ResizeSquare(),
                    List.of(new Steps.HorizontalFlip(0.5), new Steps.RandomRotation(90), new Steps.VerticalFlip(0.5),
                            new Steps.RandomAffine(180, 0.2), new Steps.Blur(1.0, oddNear(9.0 * size / 224), 0.1, 0.5)),
                    normalization);
            case "supervised" -> size <= 64
                    ? new Pipeline(key, size, new Steps.PaddedRandomCrop(4), List.of(new Steps.HorizontalFlip(0.5)), normalization)
                    : new Pipeline(key, size,
                            new Steps.RandomResizedCrop(Crops.SCALE_MIN, Crops.SCALE_MAX, Crops.RATIO_MIN, Crops.RATIO_MAX),
                            List.of(new Steps.HorizontalFlip(0.5)), normalization);
            case "eval" -> new Pipeline(key, size, new Steps.ResizeCenterCrop(), List.of(), normalization);
            default -> throw new IllegalArgumentException("unknown augmentation '" + name + "': expected one of " + NAMES);
        };
    }

    /** SimCLR's pipeline with colour-jitter strength {@code strength}. */
    public static Augmentation simclr(int size, Normalization normalization, double strength) {
        return new Pipeline("simclr", size,
                new Steps.RandomResizedCrop(Crops.SCALE_MIN, Crops.SCALE_MAX, Crops.RATIO_MIN, Crops.RATIO_MAX),
                List.of(new Steps.HorizontalFlip(0.5), new Steps.Jitter(0.8, strength), new Steps.Grayscale(0.2),
                        new Steps.Blur(0.5, GaussianBlur.kernelSize(size), GaussianBlur.SIGMA_MIN, GaussianBlur.SIGMA_MAX)),
                normalization);
    }

    private static int oddAtMost(double x) {
        int k = Math.max(1, (int) x);
        return k % 2 == 0 ? k - 1 : k;
    }

    private static int oddNear(double x) {
        int k = Math.max(1, (int) Math.round(x));
        return k % 2 == 0 ? k + 1 : k;
    }
}
