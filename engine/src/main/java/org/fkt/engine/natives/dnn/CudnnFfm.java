// cuDNN 9 (legacy convolution API) through java.lang.foreign: descriptors, algorithm choice and the three passes.
package org.fkt.engine.natives.dnn;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.fkt.engine.natives.NativeLibrary;
import org.fkt.engine.natives.NativeLibraryException;

/**
 * The "ffm" cuDNN provider over libcudnn.so.9, the shim that dispatches to libcudnn_cnn / libcudnn_ops /
 * libcudnn_graph (which it dlopens by bare soname, so they are opened first here from the same folder).
 * Per shape it builds the descriptors once and chooses one algorithm per pass, by cuDNN's heuristics
 * (the *_v7 queries) or, with -Dfkt.cudnn.algo=find, by cuDNN's own timing (cudnnFind*). With TF32 off
 * the convolution math is CUDNN_FMA_MATH and only FMA algorithms are accepted. With
 * -Dfkt.cudnn.deterministic=true only algorithms cuDNN reports as deterministic are accepted (some
 * backward-data and backward-filter algorithms accumulate with atomics, so their bits vary run to run).
 */
public final class CudnnFfm implements Dnn {

    static final int CUDNN_TENSOR_NCHW = 0;
    static final int CUDNN_DATA_FLOAT = 0;
    static final int CUDNN_CROSS_CORRELATION = 1;
    static final int CUDNN_DEFAULT_MATH = 0;
    static final int CUDNN_FMA_MATH = 3;
    /** cudnnConvolution{Fwd,BwdData,BwdFilter}AlgoPerf_t (cudnn_cnn.h), with C's alignment padding. */
    static final StructLayout PERF = MemoryLayout.structLayout(JAVA_INT.withName("algo"), JAVA_INT.withName("status"),
            JAVA_FLOAT.withName("time"), MemoryLayout.paddingLayout(4), JAVA_LONG.withName("memory"),
            JAVA_INT.withName("determinism"), JAVA_INT.withName("mathType"),
            MemoryLayout.sequenceLayout(3, JAVA_INT).withName("reserved"), MemoryLayout.paddingLayout(4));
    static final long PERF_BYTES = PERF.byteSize();
    private static final long PERF_STATUS = offset("status");
    private static final long PERF_MEMORY = offset("memory");
    private static final long PERF_MATH = offset("mathType");
    private static final long PERF_DETERMINISM = offset("determinism");
    static final int CUDNN_DETERMINISTIC = 1;
    private static final int MAX_ALGOS = 16;
    /** The sub-libraries the shim dlopens, in dependency order (cuDNN 9 API overview). */
    public static final List<String> SUB_LIBRARIES = List.of("libcudnn_graph.so.9", "libcudnn_engines_precompiled.so.9",
            "libcudnn_engines_runtime_compiled.so.9", "libcudnn_heuristic.so.9", "libcudnn_ops.so.9",
            "libcudnn_cnn.so.9", "libcudnn_adv.so.9");

    /** The C signatures bound (cudnn_graph.h, cudnn_ops.h, cudnn_cnn.h; handles and descriptors = pointers). */
    public static final Map<String, FunctionDescriptor> SIGNATURES = signatures();

    private final Path file;
    private final Arena arena = Arena.ofShared();
    private final Map<String, MethodHandle> fn = new HashMap<>();
    private final MemorySegment handle;
    private final MemorySegment one;
    private final MemorySegment zero;
    private final String version;
    private final boolean find = "find".equals(System.getProperty("fkt.cudnn.algo"));
    private final long workspaceLimit = Long.getLong("fkt.cudnn.workspace.max", 1L << 30);
    private final boolean deterministic = Boolean.getBoolean("fkt.cudnn.deterministic");
    private final Map<ConvShape, Plan> plans = new HashMap<>();
    private boolean closed;

    /** Descriptors and chosen algorithms for one shape. */
    private record Plan(MemorySegment x, MemorySegment w, MemorySegment y, MemorySegment fwd, MemorySegment bwdData,
                        MemorySegment bwdFilter, Choice fwdAlgo, Choice dataAlgo, Choice filterAlgo) {
        long workspace() {
            return Math.max(fwdAlgo.bytes, Math.max(dataAlgo.bytes, filterAlgo.bytes));
        }
    }

    private record Choice(int algo, int mathType, long bytes) {
    }

