package org.fkt.nn.objective;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.fkt.engine.memory.MemoryScope;
import org.fkt.engine.tensor.Tensor;
import org.fkt.nn.io.Safetensors;

/**
 * The comparison loop of the dump parity tests ({@link DumpParityTest} on the CPU, {@link CudaDumpParityTest}
 * on a GPU): the engine's step dump against PyTorch's, tensor by tensor, every tensor within
 * {@link #TOLERANCE} relative (||a - b|| / ||b||) passing at once. Each test judges the others against its
 * float64 references (a {@link Judge}): a pass, a note (a ReLU/max-pool kink crossed by rounding) printed
 * under a heading, or a failure; the test fails listing the failures.
 */
final class DumpComparison {
    static final double TOLERANCE = 1e-4;

    private DumpComparison() {
    }

    /** What a test concludes about a tensor that misses {@link #TOLERANCE}. */
    enum Verdict { PASS, NOTE, FAIL }

    /** A verdict and the line that explains it. */
    record Judgement(Verdict verdict, String line) {
    }

    /** How a test judges the tensors that miss the tolerance against the reference. */
    interface Judge {
        /** Called once, before the first tensor that misses the tolerance: makes the float64 references. */
        void prepare();

        /** The verdict on tensor {@code name}, {@code rel} = relative(engine, reference) above the tolerance. */
        Judgement judge(String name, double[] engine, double[] reference, double rel);
    }

    /**
     * Compares the dumps at {@code engine} and {@code reference} (same tensor names), judging the tensors
     * that miss the tolerance with {@code judge}; prints the notes under {@code notesHeading} and a summary
     * naming {@code label}; fails with {@code failureHeading} and the failed tensors' lines.
     */
    static void compare(Path engine, Path reference, String label, String notesHeading, String failureHeading,
                        Judge judge) {
        try (var scope = MemoryScope.open()) {
            Map<String, Tensor> ours = Safetensors.read(engine);
            Map<String, Tensor> theirs = Safetensors.read(reference);
            assertEquals(theirs.keySet(), ours.keySet(), "output names");
            List<String> failures = new ArrayList<>();
            List<String> notes = new ArrayList<>();
            int viaFloat64 = 0;
            for (String name : theirs.keySet()) {
                double[] a = ours.get(name).toDoubleArray();
                double[] b = theirs.get(name).toDoubleArray();
                double rel = relative(a, b);
                if (rel <= TOLERANCE) {
                    continue;
                }
                if (viaFloat64++ == 0) {
                    judge.prepare();
                }
                Judgement j = judge.judge(name, a, b, rel);
                switch (j.verdict()) {
                    case PASS -> { }
                    case NOTE -> notes.add(j.line());
                    case FAIL -> failures.add(j.line());
                }
            }
            if (!notes.isEmpty()) {
                System.out.println(notesHeading + ":\n" + String.join("\n", notes));
            }
            System.out.printf("%s: %d tensors, %d judged against float64%n", label, theirs.size(), viaFloat64);
            if (!failures.isEmpty()) {
                fail(failures.size() + " " + failureHeading + ":\n" + String.join("\n", failures));
            }
        }
    }

    /** The data seed of one case: -Dfkt.parity.seed when given (to rerun a printed case), else from the clock. */
    static long seed() {
        return Long.getLong("fkt.parity.seed", System.nanoTime() % 100000);
    }

    /** {@code base} followed by {@code more}, as command-line arguments. */
    static String[] args(List<String> base, String... more) {
        List<String> all = new ArrayList<>(base);
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }

    /** ||a - b|| / ||b||; 0 when both are zero. */
    static double relative(double[] a, double[] b) {
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < b.length; i++) {
            diff += (a[i] - b[i]) * (a[i] - b[i]);
            norm += b[i] * b[i];
        }
        if (norm == 0) {
            return diff == 0 ? 0 : Double.POSITIVE_INFINITY;
        }
        return Math.sqrt(diff / norm);
    }

    /** Both norms and the element where a and b differ most. */
    static String worst(double[] a, double[] b) {
        int w = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < b.length; i++) {
            na += a[i] * a[i];
            nb += b[i] * b[i];
            if (Math.abs(a[i] - b[i]) > Math.abs(a[w] - b[w])) {
                w = i;
            }
        }
        return String.format("|engine| %.6g |torch| %.6g, worst [%d] %.8g vs %.8g", Math.sqrt(na), Math.sqrt(nb), w, a[w], b[w]);
    }
}
