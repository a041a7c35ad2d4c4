// Helpers of the tests of the emulator's fake cuBLAS/cuDNN: where the libraries are, raw downcalls by name,
// float64 references of SGEMM and the three convolution passes, TF32 rounding, and a checked comparison.
package org.fkt.engine.natives;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Assumptions;

/**
 * The references bound each element's error by rtol * (|ref| + sum of |terms|): a sum that cancels to near
 * zero carries rounding error of the size of its terms, so that sum is the per-element atol.
 */
final class EmuRef {

    /** Where build-vendor.sh puts the fakes in a Maven build (relative to the engine module). */
    static final Path DIR = Path.of(System.getProperty("fkt.emu.dir", "target/cuda-emu"));
    static final Path CUBLAS = DIR.resolve("libcublas.so.13");
    static final Path CUDNN = DIR.resolve("libcudnn.so.9");

    private static final Set<String> TOLD = ConcurrentHashMap.newKeySet();

    private EmuRef() {
    }

    /** Skips, printing why (once per test class), unless both fakes were built. */
    static void assumeBuilt(String test) {
        boolean ok = Files.isRegularFile(CUBLAS) && Files.isRegularFile(CUDNN);
        if (!ok && TOLD.add(test)) {
            System.out.println(test + " skipped: " + CUBLAS.toAbsolutePath() + " or " + CUDNN.getFileName()
                    + " missing (build them with engine/src/test/cuda-emu/build-vendor.sh engine/target/cuda-emu)");
        }
        Assumptions.assumeTrue(ok, "fake cuBLAS/cuDNN not built in " + DIR.toAbsolutePath());
    }

    /** Downcalls by name into one library, with the signatures the engine binds. */
    static final class Raw {
        private final NativeLibrary lib;
        private final Map<String, FunctionDescriptor> signatures;
        private final Map<String, MethodHandle> handles = new HashMap<>();

        Raw(Path file, Map<String, FunctionDescriptor> signatures) {
            this.lib = NativeLibrary.open(file, List.of());
            this.signatures = signatures;
        }

        MethodHandle handle(String name) {
            return handles.computeIfAbsent(name, n -> lib.downcall(n, signatures.get(n)));
        }

        int call(String name, Object... args) {
            return NativeLibrary.callInt(handle(name), name, args);
        }
    }

    /** TF32 as the fakes round it: 10 explicit mantissa bits, to nearest, ties away from zero; NaN/inf kept. */
    static float tf32(float v) {
        int bits = Float.floatToRawIntBits(v);
        if ((bits & 0x7f800000) == 0x7f800000) {
            return v;
        }
        return Float.intBitsToFloat((bits + 0x1000) & 0xffffe000);
    }

