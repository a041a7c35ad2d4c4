package org.fkt.train;

import org.fkt.engine.cuda.CudaBackend;
import org.fkt.engine.tensor.Device;

/**
 * The wall clock of an epoch's steps. Laps are contiguous: a step's time runs from the end of the
 * previous step (or the epoch's start) to its own end, so the laps of an epoch add up to its wall time.
 * On a GPU the host runs ahead of the device: a step ends once its backward and optimizer step are
 * queued, and the next step's readout waits for them, so each lap holds one step's worth of device work
 * (the previous step's backward and update, this step's data and forward) without a host sync per step.
 * What is still queued when an epoch's steps end is its tail: {@link #settle} waits for the device and
 * returns it, to be added to the epoch's time.
 */
final class StepClock {
    private final Runnable synchronize;
    private long mark;

    /** {@code synchronize} returns once the device has finished every operation queued so far. */
    StepClock(Runnable synchronize) {
        this.synchronize = synchronize;
        this.mark = System.nanoTime();
    }

    /** The clock of {@code device}: a stream synchronisation on a CUDA device, nothing on the CPU. */
    static StepClock of(Device device) {
        if (device.kind() == Device.Kind.CUDA) {
            return new StepClock(() -> CudaBackend.synchronize(device));
        }
        return new StepClock(() -> { });
    }

    /** Starts an epoch's (or a resumed epoch's) first lap now. */
    void start() {
        mark = System.nanoTime();
    }

    /** Seconds since the last lap ended (or {@link #start}), starting the next lap now. */
    double lap() {
        long now = System.nanoTime();
        double seconds = (now - mark) / 1e9;
        mark = now;
        return seconds;
    }

    /** Waits for the device's queued work and returns the seconds since the last lap: the tail of the steps. */
    double settle() {
        synchronize.run();
        return lap();
    }
}
