package org.fkt.augment;

import java.util.random.RandomGenerator;
import org.fkt.data.Image;

/**
 * One augmentation pipeline: turns a decoded uint8 image into a normalised float (3, S, S) image.
 * All randomness comes from the generator handed in, so the same generator state gives the same
 * output; implementations are safe to call from several threads at once (each call keeps its
 * scratch buffers per thread).
 */
public interface Augmentation {
    /** The output side S. */
    int size();

    /**
     * Writes the augmented, normalised image as 3 * S * S floats, channel-major (3, S, S), into
     * {@code out} starting at {@code offset}.
     */
    void apply(Image image, RandomGenerator random, float[] out, int offset);

    /** The pipeline's name and steps with their parameters, for logs and the run record. */
    String describe();
}