    /** Loads {@code file} (libcudnn.so.9) and its sub-libraries, then creates a handle. */
    public CudnnFfm(Path file) {
        this.file = file;
        var lib = NativeLibrary.open(file, SUB_LIBRARIES);
        SIGNATURES.forEach((name, d) -> {
            if (!(find ? name.endsWith("_v7") : name.startsWith("cudnnFind"))) {
                fn.put(name, lib.downcall(name, d));
            }
        });
        long v = callLong("cudnnGetVersion");
        version = decodeVersion(v);
        if (v < 90000) {
            throw new NativeLibraryException(file + " reports cuDNN " + version + "; the ffm provider needs cuDNN 9");
        }
        MemorySegment out = arena.allocate(ADDRESS);
        check("cudnnCreate", out);
        handle = out.get(ADDRESS, 0);
        one = arena.allocate(JAVA_FLOAT);
        one.set(JAVA_FLOAT, 0, 1f);
        zero = arena.allocate(JAVA_FLOAT);
        zero.set(JAVA_FLOAT, 0, 0f);
    }

    @Override
    public String provider() {
        return "ffm";
    }

    @Override
    public String version() {
        return version;
    }

    @Override
    public synchronized void setStream(long cuStream) {
        check("cudnnSetStream", handle, cuStream);
    }

    @Override
    public synchronized long workspaceBytes(ConvShape s) {
        return plan(s).workspace();
    }

    @Override
    public synchronized void convForward(ConvShape s, long x, long w, long y, long ws, long wsBytes) {
        Plan p = plan(s);
        need(p.fwdAlgo, wsBytes, "forward", s);
        run("cudnnConvolutionForward", p.x, x, p.w, w, p.fwd, p.fwdAlgo.algo, ws, wsBytes, p.y, y);
    }

    @Override
    public synchronized void convBackwardData(ConvShape s, long w, long dy, long dx, long ws, long wsBytes) {
        Plan p = plan(s);
        need(p.dataAlgo, wsBytes, "backward-data", s);
        run("cudnnConvolutionBackwardData", p.w, w, p.y, dy, p.bwdData, p.dataAlgo.algo, ws, wsBytes, p.x, dx);
    }

