package org.fkt.engine.cuda;

import static jcuda.driver.JCudaDriver.cuMemcpyDtoDAsync;

import java.util.List;
import org.fkt.engine.tensor.DType;
import org.fkt.engine.tensor.Tensor;

/**
 * Launchers of elementwise.cu (twin of CpuElementwise): fills, copies, conversions, scaled adds, ReLU,
 * the residual add fused with ReLU, full sums and the row-vector ops of the dense layer.
 */
final class CudaElementwise {
    /** Kernels of elementwise.cu this class launches (the _v1/_v4 pairs listed once each). */
    static final List<String> KERNELS = List.of("fkt_axpby_v1", "fkt_axpby_v4", "fkt_accumulate_v1",
            "fkt_accumulate_v4", "fkt_scale_v1", "fkt_scale_v4", "fkt_relu_v1", "fkt_relu_v4",
            "fkt_relu_backward_v1", "fkt_relu_backward_v4", "fkt_add_relu_v1", "fkt_add_relu_v4", "fkt_fill_u64",
            "fkt_copy_strided_4", "fkt_copy_strided_8", "fkt_convert_f32_i32", "fkt_sum_partial", "fkt_sum_final",
            "fkt_add_row_vector", "fkt_sum_rows");

    private CudaElementwise() {
    }

    static void fill(CudaDriver d, Tensor dst, double value) {
        long n = dst.numel();
        switch (dst.dtype()) {
            case FLOAT32 -> d.memset32(CudaBuf.pointer(dst), Float.floatToRawIntBits((float) value), n);
            case INT32 -> d.memset32(CudaBuf.pointer(dst), (int) value, n);
            case FLOAT64, INT64 -> {
                long bits = dst.dtype() == DType.FLOAT64 ? Double.doubleToRawLongBits(value) : (long) value;
                d.launch("fkt_fill_u64", CudaLaunch.gridFor(n, d.multiprocessors()),
                        new CudaArgs().ptr(CudaBuf.address(dst)).i64(bits).i64(n));
            }
        }
    }

    static void copy(CudaDriver d, Tensor src, Tensor dst) {
        long bytes = dst.numel() * dst.dtype().byteSize();
        if (src.isContiguous()) {
            d.enter();
            d.check(cuMemcpyDtoDAsync(CudaBuf.pointer(dst), CudaBuf.pointer(src), bytes, d.stream()),
                    "cuMemcpyDtoDAsync(" + bytes + " bytes)");
            return;
        }
        int rank = src.rank();
        if (rank > 8) {
            throw new UnsupportedOperationException("cuda copy: strided tensors of rank " + rank
                    + " > 8 are not supported: " + src.describe());
        }
        long[] desc = new long[17];
        desc[0] = rank;
        for (int k = 0; k < rank; k++) {
            desc[1 + k] = src.dim(k);
            desc[9 + k] = src.strides()[k];
        }
        String kernel = src.dtype().byteSize() == 4 ? "fkt_copy_strided_4" : "fkt_copy_strided_8";
        d.launch(kernel, CudaLaunch.gridFor(dst.numel(), d.multiprocessors()),
                new CudaArgs().ptr(CudaBuf.address(src)).words(desc).ptr(CudaBuf.address(dst)).i64(dst.numel()));
    }

    static void convert(CudaDriver d, Tensor src, Tensor dst) {
        if (src.dtype() == dst.dtype()) {
            copy(d, src, dst);
            return;
        }
        String kernel = "fkt_convert_" + code(src.dtype()) + "_" + code(dst.dtype());
        d.launch(kernel, CudaLaunch.gridFor(dst.numel(), d.multiprocessors()),
                new CudaArgs().ptr(CudaBuf.address(src)).ptr(CudaBuf.address(dst)).i64(dst.numel()));
    }

    /** The kernels' short name of a type ("f32"). */
    static String code(DType t) {
        return switch (t) {
            case FLOAT32 -> "f32";
            case FLOAT64 -> "f64";
            case INT32 -> "i32";
            case INT64 -> "i64";
        };
    }

    static void addScaled(CudaDriver d, Tensor a, double alpha, Tensor b, double beta, Tensor out) {
        CudaBuf.requireFloat32("addScaled", a, b, out);
        long n = out.numel();
        map(d, "fkt_axpby", n, new CudaArgs().ptr(CudaBuf.address(a)).f64(alpha).ptr(CudaBuf.address(b)).f64(beta)
                .ptr(CudaBuf.address(out)).i64(n), a, b, out);
    }

