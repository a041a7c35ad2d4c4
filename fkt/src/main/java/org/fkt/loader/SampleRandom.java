package org.fkt.loader;

import java.util.SplittableRandom;

/**
 * The loader's random streams. Each sample's generator is a {@link SplittableRandom} seeded by a
 * SplitMix64 chain over (seed, epoch, sample index, stream id), so it depends on nothing else (not
 * the thread, the worker count or the batch position). The epoch's order comes from the same chain
 * with the sample index -1 and stream {@link #ORDER}.
 */
public final class SampleRandom {
    /** Stream of the epoch permutation. */
    public static final int ORDER = 0;
    /** Stream of the labelled (supervised) image's augmentation. */
    public static final int SUPERVISED = 1;
    /** Stream of the first contrastive view. */
    public static final int VIEW1 = 2;
    /** Stream of the second contrastive view. */
    public static final int VIEW2 = 3;

    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    private SampleRandom() {
    }

    /** The 64-bit seed of stream {@code stream} of sample {@code index} in {@code epoch} of a run seeded {@code seed}. */
    public static long mix(long seed, long epoch, long index, long stream) {
        long h = splitMix(GOLDEN ^ seed);
        h = splitMix(h ^ epoch);
        h = splitMix(h ^ index);
        return splitMix(h ^ stream);
    }

    /** The generator of one sample's stream. */
    public static SplittableRandom of(long seed, int epoch, long index, int stream) {
        return new SplittableRandom(mix(seed, epoch, index, stream));
    }

    /** The epoch's sample order: a uniform permutation of [0, n) (Fisher-Yates) determined by (seed, epoch). */
    public static int[] permutation(int n, long seed, int epoch) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        SplittableRandom r = of(seed, epoch, -1, ORDER);
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /** SplitMix64's step: advance by the golden gamma and apply its output mix (a bijection of 64-bit values). */
    static long splitMix(long z) {
        z += GOLDEN;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
