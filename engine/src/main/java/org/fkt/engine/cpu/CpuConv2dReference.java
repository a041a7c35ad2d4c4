package org.fkt.engine.cpu;

import org.fkt.engine.backend.Conv2dSpec;
import org.fkt.engine.tensor.Device;
import org.fkt.engine.tensor.Tensor;

/**
 * The reference convolution, used for float64 (gradient checks, and the oracle the float32 fast
 * path of {@link CpuConv2d} is tested against): GEMM over an im2col buffer, element access through
 * {@link CpuBuf} in double. Images are processed in chunks of {@code b} images whose columns sit
 * side by side, so small feature maps still give the GEMM a wide matrix: col is (C*R*S, b*P*Q).
 * With one image per chunk and a 1x1 stride-1 unpadded kernel the input itself is the column
 * matrix and no copy is made. Tensors: x, dx (N, C, H, W); w, dw (K, C, R, S); y, dy (N, K, P, Q).
 *
 * <pre>
 * forward:          Y'(K, b*PQ)    = W(K, CRS)     @ col(CRS, b*PQ)
 * backward data:    dcol(CRS, b*PQ) = W^T(CRS, K)   @ dY'(K, b*PQ),  then col2im into dx
 * backward filter:  dW(K, CRS)    += dY'(K, b*PQ)  @ col^T(b*PQ, CRS)
 * </pre>
 */
final class CpuConv2dReference {
    /** Aim for at least this many GEMM columns per chunk. */
    private static final int TARGET_COLUMNS = 512;
    /** Cap on one chunk's column buffer, in elements. */
    private static final long MAX_COL_ELEMENTS = 8L << 20;

    private CpuConv2dReference() {
    }

    /** Convolution geometry of one call. */
    private record Geometry(int n, int c, int h, int w, int k, int r, int s, int p, int q, int stride, int pad) {
        static Geometry of(Tensor x, Tensor w, Tensor y, Conv2dSpec spec) {
            return new Geometry(x.dim(0), x.dim(1), x.dim(2), x.dim(3), w.dim(0), w.dim(2), w.dim(3),
                    y.dim(2), y.dim(3), spec.stride(), spec.padding());
        }

        int crs() {
            return c * r * s;
        }

        int pq() {
            return p * q;
        }

        boolean isPointwise() {
            return r == 1 && s == 1 && stride == 1 && pad == 0;
        }

        /** Images per chunk. */
        int chunk() {
            int byColumns = Math.max(1, (TARGET_COLUMNS + pq() - 1) / pq());
            int byMemory = (int) Math.max(1, MAX_COL_ELEMENTS / ((long) crs() * pq()));
            return Math.min(n, Math.min(byColumns, byMemory));
        }
    }

    static void forward(Tensor x, Tensor w, Tensor y, Conv2dSpec spec) {
        Geometry g = Geometry.of(x, w, y, spec);
        int b = g.chunk();
        for (int n0 = 0; n0 < g.n; n0 += b) {
            int nb = Math.min(b, g.n - n0);
            int cols = nb * g.pq();
            try (Tensor w2 = w.slice(0, g.k, g.crs());
                 Tensor col = columnsOf(x, n0, nb, g);
                 Tensor out = nb == 1 ? y.slice((long) n0 * g.k * g.pq(), g.k, cols)
                                      : scratch(y, g.k, cols)) {
                gemm(false, w2, false, col, out, 0);
                if (nb > 1) {
                    channelsMajorToImages(out, y, n0, nb, g.k, g.pq());
                }
            }
        }
    }

    static void backwardData(Tensor dy, Tensor w, Tensor dx, Conv2dSpec spec) {
        Geometry g = Geometry.of(dx, w, dy, spec);
        int b = g.chunk();
        for (int n0 = 0; n0 < g.n; n0 += b) {
            int nb = Math.min(b, g.n - n0);
            int cols = nb * g.pq();
            try (Tensor w2 = w.slice(0, g.k, g.crs());
                 Tensor dyCols = gradientColumns(dy, n0, nb, g)) {
                if (nb == 1 && g.isPointwise()) {
                    try (Tensor dxImage = dx.slice((long) n0 * g.c * g.pq(), g.c, cols)) {
                        gemm(true, w2, false, dyCols, dxImage, 0);
                    }
                    continue;
                }
                try (Tensor dcol = columns(dx, g.crs(), cols)) {
                    gemm(true, w2, false, dyCols, dcol, 0);
                    col2im(dcol, n0, nb, g, dx);
                }
            }
        }
    }

    static void backwardFilter(Tensor x, Tensor dy, Tensor dw, Conv2dSpec spec) {
        Geometry g = Geometry.of(x, dw, dy, spec);
        int b = g.chunk();
        try (Tensor dw2 = dw.slice(0, g.k, g.crs())) {
            for (int n0 = 0; n0 < g.n; n0 += b) {
                int nb = Math.min(b, g.n - n0);
                try (Tensor dyCols = gradientColumns(dy, n0, nb, g);
                     Tensor col = columnsOf(x, n0, nb, g)) {
                    gemm(false, dyCols, true, col, dw2, n0 == 0 ? 0 : 1);
                }
            }
        }
    }

    /** A fresh (rows, cols) scratch tensor typed like {@code like}; the caller closes it. */
    private static Tensor columns(Tensor like, int rows, int cols) {
        return Tensor.empty(like.dtype(), Device.CPU, rows, cols);
    }

    /** A fresh (rows, cols) scratch tensor typed like {@code like}; the caller closes it. */
    private static Tensor scratch(Tensor like, int rows, int cols) {
        return Tensor.empty(like.dtype(), Device.CPU, rows, cols);
    }

