package org.fkt.engine.cpu;

import java.lang.foreign.MemorySegment;
import org.fkt.engine.backend.Conv2dSpec;
import org.fkt.engine.cpu.CpuPackedGemm.PackedA;
import org.fkt.engine.cpu.CpuPackedGemm.PanelSource;
import org.fkt.engine.cpu.CpuIm2col.Geometry;
import org.fkt.engine.cpu.CpuIm2col.SameMasks;
import org.fkt.engine.cpu.CpuWorkspace.Slot;
import org.fkt.engine.tensor.DType;
import org.fkt.engine.tensor.Tensor;

/**
 * Convolution on the CPU as GEMM over im2col tiles. Float64 goes to {@link CpuConv2dReference};
 * this class is the float32 fast path, on {@link CpuPackedGemm}. The weight operand is packed
 * into micro-panels once per call and shared by every tile and thread. The column matrix is never
 * built: the work is cut into tiles of output pixels, and each tile's GEMM asks for its B operand
 * block by block, which im2col (or im2row) writes straight into the packed micro-panel layout on
 * the same core, so a column block exists only once, in that core's L2 cache.
 *
 * <pre>
 * forward:         Y(K, tile)        = W(K, CRS)         @ col(CRS, tile)
 * backward data,   dX(C, tile)       = Wf^T(C, KRS)      @ col_dy(KRS, tile)    Wf = flipped W,
 *   stride 1:                          (the transposed convolution run as a forward one)
 * backward data,   dcol(CRS, images) = W^T(CRS, K)       @ dY(K, images),       then col2im
 *   strided:
 * backward filter: dW'(K, RSC)       = dY(K, N*PQ)       @ row(N*PQ, RSC)       then dW' -> dW
 * </pre>
 *
 * <p>Backward filter works pixel-major: input images are copied once to zero-bordered
 * (H, W, C) images, after which a patch row of im2row is R*S contiguous runs of C floats; dY is
 * packed as the A operand straight from (N, K, PQ). Its tasks own column blocks of dW', so there
 * is neither a reduction nor duplicated im2row, and each runs the whole batch as the GEMM depth.
 *
 * <p>Forward tiles of a large image are parts of it, written in place with a leading dimension
 * of P*Q; tiles of small images hold several whole images, regrouped between (N, K, PQ) and
 * (K, b*PQ) in the workspace. The GEMMs run inside the parallel loop's tasks, single-threaded.
 * Tensors: x, dx (N, C, H, W); w, dw (K, C, R, S); y, dy (N, K, P, Q).
 */
final class CpuConv2d {
    /** GEMM columns per forward tile: its packed im2col blocks stay within L2 (2 MiB). */
    private static final int TILE_COLUMNS = 512;

    private CpuConv2d() {
    }

    /**
     * Packs op(A) = dY as (K, N*PQ), pixel-major over the batch, straight from dy (N, K, P, Q): for
     * each K slice and MR-row panel, the runs of the slice that lie in one image are transposed in.
     */
    private static void packGradient(Geometry g, Tensor dy, PackedA a) {
        int pq = g.pq();
        int slices = CpuSgemm.ceilDiv(a.k, a.kcMax);
        int panels = a.mPad / CpuPackedGemm.MR;
        MemorySegment ds = seg(dy);
        CpuParallel.forRange(slices * panels, 8, (t0, t1) -> {
            for (int t = t0; t < t1; t++) {
                int pc = t / panels * a.kcMax;
                int ir = t % panels * CpuPackedGemm.MR;
                int rows = Math.min(CpuPackedGemm.MR, g.k() - ir);
                int end = pc + a.depth(pc);
                for (int v = pc; v < end; ) {
                    int img = v / pq;
                    int e = v % pq;
                    int len = Math.min(pq - e, end - v);
                    long src = dy.offset() + ((long) img * g.k() + ir) * pq + e;
                    int at = a.offset(pc, ir) + (v - pc) * CpuPackedGemm.MR;
                    CpuSgemmPacking.transposeInto(ds, src, pq, rows, len, a.data, at, CpuPackedGemm.MR,
                            CpuSgemmPacking.A_STRIDE);
                    v += len;
                }
            }
        });
    }

    /** A run of output pixels: images [img, img + nb), or pixels [e0, e1) of image img when nb == 1. */
    private record Tile(int img, int nb, int e0, int e1) {
        int columns(int pq) {
            return nb == 1 ? e1 - e0 : nb * pq;
        }

        long firstColumn(int pq) {
            return (long) img * pq + e0;
        }
    }

