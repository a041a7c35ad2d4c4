package org.fkt.engine.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.fkt.engine.memory.MemoryScope;
import org.fkt.engine.tensor.DType;
import org.fkt.engine.tensor.Device;
import org.fkt.engine.tensor.Tensor;

/**
 * Fused NT-Xent on the CPU, the twin of the CUDA kernels in {@code ntxent.cu} ({@code CudaNtXent}).
 * One pass over row tiles with an online masked log-sum-exp; the (2N, 2N) similarity matrix is never
 * stored (a thread holds one small tile of it), so memory is O(N*D). Multithreaded over row blocks.
 * Float32 runs the Vector-API tiles of {@link CpuNtXentTiles}; float64, the reference, runs the same
 * algorithm row by row in plain double loops.
 *
 * <h2>The loss</h2>
 * M = 2N rows z_i (D features), partner p(i) = i + N for i < N, i - N otherwise; temperature t.
 * <pre>
 *   u_i    = z_i / max(||z_i||, eps)                      (zn: F.normalize; a zero row gives u_i = 0)
 *   s_ij   = u_i . u_j / t                                 (j != i; s_ii is masked to minus infinity)
 *   lse_i  = log sum_{j != i} exp(s_ij)
 *   L      = (1/M) sum_i (lse_i - s_i,p(i))
 * </pre>
 * lse_i is accumulated online over column tiles: with m the running max and S the running sum of
 * exp(s - m), a tile with row maximum m' gives m'' = max(m, m'), S = S exp(m - m'') + sum exp(s - m''),
 * and lse_i = m + log S at the end; nothing overflows, whatever t. The forward saves u (M, D), the
 * norms ||z_i|| (M) and lse (M).
 *
 * <h2>The gradient</h2>
 * With P_ij = exp(s_ij - lse_i) (P_ii = 0), dL/ds_ij = (1/M)(P_ij - [j = p(i)]) for j != i, and 0 on
 * the diagonal. s_ij = s_ji depends on u_k through both its row and its column, so
 * <pre>
 *   dL/du_k = (1/(M t)) sum_j ((P_kj - [j = p(k)]) + (P_jk - [k = p(j)])) u_j
 *           = (1/(M t)) [ sum_j (P_kj + P_jk) u_j - 2 u_p(k) ]         (p is an involution)
 * </pre>
 * The backward recomputes s tile by tile (flash-style) from u and the saved lse, so that row k only
 * needs P_jk = exp(s_kj - lse_j) (s is symmetric): w_kj = exp(s_kj - lse_k) + exp(s_kj - lse_j) for
 * j != k, w_kk = 0, and the partner entry gets the -2 inside the sum (w_k,p(k) - 2 is formed in
 * double, so a confident positive, where both terms are near 1, keeps its digits). Each row of dz is
 * then local to its row block, and no thread writes another's rows. With g the incoming gradient:
 * <pre>
 *   du_k = (g / (M t)) sum_j w'_kj u_j                         (w' = w with the -2 at p(k))
 *   dz_k = (du_k - u_k (du_k . u_k)) / ||z_k||                 when ||z_k|| > eps
 *   dz_k = du_k / eps                                          otherwise (the clamp makes u linear in z)
 * </pre>
 * the last two being {@link CpuL2Normalize}'s backward. A zero row therefore has u = 0, takes part in
 * every lse with s = 0, and gets the finite gradient du / eps, as in the composed path and in PyTorch.
 *
 * <h2>Cost</h2>
 * Forward: M^2 D multiply-adds and M^2 exponentials; backward: 2 M^2 D and 2 M^2. Extra memory:
 * u, the norms and lse (saved); during each pass (float32) a packed copy of u, O(N) row state, and
 * per thread about 3 MiB of heap buffers (a row group, a column block and their tiles).
 */
final class CpuNtXent {
    private CpuNtXent() {
    }

