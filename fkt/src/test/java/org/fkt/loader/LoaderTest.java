package org.fkt.loader;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.fkt.augment.Augmentations;
import org.fkt.augment.Normalization;
import org.fkt.data.Dataset;
import org.fkt.engine.memory.MemoryScope;
import org.fkt.engine.tensor.DType;
import org.fkt.nn.objective.Batch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Loader order, determinism across worker counts, resuming, dropLast, shutdown and failure reporting. */
class LoaderTest {
    private static final int SIDE = 16;

    private static Loader.Builder both(Dataset data, int workers) {
        return Loader.builder(data).batchSize(8).seed(1234).workers(workers).prefetch(2)
                .supervised(Augmentations.named("supervised", SIDE, Normalization.CIFAR10))
                .contrastive(Augmentations.named("simclr", SIDE, Normalization.CIFAR10));
    }

    private static List<HostBatch> drain(EpochBatches batches) {
        List<HostBatch> out = new ArrayList<>();
        try (batches) {
            while (batches.hasNext()) {
                out.add(batches.next());
            }
        }
        return out;
    }

    private static void assertSameBatch(HostBatch a, HostBatch b, String what) {
        assertEquals(a.epoch(), b.epoch(), what);
        assertEquals(a.batchIndex(), b.batchIndex(), what);
        assertArrayEquals(a.indices(), b.indices(), what + ": indices");
        assertArrayEquals(a.labels(), b.labels(), what + ": labels");
        assertArrayEquals(a.images(), b.images(), what + ": images");
        assertArrayEquals(a.view1(), b.view1(), what + ": view1");
        assertArrayEquals(a.view2(), b.view2(), what + ": view2");
    }

