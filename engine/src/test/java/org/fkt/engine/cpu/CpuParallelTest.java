package org.fkt.engine.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The CPU backend's parallel-for: coverage, nesting, failures, callers on several threads, worker names. */
class CpuParallelTest {
    @Test
    void eachWorkerCarriesItsOwnIndex() {
        int workers = CpuParallel.threads() - 1;
        List<String> names = Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
                .filter(n -> n.startsWith("fkt-cpu-")).sorted().toList();
        List<String> expected = IntStream.rangeClosed(1, workers).mapToObj(i -> "fkt-cpu-" + i).sorted().toList();
        assertEquals(expected, names);
    }

    @Test
    void everyIndexRunsExactlyOnceInContiguousChunks() {
        for (int n : new int[] {1, 2, 3, 17, 1000, 65_537}) {
            for (int grain : new int[] {1, 7, 4096}) {
                var hits = new AtomicIntegerArray(n);
                var calls = new AtomicInteger();
                CpuParallel.forRange(n, grain, (s, e) -> {
                    assertTrue(s < e, "empty chunk [" + s + ", " + e + ")");
                    calls.incrementAndGet();
                    for (int i = s; i < e; i++) {
                        hits.incrementAndGet(i);
                    }
                });
                for (int i = 0; i < n; i++) {
                    assertEquals(1, hits.get(i), "index " + i + " of n=" + n + " grain=" + grain);
                }
                assertTrue(calls.get() <= CpuParallel.threads(), calls.get() + " chunks for " + CpuParallel.threads()
                        + " threads");
            }
        }
    }

    @Test
    void forEachRunsEachTaskOnceAndNestedLoopsSerially() {
        int tasks = 23;
        var hits = new AtomicIntegerArray(tasks * 100);
        CpuParallel.forEach(tasks, (t0, t1) -> {
            assertEquals(t0 + 1, t1, "forEach hands out single tasks");
            assertTrue(CpuParallel.inWorker(), "a task body runs as a worker");
            CpuParallel.forRange(100, 1, (s, e) -> {
                for (int i = s; i < e; i++) {
                    hits.incrementAndGet(t0 * 100 + i);
                }
            });
        });
        for (int i = 0; i < tasks * 100; i++) {
            assertEquals(1, hits.get(i), "nested index " + i);
        }
        assertTrue(!CpuParallel.inWorker(), "the caller is no worker after the loop");
    }

    @Test
    void aFailingChunkFailsTheLoopAndThePoolStaysUsable() {
        var boom = assertThrows(IllegalStateException.class, () -> CpuParallel.forEach(8, (t0, t1) -> {
            if (t0 == 5) {
                throw new IllegalStateException("chunk 5 failed");
            }
        }));
        assertEquals("chunk 5 failed", boom.getMessage());
        var sum = new AtomicInteger();
        CpuParallel.forRange(1000, 1, (s, e) -> sum.addAndGet(e - s));
        assertEquals(1000, sum.get());
    }

    @Test
    void loopsFromSeveralThreadsAtOnceAllComplete() throws InterruptedException {
        int callers = 4;
        var totals = new AtomicIntegerArray(callers);
        Thread[] threads = new Thread[callers];
        for (int c = 0; c < callers; c++) {
            int id = c;
            threads[c] = new Thread(() -> {
                for (int round = 0; round < 200; round++) {
                    CpuParallel.forRange(997, 1, (s, e) -> totals.addAndGet(id, e - s));
                }
            });
            threads[c].start();
        }
        for (Thread t : threads) {
            t.join(60_000);
        }
        for (int c = 0; c < callers; c++) {
            assertEquals(200 * 997, totals.get(c), "caller " + c);
        }
    }
}
