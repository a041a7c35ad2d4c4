package org.fkt.bench;

import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs {@link PeakFmaBenchmark} and {@link SgemmBenchmark} through the JMH Runner API and prints
 * GFLOP/s per SGEMM size and as a percentage of the measured peak. Any JMH command-line options
 * are passed through (e.g. {@code -f 1 -wi 3 -i 5} for a quick run). With
 * {@code -Dfkt.peak.gflops=X} the percentages use X (e.g. a peak measured in C) as the reference
 * instead of the Java-measured peak.
 *
 * <pre>java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
 *     -cp bench/target/benchmarks.jar org.fkt.bench.GflopsReport</pre>
 */
public final class GflopsReport {
    private GflopsReport() {
    }

    public static void main(String[] args) throws Exception {
        var cli = new CommandLineOptions(args);
        var builder = new OptionsBuilder().parent(cli);
        if (cli.getIncludes().isEmpty()) {
            builder.include(PeakFmaBenchmark.class.getName()).include(SgemmBenchmark.class.getName());
        }
        Collection<RunResult> results = new Runner(builder.build()).run();

        Result<?> peak = null;
        Map<Integer, Result<?>> sgemm = new TreeMap<>();
        for (RunResult r : results) {
            String benchmark = r.getParams().getBenchmark();
            if (benchmark.startsWith(PeakFmaBenchmark.class.getName())) {
                peak = r.getPrimaryResult();
            } else if (benchmark.startsWith(SgemmBenchmark.class.getName())) {
                sgemm.put(Integer.parseInt(r.getParams().getParam("size")), r.getPrimaryResult());
            }
        }
        print(peak, sgemm);
    }

    private static void print(Result<?> peak, Map<Integer, Result<?>> sgemm) {
        double javaPeak = peak == null ? Double.NaN : peak.getScore() / 1e9;
        double reference = Double.parseDouble(System.getProperty("fkt.peak.gflops", "NaN"));
        if (Double.isNaN(reference)) {
            reference = javaPeak;
        }
        int cores = Runtime.getRuntime().availableProcessors();
        System.out.println();
        System.out.printf("Peak FMA (Vector API, %d threads): %.1f GFLOP/s (+- %.1f)%n", cores, javaPeak,
                peak == null ? Double.NaN : peak.getScoreError() / 1e9);
        System.out.printf("Reference peak for %%: %.1f GFLOP/s%n", reference);
        System.out.println("| size | GFLOP/s | +- | % of peak |");
        System.out.println("|-----:|--------:|---:|----------:|");
        for (var e : sgemm.entrySet()) {
            double flops = SgemmBenchmark.flopsPerCall(e.getKey());
            double gflops = e.getValue().getScore() * flops / 1e9;
            double err = e.getValue().getScoreError() * flops / 1e9;
            System.out.printf("| %d | %.1f | %.1f | %.1f%% |%n", e.getKey(), gflops, err, 100 * gflops / reference);
        }
    }
}
