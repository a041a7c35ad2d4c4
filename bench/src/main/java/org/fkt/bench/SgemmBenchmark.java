package org.fkt.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.fkt.engine.cpu.CpuSgemm;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Square SGEMM C = A * B (no transposes, beta = 0) on off-heap shared memory. One JMH thread calls
 * {@link CpuSgemm#sgemm}, which itself uses every core of the CPU pool. Throughput is in calls/s;
 * one call is 2 * size^3 floating-point operations ({@link GflopsReport} prints GFLOP/s).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 8, time = 1)
@Fork(value = 3, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Threads(1)
public class SgemmBenchmark {
    @Param({"512", "1024", "2048"})
    public int size;

    private Arena arena;
    private MemorySegment a;
    private MemorySegment b;
    private MemorySegment c;

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofShared();
        long elems = (long) size * size;
        a = arena.allocate(elems * Float.BYTES, 64);
        b = arena.allocate(elems * Float.BYTES, 64);
        c = arena.allocate(elems * Float.BYTES, 64);
        var rnd = new Random(42);
        for (long i = 0; i < elems; i++) {
            a.setAtIndex(ValueLayout.JAVA_FLOAT, i, rnd.nextFloat() - 0.5f);
            b.setAtIndex(ValueLayout.JAVA_FLOAT, i, rnd.nextFloat() - 0.5f);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public MemorySegment sgemm() {
        CpuSgemm.sgemm(false, false, size, size, size, 1f, a, 0, size, b, 0, size, 0f, c, 0, size);
        return c;
    }

    /** Floating-point operations of one call at the given size. */
    static double flopsPerCall(int size) {
        return 2.0 * size * size * size;
    }
}
