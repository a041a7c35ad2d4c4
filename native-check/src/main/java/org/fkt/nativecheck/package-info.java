/**
 * The GPU environment report: driver, device, cuBLAS/cuDNN versions and provider, kernel fatbin,
 * then the GPU-versus-CPU parity suite. (Filled by the GPU backend issue.)
 */
package org.fkt.nativecheck;
