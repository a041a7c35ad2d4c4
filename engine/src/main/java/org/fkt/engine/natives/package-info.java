/**
 * Finding and binding the NVIDIA libraries the CUDA backend needs besides the driver: library discovery
 * ({@link org.fkt.engine.natives.LibraryLocator}), the provider choice ({@link org.fkt.engine.natives.NativeLibraries})
 * and a driver probe for native-check ({@link org.fkt.engine.natives.CudaDriverInfo}).
 */
package org.fkt.engine.natives;
