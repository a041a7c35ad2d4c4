package org.fkt.loader;

/**
 * One batch on the host, as the workers build it. {@code indices} are the dataset indices of the B
 * samples in batch order, {@code labels} their classes; {@code images} (B, 3, S, S) is the labelled
 * image through the supervised pipeline, {@code view1} and {@code view2} (B, 3, S, S) the two
 * contrastive views; each image set is null when the loader does not produce it. Arrays are shared,
 * not copied: do not modify them while the batch is in use. (A record holding arrays: equality is
 * identity; compare the arrays to compare batches.)
 */
public record HostBatch(int epoch, int batchIndex, int imageSize, int[] indices, int[] labels,
        float[] images, float[] view1, float[] view2) {   // images, view1, view2: (B, 3, S, S) or null

    /** The number of samples B. */
    public int size() {
        return indices.length;
    }
}
