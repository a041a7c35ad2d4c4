// The cuBLAS and cuDNN bindings on a GPU against float64 references; skipped, with the reason, without a GPU
// or where the library itself is not installed (e.g. the CPU emulator's run without its fake cuBLAS/cuDNN).
package org.fkt.engine.natives;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.fkt.engine.natives.blas.Blas;
import org.fkt.engine.natives.dnn.ConvShape;
import org.fkt.engine.natives.dnn.Dnn;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("gpu")
class BindingsGpuTest {

    /** float32 within 1e-5 relative (of the largest reference magnitude), TF32 within 5e-3. */
    private static final double FP32_TOL = 1e-5;
    private static final double TF32_TOL = 5e-3;

    private static CudaDriverInfo driver;
    private static TestCuda cuda;

    @BeforeAll
    static void device() {
        driver = CudaDriverInfo.probe();
        if (!driver.available()) {
            System.err.println("BindingsGpuTest skipped: no GPU: " + driver.reason());
        }
        cuda = TestCuda.open(driver);
    }

    @BeforeEach
    void needsGpu() {
        Assumptions.assumeTrue(driver.available(), () -> "no GPU: " + driver.reason());
    }

    /** The library, or a skip printing why none loads. */
    private static <T> T library(String what, java.util.function.Supplier<T> open) {
        try {
            return open.get();
        } catch (NativeLibraryException e) {
            System.err.println("BindingsGpuTest: " + what + " test skipped: " + e.getMessage());
            Assumptions.abort(what + " is not available: " + e.getMessage());
            throw e;
        }
    }

    @Test
    void sgemmMatchesFloat64ForEveryTransposeAndBothMathModes() {
        Blas blas = library("cuBLAS", NativeLibraries::blas);
        int m = 67;
        int n = 45;
        int k = 129;
        var rnd = new SplittableRandom(7);
        for (boolean tf32 : new boolean[] {false, true}) {
            blas.setTf32(tf32);
            for (boolean ta : new boolean[] {false, true}) {
                for (boolean tb : new boolean[] {false, true}) {
                    float[] a = random(rnd, m * k);
                    float[] b = random(rnd, k * n);
                    float[] c0 = random(rnd, m * n);
                    int lda = ta ? k : m;
                    int ldb = tb ? n : k;
                    long da = cuda.upload(a);
                    long db = cuda.upload(b);
                    long dc = cuda.upload(c0);
                    blas.sgemm(ta, tb, m, n, k, 1.5f, da, lda, db, ldb, 0.5f, dc, m);
                    float[] c = cuda.download(dc, m * n);
                    cuda.free(da, db, dc);
                    double[] ref = new double[m * n];
                    for (int j = 0; j < n; j++) {
                        for (int i = 0; i < m; i++) {
                            double s = 0;
                            for (int p = 0; p < k; p++) {
                                double av = ta ? a[p + i * lda] : a[i + p * lda];
                                double bv = tb ? b[j + p * ldb] : b[p + j * ldb];
                                s += av * bv;
                            }
                            ref[i + j * m] = 1.5 * s + 0.5 * c0[i + j * m];
                        }
                    }
                    assertClose(ref, c, tf32 ? TF32_TOL : FP32_TOL, blas.provider() + " " + blas.version()
                            + " sgemm transA=" + ta + " transB=" + tb + " tf32=" + tf32);
                }
            }
        }
        blas.setTf32(false);
    }

