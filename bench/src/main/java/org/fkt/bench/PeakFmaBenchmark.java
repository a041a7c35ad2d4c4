package org.fkt.bench;

import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Measured peak single-precision FMA rate of this machine with the Vector API: each JMH thread
 * (one per core, {@code Threads.MAX}) runs {@value #CHAINS} independent FMA chains on the
 * preferred vector shape (asserted to be 16 floats, AVX-512); covering the FMA latency on two FMA
 * ports needs 4 x 2 = 8 chains. One JMH "op" is one floating-point operation (an FMA counts 2),
 * so the reported throughput in ops/s, summed over threads, is directly FLOP/s; see
 * {@link GflopsReport}. The chains never read memory, so this is the core's FMA ceiling.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 6, time = 1)
@Fork(value = 3, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Threads(Threads.MAX)
public class PeakFmaBenchmark {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int CHAINS = 12;
    static final int ITERATIONS = 1 << 16;
    /** Floating-point operations per benchmark invocation: iterations x chains x lanes x 2. */
    static final int FLOPS_PER_CALL = ITERATIONS * CHAINS * 16 * 2;

    private final float[] seed = {1f, 0.999999f, 1e-7f};

    @Benchmark
    @OperationsPerInvocation(FLOPS_PER_CALL)
    public float fmaChains() {
        if (S.length() != 16) {
            throw new IllegalStateException("FLOPS_PER_CALL assumes 16 float lanes, got " + S);
        }
        var x = FloatVector.broadcast(S, seed[1]);
        var y = FloatVector.broadcast(S, seed[2]);
        var a0 = FloatVector.broadcast(S, seed[0]);
        FloatVector a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
        FloatVector a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (int i = 0; i < ITERATIONS; i++) {
            a0 = a0.fma(x, y);
            a1 = a1.fma(x, y);
            a2 = a2.fma(x, y);
            a3 = a3.fma(x, y);
            a4 = a4.fma(x, y);
            a5 = a5.fma(x, y);
            a6 = a6.fma(x, y);
            a7 = a7.fma(x, y);
            a8 = a8.fma(x, y);
            a9 = a9.fma(x, y);
            a10 = a10.fma(x, y);
            a11 = a11.fma(x, y);
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11)
                .reduceLanes(VectorOperators.ADD);
    }
}
