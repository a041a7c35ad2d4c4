// The engine's cuBLAS/cuDNN bindings (CublasFfm, CudnnFfm) on the CPU emulator's fake libraries, host memory
// standing in for device memory, against float64 references; skipped, with the reason, when not built.
package org.fkt.engine.natives;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.List;
import java.util.SplittableRandom;
import org.fkt.engine.natives.EmuRef.Geometry;
import org.fkt.engine.natives.EmuRef.Ref;
import org.fkt.engine.natives.blas.CublasFfm;
import org.fkt.engine.natives.dnn.ConvShape;
import org.fkt.engine.natives.dnn.CudnnFfm;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class EmulatedVendorLibsTest {

    private static final double FP32 = 1e-5;
    private static final double TF32 = 5e-3;

    @BeforeEach
    void built() {
        EmuRef.assumeBuilt("EmulatedVendorLibsTest");
    }

    @Test
    void sgemmEveryTransposeAlphaBetaAndMathModeWithPaddedLeadingDimensions() {
        var rnd = new SplittableRandom(System.nanoTime());
        int m = 67;
        int n = 45;
        int k = 129;
        double tf32Loss = 0;
        try (var blas = new CublasFfm(EmuRef.CUBLAS); Arena arena = Arena.ofConfined()) {
            assertEquals("13.0.0", blas.version());
            for (boolean tf32 : new boolean[] {false, true}) {
                blas.setTf32(tf32);
                for (boolean ta : new boolean[] {false, true}) {
                    for (boolean tb : new boolean[] {false, true}) {
                        for (double[] ab : new double[][] {{1.5, 0.5}, {1, 0}, {-0.75, 2}, {0, 0.5}}) {
                            int lda = (ta ? k : m) + 3;
                            int ldb = (tb ? n : k) + 2;
                            float[] a = EmuRef.random(rnd, lda * (ta ? m : k));
                            float[] b = EmuRef.random(rnd, ldb * (tb ? k : n));
                            float[] c0 = EmuRef.random(rnd, m * n);
                            MemorySegment c = ab[1] == 0 ? EmuRef.poisoned(arena, m * n) : EmuRef.upload(arena, c0);
                            blas.sgemm(ta, tb, m, n, k, (float) ab[0], EmuRef.upload(arena, a).address(), lda,
                                    EmuRef.upload(arena, b).address(), ldb, (float) ab[1], c.address(), m);
                            float[] got = EmuRef.download(c, m * n);
                            String what = "sgemm transA=" + ta + " transB=" + tb + " alpha=" + ab[0] + " beta="
                                    + ab[1] + " tf32=" + tf32;
                            Ref exact = EmuRef.sgemm(ta, tb, m, n, k, ab[0], a, lda, b, ldb, ab[1], c0);
                            EmuRef.assertClose(what, exact, got, tf32 ? TF32 : FP32);
                            if (tf32) {
                                Ref rounded = EmuRef.sgemm(ta, tb, m, n, k, ab[0], EmuRef.tf32(a), lda,
                                        EmuRef.tf32(b), ldb, ab[1], c0);
                                EmuRef.assertClose(what + " vs TF32-rounded inputs", rounded, got, FP32);
                                tf32Loss = Math.max(tf32Loss, EmuRef.worst(exact, got));
                            }
                        }
                    }
                }
            }
        }
        assertTrue(tf32Loss > 1e-5, "TF32 mode lost no precision (worst relative error " + tf32Loss + ")");
    }

    /** Heuristic choice (workspace algorithms), no workspace allowed (the plain ones), and find mode. */
    @Test
    void convolutionPassesThroughCudnnFfmInEveryChoiceMode() {
        var shapes = List.of(new int[] {2, 3, 13, 11, 5, 3, 3, 1, 1, 1, 1}, new int[] {2, 4, 9, 10, 6, 3, 3, 2, 2, 1, 1},
                new int[] {2, 8, 7, 5, 4, 1, 1, 1, 1, 0, 0}, new int[] {2, 9, 9, 7, 4, 1, 1, 2, 2, 0, 0},
                new int[] {2, 3, 16, 16, 8, 7, 7, 2, 2, 3, 3}, new int[] {2, 3, 12, 9, 5, 3, 5, 1, 2, 1, 2});
        var rnd = new SplittableRandom(System.nanoTime());
        double tf32Loss = 0;
        for (String mode : List.of("heuristic", "no-workspace", "find")) {
            try (CudnnFfm dnn = open(mode); Arena arena = Arena.ofConfined()) {
                assertEquals("9.10.0", dnn.version());
                for (boolean tf32 : new boolean[] {false, true}) {
                    for (int[] d : shapes) {
                        var s = new ConvShape(d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9], d[10], tf32);
                        var g = new Geometry(s.n(), s.c(), s.h(), s.w(), s.k(), s.r(), s.s(), s.padH(), s.padW(),
                                s.strideH(), s.strideW(), 1, 1, false);
                        long wsBytes = dnn.workspaceBytes(s);
                        assertTrue(mode.equals("no-workspace") ? wsBytes == 0 : wsBytes > 0,
                                mode + " " + s + ": workspace " + wsBytes);
                        float[] x = EmuRef.random(rnd, g.xSize());
                        float[] w = EmuRef.random(rnd, g.wSize());
                        float[] dy = EmuRef.random(rnd, g.ySize());
                        long ws = arena.allocate(Math.max(1, wsBytes), 16).address();
                        MemorySegment y = EmuRef.poisoned(arena, g.ySize());
                        MemorySegment dx = EmuRef.poisoned(arena, g.xSize());
                        MemorySegment dw = EmuRef.poisoned(arena, g.wSize());
                        long xd = EmuRef.upload(arena, x).address();
                        long wd = EmuRef.upload(arena, w).address();
                        long dyd = EmuRef.upload(arena, dy).address();
                        dnn.convForward(s, xd, wd, y.address(), ws, wsBytes);
                        dnn.convBackwardData(s, wd, dyd, dx.address(), ws, wsBytes);
                        dnn.convBackwardFilter(s, xd, dyd, dw.address(), ws, wsBytes);
                        float[][] got = {EmuRef.download(y, g.ySize()), EmuRef.download(dx, g.xSize()),
                                EmuRef.download(dw, g.wSize())};
                        Ref[] exact = EmuRef.conv(g, x, w, dy, 1, 0, null);
                        Ref[] rounded = EmuRef.conv(g, EmuRef.tf32(x), EmuRef.tf32(w), EmuRef.tf32(dy), 1, 0, null);
                        String[] pass = {"forward", "backward-data", "backward-filter"};
                        for (int i = 0; i < 3; i++) {
                            String what = mode + " " + pass[i] + " " + s;
                            EmuRef.assertClose(what, exact[i], got[i], tf32 ? TF32 : FP32);
                            if (tf32) {
                                EmuRef.assertClose(what + " vs TF32-rounded inputs", rounded[i], got[i], FP32);
                                tf32Loss = Math.max(tf32Loss, EmuRef.worst(exact[i], got[i]));
                            }
                        }
                    }
                }
            }
        }
        assertTrue(tf32Loss > 1e-5, "TF32 convolutions lost no precision (worst relative error " + tf32Loss + ")");
    }

    /**
     * What the engine never asks for, through the C API: dilation, true convolution (flipped filters),
     * unequal padding and strides, alpha and beta, both working algorithms of each pass.
     */
    @Test
    void rawPassesWithDilationFlipAlphaBetaAndBothAlgorithms() {
        var g = new Geometry(2, 3, 11, 10, 4, 3, 2, 2, 1, 2, 1, 2, 3, true);
        var rnd = new SplittableRandom(System.nanoTime());
        var sig = new HashMap<>(CudnnFfm.SIGNATURES);
        sig.put("cudnnGetConvolution2dForwardOutputDim", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS,
                ADDRESS, ADDRESS, ADDRESS, ADDRESS));
        var dnn = new EmuRef.Raw(EmuRef.CUDNN, sig);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment h = create(dnn, arena, "cudnnCreate");
            MemorySegment xd = create(dnn, arena, "cudnnCreateTensorDescriptor");
            MemorySegment yd = create(dnn, arena, "cudnnCreateTensorDescriptor");
            MemorySegment wd = create(dnn, arena, "cudnnCreateFilterDescriptor");
            MemorySegment cd = create(dnn, arena, "cudnnCreateConvolutionDescriptor");
            ok(dnn.call("cudnnSetTensor4dDescriptor", xd, 0, 0, g.n(), g.c(), g.h(), g.w()));
            ok(dnn.call("cudnnSetFilter4dDescriptor", wd, 0, 0, g.k(), g.c(), g.r(), g.s()));
            ok(dnn.call("cudnnSetConvolution2dDescriptor", cd, g.padH(), g.padW(), g.strideH(), g.strideW(), g.dilH(),
                    g.dilW(), 0, 0));
            ok(dnn.call("cudnnSetConvolutionMathType", cd, 3));
            MemorySegment dims = arena.allocate(JAVA_INT, 4);
            ok(dnn.call("cudnnGetConvolution2dForwardOutputDim", cd, xd, wd, dims, dims.asSlice(4), dims.asSlice(8),
                    dims.asSlice(12)));
            assertArrayEquals(new int[] {g.n(), g.k(), g.p(), g.q()}, dims.toArray(JAVA_INT), "forward output dims");
            ok(dnn.call("cudnnSetTensor4dDescriptor", yd, 0, 0, g.n(), g.k(), g.p(), g.q()));
            String[] pass = {"Forward", "BackwardData", "BackwardFilter"};
            for (double[] ab : new double[][] {{2, -0.5}, {0.5, 0}}) {
                for (int algo : new int[] {0, 1}) {
                    float[] x = EmuRef.random(rnd, g.xSize());
                    float[] w = EmuRef.random(rnd, g.wSize());
                    float[] dy = EmuRef.random(rnd, g.ySize());
                    float[][] old = {EmuRef.random(rnd, g.ySize()), EmuRef.random(rnd, g.xSize()),
                            EmuRef.random(rnd, g.wSize())};
                    Ref[] ref = EmuRef.conv(g, x, w, dy, ab[0], ab[1], old);
                    long xa = EmuRef.upload(arena, x).address();
                    long wa = EmuRef.upload(arena, w).address();
                    long dya = EmuRef.upload(arena, dy).address();
                    MemorySegment alpha = arena.allocateFrom(JAVA_FLOAT, (float) ab[0]);
                    MemorySegment beta = arena.allocateFrom(JAVA_FLOAT, (float) ab[1]);
                    for (int i = 0; i < 3; i++) {
                        MemorySegment[] desc = i == 0 ? new MemorySegment[] {xd, wd, cd, yd}
                                : i == 1 ? new MemorySegment[] {wd, yd, cd, xd} : new MemorySegment[] {xd, yd, cd, wd};
                        long[] in = i == 0 ? new long[] {xa, wa} : i == 1 ? new long[] {wa, dya} : new long[] {xa, dya};
                        MemorySegment size = arena.allocate(JAVA_LONG);
                        ok(dnn.call("cudnnGetConvolution" + pass[i] + "WorkspaceSize", h, desc[0], desc[1], desc[2],
                                desc[3], algo, size));
                        long bytes = size.get(JAVA_LONG, 0);
                        assertTrue(algo == 0 ? bytes == 0 : bytes > 0, pass[i] + " algo " + algo + ": " + bytes);
                        MemorySegment out = ab[1] == 0 ? EmuRef.poisoned(arena, old[i].length)
                                : EmuRef.upload(arena, old[i]);
                        long ws = arena.allocate(Math.max(1, bytes), 16).address();
                        ok(dnn.call("cudnnConvolution" + pass[i], h, alpha, desc[0], in[0], desc[1], in[1], cd, algo,
                                ws, bytes, beta, desc[3], out.address()));
                        EmuRef.assertClose(pass[i] + " algo " + algo + " alpha " + ab[0] + " beta " + ab[1] + " " + g,
                                ref[i], EmuRef.download(out, old[i].length), FP32);
                    }
                }
            }
            for (MemorySegment t : List.of(xd, yd)) {
                ok(dnn.call("cudnnDestroyTensorDescriptor", t));
            }
            ok(dnn.call("cudnnDestroyFilterDescriptor", wd));
            ok(dnn.call("cudnnDestroyConvolutionDescriptor", cd));
            ok(dnn.call("cudnnDestroy", h));
        }
    }

    /** A CudnnFfm choosing by heuristics, with no workspace allowed, or by cudnnFind (properties read at creation). */
    static CudnnFfm open(String mode) {
        return open(mode.equals("find") ? "find" : null, mode.equals("no-workspace") ? "0" : null);
    }

    /** A CudnnFfm created with -Dfkt.cudnn.algo and -Dfkt.cudnn.workspace.max set as given (null: unset). */
    static CudnnFfm open(String algoChoice, String workspaceMax) {
        return open(algoChoice, workspaceMax, null);
    }

    /** As {@link #open(String, String)}, with -Dfkt.cudnn.deterministic set as given (null: unset) too. */
    static CudnnFfm open(String algoChoice, String workspaceMax, String deterministic) {
        String algo = System.getProperty("fkt.cudnn.algo");
        String max = System.getProperty("fkt.cudnn.workspace.max");
        String det = System.getProperty("fkt.cudnn.deterministic");
        try {
            restore("fkt.cudnn.algo", algoChoice);
            restore("fkt.cudnn.workspace.max", workspaceMax);
            restore("fkt.cudnn.deterministic", deterministic);
            return new CudnnFfm(EmuRef.CUDNN);
        } finally {
            restore("fkt.cudnn.algo", algo);
            restore("fkt.cudnn.workspace.max", max);
            restore("fkt.cudnn.deterministic", det);
        }
    }

    private static void restore(String key, String value) {
        if (value == null) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, value);
        }
    }

    static MemorySegment create(EmuRef.Raw lib, Arena arena, String name) {
        MemorySegment out = arena.allocate(ADDRESS);
        ok(lib.call(name, out));
        return out.get(ADDRESS, 0);
    }

    static void ok(int status) {
        assertEquals(0, status, "status");
    }
}