    @Test
    void convolutionPassesMatchFloat64() {
        Dnn dnn = library("cuDNN", NativeLibraries::dnn);
        var rnd = new SplittableRandom(11);
        for (boolean tf32 : new boolean[] {false, true}) {
            for (ConvShape s : new ConvShape[] {
                    new ConvShape(2, 3, 13, 11, 5, 3, 3, 1, 1, 1, 1, tf32),
                    new ConvShape(3, 8, 16, 16, 6, 7, 7, 2, 2, 3, 3, tf32),
                    new ConvShape(2, 9, 9, 7, 4, 1, 1, 2, 2, 0, 0, tf32)}) {
                int xs = s.n() * s.c() * s.h() * s.w();
                int ws = s.k() * s.c() * s.r() * s.s();
                int ys = s.n() * s.k() * s.p() * s.q();
                float[] x = random(rnd, xs);
                float[] w = random(rnd, ws);
                float[] dy = random(rnd, ys);
                long wsBytes = dnn.workspaceBytes(s);
                long work = cuda.alloc(Math.max(1, (wsBytes + 3) / 4));
                long dx = cuda.upload(x);
                long dw = cuda.upload(w);
                long ddy = cuda.upload(dy);
                long y = cuda.poisoned(ys);
                long gx = cuda.poisoned(xs);
                long gw = cuda.poisoned(ws);
                dnn.convForward(s, dx, dw, y, work, wsBytes);
                dnn.convBackwardData(s, dw, ddy, gx, work, wsBytes);
                dnn.convBackwardFilter(s, dx, ddy, gw, work, wsBytes);
                float[] yOut = cuda.download(y, ys);
                float[] gxOut = cuda.download(gx, xs);
                float[] gwOut = cuda.download(gw, ws);
                cuda.free(work, dx, dw, ddy, y, gx, gw);
                double[][] ref = reference(s, x, w, dy);
                double tol = tf32 ? TF32_TOL : FP32_TOL;
                String what = dnn.provider() + " " + dnn.version() + " " + s;
                assertClose(ref[0], yOut, tol, "forward " + what);
                assertClose(ref[1], gxOut, tol, "backward-data " + what);
                assertClose(ref[2], gwOut, tol, "backward-filter " + what);
            }
        }
    }

    /** y, dx, dw of a cross-correlation in float64: y[n,k,p,q] = sum x[n,c,p*sh+r-ph,q*sw+s-pw] w[k,c,r,s]. */
    private static double[][] reference(ConvShape s, float[] x, float[] w, float[] dy) {
        double[] y = new double[s.n() * s.k() * s.p() * s.q()];
        double[] dx = new double[x.length];
        double[] dw = new double[w.length];
        for (int n = 0; n < s.n(); n++) {
            for (int k = 0; k < s.k(); k++) {
                for (int p = 0; p < s.p(); p++) {
                    for (int q = 0; q < s.q(); q++) {
                        int yi = ((n * s.k() + k) * s.p() + p) * s.q() + q;
                        double acc = 0;
                        for (int c = 0; c < s.c(); c++) {
                            for (int r = 0; r < s.r(); r++) {
                                int h = p * s.strideH() + r - s.padH();
                                if (h < 0 || h >= s.h()) {
                                    continue;
                                }
                                for (int t = 0; t < s.s(); t++) {
                                    int v = q * s.strideW() + t - s.padW();
                                    if (v < 0 || v >= s.w()) {
                                        continue;
                                    }
                                    int xi = ((n * s.c() + c) * s.h() + h) * s.w() + v;
                                    int wi = ((k * s.c() + c) * s.r() + r) * s.s() + t;
                                    acc += (double) x[xi] * w[wi];
                                    dx[xi] += (double) dy[yi] * w[wi];
                                    dw[wi] += (double) dy[yi] * x[xi];
                                }
                            }
                        }
                        y[yi] = acc;
                    }
                }
            }
        }
        return new double[][] {y, dx, dw};
    }

    private static float[] random(SplittableRandom rnd, int size) {
        float[] a = new float[size];
        for (int i = 0; i < size; i++) {
            a[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        return a;
    }

    /** Every element within tol times the largest reference magnitude; NaN (never written) fails. */
    private static void assertClose(double[] ref, float[] got, double tol, String what) {
        double scale = 1e-30;
        for (double r : ref) {
            scale = Math.max(scale, Math.abs(r));
        }
        double worst = 0;
        int at = -1;
        for (int i = 0; i < ref.length; i++) {
            double err = Math.abs(ref[i] - got[i]) / scale;
            if (!(err <= worst)) {
                worst = Double.isNaN(err) ? Double.POSITIVE_INFINITY : err;
                at = i;
            }
        }
        assertTrue(worst <= tol, what + ": max relative error " + worst + " at " + at + " (tolerance " + tol + ")");
    }
}
