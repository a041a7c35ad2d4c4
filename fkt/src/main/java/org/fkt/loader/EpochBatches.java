package org.fkt.loader;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The batches of one epoch from a start batch, in order. Worker threads take batch numbers in
 * increasing order and build them; at most {@code prefetch + workers} batches are taken and not yet
 * consumed (a semaphore), so memory stays bounded and a slow consumer stalls the workers. The
 * consumer waits for exactly the next batch number. A worker failure is rethrown by the next
 * {@link #next()} as a {@link LoaderException} with the original cause; {@link #close()} stops and
 * joins the workers (also mid-epoch). Workers end by themselves once every batch is built.
 */
public final class EpochBatches implements Iterator<HostBatch>, AutoCloseable {
    private final Loader loader;
    private final int epoch;
    private final int[] order;
    private final int end;
    private final Semaphore permits;
    private final AtomicInteger nextToBuild;
    private final Object lock = new Object();
    private final Map<Integer, HostBatch> ready = new HashMap<>();   // guarded by lock
    private final List<Thread> threads = new ArrayList<>();
    private int cursor;
    private volatile boolean closed;
    private volatile Throwable failure;

    EpochBatches(Loader loader, int epoch, int[] order, int start, int end) {
        this.loader = loader;
        this.epoch = epoch;
        this.order = order;
        this.end = end;
        this.cursor = start;
        this.nextToBuild = new AtomicInteger(start);
        this.permits = new Semaphore(loader.prefetch() + loader.workers());
        int workers = Math.min(loader.workers(), end - start);
        for (int i = 0; i < workers; i++) {
            Thread t = new Thread(this::work, "fkt-loader-epoch" + epoch + "-" + i);
            t.setDaemon(true);
            threads.add(t);
        }
        threads.forEach(Thread::start);
    }

    /** The epoch these batches belong to. */
    public int epoch() {
        return epoch;
    }

    /** The index of the batch the next {@link #next()} returns. */
    public int nextBatchIndex() {
        return cursor;
    }

    @Override
    public boolean hasNext() {
        return !closed && cursor < end;
    }

    @Override
    public HostBatch next() {
        if (closed) {
            throw new IllegalStateException("loader: epoch " + epoch + " batches were closed");
        }
        if (cursor >= end) {
            throw new NoSuchElementException("loader: epoch " + epoch + " has no batch " + cursor + " (" + end + " batches)");
        }
        HostBatch b;
        if (threads.isEmpty()) {
            b = loader.build(epoch, order, cursor, () -> false);
        } else {
            b = await(cursor);
            permits.release();
        }
        cursor++;
        return b;
    }

    private HostBatch await(int batch) {
        Throwable f;
        synchronized (lock) {
            while (true) {
                HostBatch b = ready.remove(batch);
                if (b != null) {
                    return b;
                }
                f = failure;
                if (f != null) {
                    break;
                }
                try {
                    lock.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new LoaderException("loader: interrupted waiting for batch " + batch + " of epoch " + epoch, e);
                }
            }
        }
        stopWorkers();   // outside the lock: a worker may need it to finish
        if (f instanceof LoaderException le) {
            throw new LoaderException(le.getMessage(), le.getCause());
        }
        throw new LoaderException("loader: a worker failed building epoch " + epoch + ": " + f, f);
    }

    private void work() {
        try {
            while (!closed && failure == null) {
                permits.acquire();
                int b = nextToBuild.getAndIncrement();
                if (b >= end) {
                    permits.release();
                    return;
                }
                HostBatch built = loader.build(epoch, order, b, () -> closed || failure != null);
                if (built == null) {
                    return;
                }
                boolean kept;
                synchronized (lock) {
                    kept = !closed;
                    if (kept) {
                        ready.put(b, built);
                    }
                    lock.notifyAll();
                }
                if (!kept) {
                    loader.release(built);
                }
            }
        } catch (InterruptedException e) {
            // close() interrupts waiting workers: just end
        } catch (Throwable t) {
            synchronized (lock) {
                if (failure == null) {
                    failure = t;
                }
                lock.notifyAll();
            }
        }
    }

    /** Stops the workers (interrupting their waits) and waits until every worker thread has ended. Idempotent. */
    @Override
    public void close() {
        closed = true;
        stopWorkers();
        List<HostBatch> unused;
        synchronized (lock) {
            unused = new ArrayList<>(ready.values());
            ready.clear();
        }
        unused.forEach(loader::release);
    }

    private void stopWorkers() {
        for (Thread t : threads) {
            t.interrupt();
        }
        if (threads.contains(Thread.currentThread())) {
            return;
        }
        boolean interrupted = false;
        for (Thread t : threads) {
            while (t.isAlive()) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
