package org.fkt.engine.cpu;

import java.util.EnumMap;
import org.fkt.engine.memory.MemoryScope;
import org.fkt.engine.tensor.DType;
import org.fkt.engine.tensor.Device;
import org.fkt.engine.tensor.Tensor;

/**
 * Per-thread scratch memory for the convolutions (im2col columns and regrouped gradients), kept
 * between calls and grown on demand, so a training step does not allocate and page-fault tens of
 * megabytes per layer. Two independent slots per element type; callers close the views they get.
 */
final class CpuWorkspace {
    private static final int COLUMNS = 0;
    private static final int SCRATCH = 1;
    private static final ThreadLocal<EnumMap<DType, Tensor[]>> SLOTS =
            ThreadLocal.withInitial(() -> new EnumMap<>(DType.class));

    private CpuWorkspace() {
    }

    /** A (rows, cols) view of the column slot, typed like {@code like}. */
    static Tensor columns(Tensor like, int rows, int cols) {
        return view(like.dtype(), COLUMNS, rows, cols);
    }

    /** A (rows, cols) view of the scratch slot, typed like {@code like}. */
    static Tensor scratch(Tensor like, int rows, int cols) {
        return view(like.dtype(), SCRATCH, rows, cols);
    }

    private static Tensor view(DType type, int slot, int rows, int cols) {
        Tensor[] slots = SLOTS.get().computeIfAbsent(type, t -> new Tensor[2]);
        long need = (long) rows * cols;
        Tensor buffer = slots[slot];
        if (buffer == null || buffer.numel() < need) {
            if (buffer != null) {
                buffer.close();
            }
            long grown = Math.max(need, buffer == null ? 0 : buffer.numel() + buffer.numel() / 2);
            if (grown > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("conv2d: workspace of " + grown + " elements is too large");
            }
            buffer = MemoryScope.unscoped(() -> Tensor.empty(type, Device.CPU, (int) grown));
            slots[slot] = buffer;
        }
        return buffer.slice(0, rows, cols);
    }
}
