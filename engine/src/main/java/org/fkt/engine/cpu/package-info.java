/**
 * The CPU backend: the numerical reference for every other backend and a usable fallback. One class per
 * op family (CpuConv2d, CpuBatchNorm, ...), twins of the CUDA kernels with the same stem; a blocked
 * Vector-API SGEMM under convolution and linear layers (with a pre-packed entry point, {@link
 * org.fkt.engine.cpu.CpuPackedGemm}, that the convolutions feed straight from im2col); a gang of
 * threads over all cores ({@link org.fkt.engine.cpu.CpuParallel}).
 */
package org.fkt.engine.cpu;
