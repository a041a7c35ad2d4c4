package org.fkt.report;

import java.util.Arrays;

/**
 * Classification metrics of one evaluation: top-1 accuracy, macro precision, macro recall and the
 * confusion matrix (rows: true class, columns: predicted class), all from integer labels.
 *
 * <p>Conventions, those of scikit-learn's {@code precision_score} / {@code recall_score} with
 * {@code average="macro", zero_division=0}:
 * <ul>
 * <li>a class that is never predicted has precision 0 (0/0 counts as 0, not as undefined);
 *     a class with no true samples has recall 0;</li>
 * <li>the macro mean runs over the classes that occur in the true or the predicted labels
 *     (scikit-learn's default {@code labels=None}); a class absent from both does not dilute it.</li>
 * </ul>
 * Values are fractions in [0, 1]; reports multiply by 100 where they print percent.
 */
public final class Metrics {
    private final int classes;
    private final long[][] confusion;   // (classes, classes): [true][predicted]
    private final int count;

    private Metrics(int classes, long[][] confusion, int count) {
        this.classes = classes;
        this.confusion = confusion;
        this.count = count;
    }

    /** Metrics of {@code predicted} against {@code truth} (same length, values in [0, classes)). */
    public static Metrics of(int[] predicted, int[] truth, int classes) {
        if (predicted == null || truth == null) {
            throw new IllegalArgumentException("metrics: predicted and true labels must not be null");
        }
        if (classes < 1) {
            throw new IllegalArgumentException("metrics: the class count must be >= 1, got " + classes);
        }
        if (predicted.length != truth.length) {
            throw new IllegalArgumentException("metrics: " + predicted.length + " predicted labels but "
                    + truth.length + " true labels");
        }
        if (truth.length == 0) {
            throw new IllegalArgumentException("metrics: no samples (empty label arrays)");
        }
        long[][] confusion = new long[classes][classes];
        for (int i = 0; i < truth.length; i++) {
            check("true", truth, i, classes);
            check("predicted", predicted, i, classes);
            confusion[truth[i]][predicted[i]]++;
        }
        return new Metrics(classes, confusion, truth.length);
    }

    private static void check(String which, int[] labels, int i, int classes) {
        if (labels[i] < 0 || labels[i] >= classes) {
            throw new IllegalArgumentException("metrics: " + which + " label " + labels[i] + " at index " + i
                    + " is outside [0, " + classes + ")");
        }
    }

    public int classes() {
        return classes;
    }

    /** Number of samples evaluated. */
    public int count() {
        return count;
    }

    /** Samples whose true class is {@code truth} and predicted class {@code predicted}. */
    public long confusion(int truth, int predicted) {
        return confusion[truth][predicted];
    }

    /** A copy of the confusion matrix, (classes, classes): rows true, columns predicted. */
    public long[][] confusion() {
        long[][] copy = new long[classes][];
        for (int t = 0; t < classes; t++) {
            copy[t] = confusion[t].clone();
        }
        return copy;
    }

    /** Fraction of samples predicted correctly (top-1 accuracy). */
    public double accuracy() {
        long correct = 0;
        for (int c = 0; c < classes; c++) {
            correct += confusion[c][c];
        }
        return (double) correct / count;
    }

    /** Number of true samples of class {@code c} (its support). */
    public long support(int c) {
        return Arrays.stream(confusion[c]).sum();
    }

    /** Number of samples predicted as class {@code c}. */
    public long predictedCount(int c) {
        long n = 0;
        for (int t = 0; t < classes; t++) {
            n += confusion[t][c];
        }
        return n;
    }

    /** Whether class {@code c} occurs among the true or the predicted labels (enters the macro means). */
    public boolean present(int c) {
        return support(c) > 0 || predictedCount(c) > 0;
    }

    /** TP / (TP + FP) of class {@code c}; 0 when the class is never predicted. */
    public double precision(int c) {
        long predicted = predictedCount(c);
        return predicted == 0 ? 0 : (double) confusion[c][c] / predicted;
    }

    /** TP / (TP + FN) of class {@code c}; 0 when the class has no true samples. */
    public double recall(int c) {
        long support = support(c);
        return support == 0 ? 0 : (double) confusion[c][c] / support;
    }

    /** Unweighted mean of {@link #precision} over the present classes. */
    public double macroPrecision() {
        double sum = 0;
        int n = 0;
        for (int c = 0; c < classes; c++) {
            if (present(c)) {
                sum += precision(c);
                n++;
            }
        }
        return sum / n;
    }

    /** Unweighted mean of {@link #recall} over the present classes. */
    public double macroRecall() {
        double sum = 0;
        int n = 0;
        for (int c = 0; c < classes; c++) {
            if (present(c)) {
                sum += recall(c);
                n++;
            }
        }
        return sum / n;
    }

    /** The three headline numbers. */
    public Scores scores() {
        return new Scores(accuracy(), macroPrecision(), macroRecall());
    }
}