    static float[] tf32(float[] a) {
        float[] r = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = tf32(a[i]);
        }
        return r;
    }

    static float[] random(SplittableRandom rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        return a;
    }

    static MemorySegment upload(Arena arena, float[] a) {
        MemorySegment s = arena.allocate(JAVA_FLOAT, Math.max(1, a.length));
        MemorySegment.copy(a, 0, s, JAVA_FLOAT, 0, a.length);
        return s;
    }

    static MemorySegment poisoned(Arena arena, int n) {
        MemorySegment s = arena.allocate(JAVA_FLOAT, Math.max(1, n));
        s.fill((byte) 0xff);  // 0xffffffff is a NaN
        return s;
    }

    static float[] download(MemorySegment s, int n) {
        float[] a = new float[n];
        MemorySegment.copy(s, JAVA_FLOAT, 0, a, 0, n);
        return a;
    }

    /** A reference and, per element, the sum of the magnitudes of its terms. */
    record Ref(double[] value, double[] terms) {
    }

    /** Column-major alpha op(A) op(B) + beta C0 in float64; ldc = m. */
    static Ref sgemm(boolean ta, boolean tb, int m, int n, int k, double alpha, float[] a, int lda, float[] b,
                     int ldb, double beta, float[] c0) {
        double[] v = new double[m * n];
        double[] t = new double[m * n];
        for (int j = 0; j < n; j++) {
            for (int i = 0; i < m; i++) {
                double s = 0;
                double mag = 0;
                for (int p = 0; p < k; p++) {
                    double prod = (double) (ta ? a[p + i * lda] : a[i + p * lda]) * (tb ? b[j + p * ldb] : b[p + j * ldb]);
                    s += prod;
                    mag += Math.abs(prod);
                }
                double old = beta == 0 ? 0 : beta * c0[i + j * m];
                v[i + j * m] = alpha * s + old;
                t[i + j * m] = Math.abs(alpha) * mag + Math.abs(old);
            }
        }
        return new Ref(v, t);
    }

    /** A 2-D convolution: x (n, c, h, w), filters (k, c, r, s), padding, stride, dilation, flip = true convolution. */
    record Geometry(int n, int c, int h, int w, int k, int r, int s, int padH, int padW, int strideH, int strideW,
                    int dilH, int dilW, boolean flip) {
        int p() {
            return (h + 2 * padH - ((r - 1) * dilH + 1)) / strideH + 1;
        }

        int q() {
            return (w + 2 * padW - ((s - 1) * dilW + 1)) / strideW + 1;
        }

        int xSize() {
            return n * c * h * w;
        }

        int wSize() {
            return k * c * r * s;
        }

        int ySize() {
            return n * k * p() * q();
        }
    }

    /** Forward y, backward-data dx and backward-filter dw, each alpha * pass + beta * old (old may be null). */
    static Ref[] conv(Geometry g, float[] x, float[] w, float[] dy, double alpha, double beta, float[][] old) {
        double[][] v = {new double[g.ySize()], new double[g.xSize()], new double[g.wSize()]};
        double[][] t = {new double[g.ySize()], new double[g.xSize()], new double[g.wSize()]};
        int p = g.p();
        int q = g.q();
        for (int n = 0; n < g.n(); n++) {
            for (int k = 0; k < g.k(); k++) {
                for (int oh = 0; oh < p; oh++) {
                    for (int ow = 0; ow < q; ow++) {
                        int yi = ((n * g.k() + k) * p + oh) * q + ow;
                        for (int c = 0; c < g.c(); c++) {
                            for (int r = 0; r < g.r(); r++) {
                                int ih = oh * g.strideH() - g.padH() + r * g.dilH();
                                if (ih < 0 || ih >= g.h()) {
                                    continue;
                                }
                                int fr = g.flip() ? g.r() - 1 - r : r;
                                for (int s = 0; s < g.s(); s++) {
                                    int iw = ow * g.strideW() - g.padW() + s * g.dilW();
                                    if (iw < 0 || iw >= g.w()) {
                                        continue;
                                    }
                                    int fs = g.flip() ? g.s() - 1 - s : s;
                                    int xi = ((n * g.c() + c) * g.h() + ih) * g.w() + iw;
                                    int wi = ((k * g.c() + c) * g.r() + fr) * g.s() + fs;
                                    add(v[0], t[0], yi, (double) x[xi] * w[wi]);
                                    add(v[1], t[1], xi, (double) dy[yi] * w[wi]);
                                    add(v[2], t[2], wi, (double) dy[yi] * x[xi]);
                                }
                            }
                        }
                    }
                }
            }
        }
        Ref[] out = new Ref[3];
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < v[i].length; j++) {
                double prev = beta == 0 ? 0 : beta * old[i][j];
                v[i][j] = alpha * v[i][j] + prev;
                t[i][j] = Math.abs(alpha) * t[i][j] + Math.abs(prev);
            }
            out[i] = new Ref(v[i], t[i]);
        }
        return out;
    }

    private static void add(double[] v, double[] t, int i, double term) {
        v[i] += term;
        t[i] += Math.abs(term);
    }

    /** Fails, printing the first mismatches, unless |got - ref| <= rtol * (|ref| + terms) everywhere. */
    static void assertClose(String what, Ref ref, float[] got, double rtol) {
        var bad = new ArrayList<String>();
        int count = 0;
        for (int i = 0; i < got.length; i++) {
            double bound = rtol * (Math.abs(ref.value()[i]) + ref.terms()[i]) + 1e-30;
            double err = Math.abs(got[i] - ref.value()[i]);
            if (!(err <= bound)) {
                count++;
                if (bad.size() < 5) {
                    bad.add("[" + i + "] got " + got[i] + " want " + ref.value()[i] + " (bound " + bound + ")");
                }
            }
        }
        if (count > 0) {
            String msg = what + ": " + count + " of " + got.length + " elements off (rtol " + rtol + "); first: "
                    + String.join("; ", bad);
            System.out.println(msg);
            fail(msg);
        }
    }

    /** The largest |got - ref| / (|ref| + terms): how far a result is from the exact one. */
    static double worst(Ref ref, float[] got) {
        double worst = 0;
        for (int i = 0; i < got.length; i++) {
            worst = Math.max(worst, Math.abs(got[i] - ref.value()[i]) / (Math.abs(ref.value()[i]) + ref.terms()[i]
                    + 1e-30));
        }
        return worst;
    }
}
