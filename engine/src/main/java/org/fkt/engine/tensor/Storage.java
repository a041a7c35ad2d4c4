package org.fkt.engine.tensor;

/**
 * A block of device memory shared by a tensor and its views. Reference counted: each tensor that
 * uses the block holds one reference, and the memory is released when the last one is closed,
 * so a view may outlive the tensor it was taken from. Backends subclass it for their memory kind.
 */
public abstract class Storage {
    private final Device device;
    private final long byteSize;
    private int references = 1;

    protected Storage(Device device, long byteSize) {
        this.device = device;
        this.byteSize = byteSize;
    }

    public final Device device() {
        return device;
    }

    public final long byteSize() {
        return byteSize;
    }

    /** True once every reference has been released. */
    public final synchronized boolean isReleased() {
        return references == 0;
    }

    /** Adds a reference (a new view). */
    final synchronized void retain() {
        if (references == 0) {
            throw new IllegalStateException("storage of " + byteSize + " bytes on " + device + " was already released");
        }
        references++;
    }

    /** Drops a reference and frees the memory when it was the last. */
    final void release() {
        boolean last;
        synchronized (this) {
            if (references == 0) {
                return;
            }
            last = --references == 0;
        }
        if (last) {
            free();
        }
    }

    /** Returns the memory to its allocator; called exactly once. */
    protected abstract void free();
}