    /**
     * Loss into {@code loss}; zn (M, D), norms (M), lse (M) receive what the backward needs. With
     * {@code zn == null} (loss only) the normalised rows go to a temporary freed before returning
     * and nothing else is saved.
     */
    static void forward(Tensor z, double temperature, double eps, Tensor loss, Tensor zn, Tensor norms, Tensor lse) {
        int m = z.dim(0);
        int d = z.dim(1);
        Tensor u = zn;
        Tensor n = norms;
        if (zn == null) {
            u = MemoryScope.unscoped(() -> Tensor.empty(z.dtype(), Device.CPU, m, d));
            n = MemoryScope.unscoped(() -> Tensor.empty(z.dtype(), Device.CPU, m));
        }
        try {
            CpuL2Normalize.forward(z, eps, u, n);
            double[] rowLse = new double[m];
            double[] positive = new double[m];
            if (z.dtype() == DType.FLOAT32) {
                forward32(u, temperature, rowLse, positive);
            } else {
                forward64(u, temperature, rowLse, positive);
            }
            double total = 0;
            for (int i = 0; i < m; i++) {
                total += rowLse[i] - positive[i];
            }
            CpuBuf.of(loss).set(0, total / m);
            if (lse != null) {
                CpuBuf lb = CpuBuf.of(lse);
                for (int i = 0; i < m; i++) {
                    lb.set(i, rowLse[i]);
                }
            }
        } finally {
            if (zn == null) {
                u.close();
                n.close();
            }
        }
    }

    /** dz (M, D), overwritten, from the incoming one-element gradient and the forward's saved tensors. */
    static void backward(Tensor dloss, Tensor zn, Tensor norms, Tensor lse, double temperature, double eps, Tensor dz) {
        if (zn.dtype() == DType.FLOAT32) {
            backward32(zn, lse, temperature, dz);
        } else {
            backward64(zn, lse, temperature, dz);
        }
        int m = zn.dim(0);
        double coefficient = CpuBuf.of(dloss).get(0) / ((double) m * temperature);
        normalizeBackward(zn, norms, eps, coefficient, dz);
    }

    private static void forward32(Tensor zn, double temperature, double[] rowLse, double[] positive) {
        int m = zn.dim(0);
        var plan = CpuNtXentTiles.Plan.of(m, zn.dim(1));
        float invT = (float) (1 / temperature);
        float[] runMax = new float[m];
        double[] runSum = new double[m];
        try (Tensor panels = panels(zn)) {
            MemorySegment seg = CpuBuf.segment(panels);
            CpuParallel.forRange(plan.panels(), grain(m, zn.dim(1)), (q0, q1) ->
                    CpuNtXentTiles.forward(plan, seg, invT, q0, q1, runMax, runSum, positive));
        }
        for (int i = 0; i < m; i++) {
            rowLse[i] = runMax[i] + Math.log(runSum[i]);
        }
    }

    private static void backward32(Tensor zn, Tensor lse, double temperature, Tensor dz) {
        var plan = CpuNtXentTiles.Plan.of(zn.dim(0), zn.dim(1));
        var rows = new CpuNtXentTiles.Rows(CpuBuf.segment(zn), zn.offset());
        var out = new CpuNtXentTiles.Rows(CpuBuf.segment(dz), dz.offset());
        MemorySegment lseSeg = CpuBuf.segment(lse);
        float invT = (float) (1 / temperature);
        try (Tensor panels = panels(zn)) {
            MemorySegment seg = CpuBuf.segment(panels);
            CpuParallel.forRange(plan.panels(), grain(zn.dim(0), zn.dim(1)), (q0, q1) ->
                    CpuNtXentTiles.backward(plan, rows, seg, lseSeg, lse.offset(), invT, q0, q1, out));
        }
    }

    /**
     * zn^T packed in NR-column panels (see {@link CpuNtXentTiles#packPanels}), a temporary float32
     * tensor as large as zn (rows rounded up to NR) that the caller closes; packed in parallel.
     */
    private static Tensor panels(Tensor zn) {
        int m = zn.dim(0);
        int d = zn.dim(1);
        int padded = Math.toIntExact(CpuNtXentTiles.panelFloats(m, d) / d);
        Tensor panels = MemoryScope.unscoped(() -> Tensor.empty(DType.FLOAT32, Device.CPU, padded, d));
        var rows = new CpuNtXentTiles.Rows(CpuBuf.segment(zn), zn.offset());
        MemorySegment seg = CpuBuf.segment(panels);
        int count = (m + CpuNtXentTiles.NR - 1) / CpuNtXentTiles.NR;
        CpuParallel.forRange(count, Math.max(1, 4096 / d), (q0, q1) ->
                CpuNtXentTiles.packPanels(rows, m, d, seg, q0, q1));
        return panels;
    }

