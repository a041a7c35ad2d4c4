package org.fkt.train;

import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import org.fkt.engine.tensor.Tensor;
import org.fkt.nn.objective.Batch;

/**
 * A deterministic in-memory {@link EpochSource} for trainer tests: images whose class is the brightest
 * channel, labels, and two noisy views, all drawn from (seed, epoch, batch). {@code poisonAt} puts NaN
 * into one batch's images to make the loss diverge.
 */
final class SyntheticSource implements EpochSource {
    private final int batches;
    private final int batch;
    private final int size;
    private final int classes;
    private final long seed;
    private final int poisonEpoch;
    private final int poisonBatch;

    SyntheticSource(int batches, int batch, int size, int classes, long seed) {
        this(batches, batch, size, classes, seed, -1, -1);
    }

    SyntheticSource(int batches, int batch, int size, int classes, long seed, int poisonEpoch, int poisonBatch) {
        this.batches = batches;
        this.batch = batch;
        this.size = size;
        this.classes = classes;
        this.seed = seed;
        this.poisonEpoch = poisonEpoch;
        this.poisonBatch = poisonBatch;
    }

    @Override
    public int batchesPerEpoch() {
        return batches;
    }

    @Override
    public long samplesPerEpoch() {
        return (long) batches * batch;
    }

    @Override
    public Feed open(int epoch, int startBatch) {
        return new Feed() {
            int next = startBatch;

            @Override
            public boolean hasNext() {
                return next < batches;
            }

            @Override
            public StepInput next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return make(epoch, next++);
            }

            @Override
            public void close() {
            }
        };
    }

    private StepInput make(int epoch, int b) {
        var r = new SplittableRandom(seed * 1_000_003L + epoch * 7919L + b);
        int[] labels = new int[batch];
        int plane = size * size;
        float[] images = new float[batch * 3 * plane];
        float[] v1 = new float[images.length];
        float[] v2 = new float[images.length];
        for (int i = 0; i < batch; i++) {
            labels[i] = r.nextInt(classes);
            for (int c = 0; c < 3; c++) {
                for (int p = 0; p < plane; p++) {
                    int at = (i * 3 + c) * plane + p;
                    float base = (float) (r.nextGaussian() * 0.3 + (c == labels[i] % 3 ? 1 : 0));
                    images[at] = base;
                    v1[at] = base + (float) (r.nextGaussian() * 0.1);
                    v2[at] = base + (float) (r.nextGaussian() * 0.1);
                }
            }
        }
        if (epoch == poisonEpoch && b == poisonBatch) {
            java.util.Arrays.fill(images, Float.NaN);
            java.util.Arrays.fill(v1, Float.NaN);
        }
        Batch t = new Batch(Tensor.of(images, batch, 3, size, size), Tensor.of(labels, batch),
                Tensor.of(v1, batch, 3, size, size), Tensor.of(v2, batch, 3, size, size));
        return new StepInput(t, labels, batch);
    }
}
