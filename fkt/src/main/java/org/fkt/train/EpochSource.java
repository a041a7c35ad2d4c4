package org.fkt.train;

import java.util.Iterator;
import org.fkt.nn.objective.Batch;

/**
 * Where a stage's batches come from: a fixed number of batches per epoch, in an order and with
 * augmentations that depend only on (seed, epoch, index), so {@code open(epoch, k)} yields exactly the
 * batches a full epoch yields from its k-th on. The tensors of a batch are created by {@code next()} and
 * belong to the memory scope open at that call.
 */
public interface EpochSource {
    int batchesPerEpoch();

    /** Number of samples one epoch visits. */
    long samplesPerEpoch();

    Feed open(int epoch, int startBatch);

    /** One epoch's batches; closing it stops any work done ahead. */
    interface Feed extends Iterator<StepInput>, AutoCloseable {
        @Override
        void close();
    }

    /** A batch with its labels kept on the host for accuracy counting (null without labels). */
    record StepInput(Batch batch, int[] labels, int size) {
    }
}
