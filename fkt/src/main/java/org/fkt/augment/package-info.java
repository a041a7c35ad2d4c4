/**
 * Image augmentation: the SimCLR pipeline (random resized crop, horizontal flip, colour jitter,
 * random grayscale, Gaussian blur, normalisation), the paper's published variants, a lighter
 * supervised pipeline and a deterministic evaluation pipeline, all behind {@link org.fkt.augment.Augmentation}
 * and built by name through {@link org.fkt.augment.Augmentations#named}.
 *
 * <p>Every op works on a planar float image (3, H, W) with values in [0, 1] (the layout of the
 * output tensor), following torchvision 0.14's tensor path on float input; the only uint8 step is
 * the first one, which crops and resamples the cached {@link org.fkt.data.Image} straight into floats,
 * so no intermediate result is quantised. The ops are static methods with explicit parameters,
 * tested one by one against torchvision; the random parameters are drawn by the pipelines from a
 * {@link java.util.random.RandomGenerator} handed in per sample.
 */
package org.fkt.augment;