    /**
     * Cuts the batch into tiles of about {@code target} pixels, at least one per thread where the
     * batch allows; images of at least {@code target} pixels are cut into parts when partsAllowed.
     */
    private static Tile[] tiles(Geometry g, int target, boolean partsAllowed) {
        int pq = g.pq();
        if (partsAllowed && pq >= target) {
            int parts = Math.max(1, pq / target);
            Tile[] out = new Tile[g.n() * parts];
            for (int img = 0; img < g.n(); img++) {
                for (int t = 0; t < parts; t++) {
                    int e0 = t == 0 ? 0 : (int) ((long) pq * t / parts) & ~15;
                    int e1 = t == parts - 1 ? pq : (int) ((long) pq * (t + 1) / parts) & ~15;
                    out[img * parts + t] = new Tile(img, 1, e0, e1);
                }
            }
            return out;
        }
        int threads = CpuParallel.threads();
        int perTile = Math.min(Math.max(1, target / pq), Math.max(1, (g.n() + threads - 1) / threads));
        int count = (g.n() + perTile - 1) / perTile;
        Tile[] out = new Tile[count];
        for (int t = 0; t < count; t++) {
            int img0 = (int) ((long) g.n() * t / count);
            int img1 = (int) ((long) g.n() * (t + 1) / count);
            out[t] = new Tile(img0, img1 - img0, 0, pq);
        }
        return out;
    }

    private static Geometry geometry(Tensor x, Tensor w, Tensor y, Conv2dSpec spec) {
        return new Geometry(x.dim(0), x.dim(1), x.dim(2), x.dim(3), w.dim(0), w.dim(2), w.dim(3),
                y.dim(2), y.dim(3), spec.stride(), spec.padding());
    }

    private static SameMasks masks(Geometry g) {
        return g.isSame() && !g.isPointwise() ? SameMasks.of(g) : null;
    }

    private static MemorySegment seg(Tensor t) {
        return CpuBuf.segment(t);
    }

    static void forward(Tensor x, Tensor w, Tensor y, Conv2dSpec spec) {
        if (x.dtype() != DType.FLOAT32) {
            CpuConv2dReference.forward(x, w, y, spec);
            return;
        }
        Geometry g = geometry(x, w, y, spec);
        PackedA a = CpuPackedGemm.acquire(g.k(), g.crs());
        try {
            convolve(g, x, a.fill(false, seg(w), w.offset(), g.crs()), y);
        } finally {
            a.release();
        }
    }

    /** y = conv(x) for the geometry g, with the weights packed as op(A) = W (K, CRS). */
    private static void convolve(Geometry g, Tensor x, PackedA w, Tensor y) {
        SameMasks masks = masks(g);
        Tile[] tiles = tiles(g, TILE_COLUMNS, true);
        CpuParallel.forEach(tiles.length, (t0, t1) -> {
            for (int t = t0; t < t1; t++) {
                forwardTile(g, masks, tiles[t], x, w, y);
            }
        });
    }

    private static void forwardTile(Geometry g, SameMasks masks, Tile tile, Tensor x, PackedA w, Tensor y) {
        int pq = g.pq();
        int cols = tile.columns(pq);
        PanelSource b;
        if (g.isPointwise() && tile.nb() == 1) {
            b = CpuPackedGemm.matrix(false, seg(x), x.offset() + (long) tile.img() * g.c() * pq + tile.e0(), pq);
        } else {
            long v0 = tile.firstColumn(pq);
            b = (pc, kc, jc, nc, bp) -> CpuIm2col.im2colPanels(g, masks, seg(x), x.offset(), v0 + jc, pc, kc, nc, bp);
        }
        if (tile.nb() == 1) {
            long cOff = y.offset() + (long) tile.img() * g.k() * pq + tile.e0();
            CpuPackedGemm.gemm(w, cols, b, 0, seg(y), cOff, pq);
            return;
        }
        MemorySegment out = CpuWorkspace.floats(Slot.SCRATCH, (long) g.k() * cols);
        CpuPackedGemm.gemm(w, cols, b, 0, out, 0, cols);
        CpuIm2col.regroup(seg(y), y.offset(), tile.img(), tile.nb(), g.k(), pq, out, 0, true);
    }

