package org.fkt.bench;

import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.fkt.augment.Augmentations;
import org.fkt.augment.Normalization;
import org.fkt.data.Dataset;
import org.fkt.data.Image;
import org.fkt.loader.EpochBatches;
import org.fkt.loader.HostBatch;
import org.fkt.loader.Loader;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Input pipeline throughput: samples per second of the loader producing, for each sample, the
 * labelled image through the {@code supervised} pipeline and two views through {@code simclr}
 * (3 augmented images per sample, what the joint objective consumes), at 32x32 and 224x224 on a
 * synthetic dataset of random images cached at the input size.
 *
 * <ul>
 *   <li>{@code oneThread}: {@link Loader#build} of one batch of {@link #BATCH} on the benchmark thread:
 *       the per-core cost of the augmentation.</li>
 *   <li>{@code epoch}: an epoch of {@link #BATCHES} batches through {@link Loader#epoch} with
 *       {@code workers} worker threads and prefetch 2 (thread start-up included).</li>
 * </ul>
 * Score = samples/s; augmented images/s = 3 x score.
 *
 * <p>{@link #main} prints the same work as CPU time of the building thread (ms per sample, per
 * pipeline), which a machine shared with other jobs disturbs much less than wall-clock throughput:
 * {@code java $FKT_JVM_FLAGS -cp bench/target/benchmarks.jar org.fkt.bench.LoaderBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class LoaderBenchmark {
    static final int BATCH = 32;
    static final int BATCHES = 4;

    @Param({"32", "224"})
    public int size;

    @Param({"2"})
    public int workers;

    private Loader loader;
    private int epoch;

    @Setup(Level.Trial)
    public void setUp() {
        Dataset data = new SyntheticDataset(BATCH * BATCHES, size, 10, 42);
        Normalization norm = size <= 64 ? Normalization.CIFAR10 : Normalization.IMAGENET;
        loader = Loader.builder(data).batchSize(BATCH).seed(1).workers(workers).prefetch(2)
                .supervised(Augmentations.named("supervised", size, norm))
                .contrastive(Augmentations.named("simclr", size, norm)).build();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public HostBatch oneThread() {
        return loader.build(epoch++, 0);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH * BATCHES)
    public void epoch(Blackhole bh) {
        try (EpochBatches batches = loader.epoch(epoch++)) {
            while (batches.hasNext()) {
                bh.consume(batches.next());
            }
        }
    }

    /** CPU milliseconds per sample (thread CPU time) of each pipeline and of a whole joint-objective sample. */
    public static void main(String[] args) {
        var bean = java.lang.management.ManagementFactory.getThreadMXBean();
        for (int size : new int[] {32, 224}) {
            int batches = size <= 64 ? 40 : 4;
            Dataset data = new SyntheticDataset(BATCH, size, 10, 42);
            Normalization norm = size <= 64 ? Normalization.CIFAR10 : Normalization.IMAGENET;
            for (String what : new String[] {"simclr view", "supervised image", "joint sample (2 views + labelled)"}) {
                var b = Loader.builder(data).batchSize(BATCH).seed(1).workers(0);
                if (what.startsWith("simclr") || what.startsWith("joint")) {
                    b.contrastive(Augmentations.named("simclr", size, norm));
                }
                if (what.startsWith("supervised") || what.startsWith("joint")) {
                    b.supervised(Augmentations.named("supervised", size, norm));
                }
                Loader loader = b.build();
                for (int i = 0; i < 3 * batches; i++) {   // warm-up
                    loader.build(i, 0);
                }
                long t0 = bean.getCurrentThreadCpuTime();
                for (int i = 0; i < batches; i++) {
                    loader.build(1000 + i, 0);
                }
                double ms = (bean.getCurrentThreadCpuTime() - t0) / 1e6 / (batches * BATCH);
                if (what.startsWith("simclr")) {
                    ms /= 2;   // two views were built per sample
                }
                System.out.printf("%3dx%-3d %-36s %7.3f ms CPU  = %8.0f per second per core%n", size, size, what, ms, 1000 / ms);
            }
        }
    }

    /** n random images of side x side with random labels, in memory. */
    static final class SyntheticDataset implements Dataset {
        private final Image[] images;
        private final int[] labels;
        private final int classes;

        SyntheticDataset(int n, int side, int classes, long seed) {
            var random = new Random(seed);
            this.classes = classes;
            images = new Image[n];
            labels = new int[n];
            for (int i = 0; i < n; i++) {
                byte[] px = new byte[side * side * 3];
                random.nextBytes(px);
                images[i] = new Image(side, side, px);
                labels[i] = random.nextInt(classes);
            }
        }

        @Override
        public int size() {
            return images.length;
        }

        @Override
        public List<String> classes() {
            return java.util.stream.IntStream.range(0, classes).mapToObj(Integer::toString).toList();
        }

        @Override
        public int label(int index) {
            return labels[index];
        }

        @Override
        public Image image(int index) {
            return images[index];
        }

        @Override
        public String describe() {
            return "synthetic " + images.length + " images";
        }
    }
}
