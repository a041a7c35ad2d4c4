package org.fkt.engine.cuda;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * What a real A100 (sm_80) or H100 (sm_90) would refuse, checked without a GPU: runs
 * src/main/cuda/kernel-resources.sh on ptxas's report of the fatbin this build compiled
 * (target/kernel-resources.txt, written by build-fatbin.sh) and on CudaLaunch's block table, and fails
 * when a kernel spills or would not launch (registers or shared memory too large for its block, a block
 * over its __launch_bounds__). Not tagged gpu: it needs the build's nvcc, not a device; where the build had
 * no nvcc it skips and prints why. The working directory is the engine module (surefire's default).
 */
class CudaKernelResourcesTest {
    private static final Path REPORT = Path.of("target/kernel-resources.txt");
    private static final Path LAUNCHES = Path.of("target/kernel-launches.txt");
    private static final Path SCRIPT = Path.of("src/main/cuda/kernel-resources.sh");
    private static final Pattern ENTRY = Pattern.compile("Compiling entry function '([^']+)' for 'sm_90'");

    @Test
    void everyKernelLaunchesWithoutSpillingOnSm80AndSm90() throws IOException, InterruptedException {
        requireReport();
        Files.writeString(LAUNCHES, CudaLaunch.launchTable());
        Process p = new ProcessBuilder("bash", SCRIPT.toString(), LAUNCHES.toString(), REPORT.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), UTF_8);
        int rc = p.waitFor();
        System.out.println("kernel-resources.sh " + LAUNCHES + " " + REPORT + "\n" + out);
        assertEquals(0, rc, "kernel-resources.sh: a kernel spills or would not launch on a real GPU:\n" + out);
    }

    @Test
    void everyKernelTheLaunchersNameIsInTheFatbin() throws IOException {
        requireReport();
        Set<String> compiled = new TreeSet<>();
        Matcher m = ENTRY.matcher(Files.readString(REPORT));
        while (m.find()) {
            compiled.add(m.group(1));
        }
        List<String> launched = Stream.of(CudaElementwise.KERNELS, CudaBatchNorm.KERNELS, CudaSoftmax.KERNELS,
                CudaL2Normalize.KERNELS, CudaNtXent.KERNELS, CudaPool.KERNELS, CudaOptimizers.KERNELS,
                List.copyOf(CudaLaunch.BLOCKS.keySet())).flatMap(List::stream).toList();
        List<String> missing = launched.stream().filter(k -> !compiled.contains(k)).toList();
        assertTrue(missing.isEmpty(), "launchers name kernels the sm_90 fatbin lacks: " + missing);
    }

    /** Skips, printing why, unless the build left ptxas's report (it does wherever it had nvcc). */
    private static void requireReport() {
        if (!Files.isRegularFile(REPORT)) {
            String reason = "no " + REPORT.toAbsolutePath() + ": this build had no /usr/local/cuda/bin/nvcc, so "
                    + "no fatbin and no ptxas report to check";
            System.out.println("CudaKernelResourcesTest skipped: " + reason);
            Assumptions.abort(reason);
        }
    }
}