    private static List<Thread> loaderThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("fkt-loader-")).toList();
    }

    @AfterEach
    void noLoaderThreadOutlivesATest() throws InterruptedException {
        for (Thread t : loaderThreads()) {
            t.join();   // a thread still running here would hang the test: a leak shows as a timeout
        }
    }

    @Test
    void batchesAreBitIdenticalForAnyWorkerCount() {
        var data = new MemoryDataset(37, SIDE);
        List<HostBatch> reference = drain(both(data, 0).dropLast(false).build().epoch(1));
        assertEquals(5, reference.size());
        for (int workers : new int[] {1, 3}) {
            List<HostBatch> other = drain(both(data, workers).dropLast(false).build().epoch(1));
            assertEquals(reference.size(), other.size());
            for (int i = 0; i < reference.size(); i++) {
                assertSameBatch(reference.get(i), other.get(i), workers + " workers, batch " + i);
            }
        }
    }

    @Test
    void resumingAtABatchGivesTheTailOfTheFullEpoch() {
        var data = new MemoryDataset(50, SIDE);
        Loader loader = both(data, 2).build();
        List<HostBatch> full = drain(loader.epoch(2));
        assertEquals(loader.batchesPerEpoch(), full.size());
        for (int k : new int[] {1, 4, full.size()}) {
            List<HostBatch> tail = drain(both(data, 3).build().epoch(2, k));
            assertEquals(full.size() - k, tail.size(), "batches after resuming at " + k);
            for (int i = 0; i < tail.size(); i++) {
                assertSameBatch(full.get(k + i), tail.get(i), "resumed at " + k + ", batch " + (k + i));
            }
        }
    }

    @Test
    void epochsHaveDifferentOrdersAndEachIsAPermutation() {
        var data = new MemoryDataset(40, SIDE);
        Loader loader = both(data, 1).build();
        int[] e0 = loader.order(0);
        int[] e1 = loader.order(1);
        assertFalse(Arrays.equals(e0, e1), "epochs 0 and 1 share an order");
        for (int[] order : new int[][] {e0, e1}) {
            int[] sorted = order.clone();
            Arrays.sort(sorted);
            for (int i = 0; i < sorted.length; i++) {
                assertEquals(i, sorted[i], "order is a permutation");
            }
        }
        assertArrayEquals(e0, both(data, 3).build().order(0), "the order depends only on (seed, epoch)");
        assertFalse(Arrays.equals(e0, both(data, 1).seed(1235).build().order(0)), "another seed, another order");
        int[] plain = both(data, 1).shuffle(false).build().order(5);
        for (int i = 0; i < plain.length; i++) {
            assertEquals(i, plain[i], "without shuffling the order is the dataset's");
        }
        // the same sample gets a different augmentation in another epoch
        HostBatch a = drain(both(data, 0).shuffle(false).build().epoch(0)).get(0);
        HostBatch b = drain(both(data, 0).shuffle(false).build().epoch(1)).get(0);
        assertArrayEquals(a.indices(), b.indices());
        assertFalse(Arrays.equals(a.view1(), b.view1()), "epoch enters the augmentation's randomness");
    }

    @Test
    void dropLastKeepsOnlyFullBatches() {
        var data = new MemoryDataset(37, SIDE);
        Loader dropping = both(data, 2).dropLast(true).build();
        Loader keeping = both(data, 2).dropLast(false).build();
        assertEquals(4, dropping.batchesPerEpoch());
        assertEquals(5, keeping.batchesPerEpoch());
        List<HostBatch> dropped = drain(dropping.epoch(0));
        List<HostBatch> kept = drain(keeping.epoch(0));
        assertEquals(4, dropped.size());
        dropped.forEach(b -> assertEquals(8, b.size()));
        HostBatch last = kept.get(4);
        assertEquals(5, last.size());
        assertEquals(5 * 3 * SIDE * SIDE, last.images().length);
        boolean[] seen = new boolean[37];
        for (HostBatch b : kept) {
            for (int i = 0; i < b.size(); i++) {
                assertFalse(seen[b.indices()[i]], "sample seen twice");
                seen[b.indices()[i]] = true;
                assertEquals(data.label(b.indices()[i]), b.labels()[i], "label of sample " + b.indices()[i]);
            }
        }
        for (boolean s : seen) {
            assertTrue(s, "every sample once per epoch");
        }
        for (int i = 0; i < 4; i++) {
            assertSameBatch(kept.get(i), dropped.get(i), "dropLast does not change the full batches");
        }
    }

    @Test
    void viewsAndTheLabelledImageUseDifferentStreams() {
        var data = new MemoryDataset(8, SIDE);
        HostBatch b = drain(Loader.builder(data).batchSize(8).seed(5).workers(0)
                .supervised(Augmentations.named("simclr", SIDE, Normalization.NONE))
                .contrastive(Augmentations.named("simclr", SIDE, Normalization.NONE)).build().epoch(0)).get(0);
        assertFalse(Arrays.equals(b.view1(), b.view2()));
        assertFalse(Arrays.equals(b.images(), b.view1()));
        assertFalse(Arrays.equals(b.images(), b.view2()));
        HostBatch onlyViews = drain(Loader.builder(data).batchSize(8).seed(5).workers(1)
                .contrastive(Augmentations.named("simclr", SIDE, Normalization.NONE)).build().epoch(0)).get(0);
        assertNull(onlyViews.images());
        assertArrayEquals(b.view1(), onlyViews.view1(), "a view does not depend on which other outputs are made");
    }

    @Test
    void closingMidEpochStopsEveryWorker() throws InterruptedException {
        var data = new MemoryDataset(200, 32);
        Loader loader = both(data, 3).batchSize(4).build();
        EpochBatches batches = loader.epoch(0);
        batches.next();
        batches.next();
        assertFalse(loaderThreads().isEmpty(), "workers run while the epoch is open");
        batches.close();
        assertTrue(loaderThreads().isEmpty(), "threads left after close: " + loaderThreads());
        assertFalse(batches.hasNext());
        assertThrows(IllegalStateException.class, batches::next);
        batches.close();   // idempotent
    }

    @Test
    void aWorkerFailureSurfacesOnNextWithItsCause() {
        var data = new MemoryDataset(40, SIDE, SIDE, 3, 7, 13);
        Loader loader = both(data, 3).shuffle(false).build();
        try (EpochBatches batches = loader.epoch(0)) {
            var e = assertThrows(LoaderException.class, () -> {
                while (batches.hasNext()) {
                    batches.next();
                }
            });
            assertTrue(e.getMessage().contains("sample 13") && e.getMessage().contains("batch 1"), e.getMessage());
            assertTrue(e.getCause() instanceof IllegalStateException && e.getCause().getMessage().contains("unreadable"),
                    "cause: " + e.getCause());
            assertThrows(LoaderException.class, batches::next, "the failure is reported again, not skipped");
        }
        assertTrue(loaderThreads().isEmpty(), "threads left after a failure: " + loaderThreads());
        var sync = assertThrows(LoaderException.class, () -> drain(both(data, 0).shuffle(false).build().epoch(0)));
        assertTrue(sync.getMessage().contains("sample 13"), sync.getMessage());
    }

    @Test
    void hostBatchBecomesTheStepBatch() {
        var data = new MemoryDataset(10, SIDE);
        Loader loader = both(data, 1).batchSize(5).build();
        HostBatch hb = drain(loader.epoch(0)).get(1);
        try (var scope = MemoryScope.open()) {
            Batch b = loader.toBatch(hb);
            assertArrayEquals(new int[] {5, 3, SIDE, SIDE}, b.images().shape());
            assertEquals(DType.FLOAT32, b.images().dtype());
            assertEquals(DType.INT32, b.labels().dtype());
            assertArrayEquals(hb.labels(), b.labels().toIntArray());
            assertArrayEquals(hb.images(), b.images().toFloatArray());
            assertArrayEquals(hb.view1(), b.view1().toFloatArray());
            assertArrayEquals(hb.view2(), b.view2().toFloatArray());
        }
        Loader viewsOnly = Loader.builder(data).batchSize(5).contrastive(Augmentations.named("simclr", SIDE, Normalization.NONE)).build();
        try (var scope = MemoryScope.open()) {
            Batch b = viewsOnly.toBatch(viewsOnly.build(0, 0));
            assertNull(b.images());
            assertNotNull(b.view1());
        }
    }

    @Test
    void badSettingsAreNamed() {
        var data = new MemoryDataset(6, SIDE);
        var none = assertThrows(IllegalArgumentException.class, () -> Loader.builder(data).batchSize(2).build());
        assertTrue(none.getMessage().contains("no outputs"), none.getMessage());
        var sizes = assertThrows(IllegalArgumentException.class, () -> Loader.builder(data).batchSize(2)
                .supervised(Augmentations.named("eval", 16, Normalization.NONE))
                .contrastive(Augmentations.named("simclr", 32, Normalization.NONE)).build());
        assertTrue(sizes.getMessage().contains("16") && sizes.getMessage().contains("32"), sizes.getMessage());
        var small = assertThrows(IllegalArgumentException.class, () -> both(data, 1).batchSize(8).build());
        assertTrue(small.getMessage().contains("no full batch"), small.getMessage());
        assertThrows(IllegalArgumentException.class, () -> both(data, 1).batchSize(2).imageSize(32).build());
        assertThrows(IllegalArgumentException.class, () -> both(data, -1).batchSize(2).build());
        assertThrows(IllegalArgumentException.class, () -> both(data, 1).batchSize(2).prefetch(0).build());
        Loader ok = both(data, 1).batchSize(2).build();
        assertThrows(IllegalArgumentException.class, () -> ok.epoch(0, 4));
        assertFalse(ok.epoch(0, 3).hasNext(), "resuming at the end gives an empty epoch");
    }

    @Test
    void sampleStreamsAndPermutations() {
        long base = SampleRandom.mix(1, 2, 3, 4);
        assertFalse(base == SampleRandom.mix(2, 2, 3, 4));
        assertFalse(base == SampleRandom.mix(1, 3, 3, 4));
        assertFalse(base == SampleRandom.mix(1, 2, 4, 4));
        assertFalse(base == SampleRandom.mix(1, 2, 3, 5));
        assertFalse(SampleRandom.mix(1, 2, 3, 4) == SampleRandom.mix(1, 3, 2, 4), "the tuple's order matters");
        // position of element 0 over many permutations is uniform
        int n = 10;
        int[] counts = new int[n];
        for (int epoch = 0; epoch < 5000; epoch++) {
            int[] p = SampleRandom.permutation(n, 77, epoch);
            for (int i = 0; i < n; i++) {
                if (p[i] == 0) {
                    counts[i]++;
                }
            }
        }
        for (int c : counts) {
            assertEquals(500, c, 110, "position counts " + Arrays.toString(counts));   // binomial sd 21
        }
    }
}
