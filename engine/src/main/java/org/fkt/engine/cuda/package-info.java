/**
 * The CUDA backend: the driver API through JCuda (primary context, one stream per device, events,
 * the kernel fatbin built from {@code src/main/cuda}), a caching device allocator, pinned staging for
 * host copies, and one launcher class per kernel file (CudaBatchNorm for batchnorm.cu, ...). GEMMs and
 * convolutions go through {@link org.fkt.engine.natives.NativeLibraries} (cuBLAS, cuDNN).
 */
package org.fkt.engine.cuda;
