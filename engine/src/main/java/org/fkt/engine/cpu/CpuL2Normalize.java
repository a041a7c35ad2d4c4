package org.fkt.engine.cpu;

import org.fkt.engine.tensor.Tensor;

/**
 * Row-wise L2 normalisation y = x / max(||x||, eps) (PyTorch's F.normalize) and its backward:
 * dx = (dy - y * (dy . y)) / ||x|| where the norm exceeds eps, dx = dy / eps where it does not
 * (the clamp makes y linear in x there), so a zero row has a defined, finite gradient.
 */
final class CpuL2Normalize {
    private CpuL2Normalize() {
    }

    static void forward(Tensor x, double eps, Tensor y, Tensor norms) {
        CpuBuf xb = CpuBuf.of(x);
        CpuBuf yb = CpuBuf.of(y);
        CpuBuf nb = CpuBuf.of(norms);
        int rows = x.dim(0);
        int d = x.dim(1);
        CpuParallel.forRange(rows, Math.max(1, 4096 / Math.max(1, d)), (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                long row = (long) r * d;
                double squares = 0;
                for (int j = 0; j < d; j++) {
                    double v = xb.get(row + j);
                    squares += v * v;
                }
                double norm = Math.sqrt(squares);
                double denominator = Math.max(norm, eps);
                for (int j = 0; j < d; j++) {
                    yb.set(row + j, xb.get(row + j) / denominator);
                }
                nb.set(r, norm);
            }
        });
    }

    static void backward(Tensor dy, Tensor y, Tensor norms, double eps, Tensor dx) {
        CpuBuf gy = CpuBuf.of(dy);
        CpuBuf yb = CpuBuf.of(y);
        CpuBuf nb = CpuBuf.of(norms);
        CpuBuf gx = CpuBuf.of(dx);
        int rows = y.dim(0);
        int d = y.dim(1);
        CpuParallel.forRange(rows, Math.max(1, 4096 / Math.max(1, d)), (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                long row = (long) r * d;
                double norm = nb.get(r);
                if (norm <= eps) {
                    for (int j = 0; j < d; j++) {
                        gx.set(row + j, gy.get(row + j) / eps);
                    }
                    continue;
                }
                double dot = 0;
                for (int j = 0; j < d; j++) {
                    dot += gy.get(row + j) * yb.get(row + j);
                }
                for (int j = 0; j < d; j++) {
                    gx.set(row + j, (gy.get(row + j) - yb.get(row + j) * dot) / norm);
                }
            }
        });
    }
}
