package org.fkt.train;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A request to stop training cleanly (Ctrl-C): the trainer checks it after every step, writes a
 * checkpoint at the exact position and returns. {@link #onInterrupt()} installs a JVM shutdown hook that
 * raises the request and waits (up to a minute) until the trainer says the checkpoint is written, so a
 * SIGINT or SIGTERM never cuts a write in half.
 */
public final class StopSignal {
    private volatile boolean requested;
    private final CountDownLatch settled = new CountDownLatch(1);

    /** A signal raised only programmatically. */
    public StopSignal() {
    }

    /** A signal raised by Ctrl-C / SIGTERM as well. */
    public static StopSignal onInterrupt() {
        var signal = new StopSignal();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (signal.settled.getCount() == 0) {
                return;
            }
            System.err.println("\ninterrupted: writing a checkpoint before exiting ...");
            signal.requested = true;
            try {
                signal.settled.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "fkt-stop"));
        return signal;
    }

    public void request() {
        requested = true;
    }

    public boolean requested() {
        return requested;
    }

    /** Tells a waiting shutdown hook that training is over (checkpoint written or run finished). */
    public void settle() {
        settled.countDown();
    }
}
