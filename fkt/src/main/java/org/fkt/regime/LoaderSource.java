package org.fkt.regime;

import java.util.NoSuchElementException;
import org.fkt.loader.EpochBatches;
import org.fkt.loader.HostBatch;
import org.fkt.loader.Loader;
import org.fkt.train.EpochSource;

/** A {@link Loader} seen as the trainer's {@link EpochSource}: host batches become step tensors at {@code next()}. */
final class LoaderSource implements EpochSource {
    private final Loader loader;

    LoaderSource(Loader loader) {
        this.loader = loader;
    }

    @Override
    public int batchesPerEpoch() {
        return loader.batchesPerEpoch();
    }

    @Override
    public long samplesPerEpoch() {
        return loader.dropLast() ? (long) loader.batchesPerEpoch() * loader.batchSize() : loader.dataset().size();
    }

    @Override
    public Feed open(int epoch, int startBatch) {
        EpochBatches batches = loader.epoch(epoch, startBatch);
        return new Feed() {
            @Override
            public boolean hasNext() {
                return batches.hasNext();
            }

            @Override
            public StepInput next() {
                if (!batches.hasNext()) {
                    throw new NoSuchElementException();
                }
                HostBatch h = batches.next();
                try {
                    return new StepInput(loader.toBatch(h), h.labels(), h.size());
                } finally {
                    loader.release(h);
                }
            }

            @Override
            public void close() {
                batches.close();
            }
        };
    }
}