    @Override
    public synchronized void convBackwardFilter(ConvShape s, long x, long dy, long dw, long ws, long wsBytes) {
        Plan p = plan(s);
        need(p.filterAlgo, wsBytes, "backward-filter", s);
        run("cudnnConvolutionBackwardFilter", p.x, x, p.y, dy, p.bwdFilter, p.filterAlgo.algo, ws, wsBytes, p.w, dw);
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Plan p : plans.values()) {
            check("cudnnDestroyTensorDescriptor", p.x);
            check("cudnnDestroyTensorDescriptor", p.y);
            check("cudnnDestroyFilterDescriptor", p.w);
            for (MemorySegment c : List.of(p.fwd, p.bwdData, p.bwdFilter)) {
                check("cudnnDestroyConvolutionDescriptor", c);
            }
        }
        plans.clear();
        check("cudnnDestroy", handle);
        arena.close();
    }

    /** cuDNN 9 encodes its version as major * 10000 + minor * 100 + patch; cuDNN 8 as major * 1000 + ... */
    public static String decodeVersion(long v) {
        long major = v >= 90000 ? v / 10000 : v / 1000;
        long minor = v >= 90000 ? v / 100 % 100 : v / 100 % 10;
        return major + "." + minor + "." + (v % 100);
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
            MemorySegment x = descriptor("Tensor", undo);
            check("cudnnSetTensor4dDescriptor", x, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, s.n(), s.c(), s.h(), s.w());
            MemorySegment y = descriptor("Tensor", undo);
            check("cudnnSetTensor4dDescriptor", y, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, s.n(), s.k(), s.p(), s.q());
            MemorySegment w = descriptor("Filter", undo);
            check("cudnnSetFilter4dDescriptor", w, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW, s.k(), s.c(), s.r(), s.s());
            MemorySegment[] conv = new MemorySegment[3];
            for (int i = 0; i < 3; i++) {
                conv[i] = descriptor("Convolution", undo);
                check("cudnnSetConvolution2dDescriptor", conv[i], s.padH(), s.padW(), s.strideH(), s.strideW(), 1, 1,
                        CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT);
                check("cudnnSetConvolutionMathType", conv[i], s.tf32() ? CUDNN_DEFAULT_MATH : CUDNN_FMA_MATH);
            }
            Choice f = choose("ConvolutionForward", s, conv[0], x, w, conv[0], y);
            Choice d = choose("ConvolutionBackwardData", s, conv[1], w, y, conv[1], x);
            Choice g = choose("ConvolutionBackwardFilter", s, conv[2], x, y, conv[2], w);
            return new Plan(x, w, y, conv[0], conv[1], conv[2], f, d, g);
        } catch (RuntimeException e) {
            undo.forEach(Runnable::run);
            throw e;
        }
    }

    /** A new descriptor of {@code kind} (Tensor, Filter, Convolution); {@code undo} gets its destruction. */
    private MemorySegment descriptor(String kind, List<Runnable> undo) {
        MemorySegment d = create("cudnnCreate" + kind + "Descriptor");
        String destroy = "cudnnDestroy" + kind + "Descriptor";
        undo.add(() -> NativeLibrary.callInt(fn.get(destroy), destroy, d));
        return d;
    }

    /** Asks cuDNN for ranked algorithms, keeps the first that succeeded, fits the limit and matches the math. */
    private Choice choose(String pass, ConvShape s, MemorySegment convDesc, MemorySegment a, MemorySegment b,
                          MemorySegment c, MemorySegment d) {
        String query = find ? "cudnnFind" + pass + "Algorithm" : "cudnnGet" + pass + "Algorithm_v7";
        try (Arena temp = Arena.ofConfined()) {
            return choose(temp, query, pass, s, convDesc, a, b, c, d);
        }
    }

    private Choice choose(Arena temp, String query, String pass, ConvShape s, MemorySegment convDesc, MemorySegment a,
                          MemorySegment b, MemorySegment c, MemorySegment d) {
        MemorySegment count = temp.allocate(JAVA_INT);
        MemorySegment perf = temp.allocate(MemoryLayout.sequenceLayout(MAX_ALGOS, PERF));
        check(query, handle, a, b, c, d, MAX_ALGOS, count, perf);
        var rejected = new StringBuilder();
        for (int i = 0; i < count.get(JAVA_INT, 0); i++) {
            long base = i * PERF_BYTES;
            int algo = perf.get(JAVA_INT, base);
            int status = perf.get(JAVA_INT, base + PERF_STATUS);
            long memory = perf.get(JAVA_LONG, base + PERF_MEMORY);
            int mathType = perf.get(JAVA_INT, base + PERF_MATH);
            boolean repeatable = perf.get(JAVA_INT, base + PERF_DETERMINISM) == CUDNN_DETERMINISTIC;
            if (status != 0 || memory > workspaceLimit || (!s.tf32() && mathType != CUDNN_FMA_MATH)
                    || (deterministic && !repeatable)) {
                rejected.append(" algo ").append(algo).append("(status ").append(status).append(", ")
                        .append(memory).append(" B, math ").append(mathType)
                        .append(deterministic && !repeatable ? ", nondeterministic)" : ")");
                continue;
            }
            check("cudnnSetConvolutionMathType", convDesc, mathType);
            MemorySegment size = temp.allocate(JAVA_LONG);
            check("cudnnGet" + pass + "WorkspaceSize", handle, a, b, c, d, algo, size);
            return new Choice(algo, mathType, size.get(JAVA_LONG, 0));
        }
        throw new NativeLibraryException("cuDNN " + version + " (" + file + ") has no usable " + pass + " algorithm for "
                + s + " within -Dfkt.cudnn.workspace.max=" + workspaceLimit + " bytes"
                + (deterministic ? " (deterministic algorithms only, -Dfkt.cudnn.deterministic=true)" : "") + ";"
                + rejected);
    }

    private void need(Choice c, long wsBytes, String pass, ConvShape s) {
        if (wsBytes < c.bytes) {
            throw new NativeLibraryException("cuDNN " + pass + " for " + s + " needs a workspace of " + c.bytes
                    + " bytes, got " + wsBytes + " (call workspaceBytes first)");
        }
    }

    private void run(String name, MemorySegment aDesc, long a, MemorySegment bDesc, long b, MemorySegment conv,
                     int algo, long ws, long wsBytes, MemorySegment outDesc, long out) {
        int status = invokeConvolution(fn.get(name), name, handle, one, aDesc, a, bDesc, b, conv, algo, ws, wsBytes,
                zero, outDesc, out);
        if (status != 0) {
            throw new NativeLibraryException(name + " (algo " + algo + ") returned " + statusName(status));
        }
    }

    /** The exact-typed call shared by the three passes (separate so tests can check it against the descriptors). */
    static int invokeConvolution(MethodHandle h, String name, MemorySegment handle, MemorySegment alpha,
                                 MemorySegment aDesc, long a, MemorySegment bDesc, long b, MemorySegment conv, int algo,
                                 long ws, long wsBytes, MemorySegment beta, MemorySegment outDesc, long out) {
        try {
            return (int) h.invokeExact(handle, alpha, aDesc, a, bDesc, b, conv, algo, ws, wsBytes, beta, outDesc, out);
        } catch (Throwable t) {
            throw new NativeLibraryException(name + " failed: " + t, t);
        }
    }

    private MemorySegment create(String name) {
        try (Arena temp = Arena.ofConfined()) {
            MemorySegment out = temp.allocate(ADDRESS);
            check(name, out);
            return out.get(ADDRESS, 0);
        }
    }

    private void check(String name, Object... args) {
        int status = NativeLibrary.callInt(fn.get(name), name, args);
        if (status != 0) {
            throw new NativeLibraryException(name + " returned " + statusName(status) + " (" + file + ")");
        }
    }

    private long callLong(String name) {
        try {
            return (long) fn.get(name).invoke();
        } catch (Throwable t) {
            throw new NativeLibraryException(name + " failed: " + t, t);
        }
    }

    private String statusName(int status) {
        try {
            var s = (MemorySegment) fn.get("cudnnGetErrorString").invoke(status);
            return s.reinterpret(256).getString(0) + " (" + status + ")";
        } catch (Throwable t) {
            return "cudnnStatus " + status;
        }
    }

    static long offset(String field) {
        return PERF.byteOffset(MemoryLayout.PathElement.groupElement(field));
    }

    private static Map<String, FunctionDescriptor> signatures() {
        var m = new LinkedHashMap<String, FunctionDescriptor>();
        m.put("cudnnGetVersion", FunctionDescriptor.of(JAVA_LONG));
        m.put("cudnnGetErrorString", FunctionDescriptor.of(ADDRESS, JAVA_INT));
        m.put("cudnnCreate", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        m.put("cudnnDestroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        m.put("cudnnSetStream", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
        for (String kind : List.of("Tensor", "Filter", "Convolution")) {
            m.put("cudnnCreate" + kind + "Descriptor", FunctionDescriptor.of(JAVA_INT, ADDRESS));
            m.put("cudnnDestroy" + kind + "Descriptor", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        }
        // (desc, format, dataType, n, c, h, w)
        m.put("cudnnSetTensor4dDescriptor", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT,
                JAVA_INT, JAVA_INT, JAVA_INT));
        // (desc, dataType, format, k, c, h, w): note dataType before format
        m.put("cudnnSetFilter4dDescriptor", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT,
                JAVA_INT, JAVA_INT, JAVA_INT));
        // (desc, pad_h, pad_w, u, v, dilation_h, dilation_w, mode, computeType)
        m.put("cudnnSetConvolution2dDescriptor", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT,
                JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
        m.put("cudnnSetConvolutionMathType", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        for (String pass : List.of("ConvolutionForward", "ConvolutionBackwardData", "ConvolutionBackwardFilter")) {
            // (handle, 4 descriptors, requestedAlgoCount, *returnedAlgoCount, *perfResults)
            var query = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_INT,
                    ADDRESS, ADDRESS);
            m.put("cudnnGet" + pass + "Algorithm_v7", query);
            m.put("cudnnFind" + pass + "Algorithm", query);
            // (handle, 4 descriptors, algo, *sizeInBytes)
            m.put("cudnnGet" + pass + "WorkspaceSize", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS,
                    ADDRESS, ADDRESS, JAVA_INT, ADDRESS));
            // (handle, *alpha, aDesc, a, bDesc, b, convDesc, algo, workSpace, workSpaceBytes, *beta, outDesc, out)
            m.put("cudnn" + pass, FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS,
                    JAVA_LONG, ADDRESS, JAVA_INT, JAVA_LONG, JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG));
        }
        return Map.copyOf(m);
    }
}
