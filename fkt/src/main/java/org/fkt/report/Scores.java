package org.fkt.report;

/**
 * The headline numbers of one evaluation (one seed, one regime): top-1 accuracy, macro precision and
 * macro recall, as fractions in [0, 1] (see {@link Metrics} for the conventions).
 */
public record Scores(double accuracy, double precision, double recall) {
    public Scores {
        check("accuracy", accuracy);
        check("precision", precision);
        check("recall", recall);
    }

    private static void check(String name, double value) {
        if (!(value >= 0 && value <= 1)) {
            throw new IllegalArgumentException("scores: " + name + " must be a fraction in [0, 1], got " + value);
        }
    }

    /** Metric {@code m} by index: 0 accuracy, 1 precision, 2 recall. */
    double get(int m) {
        return switch (m) {
            case 0 -> accuracy;
            case 1 -> precision;
            case 2 -> recall;
            default -> throw new IllegalArgumentException("scores: no metric " + m);
        };
    }
}
