package org.fkt.loader;

import java.util.function.BooleanSupplier;
import org.fkt.augment.Augmentation;
import org.fkt.data.Dataset;
import org.fkt.data.Image;
import org.fkt.nn.objective.Batch;

/**
 * Epochs of augmented batches from a {@link Dataset}. Configure with {@link #builder}; each
 * {@link #epoch(int, int)} call returns an in-order iterator whose batches are built by worker threads
 * ahead of the consumer. The epoch's order is a permutation from (seed, epoch) (or the dataset order
 * without shuffling); every image's augmentation draws from its own (seed, epoch, index, stream)
 * generator ({@link SampleRandom}), so batches are bit-identical for any worker count and resuming
 * at batch k reproduces the rest of the epoch.
 */
public final class Loader {
    private final Dataset dataset;
    private final int batchSize;
    private final int imageSize;
    private final long seed;
    private final int workers;
    private final int prefetch;
    private final boolean shuffle;
    private final boolean dropLast;
    private final Augmentation supervised;
    private final Augmentation contrastive;
    private final BatchAllocator allocator;

    private Loader(Builder b) {
        this.dataset = b.dataset;
        this.batchSize = b.batchSize;
        this.seed = b.seed;
        this.workers = b.workers;
        this.prefetch = b.prefetch;
        this.shuffle = b.shuffle;
        this.dropLast = b.dropLast;
        this.supervised = b.supervised;
        this.contrastive = b.contrastive;
        this.allocator = b.allocator;
        this.imageSize = b.supervised != null ? b.supervised.size() : b.contrastive.size();
    }

    /** A builder for a loader over {@code dataset}. */
    public static Builder builder(Dataset dataset) {
        return new Builder(dataset);
    }

    /** Batches per epoch: floor(N / B) with dropLast, else ceil(N / B). */
    public int batchesPerEpoch() {
        int n = dataset.size();
        return dropLast ? n / batchSize : (n + batchSize - 1) / batchSize;
    }

    /** The sample order of {@code epoch}: dataset indices, a permutation from (seed, epoch) when shuffling. */
    public int[] order(int epoch) {
        int n = dataset.size();
        if (shuffle) {
            return SampleRandom.permutation(n, seed, epoch);
        }
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        return p;
    }

    /** The whole epoch; see {@link #epoch(int, int)}. */
    public EpochBatches epoch(int epoch) {
        return epoch(epoch, 0);
    }

    /**
     * Batches {@code startBatch}, ..., {@link #batchesPerEpoch()} - 1 of {@code epoch}, in order, built
     * by the worker threads. Close the iterator (try-with-resources) to stop its workers early.
     */
    public EpochBatches epoch(int epoch, int startBatch) {
        if (epoch < 0) {
            throw new IllegalArgumentException("loader: epoch must be >= 0, got " + epoch);
        }
        int total = batchesPerEpoch();
        if (startBatch < 0 || startBatch > total) {
            throw new IllegalArgumentException("loader: start batch " + startBatch + " is outside [0, " + total + "] for "
                    + dataset.describe());
        }
        return new EpochBatches(this, epoch, order(epoch), startBatch, total);
    }

    /** Builds batch {@code batch} of {@code epoch} on the calling thread (what a worker does). */
    public HostBatch build(int epoch, int batch) {
        return build(epoch, order(epoch), batch, () -> false);
    }

    /** Builds one batch from the epoch's {@code order}; stops early (returns null) once {@code cancelled} says so. */
    HostBatch build(int epoch, int[] order, int batch, BooleanSupplier cancelled) {
        int from = batch * batchSize;
        int count = Math.min(batchSize, order.length - from);
        int[] indices = new int[count];
        int[] labels = new int[count];
        int per = 3 * imageSize * imageSize;
        float[] images = supervised != null ? allocator.allocate(count * per) : null;
        float[] view1 = contrastive != null ? allocator.allocate(count * per) : null;
        float[] view2 = contrastive != null ? allocator.allocate(count * per) : null;
        for (int i = 0; i < count; i++) {
            if (cancelled.getAsBoolean()) {
                return null;
            }
            int index = order[from + i];
            indices[i] = index;
            try {
                labels[i] = dataset.label(index);
                Image image = dataset.image(index);
                if (images != null) {
                    supervised.apply(image, SampleRandom.of(seed, epoch, index, SampleRandom.SUPERVISED), images, i * per);
                }
                if (view1 != null) {
                    contrastive.apply(image, SampleRandom.of(seed, epoch, index, SampleRandom.VIEW1), view1, i * per);
                    contrastive.apply(image, SampleRandom.of(seed, epoch, index, SampleRandom.VIEW2), view2, i * per);
                }
            } catch (RuntimeException | Error e) {
                throw new LoaderException("loader: sample " + index + " of " + dataset.describe() + " (epoch " + epoch
                        + ", batch " + batch + ") failed: " + e, e);
            }
        }
        return new HostBatch(epoch, batch, imageSize, indices, labels, images, view1, view2);
    }

