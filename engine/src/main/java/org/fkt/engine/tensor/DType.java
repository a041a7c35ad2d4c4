package org.fkt.engine.tensor;

/**
 * Element type of a tensor. Float32 is the training type; float64 exists on the CPU as the
 * numerical reference (gradient checks, parity oracles); int32 holds labels and pooling indices; int64 is
 * for storage and exchange only.
 * Half-precision storage types slot in here later.
 */
public enum DType {
    FLOAT32(4, true),
    FLOAT64(8, true),
    INT32(4, false),
    /** Storage only (checkpoint counters such as BatchNorm's num_batches_tracked, int64 label files). */
    INT64(8, false);

    private final int byteSize;
    private final boolean floating;

    DType(int byteSize, boolean floating) {
        this.byteSize = byteSize;
        this.floating = floating;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }

    /** True for the floating-point types (those that can carry gradients). */
    public boolean isFloating() {
        return floating;
    }

    /** Lower-case name as used in messages and files ("float32"). */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