    static void backwardData(Tensor dy, Tensor w, Tensor dx, Conv2dSpec spec) {
        if (dx.dtype() != DType.FLOAT32) {
            CpuConv2dReference.backwardData(dy, w, dx, spec);
            return;
        }
        Geometry g = geometry(dx, w, dy, spec);
        if (g.stride() == 1 && g.r() == g.s() && g.pad() <= g.r() - 1) {
            // dx is the stride-1 convolution of dy with the flipped, transposed kernel and padding R-1-pad.
            Geometry t = new Geometry(g.n(), g.k(), g.p(), g.q(), g.c(), g.r(), g.s(), g.h(), g.w(), 1,
                    g.r() - 1 - g.pad());
            MemorySegment wf = CpuWorkspace.floats(Slot.WEIGHTS, (long) g.k() * g.crs());
            CpuParallel.forRange(g.k(), 16, (k0, k1) ->
                    CpuLayouts.flippedWeights(g, seg(w), w.offset(), wf, 0, k0, k1));
            PackedA a = CpuPackedGemm.acquire(t.k(), t.crs());
            try {
                convolve(t, dy, a.fill(true, wf, 0, t.k()), dx);
            } finally {
                a.release();
            }
            return;
        }
        Tile[] tiles = tiles(g, TILE_COLUMNS, false);
        PackedA wt = CpuPackedGemm.acquire(g.crs(), g.k());
        try {
            wt.fill(true, seg(w), w.offset(), g.crs());
            CpuParallel.forEach(tiles.length, (t0, t1) -> {
                for (int t = t0; t < t1; t++) {
                    backwardDataTile(g, tiles[t], dy, wt, dx);
                }
            });
        } finally {
            wt.release();
        }
    }

    /** dcol = W^T @ dY for whole images, then col2im into dx; wt is op(A) = W^T (CRS, K) packed. */
    private static void backwardDataTile(Geometry g, Tile tile, Tensor dy, PackedA wt, Tensor dx) {
        int pq = g.pq();
        int cols = tile.columns(pq);
        MemorySegment b = seg(dy);
        long bOff = dy.offset() + (long) tile.img() * g.k() * pq;
        if (tile.nb() > 1) {
            b = CpuWorkspace.floats(Slot.SCRATCH, (long) g.k() * cols);
            bOff = 0;
            CpuIm2col.regroup(seg(dy), dy.offset(), tile.img(), tile.nb(), g.k(), pq, b, 0, false);
        }
        MemorySegment dcol = CpuWorkspace.floats(Slot.COLUMNS, (long) g.crs() * cols);
        CpuPackedGemm.gemm(wt, cols, CpuPackedGemm.matrix(false, b, bOff, cols), 0, dcol, 0, cols);
        CpuIm2col.col2im(g, dcol, 0, tile.img(), tile.nb(), seg(dx), dx.offset());
    }

    static void backwardFilter(Tensor x, Tensor dy, Tensor dw, Conv2dSpec spec) {
        if (x.dtype() != DType.FLOAT32) {
            CpuConv2dReference.backwardFilter(x, dy, dw, spec);
            return;
        }
        Geometry g = geometry(x, dw, dy, spec);
        int pq = g.pq();
        int total = g.n() * pq;
        long padded = CpuLayouts.paddedImageSize(g);
        MemorySegment xt = CpuWorkspace.floats(Slot.IMAGES, g.n() * padded);
        MemorySegment dwr = CpuWorkspace.floats(Slot.WEIGHTS, (long) g.k() * g.crs());
        CpuParallel.forEach(g.n(), (i0, i1) -> {
            for (int img = i0; img < i1; img++) {
                CpuLayouts.padImage(g, seg(x), x.offset(), img, xt, 0);
            }
        });
        PackedA a = CpuPackedGemm.acquire(g.k(), total);
        try {
            packGradient(g, dy, a);
            int crs = g.crs();
            int parts = Math.max(1, Math.min(CpuParallel.threads(), crs / 32));
            CpuParallel.forEach(parts, (p0, p1) -> {
                for (int part = p0; part < p1; part++) {
                    int r0 = part == 0 ? 0 : crs * part / parts & ~15;
                    int r1 = part == parts - 1 ? crs : crs * (part + 1) / parts & ~15;
                    CpuPackedGemm.gemm(a, r1 - r0, (pc, kc, jc, nc, bp) ->
                            CpuLayouts.im2rowPanels(g, xt, 0, pc, kc, r0 + jc, nc, bp), 0, dwr, r0, crs);
                }
            });
        } finally {
            a.release();
        }
        CpuParallel.forRange(g.k(), 16, (k0, k1) ->
                CpuLayouts.filterFromRows(g, dwr, 0, seg(dw), dw.offset(), k0, k1));
    }
}
