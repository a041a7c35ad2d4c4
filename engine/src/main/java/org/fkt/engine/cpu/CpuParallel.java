package org.fkt.engine.cpu;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveAction;

/**
 * The CPU backend's thread pool and parallel-for. One pool for the whole process, sized to the
 * machine's cores (override with -Dfkt.cpu.threads=N). Ranges are split into at most one chunk per
 * thread (times a small factor for balance); a range below {@code grain} runs on the caller.
 */
public final class CpuParallel {
    /** Body of a parallel loop over the half-open range [start, end). */
    @FunctionalInterface
    public interface RangeBody {
        void run(int start, int end);
    }

    private static final int THREADS = Integer.getInteger("fkt.cpu.threads",
            Runtime.getRuntime().availableProcessors());
    private static final ForkJoinPool POOL = new ForkJoinPool(THREADS,
            pool -> {
                var t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(pool);
                t.setName("fkt-cpu-" + t.getPoolIndex());
                t.setDaemon(true);
                return t;
            }, null, false);

    private CpuParallel() {
    }

    /** Number of worker threads the CPU backend uses. */
    public static int threads() {
        return THREADS;
    }

    /**
     * Runs {@code body} over [0, n) split into contiguous chunks of at least {@code grain} items.
     * Exceptions thrown by the body propagate to the caller.
     */
    public static void forRange(int n, int grain, RangeBody body) {
        if (n <= 0) {
            return;
        }
        int chunks = Math.min(THREADS, Math.max(1, n / Math.max(1, grain)));
        if (chunks <= 1 || inWorker()) {
            body.run(0, n);
            return;
        }
        POOL.invoke(new Split(body, 0, n, chunks));
    }

    /** Runs {@code tasks} independent tasks 0..tasks-1, one per call of {@code body.run(i, i+1)}. */
    public static void forEach(int tasks, RangeBody body) {
        if (tasks <= 1 || inWorker()) {
            body.run(0, tasks);
            return;
        }
        POOL.invoke(new Split(body, 0, tasks, tasks));
    }

    /**
     * Whether the current thread is one of this pool's workers, i.e. runs inside a parallel loop;
     * nested parallel loops run serially there, so a kernel may pick its single-threaded plan.
     */
    public static boolean inWorker() {
        return Thread.currentThread() instanceof java.util.concurrent.ForkJoinWorkerThread w
                && w.getPool() == POOL;
    }

    private static final class Split extends RecursiveAction {
        private final RangeBody body;
        private final int start;
        private final int end;
        private final int chunks;

        Split(RangeBody body, int start, int end, int chunks) {
            this.body = body;
            this.start = start;
            this.end = end;
            this.chunks = chunks;
        }

        @Override
        protected void compute() {
            if (chunks <= 1) {
                body.run(start, end);
                return;
            }
            int leftChunks = chunks / 2;
            int mid = start + (int) ((long) (end - start) * leftChunks / chunks);
            var left = new Split(body, start, mid, leftChunks);
            var right = new Split(body, mid, end, chunks - leftChunks);
            invokeAll(left, right);
        }
    }
}
