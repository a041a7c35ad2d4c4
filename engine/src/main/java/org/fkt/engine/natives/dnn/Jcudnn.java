// cuDNN 8 through JCudnn 11.7.0 (its JNI library links libcudnn.so.8): the same plan cache as CudnnFfm.
package org.fkt.engine.natives.dnn;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jcuda.Pointer;
import jcuda.jcudnn.JCudnn;
import jcuda.jcudnn.cudnnConvolutionBwdDataAlgoPerf;
import jcuda.jcudnn.cudnnConvolutionBwdFilterAlgoPerf;
import jcuda.jcudnn.cudnnConvolutionDescriptor;
import jcuda.jcudnn.cudnnConvolutionFwdAlgoPerf;
import jcuda.jcudnn.cudnnFilterDescriptor;
import jcuda.jcudnn.cudnnHandle;
import jcuda.jcudnn.cudnnTensorDescriptor;
import org.fkt.engine.natives.JcudaPointers;
import org.fkt.engine.natives.NativeLibraryException;

/**
 * The "jcudnn" provider: heuristic (_v7) algorithm choice per shape, FMA-only math unless TF32 is asked,
 * deterministic algorithms only with -Dfkt.cudnn.deterministic=true (as CudnnFfm).
 */
public final class Jcudnn implements Dnn {

    private static final int MAX_ALGOS = 16;
    /** The last JCudnn release (links libcudnn.so.8). */
    static final String JCUDNN_VERSION = "11.7.0";

    private final cudnnHandle handle = new cudnnHandle();
    private final String version;
    private final Map<ConvShape, Plan> plans = new HashMap<>();
    private final boolean deterministic = Boolean.getBoolean("fkt.cudnn.deterministic");
    private final Pointer one = Pointer.to(new float[] {1f});
    private final Pointer zero = Pointer.to(new float[] {0f});
    private boolean closed;

    private record Plan(cudnnTensorDescriptor x, cudnnFilterDescriptor w, cudnnTensorDescriptor y,
                        cudnnConvolutionDescriptor[] conv, int[] algo, long[] bytes) {
    }

    /** Creates a handle; throws UnsatisfiedLinkError when JCudnn's natives or libcudnn.so.8 do not load. */
    public Jcudnn() {
        String onPath = jcuda.JCudaVersion.get();
        if (!onPath.equals(JCUDNN_VERSION)) {
            // LibUtilsCuda names the JNI library after the JCuda version on the class path, so JCudnn 11.7.0
            // looks for libJCudnn-<that version>, which only JCudnn's own release ships.
            throw new NativeLibraryException("JCudnn " + JCUDNN_VERSION + " cannot load next to JCuda " + onPath
                    + " (it would look for libJCudnn-" + onPath + ", which no JCudnn release ships)");
        }
        JCudnn.setExceptionsEnabled(false);
        version = CudnnFfm.decodeVersion(JCudnn.cudnnGetVersion());
        check(JCudnn.cudnnCreate(handle), "cudnnCreate");
    }

    @Override
    public String provider() {
        return "jcudnn";
    }

    @Override
    public String version() {
        return version;
    }

    @Override
    public synchronized void setStream(long cuStream) {
        check(JCudnn.cudnnSetStream(handle, JcudaPointers.stream(cuStream)), "cudnnSetStream");
    }

    @Override
    public synchronized long workspaceBytes(ConvShape s) {
        long[] b = plan(s).bytes;
        return Math.max(b[0], Math.max(b[1], b[2]));
    }

    @Override
    public synchronized void convForward(ConvShape s, long x, long w, long y, long ws, long wsBytes) {
        Plan p = plan(s);
        need(p, 0, wsBytes, s);
        check(JCudnn.cudnnConvolutionForward(handle, one, p.x, JcudaPointers.device(x), p.w, JcudaPointers.device(w),
                p.conv[0], p.algo[0], JcudaPointers.device(ws), wsBytes, zero, p.y, JcudaPointers.device(y)),
                "cudnnConvolutionForward");
    }

    @Override
    public synchronized void convBackwardData(ConvShape s, long w, long dy, long dx, long ws, long wsBytes) {
        Plan p = plan(s);
        need(p, 1, wsBytes, s);
        check(JCudnn.cudnnConvolutionBackwardData(handle, one, p.w, JcudaPointers.device(w), p.y,
                JcudaPointers.device(dy), p.conv[1], p.algo[1], JcudaPointers.device(ws), wsBytes, zero, p.x,
                JcudaPointers.device(dx)), "cudnnConvolutionBackwardData");
    }