    static void accumulate(CudaDriver d, Tensor acc, Tensor x, double alpha) {
        CudaBuf.requireFloat32("accumulate", acc, x);
        long n = acc.numel();
        map(d, "fkt_accumulate", n, new CudaArgs().ptr(CudaBuf.address(acc)).ptr(CudaBuf.address(x)).f64(alpha)
                .i64(n), acc, x);
    }

    static void scale(CudaDriver d, Tensor x, double alpha, Tensor out) {
        CudaBuf.requireFloat32("scale", x, out);
        long n = out.numel();
        map(d, "fkt_scale", n, new CudaArgs().ptr(CudaBuf.address(x)).f64(alpha).ptr(CudaBuf.address(out)).i64(n),
                x, out);
    }

    static void relu(CudaDriver d, Tensor x, Tensor y) {
        CudaBuf.requireFloat32("relu", x, y);
        long n = y.numel();
        map(d, "fkt_relu", n, new CudaArgs().ptr(CudaBuf.address(x)).ptr(CudaBuf.address(y)).i64(n), x, y);
    }

    static void reluBackward(CudaDriver d, Tensor y, Tensor dy, Tensor dx) {
        CudaBuf.requireFloat32("reluBackward", y, dy, dx);
        long n = dx.numel();
        map(d, "fkt_relu_backward", n, new CudaArgs().ptr(CudaBuf.address(y)).ptr(CudaBuf.address(dy))
                .ptr(CudaBuf.address(dx)).i64(n), y, dy, dx);
    }

    /**
     * y = max(a + b, 0): a bottleneck's residual add fused with its ReLU. Not in the Backend SPI yet
     * (the op layer runs add then relu); ready for when it is.
     */
    static void addRelu(CudaDriver d, Tensor a, Tensor b, Tensor y) {
        CudaBuf.requireFloat32("addRelu", a, b, y);
        long n = y.numel();
        map(d, "fkt_add_relu", n, new CudaArgs().ptr(CudaBuf.address(a)).ptr(CudaBuf.address(b))
                .ptr(CudaBuf.address(y)).i64(n), a, b, y);
    }

    /** Launches NAME_v4 when all tensors are 16-byte aligned, NAME_v1 otherwise. */
    private static void map(CudaDriver d, String name, long n, CudaArgs args, Tensor... tensors) {
        long[] addresses = new long[tensors.length];
        for (int i = 0; i < tensors.length; i++) {
            addresses[i] = CudaBuf.address(tensors[i]);
        }
        int v = CudaLaunch.vectorWidth(addresses);
        d.launch(name + "_v" + v, CudaLaunch.gridFor((n + v - 1) / v, d.multiprocessors()), args);
    }

    static void sum(CudaDriver d, Tensor x, Tensor out) {
        CudaBuf.requireFloat32("sum", x, out);
        long n = x.numel();
        int partials = CudaLaunch.partialsFor(n, d.multiprocessors());
        try (var scratch = new CudaBuf.Scratch(d, (long) partials * Double.BYTES)) {
            d.launch("fkt_sum_partial", partials,
                    new CudaArgs().ptr(CudaBuf.address(x)).i64(n).ptr(scratch.address()));
            d.launch("fkt_sum_final", 1, new CudaArgs().ptr(scratch.address()).i32(partials)
                    .ptr(CudaBuf.address(out)));
        }
    }

    /** x[n, f] += bias[f]. x: (N, F), bias: (F). */
    static void addRowVector(CudaDriver d, Tensor x, Tensor bias) {
        CudaBuf.requireFloat32("addRowVector", x, bias);
        long rows = x.dim(0);
        int f = x.dim(1);
        d.launch("fkt_add_row_vector", CudaLaunch.gridFor(rows * f, d.multiprocessors()),
                new CudaArgs().ptr(CudaBuf.address(x)).ptr(CudaBuf.address(bias)).i64(rows).i32(f));
    }

    /** out[f] = sum over n of x[n, f]. x: (N, F), out: (F). Block (32, 8): 32 columns per block. */
    static void sumRows(CudaDriver d, Tensor x, Tensor out) {
        CudaBuf.requireFloat32("sumRows", x, out);
        int rows = x.dim(0);
        int f = x.dim(1);
        int columns = CudaLaunch.block("fkt_sum_rows").x();
        d.launch("fkt_sum_rows", Math.max(1, (f + columns - 1) / columns),
                new CudaArgs().ptr(CudaBuf.address(x)).i32(rows).i32(f).ptr(CudaBuf.address(out)));
    }
}
