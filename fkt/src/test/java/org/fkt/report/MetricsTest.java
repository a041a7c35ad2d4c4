package org.fkt.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** Metrics on cases checked by hand and against scikit-learn's definitions re-derived here. */
class MetricsTest {
    @Test
    void handCheckedThreeClassCase() {
        // true:      0 0 1 1 2 2
        // predicted: 0 1 1 1 0 2
        Metrics m = Metrics.of(new int[] {0, 1, 1, 1, 0, 2}, new int[] {0, 0, 1, 1, 2, 2}, 3);
        assertArrayEquals(new long[] {1, 1, 0}, m.confusion()[0]);
        assertArrayEquals(new long[] {0, 2, 0}, m.confusion()[1]);
        assertArrayEquals(new long[] {1, 0, 1}, m.confusion()[2]);
        assertEquals(4.0 / 6, m.accuracy(), 1e-15);
        // precision: class 0 1/2, class 1 2/3, class 2 1/1; recall: 1/2, 2/2, 1/2
        assertEquals((0.5 + 2.0 / 3 + 1) / 3, m.macroPrecision(), 1e-15);
        assertEquals((0.5 + 1 + 0.5) / 3, m.macroRecall(), 1e-15);
        assertEquals(6, m.count());
        assertEquals(2, m.support(2));
        assertEquals(3, m.predictedCount(1));
    }

    @Test
    void neverPredictedClassCountsPrecisionZero() {
        // class 2 has two samples and is never predicted: precision 0 (zero_division=0), recall 0
        Metrics m = Metrics.of(new int[] {0, 1, 1, 1}, new int[] {0, 1, 2, 2}, 3);
        assertEquals(0, m.precision(2));
        assertEquals(0, m.recall(2));
        assertEquals((1 + 1.0 / 3 + 0) / 3, m.macroPrecision(), 1e-15);
        assertEquals((1 + 1 + 0) / 3.0, m.macroRecall(), 1e-15);
    }

    @Test
    void classAbsentFromBothLabelSetsDoesNotDiluteTheMeans() {
        Metrics m = Metrics.of(new int[] {0, 1, 1}, new int[] {0, 1, 0}, 5);
        assertTrue(m.present(0) && m.present(1) && !m.present(4));
        assertEquals((1 + 0.5) / 2, m.macroPrecision(), 1e-15);
        assertEquals((0.5 + 1) / 2, m.macroRecall(), 1e-15);
    }

    @Test
    void perfectAndAllWrong() {
        Metrics perfect = Metrics.of(new int[] {2, 0, 1}, new int[] {2, 0, 1}, 3);
        assertEquals(1, perfect.accuracy());
        assertEquals(1, perfect.macroPrecision());
        assertEquals(1, perfect.macroRecall());
        Metrics wrong = Metrics.of(new int[] {1, 2, 0}, new int[] {0, 1, 2}, 3);
        assertEquals(0, wrong.accuracy());
        assertEquals(0, wrong.macroPrecision());
        assertEquals(0, wrong.macroRecall());
    }

    @Test
    void randomCasesMatchScikitLearnDefinitions() {
        var random = new Random(42);
        for (int trial = 0; trial < 200; trial++) {
            int classes = 1 + random.nextInt(8);
            int n = 1 + random.nextInt(60);
            int[] truth = new int[n];
            int[] predicted = new int[n];
            for (int i = 0; i < n; i++) {
                truth[i] = random.nextInt(classes);
                // often right, sometimes a class that never occurs in truth
                predicted[i] = random.nextDouble() < 0.5 ? truth[i] : random.nextInt(classes);
            }
            Metrics m = Metrics.of(predicted, truth, classes);
            double[] expected = sklearnMacro(predicted, truth);
            assertEquals(expected[0], m.accuracy(), 1e-12, "accuracy, trial " + trial);
            assertEquals(expected[1], m.macroPrecision(), 1e-12, "precision, trial " + trial);
            assertEquals(expected[2], m.macroRecall(), 1e-12, "recall, trial " + trial);
            long total = 0;
            for (long[] row : m.confusion()) {
                for (long v : row) {
                    total += v;
                }
            }
            assertEquals(n, total);
        }
    }

    /**
     * scikit-learn's accuracy_score and precision/recall_score(average="macro", zero_division=0) with
     * labels=None: the labels are the sorted union of y_true and y_pred; per label tp, fp, fn are counted
     * from the pairs, 0/0 is 0, and the macro value is the plain mean over those labels.
     */
    private static double[] sklearnMacro(int[] yPred, int[] yTrue) {
        var labels = new TreeSet<Integer>();
        for (int i = 0; i < yTrue.length; i++) {
            labels.add(yTrue[i]);
            labels.add(yPred[i]);
        }
        Map<Integer, int[]> counts = new HashMap<>();   // label -> {tp, fp, fn}
        int correct = 0;
        for (int i = 0; i < yTrue.length; i++) {
            if (yTrue[i] == yPred[i]) {
                correct++;
                counts.computeIfAbsent(yTrue[i], k -> new int[3])[0]++;
            } else {
                counts.computeIfAbsent(yPred[i], k -> new int[3])[1]++;
                counts.computeIfAbsent(yTrue[i], k -> new int[3])[2]++;
            }
        }
        double p = 0;
        double r = 0;
        for (int label : labels) {
            int[] c = counts.getOrDefault(label, new int[3]);
            p += c[0] + c[1] == 0 ? 0 : (double) c[0] / (c[0] + c[1]);
            r += c[0] + c[2] == 0 ? 0 : (double) c[0] / (c[0] + c[2]);
        }
        return new double[] {(double) correct / yTrue.length, p / labels.size(), r / labels.size()};
    }

    @Test
    void badInputIsAClearError() {
        var e = assertThrows(IllegalArgumentException.class, () -> Metrics.of(new int[] {0, 3}, new int[] {0, 1}, 3));
        assertTrue(e.getMessage().contains("predicted label 3 at index 1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Metrics.of(new int[] {0}, new int[] {0, 1}, 3));
        assertTrue(e.getMessage().contains("1 predicted labels but 2 true labels"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Metrics.of(new int[0], new int[0], 3));
        assertThrows(IllegalArgumentException.class, () -> Metrics.of(new int[] {-1}, new int[] {0}, 3));
    }

    @Test
    void confusionCopyDoesNotAliasTheMetrics() {
        Metrics m = Metrics.of(new int[] {0, 1}, new int[] {0, 1}, 2);
        m.confusion()[0][0] = 99;
        assertEquals(1, m.confusion(0, 0));
    }
}