    @Override
    public synchronized void convBackwardFilter(ConvShape s, long x, long dy, long dw, long ws, long wsBytes) {
        Plan p = plan(s);
        need(p, 2, wsBytes, s);
        check(JCudnn.cudnnConvolutionBackwardFilter(handle, one, p.x, JcudaPointers.device(x), p.y,
                JcudaPointers.device(dy), p.conv[2], p.algo[2], JcudaPointers.device(ws), wsBytes, zero, p.w,
                JcudaPointers.device(dw)), "cudnnConvolutionBackwardFilter");
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Plan p : plans.values()) {
            JCudnn.cudnnDestroyTensorDescriptor(p.x);
            JCudnn.cudnnDestroyTensorDescriptor(p.y);
            JCudnn.cudnnDestroyFilterDescriptor(p.w);
            for (var c : p.conv) {
                JCudnn.cudnnDestroyConvolutionDescriptor(c);
            }
        }
        plans.clear();
        JCudnn.cudnnDestroy(handle);
    }

    private Plan plan(ConvShape s) {
        Plan p = plans.get(s);
        if (p == null) {
            p = build(s);
            plans.put(s, p);
        }
        return p;
    }

    /** The descriptors and algorithms of {@code s}; on failure the descriptors made so far are destroyed. */
    private Plan build(ConvShape s) {
        var undo = new ArrayList<Runnable>();
        try {
            return build(s, undo);
        } catch (RuntimeException e) {
            undo.forEach(Runnable::run);
            throw e;
        }
    }

    private Plan build(ConvShape s, List<Runnable> undo) {
        var x = new cudnnTensorDescriptor();
        var y = new cudnnTensorDescriptor();
        var w = new cudnnFilterDescriptor();
        check(JCudnn.cudnnCreateTensorDescriptor(x), "cudnnCreateTensorDescriptor");
        undo.add(() -> JCudnn.cudnnDestroyTensorDescriptor(x));
        check(JCudnn.cudnnSetTensor4dDescriptor(x, 0, 0, s.n(), s.c(), s.h(), s.w()), "cudnnSetTensor4dDescriptor");
        check(JCudnn.cudnnCreateTensorDescriptor(y), "cudnnCreateTensorDescriptor");
        undo.add(() -> JCudnn.cudnnDestroyTensorDescriptor(y));
        check(JCudnn.cudnnSetTensor4dDescriptor(y, 0, 0, s.n(), s.k(), s.p(), s.q()), "cudnnSetTensor4dDescriptor");
        check(JCudnn.cudnnCreateFilterDescriptor(w), "cudnnCreateFilterDescriptor");
        undo.add(() -> JCudnn.cudnnDestroyFilterDescriptor(w));
        check(JCudnn.cudnnSetFilter4dDescriptor(w, 0, 0, s.k(), s.c(), s.r(), s.s()), "cudnnSetFilter4dDescriptor");
        var conv = new cudnnConvolutionDescriptor[3];
        for (int i = 0; i < 3; i++) {
            var c = new cudnnConvolutionDescriptor();
            check(JCudnn.cudnnCreateConvolutionDescriptor(c), "cudnnCreateConvolutionDescriptor");
            undo.add(() -> JCudnn.cudnnDestroyConvolutionDescriptor(c));
            conv[i] = c;
            check(JCudnn.cudnnSetConvolution2dDescriptor(c, s.padH(), s.padW(), s.strideH(), s.strideW(), 1, 1,
                    CudnnFfm.CUDNN_CROSS_CORRELATION, CudnnFfm.CUDNN_DATA_FLOAT), "cudnnSetConvolution2dDescriptor");
            check(JCudnn.cudnnSetConvolutionMathType(c, s.tf32() ? CudnnFfm.CUDNN_DEFAULT_MATH
                    : CudnnFfm.CUDNN_FMA_MATH), "cudnnSetConvolutionMathType");
        }
        int[] count = new int[1];
        int[] algo = new int[3];
        long[] bytes = new long[3];
        long[] size = new long[1];

        var fwd = new cudnnConvolutionFwdAlgoPerf[MAX_ALGOS];
        fill(fwd, cudnnConvolutionFwdAlgoPerf::new);
        check(JCudnn.cudnnGetConvolutionForwardAlgorithm_v7(handle, x, w, conv[0], y, MAX_ALGOS, count, fwd),
                "cudnnGetConvolutionForwardAlgorithm_v7");
        int i0 = pick(s, count[0], j -> fwd[j].status, j -> fwd[j].mathType, j -> fwd[j].determinism, "forward");
        algo[0] = fwd[i0].algo;
        check(JCudnn.cudnnSetConvolutionMathType(conv[0], fwd[i0].mathType), "cudnnSetConvolutionMathType");
        check(JCudnn.cudnnGetConvolutionForwardWorkspaceSize(handle, x, w, conv[0], y, algo[0], size), "ws");
        bytes[0] = size[0];

        var data = new cudnnConvolutionBwdDataAlgoPerf[MAX_ALGOS];
        fill(data, cudnnConvolutionBwdDataAlgoPerf::new);
        check(JCudnn.cudnnGetConvolutionBackwardDataAlgorithm_v7(handle, w, y, conv[1], x, MAX_ALGOS, count, data),
                "cudnnGetConvolutionBackwardDataAlgorithm_v7");
        int i1 = pick(s, count[0], j -> data[j].status, j -> data[j].mathType, j -> data[j].determinism, "backward-data");
        algo[1] = data[i1].algo;
        check(JCudnn.cudnnSetConvolutionMathType(conv[1], data[i1].mathType), "cudnnSetConvolutionMathType");
        check(JCudnn.cudnnGetConvolutionBackwardDataWorkspaceSize(handle, w, y, conv[1], x, algo[1], size), "ws");
        bytes[1] = size[0];

        var filter = new cudnnConvolutionBwdFilterAlgoPerf[MAX_ALGOS];
        fill(filter, cudnnConvolutionBwdFilterAlgoPerf::new);
        check(JCudnn.cudnnGetConvolutionBackwardFilterAlgorithm_v7(handle, x, y, conv[2], w, MAX_ALGOS, count,
                filter), "cudnnGetConvolutionBackwardFilterAlgorithm_v7");
        int i2 = pick(s, count[0], j -> filter[j].status, j -> filter[j].mathType, j -> filter[j].determinism, "backward-filter");
        algo[2] = filter[i2].algo;
        check(JCudnn.cudnnSetConvolutionMathType(conv[2], filter[i2].mathType), "cudnnSetConvolutionMathType");
        check(JCudnn.cudnnGetConvolutionBackwardFilterWorkspaceSize(handle, x, y, conv[2], w, algo[2], size), "ws");
        bytes[2] = size[0];
        return new Plan(x, w, y, conv, algo, bytes);
    }

    private static <T> void fill(T[] a, java.util.function.Supplier<T> make) {
        for (int i = 0; i < a.length; i++) {
            a[i] = make.get();
        }
    }

    private int pick(ConvShape s, int count, java.util.function.IntUnaryOperator status,
                     java.util.function.IntUnaryOperator math, java.util.function.IntUnaryOperator determinism,
                     String pass) {
        for (int j = 0; j < count; j++) {
            if (status.applyAsInt(j) == 0 && (s.tf32() || math.applyAsInt(j) == CudnnFfm.CUDNN_FMA_MATH)
                    && (!deterministic || determinism.applyAsInt(j) == CudnnFfm.CUDNN_DETERMINISTIC)) {
                return j;
            }
        }
        throw new NativeLibraryException("JCudnn (cuDNN " + version + "): no usable " + pass + " algorithm for " + s
                + (deterministic ? " among the deterministic ones (-Dfkt.cudnn.deterministic=true)" : ""));
    }

    private static void need(Plan p, int pass, long wsBytes, ConvShape s) {
        if (wsBytes < p.bytes[pass]) {
            throw new NativeLibraryException("cuDNN pass " + pass + " for " + s + " needs a workspace of "
                    + p.bytes[pass] + " bytes, got " + wsBytes + " (call workspaceBytes first)");
        }
    }

    private static void check(int status, String call) {
        if (status != 0) {
            throw new NativeLibraryException("JCudnn " + call + " returned " + JCudnn.cudnnGetErrorString(status));
        }
    }
}