    /** c = op(a) @ op(b) + beta * c on 2-D views. */
    private static void gemm(boolean transA, Tensor a, boolean transB, Tensor b, Tensor c, double beta) {
        CpuGemm.matmul(a, transA, b, transB, c, 1, beta);
    }

    /** The (CRS, nb*PQ) column matrix of images n0..n0+nb: a view of x itself when no copy is needed. */
    private static Tensor columnsOf(Tensor x, int n0, int nb, Geometry g) {
        if (nb == 1 && g.isPointwise()) {
            return x.slice((long) n0 * g.c * g.pq(), g.c, g.pq());
        }
        Tensor col = columns(x, g.crs(), nb * g.pq());
        im2col(x, n0, nb, g, col);
        return col;
    }

    /** dy of images n0..n0+nb as (K, nb*PQ): a view for one image, else regrouped in scratch. */
    private static Tensor gradientColumns(Tensor dy, int n0, int nb, Geometry g) {
        if (nb == 1) {
            return dy.slice((long) n0 * g.k * g.pq(), g.k, g.pq());
        }
        Tensor out = scratch(dy, g.k, nb * g.pq());
        imagesToChannelsMajor(dy, n0, nb, g.k, g.pq(), out);
        return out;
    }

    /** col[(c*R + i)*S + j, img*PQ + p*Q + q] = x[n0 + img, c, p*stride - pad + i, q*stride - pad + j]. */
    private static void im2col(Tensor x, int n0, int nb, Geometry g, Tensor col) {
        CpuBuf xb = CpuBuf.of(x);
        CpuBuf cb = CpuBuf.of(col);
        int cols = nb * g.pq();
        CpuParallel.forRange(g.crs(), 1, (row0, row1) -> {
            for (int row = row0; row < row1; row++) {
                int ch = row / (g.r * g.s);
                int i = row / g.s % g.r;
                int j = row % g.s;
                long dst = (long) row * cols;
                for (int img = 0; img < nb; img++) {
                    long plane = ((long) (n0 + img) * g.c + ch) * g.h * g.w;
                    for (int p = 0; p < g.p; p++) {
                        int hIn = p * g.stride - g.pad + i;
                        boolean rowInside = hIn >= 0 && hIn < g.h;
                        for (int q = 0; q < g.q; q++) {
                            int wIn = q * g.stride - g.pad + j;
                            double v = rowInside && wIn >= 0 && wIn < g.w ? xb.get(plane + (long) hIn * g.w + wIn) : 0;
                            cb.set(dst++, v);
                        }
                    }
                }
            }
        });
    }

    /** Adjoint of {@link #im2col}: dx (for images n0..n0+nb) = sum of dcol entries that read each pixel. */
    private static void col2im(Tensor dcol, int n0, int nb, Geometry g, Tensor dx) {
        CpuBuf cb = CpuBuf.of(dcol);
        CpuBuf xb = CpuBuf.of(dx);
        int cols = nb * g.pq();
        CpuParallel.forRange(g.c, 1, (c0, c1) -> {
            for (int ch = c0; ch < c1; ch++) {
                for (int img = 0; img < nb; img++) {
                    long plane = ((long) (n0 + img) * g.c + ch) * g.h * g.w;
                    for (long e = 0; e < (long) g.h * g.w; e++) {
                        xb.set(plane + e, 0);
                    }
                    for (int i = 0; i < g.r; i++) {
                        for (int j = 0; j < g.s; j++) {
                            long src = ((long) (ch * g.r + i) * g.s + j) * cols + (long) img * g.pq();
                            for (int p = 0; p < g.p; p++) {
                                int hIn = p * g.stride - g.pad + i;
                                if (hIn < 0 || hIn >= g.h) {
                                    continue;
                                }
                                for (int q = 0; q < g.q; q++) {
                                    int wIn = q * g.stride - g.pad + j;
                                    if (wIn >= 0 && wIn < g.w) {
                                        xb.add(plane + (long) hIn * g.w + wIn, cb.get(src + (long) p * g.q + q));
                                    }
                                }
                            }
                        }
                    }
                }
            }
        });
    }

    /** (K, nb*PQ) -> images n0..n0+nb of (N, K, PQ). */
    private static void channelsMajorToImages(Tensor src, Tensor dst, int n0, int nb, int k, int pq) {
        CpuBuf s = CpuBuf.of(src);
        CpuBuf d = CpuBuf.of(dst);
        CpuParallel.forRange(k, 1, (k0, k1) -> {
            for (int ch = k0; ch < k1; ch++) {
                for (int img = 0; img < nb; img++) {
                    long from = (long) ch * nb * pq + (long) img * pq;
                    long to = ((long) (n0 + img) * k + ch) * pq;
                    for (int e = 0; e < pq; e++) {
                        d.set(to + e, s.get(from + e));
                    }
                }
            }
        });
    }

    /** Images n0..n0+nb of (N, K, PQ) -> (K, nb*PQ). */
    private static void imagesToChannelsMajor(Tensor src, int n0, int nb, int k, int pq, Tensor dst) {
        CpuBuf s = CpuBuf.of(src);
        CpuBuf d = CpuBuf.of(dst);
        CpuParallel.forRange(k, 1, (k0, k1) -> {
            for (int ch = k0; ch < k1; ch++) {
                for (int img = 0; img < nb; img++) {
                    long to = (long) ch * nb * pq + (long) img * pq;
                    long from = ((long) (n0 + img) * k + ch) * pq;
                    for (int e = 0; e < pq; e++) {
                        d.set(to + e, s.get(from + e));
                    }
                }
            }
        });
    }
}
