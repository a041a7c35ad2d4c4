/**
 * JMH benchmarks of the engine (SGEMM, convolution, peak FMA rate, a ResNet-18 training step) and
 * the scripts that time the PyTorch peer beside them, plus {@code ResNetStepProfile}, the same step
 * timed in CPU time and heap allocation per step for builds compared on a shared machine; figures
 * go to bench/RESULTS.md.
 */
package org.fkt.bench;