    /** Row panels per task: enough that a task is worth a thread (about a million multiply-adds). */
    private static int grain(int m, int d) {
        long perBlock = (long) CpuNtXentTiles.NR * m * d;
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, (1L << 20) / Math.max(1, perBlock)));
    }

    /** The float64 reference: row i's online log-sum-exp over j, in double. */
    private static void forward64(Tensor zn, double temperature, double[] rowLse, double[] positive) {
        int m = zn.dim(0);
        int d = zn.dim(1);
        MemorySegment u = CpuBuf.segment(zn);
        long base = zn.offset();
        double invT = 1 / temperature;
        CpuParallel.forRange(m, reference64Grain(m, d), (i0, i1) -> {
            for (int i = i0; i < i1; i++) {
                int partner = partner(i, m);
                double max = Double.NEGATIVE_INFINITY;
                double sum = 0;
                for (int j = 0; j < m; j++) {
                    if (j == i) {
                        continue;
                    }
                    double s = dot(u, base + (long) i * d, base + (long) j * d, d) * invT;
                    if (j == partner) {
                        positive[i] = s;
                    }
                    if (s > max) {
                        sum = sum * Math.exp(max - s) + 1;
                        max = s;
                    } else {
                        sum += Math.exp(s - max);
                    }
                }
                rowLse[i] = max + Math.log(sum);
            }
        });
    }

    /** The float64 reference backward: dz row i = sum over j of w'_ij u_j, in double. */
    private static void backward64(Tensor zn, Tensor lse, double temperature, Tensor dz) {
        int m = zn.dim(0);
        int d = zn.dim(1);
        MemorySegment u = CpuBuf.segment(zn);
        long base = zn.offset();
        CpuBuf lb = CpuBuf.of(lse);
        CpuBuf out = CpuBuf.of(dz);
        double invT = 1 / temperature;
        CpuParallel.forRange(m, reference64Grain(m, d), (i0, i1) -> {
            double[] acc = new double[d];
            for (int i = i0; i < i1; i++) {
                java.util.Arrays.fill(acc, 0);
                int partner = partner(i, m);
                double lseI = lb.get(i);
                for (int j = 0; j < m; j++) {
                    if (j == i) {
                        continue;
                    }
                    long row = base + (long) j * d;
                    double s = dot(u, base + (long) i * d, row, d) * invT;
                    double w = Math.exp(s - lseI) + Math.exp(s - lb.get(j)) - (j == partner ? 2 : 0);
                    for (int k = 0; k < d; k++) {
                        acc[k] += w * u.getAtIndex(ValueLayout.JAVA_DOUBLE, row + k);
                    }
                }
                for (int k = 0; k < d; k++) {
                    out.set((long) i * d + k, acc[k]);
                }
            }
        });
    }

    /** Rows per task of the float64 reference: each row costs 2N * D multiply-adds. */
    private static int reference64Grain(int m, int d) {
        return (int) Math.max(1, (1L << 16) / Math.max(1L, (long) m * d));
    }

    private static double dot(MemorySegment u, long a, long b, int d) {
        double s = 0;
        for (int k = 0; k < d; k++) {
            s += u.getAtIndex(ValueLayout.JAVA_DOUBLE, a + k) * u.getAtIndex(ValueLayout.JAVA_DOUBLE, b + k);
        }
        return s;
    }

    private static int partner(int i, int m) {
        int half = m / 2;
        return i < half ? i + half : i - half;
    }

    /**
     * In place: dz row k holds sum_j w'_kj u_j on entry; leaves (du_k - u_k (du_k . u_k)) / ||z_k||
     * with du_k = coefficient * that sum (du_k / eps where ||z_k|| <= eps), in double.
     */
    private static void normalizeBackward(Tensor zn, Tensor norms, double eps, double coefficient, Tensor dz) {
        CpuBuf u = CpuBuf.of(zn);
        CpuBuf nb = CpuBuf.of(norms);
        CpuBuf g = CpuBuf.of(dz);
        int m = zn.dim(0);
        int d = zn.dim(1);
        CpuParallel.forRange(m, Math.max(1, 4096 / Math.max(1, d)), (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                long row = (long) r * d;
                double norm = nb.get(r);
                if (norm <= eps) {
                    for (int k = 0; k < d; k++) {
                        g.set(row + k, coefficient * g.get(row + k) / eps);
                    }
                    continue;
                }
                double dot = 0;
                for (int k = 0; k < d; k++) {
                    dot += coefficient * g.get(row + k) * u.get(row + k);
                }
                for (int k = 0; k < d; k++) {
                    g.set(row + k, (coefficient * g.get(row + k) - u.get(row + k) * dot) / norm);
                }
            }
        });
    }
}
