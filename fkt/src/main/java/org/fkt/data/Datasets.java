package org.fkt.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Helpers the regimes need on top of a {@link Dataset}: index views, a seeded stratified split (to tune on a
 * part of train), a seeded stratified subset of a given size (--limit-train N), and class counts.
 *
 * <p>Randomness is {@link java.util.Random} (its algorithm is fixed by the Java specification), so a seed
 * picks the same samples on every JVM. Every selection is returned in increasing index order.
 */
public final class Datasets {
    private Datasets() {}

    /** Two disjoint parts of a dataset. */
    public record Split(Dataset train, Dataset heldOut) {}

    /** A view of {@code base} holding the samples at {@code indices} (in that order); nothing is copied. */
    public static Dataset subset(Dataset base, int[] indices) {
        return new SubsetDataset(base, indices);
    }

    /**
     * Splits {@code base} per class: a fraction {@code fraction} of each class (rounded, at least one of a class
     * with two or more samples and never all of them) goes to {@link Split#heldOut}, the rest to
     * {@link Split#train}. The same seed gives the same split.
     */
    public static Split stratifiedSplit(Dataset base, double fraction, long seed) {
        int[][] parts = stratifiedIndices(labels(base), base.classes().size(), fraction, seed);
        return new Split(subset(base, parts[0]), subset(base, parts[1]));
    }

    /**
     * A stratified, seeded subset of {@code n} samples: each class gets its share of n (largest remainders
     * round), its members drawn at random with {@code seed}. Returns {@code base} itself when n >= size.
     */
    public static Dataset limit(Dataset base, int n, long seed) {
        if (n >= base.size()) {
            return base;
        }
        return subset(base, limitIndices(labels(base), base.classes().size(), n, seed));
    }

    /** The label of every sample. */
    public static int[] labels(Dataset d) {
        int[] out = new int[d.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = d.label(i);
        }
        return out;
    }

    /** How many samples each class has, in label order. */
    public static int[] classCounts(Dataset d) {
        int[] counts = new int[d.classes().size()];
        for (int i = 0; i < d.size(); i++) {
            counts[d.label(i)]++;
        }
        return counts;
    }

    /** {keep, heldOut} index lists of a per-class split; see {@link #stratifiedSplit}. */
    static int[][] stratifiedIndices(int[] labels, int classes, double fraction, long seed) {
        if (!(fraction > 0 && fraction < 1)) {
            throw new IllegalArgumentException("stratified split: fraction must be in (0, 1), got " + fraction);
        }
        Random rnd = new Random(seed);
        List<Integer> keep = new ArrayList<>();
        List<Integer> held = new ArrayList<>();
        for (int[] members : byClass(labels, classes)) {
            shuffle(members, rnd);
            int n = members.length;
            int k = (int) Math.round(n * fraction);
            if (n >= 2) {
                k = Math.max(1, Math.min(n - 1, k));
            } else {
                k = 0;
            }
            for (int i = 0; i < n; i++) {
                (i < k ? held : keep).add(members[i]);
            }
        }
        return new int[][] {sorted(keep), sorted(held)};
    }

    /** Indices of a stratified subset of {@code n}; see {@link #limit}. */
    static int[] limitIndices(int[] labels, int classes, int n, long seed) {
        if (n < 0) {
            throw new IllegalArgumentException("limit: n must be >= 0, got " + n);
        }
        if (n >= labels.length) {
            int[] all = new int[labels.length];
            Arrays.setAll(all, i -> i);
            return all;
        }
        int[][] members = byClass(labels, classes);
        int[] quota = new int[classes];
        double[] rest = new double[classes];
        int given = 0;
        for (int c = 0; c < classes; c++) {
            double share = (double) n * members[c].length / labels.length;
            quota[c] = (int) Math.floor(share);
            rest[c] = share - quota[c];
            given += quota[c];
        }
        while (given < n) {
            int best = -1;
            for (int c = 0; c < classes; c++) {
                if (quota[c] < members[c].length && (best < 0 || rest[c] > rest[best])) {
                    best = c;
                }
            }
            quota[best]++;
            rest[best] = -1;
            given++;
        }
        Random rnd = new Random(seed);
        List<Integer> out = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            shuffle(members[c], rnd);
            for (int i = 0; i < quota[c]; i++) {
                out.add(members[c][i]);
            }
        }
        return sorted(out);
    }

    private static int[][] byClass(int[] labels, int classes) {
        int[] counts = new int[classes];
        for (int l : labels) {
            if (l < 0 || l >= classes) {
                throw new IllegalArgumentException("label " + l + " outside [0, " + classes + ")");
            }
            counts[l]++;
        }
        int[][] members = new int[classes][];
        for (int c = 0; c < classes; c++) {
            members[c] = new int[counts[c]];
        }
        int[] fill = new int[classes];
        for (int i = 0; i < labels.length; i++) {
            members[labels[i]][fill[labels[i]]++] = i;
        }
        return members;
    }

    private static void shuffle(int[] a, Random rnd) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    private static int[] sorted(List<Integer> list) {
        int[] out = list.stream().mapToInt(Integer::intValue).toArray();
        Arrays.sort(out);
        return out;
    }
}
