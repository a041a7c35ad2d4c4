package org.fkt.report;

import java.util.Locale;

/**
 * The one-line summary printed after each epoch, from its {@link EpochRow}, e.g.
 * <pre>
 * joint epoch 3/100  loss 5.4321 (contrastive 4.1234, supervised 1.3087)  train 45.20%  test 43.10%
 *     lr encoder 0.001, classifier 0.025  35.2 s  1420 img/s
 * </pre>
 * (one line; wrapped here). Absent values are left out; learning rates have four significant digits.
 */
public final class EpochSummary {
    private EpochSummary() {
    }

    /** The summary of {@code row}; {@code totalEpochs} <= 0 prints the epoch alone. */
    public static String format(EpochRow row, int totalEpochs) {
        var s = new StringBuilder(row.stage()).append(" epoch ").append(row.epoch());
        if (totalEpochs > 0) {
            s.append('/').append(totalEpochs);
        }
        if (row.loss() != null) {
            s.append("  loss ").append(ProgressBar.number(row.loss()));
        }
        String terms = "";
        if (row.lossContrastive() != null) {
            terms += "contrastive " + ProgressBar.number(row.lossContrastive());
        }
        if (row.lossSupervised() != null) {
            terms += (terms.isEmpty() ? "" : ", ") + "supervised " + ProgressBar.number(row.lossSupervised());
        }
        if (!terms.isEmpty()) {
            s.append(row.loss() != null ? " (" + terms + ")" : "  " + terms);
        }
        if (row.trainAccuracy() != null) {
            s.append("  train ").append(percent(row.trainAccuracy()));
        }
        if (row.testAccuracy() != null) {
            s.append("  test ").append(percent(row.testAccuracy()));
        }
        if (!row.learningRates().isEmpty()) {
            s.append("  lr");
            String sep = " ";
            for (var e : row.learningRates().entrySet()) {
                s.append(sep).append(e.getKey()).append(' ').append(significant(e.getValue()));
                sep = ", ";
            }
        }
        s.append(String.format(Locale.ROOT, "  %.1f s  %.0f img/s", row.epochSeconds(), row.imagesPerSecond()));
        return s.toString();
    }

    /** Four significant digits without trailing zeros: 0.001, 0.025, 1.5e-05. */
    static String significant(double v) {
        if (!Double.isFinite(v) || v == 0) {
            return v == 0 ? "0" : Double.toString(v);
        }
        String s = String.format(Locale.ROOT, "%.4g", v);
        int e = s.indexOf('e');
        String mantissa = e < 0 ? s : s.substring(0, e);
        if (mantissa.contains(".")) {
            mantissa = mantissa.replaceAll("0+$", "").replaceAll("\\.$", "");
        }
        return mantissa + (e < 0 ? "" : s.substring(e));
    }

    private static String percent(double fraction) {
        return Double.isFinite(fraction) ? String.format(Locale.ROOT, "%.2f%%", fraction * 100) : Double.toString(fraction);
    }
}
