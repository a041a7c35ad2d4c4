package org.fkt.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Subset views, stratified splits and stratified limits: proportions, determinism, disjointness. */
class DatasetsTest {
    @TempDir
    Path tmp;

    /** A dataset of labels only, with an image that encodes the index. */
    private static Dataset labelsOnly(int[] labels, int classes) {
        return new Dataset() {
            @Override
            public int size() {
                return labels.length;
            }

            @Override
            public List<String> classes() {
                return java.util.stream.IntStream.range(0, classes).mapToObj(i -> "c" + i).toList();
            }

            @Override
            public int label(int index) {
                return labels[index];
            }

            @Override
            public Image image(int index) {
                return new Image(1, 1, new byte[] {(byte) index, (byte) (index >> 8), 0});
            }

            @Override
            public String describe() {
                return "labels";
            }
        };
    }

    private static int[] skewed() {
        int[] sizes = {50, 17, 3, 1, 29};
        int[] labels = new int[100];
        int k = 0;
        // interleave classes so index order and class order differ
        for (int round = 0; k < 100; round++) {
            for (int c = 0; c < sizes.length && k < 100; c++) {
                if (round < sizes[c]) {
                    labels[k++] = c;
                }
            }
        }
        return labels;
    }

    private static Set<Integer> originals(Dataset d) {
        Set<Integer> out = new HashSet<>();
        for (int i = 0; i < d.size(); i++) {
            Image im = d.image(i);
            out.add((im.pixels()[0] & 0xff) | (im.pixels()[1] & 0xff) << 8);
        }
        return out;
    }

    @Test
    void subsetIsAView() {
        Dataset base = labelsOnly(skewed(), 5);
        Dataset sub = Datasets.subset(base, new int[] {7, 3, 3});
        assertEquals(3, sub.size());
        assertEquals(base.label(7), sub.label(0));
        assertEquals(3, sub.image(2).pixels()[0]);
        assertThrows(IndexOutOfBoundsException.class, () -> Datasets.subset(base, new int[] {100}));
    }

    @Test
    void stratifiedSplitKeepsProportionsAndIsSeeded() {
        Dataset base = labelsOnly(skewed(), 5);
        Datasets.Split a = Datasets.stratifiedSplit(base, 0.25, 42);
        int[] all = Datasets.classCounts(base);
        int[] held = Datasets.classCounts(a.heldOut());
        assertArrayEquals(new int[] {50, 17, 3, 1, 29}, all);
        for (int c = 0; c < 5; c++) {
            int expect = all[c] < 2 ? 0 : Math.max(1, Math.min(all[c] - 1, (int) Math.round(all[c] * 0.25)));
            assertEquals(expect, held[c], "class " + c);
        }
        Set<Integer> train = originals(a.train());
        Set<Integer> out = originals(a.heldOut());
        assertEquals(100, train.size() + out.size());
        train.retainAll(out);
        assertTrue(train.isEmpty(), "overlap " + train);

        Datasets.Split b = Datasets.stratifiedSplit(base, 0.25, 42);
        Datasets.Split c = Datasets.stratifiedSplit(base, 0.25, 43);
        assertEquals(originals(a.heldOut()), originals(b.heldOut()));
        assertNotEquals(originals(a.heldOut()), originals(c.heldOut()));
    }

    @Test
    void limitTakesEachClassShare() {
        Dataset base = labelsOnly(skewed(), 5);
        Dataset ten = Datasets.limit(base, 10, 1);
        assertEquals(10, ten.size());
        // shares 5, 1.7, 0.3, 0.1, 2.9: floors 5, 1, 0, 0, 2, then the largest remainders (0.9, 0.7) get one more
        assertArrayEquals(new int[] {5, 2, 0, 0, 3}, Datasets.classCounts(ten));
        assertEquals(originals(ten), originals(Datasets.limit(base, 10, 1)));
        assertNotEquals(originals(ten), originals(Datasets.limit(base, 10, 2)));
        assertSame(base, Datasets.limit(base, 100, 1));
    }

    @Test
    void theLimitOptionPicksWhatLimitWouldPick() {
        Path root = tmp.resolve("data");
        List<String> classes = List.of("a", "b", "c");
        Fixtures.imageFolder(root, "train", classes, 7, 4, "png", 1);
        Fixtures.imageFolder(root, "test", classes, 3, 4, "png", 2);
        DataOptions o = Fixtures.options(root, 32, new Fixtures.Log()).withSplit(9, 0.2);
        DataSplits full = DataSources.open(o);
        DataSplits limited = DataSources.open(o.withLimits(8, 4));
        Dataset expect = Datasets.limit(full.train(), 8, 9);
        assertEquals(expect.size(), limited.train().size());
        for (int i = 0; i < expect.size(); i++) {
            assertEquals(expect.name(i), limited.train().name(i));
            assertArrayEquals(expect.image(i).pixels(), limited.train().image(i).pixels());
        }
        assertEquals(4, limited.test().size());
        assertTrue(limited.train().describe().contains("limited to 8 of 21"), limited.train().describe());
    }
}
