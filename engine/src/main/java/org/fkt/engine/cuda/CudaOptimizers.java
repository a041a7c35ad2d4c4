package org.fkt.engine.cuda;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.fkt.engine.backend.LarsHyper;
import org.fkt.engine.backend.SgdHyper;
import org.fkt.engine.tensor.Tensor;

/**
 * Launchers of optimizers.cu (twin of CpuOptimizers): a whole model's SGD step is one kernel launch,
 * a LARS step two launches (per-block partial norms, then the update, which adds each tensor's partials
 * in a fixed order: no atomics, the same bits run to run), whatever the number of tensors. The table of
 * tensor addresses and block chunks (a few kilobytes) stays on the device and is uploaded again only
 * when it changes (new parameter, gradient or buffer memory).
 */
final class CudaOptimizers {
    static final List<String> KERNELS = List.of("fkt_sgd_v1", "fkt_sgd_v4", "fkt_lars_norms", "fkt_lars_update_v1",
            "fkt_lars_update_v4");

    /** The last table uploaded to each device, with its device copy. */
    private static final Map<Integer, Uploaded> TABLES = new ConcurrentHashMap<>();

    private record Uploaded(long[] table, CudaBuf.Scratch device) {
    }

    private CudaOptimizers() {
    }

    static void sgd(CudaDriver d, List<Tensor> params, List<Tensor> grads, List<Tensor> buffers, SgdHyper h,
                    boolean firstStep) {
        boolean momentum = h.momentum() != 0;
        long[] table = table(params, grads, momentum ? buffers : null, null, null);
        int tensors = params.size();
        int blocks = blocks(table, tensors);
        if (blocks == 0) {
            return;
        }
        long dev = upload(d, table);
        d.launch("fkt_sgd_v" + vectorWidth(table, tensors), blocks, new CudaArgs().ptr(dev).i32(tensors)
                .i32(blocks).i32(CudaLaunch.OPTIMIZER_CHUNK).f32((float) h.lr()).f32((float) h.momentum())
                .f32((float) (1 - h.dampening())).f32((float) h.weightDecay()).i32(h.nesterov() ? 1 : 0)
                .i32(firstStep ? 1 : 0));
    }

    static void lars(CudaDriver d, List<Tensor> params, List<Tensor> grads, List<Tensor> buffers, boolean[] decay,
                     boolean[] adapt, LarsHyper h) {
        long[] table = table(params, grads, buffers, decay, adapt);
        int tensors = params.size();
        int blocks = blocks(table, tensors);
        if (blocks == 0) {
            return;
        }
        long dev = upload(d, table);
        try (var partials = new CudaBuf.Scratch(d, 2L * blocks * Double.BYTES)) {
            d.launch("fkt_lars_norms", blocks, new CudaArgs().ptr(dev).i32(tensors).i32(blocks)
                    .i32(CudaLaunch.OPTIMIZER_CHUNK).f32((float) h.weightDecay()).ptr(partials.address()));
            d.launch("fkt_lars_update_v" + vectorWidth(table, tensors), blocks, new CudaArgs().ptr(dev)
                    .i32(tensors).i32(blocks).i32(CudaLaunch.OPTIMIZER_CHUNK).ptr(partials.address()).f64(h.lr())
                    .f32((float) h.momentum())
                    .f32((float) h.weightDecay()).f64(h.eta()).i32(h.nesterov() ? 1 : 0));
        }
    }

    /**
     * The table optimizers.cu reads (layout in its header): addresses, counts, block chunks, flags.
     * buffers, decay, adapt may be null (no momentum; no flags).
     */
    static long[] table(List<Tensor> params, List<Tensor> grads, List<Tensor> buffers, boolean[] decay,
                        boolean[] adapt) {
        int t = params.size();
        long[] counts = new long[t];
        for (int i = 0; i < t; i++) {
            CudaBuf.requireFloat32("optimizer step", params.get(i), grads.get(i),
                    buffers == null ? null : buffers.get(i));
            counts[i] = params.get(i).numel();
        }
        long[][] chunks = CudaLaunch.chunkTable(counts, CudaLaunch.OPTIMIZER_CHUNK);
        int b = chunks[0].length;
        long[] table = new long[6 * t + 2 * b];
        for (int i = 0; i < t; i++) {
            table[i] = CudaBuf.address(params.get(i));
            table[t + i] = CudaBuf.address(grads.get(i));
            table[2 * t + i] = buffers == null ? 0 : CudaBuf.address(buffers.get(i));
            table[3 * t + i] = counts[i];
            table[4 * t + 2 * b + i] = decay != null && decay[i] ? 1 : 0;
            table[5 * t + 2 * b + i] = adapt != null && adapt[i] ? 1 : 0;
        }
        System.arraycopy(chunks[0], 0, table, 4 * t, b);
        System.arraycopy(chunks[1], 0, table, 4 * t + b, b);
        return table;
    }

    /** 4 when every param, grad and buffer address of the table is 16-byte aligned, else 1. */
    static int vectorWidth(long[] table, int tensors) {
        return CudaLaunch.vectorWidth(Arrays.copyOf(table, 3 * tensors));
    }

    /** Number of blocks of a table built for {@code tensors} tensors. */
    static int blocks(long[] table, int tensors) {
        return (table.length - 6 * tensors) / 2;
    }

    /** Device address of {@code table}, uploading it unless it equals the device's last table. */
    private static synchronized long upload(CudaDriver d, long[] table) {
        Uploaded last = TABLES.get(d.device().index());
        if (last != null && Arrays.equals(last.table(), table)) {
            return last.device().address();
        }
        var dev = new CudaBuf.Scratch(d, (long) table.length * Long.BYTES);
        d.staging().toDevice(MemorySegment.ofArray(table), dev.pointer(), (long) table.length * Long.BYTES);
        TABLES.put(d.device().index(), new Uploaded(table, dev));
        if (last != null) {
            last.device().close();
        }
        return dev.address();
    }
}
