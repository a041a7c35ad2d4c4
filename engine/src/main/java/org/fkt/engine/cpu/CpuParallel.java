package org.fkt.engine.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The CPU backend's parallel-for: one gang of threads for the whole process, sized to the
 * machine's cores (override with -Dfkt.cpu.threads=N). A loop is cut into at most one contiguous
 * chunk per thread; the calling thread runs chunks itself next to THREADS - 1 daemon workers,
 * which claim chunks from a shared counter, so no thread hands work to another and waits.
 *
 * <p>Why not a ForkJoinPool: a training step runs several hundred short parallel loops, and with
 * fork/join the caller slept while the workers ran, a worker blocked in join made the pool start
 * compensation threads (three workers plus the caller on a two-core machine), and each loop woke
 * two threads. Here a loop wakes THREADS - 1 threads, which spin for a short while before parking
 * so that back-to-back loops find them awake. Loops nested in a loop, and loops started while
 * another thread's loop holds the gang, run serially on their caller ({@link #inWorker}).
 */
public final class CpuParallel {
    /** Body of a parallel loop over the half-open range [start, end). */
    @FunctionalInterface
    public interface RangeBody {
        void run(int start, int end);
    }

    private static final int THREADS = Math.max(1, Integer.getInteger("fkt.cpu.threads",
            Runtime.getRuntime().availableProcessors()));
    /** How long an idle worker polls for the next loop before parking, in nanoseconds. */
    private static final long SPIN_NANOS = Long.getLong("fkt.cpu.spinNanos", 50_000);
    private static final ThreadLocal<Boolean> IN_LOOP = ThreadLocal.withInitial(() -> false);
    private static final ReentrantLock GANG = new ReentrantLock();
    private static final Thread[] WORKERS = new Thread[THREADS - 1];
    /** The loop now running; workers pick it up when its generation is new to them. */
    private static volatile Loop current;

    static {
        for (int i = 0; i < WORKERS.length; i++) {
            Thread t = new Thread(CpuParallel::work, "fkt-cpu-" + (i + 1));
            t.setDaemon(true);
            WORKERS[i] = t;
            t.start();
        }
    }

    private CpuParallel() {
    }

    /** Number of threads the CPU backend uses (the caller and the workers). */
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
        run(n, Math.min(THREADS, Math.max(1, n / Math.max(1, grain))), body);
    }

    /** Runs {@code tasks} independent tasks 0..tasks-1, each as one call {@code body.run(i, i+1)}. */
    public static void forEach(int tasks, RangeBody body) {
        if (tasks <= 0) {
            return;
        }
        if (tasks == 1) {
            body.run(0, 1);
            return;
        }
        run(tasks, tasks, body);
    }

    /**
     * Whether the current thread is running a chunk of a parallel loop: nested parallel loops run
     * serially there, so a kernel may pick its single-threaded plan.
     */
    public static boolean inWorker() {
        return IN_LOOP.get();
    }

    /** [0, n) in {@code chunks} chunks (each chunk the range c*n/chunks .. (c+1)*n/chunks). */
    private static void run(int n, int chunks, RangeBody body) {
        if (chunks <= 1 || WORKERS.length == 0 || IN_LOOP.get() || !GANG.tryLock()) {
            serially(n, chunks, body);
            return;
        }
        try {
            var loop = new Loop(body, n, chunks, Thread.currentThread());
            current = loop;
            for (Thread w : WORKERS) {
                LockSupport.unpark(w);
            }
            IN_LOOP.set(true);
            try {
                loop.runChunks();
            } finally {
                IN_LOOP.set(false);
            }
            loop.awaitDone();
            current = null;
            if (loop.error != null) {
                if (loop.error instanceof RuntimeException e) {
                    throw e;
                }
                if (loop.error instanceof Error e) {
                    throw e;
                }
                throw new IllegalStateException("parallel loop failed", loop.error);
            }
        } finally {
            GANG.unlock();
        }
    }

    /** The chunks one after another on the caller, with the same boundaries as in parallel. */
    private static void serially(int n, int chunks, RangeBody body) {
        boolean outer = !IN_LOOP.get();
        IN_LOOP.set(true);
        try {
            if (chunks <= 1) {
                body.run(0, n);
                return;
            }
            for (int c = 0; c < chunks; c++) {
                body.run(Loop.bound(n, chunks, c), Loop.bound(n, chunks, c + 1));
            }
        } finally {
            if (outer) {
                IN_LOOP.set(false);
            }
        }
    }

    /** A worker: runs chunks of each new loop, polls for a while, then parks until the next one. */
    private static void work() {
        IN_LOOP.set(true);
        Loop seen = null;
        while (true) {
            Loop loop = current;
            if (loop != null && loop != seen) {
                seen = loop;
                loop.runChunks();
                continue;
            }
            long until = System.nanoTime() + SPIN_NANOS;
            while ((loop = current) == null || loop == seen) {
                if (System.nanoTime() > until) {
                    LockSupport.park(CpuParallel.class);
                    until = System.nanoTime() + SPIN_NANOS;
                } else {
                    Thread.onSpinWait();
                }
            }
        }
    }

    /** One parallel loop: chunks are claimed from {@code next}; the caller waits until all are done. */
    private static final class Loop {
        final RangeBody body;
        final int n;
        final int chunks;
        final Thread caller;
        final AtomicInteger next = new AtomicInteger();
        final AtomicInteger done = new AtomicInteger();
        volatile Throwable error;

        Loop(RangeBody body, int n, int chunks, Thread caller) {
            this.body = body;
            this.n = n;
            this.chunks = chunks;
            this.caller = caller;
        }

        static int bound(int n, int chunks, int c) {
            return (int) ((long) n * c / chunks);
        }

        void runChunks() {
            int c;
            while ((c = next.getAndIncrement()) < chunks) {
                try {
                    if (error == null) {
                        body.run(bound(n, chunks, c), bound(n, chunks, c + 1));
                    }
                } catch (Throwable t) {
                    if (error == null) {
                        error = t;
                    }
                } finally {
                    if (done.incrementAndGet() == chunks) {
                        LockSupport.unpark(caller);
                    }
                }
            }
        }

        void awaitDone() {
            long until = System.nanoTime() + SPIN_NANOS;
            while (done.get() < chunks) {
                if (System.nanoTime() > until) {
                    LockSupport.park(this);
                } else {
                    Thread.onSpinWait();
                }
            }
        }
    }
}
