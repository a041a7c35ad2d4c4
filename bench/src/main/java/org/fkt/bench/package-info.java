/**
 * JMH benchmarks of the engine (SGEMM, convolution, peak FMA rate) and the scripts that time the
 * PyTorch peer beside them; figures go to bench/RESULTS.md.
 */
package org.fkt.bench;
