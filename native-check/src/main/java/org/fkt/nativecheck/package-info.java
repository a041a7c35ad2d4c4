/**
 * The GPU environment report: driver, device, cuBLAS/cuDNN versions and provider, kernel fatbin,
 * then the GPU-versus-CPU parity suite (the tests tagged "gpu", run through the JUnit Platform Launcher).
 */
package org.fkt.nativecheck;
