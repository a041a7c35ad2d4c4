package org.fkt.data;

import java.util.List;

/**
 * A labelled image collection after decoding: a fixed number of samples, each an {@link Image} and a
 * class index into {@link #classes()}. Implementations are safe for concurrent {@link #image} calls
 * from the loader's worker threads; images come from a decoded uint8 cache, never from re-decoding.
 */
public interface Dataset {
    /** Number of samples. */
    int size();

    /** Class names in label order (label i is {@code classes().get(i)}). */
    List<String> classes();

    /** The class index of sample {@code index}, in [0, classes().size()). */
    int label(int index);

    /** The decoded image of sample {@code index}. */
    Image image(int index);

    /** Where the samples come from, for logs and the run record (e.g. "cifar10-jpg.zip:train, 50000 images"). */
    String describe();

    /** A name for sample {@code index} in messages and outputs (its source file where known). */
    default String name(int index) {
        return "#" + index;
    }
}