    /**
     * The step's inputs: images and views as float32 (B, 3, S, S), labels as int32 (B), through the
     * allocator (CPU tensors by default, owned by the current memory scope); absent parts are null.
     */
    public Batch toBatch(HostBatch b) {
        int n = b.size();
        return new Batch(b.images() == null ? null : allocator.images(b.images(), n, b.imageSize()),
                allocator.labels(b.labels()),
                b.view1() == null ? null : allocator.images(b.view1(), n, b.imageSize()),
                b.view2() == null ? null : allocator.images(b.view2(), n, b.imageSize()));
    }

    /** Hands the batch's float blocks back to the allocator; the batch must not be used afterwards. */
    public void release(HostBatch b) {
        for (float[] block : new float[][] {b.images(), b.view1(), b.view2()}) {
            if (block != null) {
                allocator.release(block);
            }
        }
    }

    public Dataset dataset() {
        return dataset;
    }

    public int batchSize() {
        return batchSize;
    }

    public int imageSize() {
        return imageSize;
    }

    public long seed() {
        return seed;
    }

    public int workers() {
        return workers;
    }

    public int prefetch() {
        return prefetch;
    }

    public boolean shuffle() {
        return shuffle;
    }

    public boolean dropLast() {
        return dropLast;
    }

    /** The supervised pipeline, or null when labelled images are not produced. */
    public Augmentation supervised() {
        return supervised;
    }

    /** The contrastive pipeline, or null when views are not produced. */
    public Augmentation contrastive() {
        return contrastive;
    }

    /** One line for logs and the run record. */
    public String describe() {
        return "loader over " + dataset.describe() + ": batch " + batchSize + ", " + batchesPerEpoch() + " batches per epoch"
                + (dropLast ? " (last partial dropped)" : "") + ", " + (shuffle ? "shuffled" : "in order") + ", seed " + seed
                + ", " + workers + " workers, prefetch " + prefetch
                + (supervised != null ? "; labelled images: " + supervised.describe() : "")
                + (contrastive != null ? "; two views: " + contrastive.describe() : "");
    }

    /** Loader settings. Defaults: batch 256, seed 0, 2 workers, prefetch 2, shuffle, drop the last partial batch. */
    public static final class Builder {
        private final Dataset dataset;
        private int batchSize = 256;
        private Integer imageSize;
        private long seed;
        private int workers = 2;
        private int prefetch = 2;
        private boolean shuffle = true;
        private boolean dropLast = true;
        private Augmentation supervised;
        private Augmentation contrastive;
        private BatchAllocator allocator = BatchAllocator.heap();

        private Builder(Dataset dataset) {
            if (dataset == null) {
                throw new IllegalArgumentException("loader: dataset is null");
            }
            this.dataset = dataset;
        }

        public Builder batchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        /** The expected output side S; build() checks the pipelines produce it. */
        public Builder imageSize(int imageSize) {
            this.imageSize = imageSize;
            return this;
        }

        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Worker threads; 0 builds each batch on the consumer's thread inside next(). */
        public Builder workers(int workers) {
            this.workers = workers;
            return this;
        }

        /** Finished batches that may wait for the consumer (at most prefetch + workers batches exist at once). */
        public Builder prefetch(int prefetch) {
            this.prefetch = prefetch;
            return this;
        }

        public Builder shuffle(boolean shuffle) {
            this.shuffle = shuffle;
            return this;
        }

        public Builder dropLast(boolean dropLast) {
            this.dropLast = dropLast;
            return this;
        }

        /** Produce the labelled image through {@code pipeline} (null: do not). */
        public Builder supervised(Augmentation pipeline) {
            this.supervised = pipeline;
            return this;
        }

        /** Produce two views through {@code pipeline} (null: do not). */
        public Builder contrastive(Augmentation pipeline) {
            this.contrastive = pipeline;
            return this;
        }

        public Builder allocator(BatchAllocator allocator) {
            this.allocator = allocator;
            return this;
        }

        public Loader build() {
            String where = "loader over " + dataset.describe();
            if (batchSize <= 0) {
                throw new IllegalArgumentException(where + ": batch size must be positive, got " + batchSize);
            }
            if (workers < 0) {
                throw new IllegalArgumentException(where + ": workers must be >= 0, got " + workers);
            }
            if (prefetch < 1) {
                throw new IllegalArgumentException(where + ": prefetch must be >= 1, got " + prefetch);
            }
            if (supervised == null && contrastive == null) {
                throw new IllegalArgumentException(where + ": no outputs: set a supervised and/or a contrastive pipeline");
            }
            if (allocator == null) {
                throw new IllegalArgumentException(where + ": allocator is null");
            }
            if (supervised != null && contrastive != null && supervised.size() != contrastive.size()) {
                throw new IllegalArgumentException(where + ": the supervised pipeline gives " + supervised.size()
                        + " pixels and the contrastive one " + contrastive.size() + "; they must agree");
            }
            int size = supervised != null ? supervised.size() : contrastive.size();
            if (imageSize != null && imageSize != size) {
                throw new IllegalArgumentException(where + ": image size " + imageSize + " but the pipelines give " + size);
            }
            int n = dataset.size();
            if (n <= 0) {
                throw new IllegalArgumentException(where + ": the dataset is empty");
            }
            if (dropLast && n < batchSize) {
                throw new IllegalArgumentException(where + ": " + n + " samples make no full batch of " + batchSize
                        + " with dropLast; use a smaller batch or dropLast(false)");
            }
            return new Loader(this);
        }
    }
}
