/**
 * The CPU backend: the numerical reference for every other backend and a usable fallback. One class per
 * op family (CpuConv2d, CpuBatchNorm, ...), twins of the CUDA kernels with the same stem; a blocked
 * Vector-API SGEMM under convolution and linear layers; a fork-join pool over all cores.
 */
package org.fkt.engine.cpu;
