package org.fkt.report;

import java.io.Console;
import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The progress of one epoch: steps done of the total, the latest loss terms, images per second and
 * the time left, e.g.
 * <pre>
 * pretrain 3/100 [#######.............]  70/196  loss 5.1234 contrastive 5.1234  1234.5 img/s  ETA 0:42
 * </pre>
 * On a terminal the line is redrawn in place with '\r' (at most every {@value #REDRAW_MILLIS} ms, and at
 * the last step); elsewhere (CI logs, files) a plain line is printed each time another tenth of the
 * epoch is done or {@value #PLAIN_SECONDS} s have passed since the last one, and at the end.
 * Not thread-safe: the training loop calls {@link #update} from one thread.
 */
public final class ProgressBar {
    static final long REDRAW_MILLIS = 100;
    static final long PLAIN_SECONDS = 60;
    private static final int BAR = 20;

    private final PrintStream out;
    private final String label;
    private final long total;
    private final boolean terminal;
    private final LongSupplier nanoTime;
    private final long start;
    private long lastDraw = Long.MIN_VALUE;
    private long lastTenth;
    private int lastWidth;
    private String pending;
    private boolean finished;

    /** A bar on {@code out}, redrawn in place when the JVM runs on a terminal ({@link #isTerminal()}). */
    public ProgressBar(PrintStream out, String label, long totalSteps) {
        this(out, label, totalSteps, isTerminal(), System::nanoTime);
    }

    /** A bar with an explicit mode and clock (tests). */
    public ProgressBar(PrintStream out, String label, long totalSteps, boolean terminal, LongSupplier nanoTime) {
        if (totalSteps < 1) {
            throw new IllegalArgumentException("progress '" + label + "': total steps must be >= 1, got " + totalSteps);
        }
        this.out = out;
        this.label = label;
        this.total = totalSteps;
        this.terminal = terminal;
        this.nanoTime = nanoTime;
        this.start = nanoTime.getAsLong();
    }

    /**
     * Whether standard output is an interactive terminal. Since JDK 22 {@link System#console()} exists
     * even when output is redirected, so {@link Console#isTerminal()} decides.
     */
    public static boolean isTerminal() {
        Console console = System.console();
        return console != null && console.isTerminal();
    }

    /**
     * Reports {@code step} steps done (1..total) and {@code images} training images processed so far
     * in this epoch, with the latest loss terms by name (printed in map order).
     */
    public void update(long step, long images, Map<String, Double> lossTerms) {
        long now = nanoTime.getAsLong();
        String line = line(step, images, lossTerms, now - start);
        pending = line;
        if (terminal) {
            if (step >= total || lastDraw == Long.MIN_VALUE || now - lastDraw >= REDRAW_MILLIS * 1_000_000) {
                draw(line);
                pending = null;
                lastDraw = now;
            }
        } else {
            long tenth = Math.min(10, step * 10 / total);
            long since = now - (lastDraw == Long.MIN_VALUE ? start : lastDraw);
            if (tenth > lastTenth || step >= total || since >= PLAIN_SECONDS * 1_000_000_000L) {
                out.println(line);
                pending = null;
                lastDraw = now;
                lastTenth = tenth;
            }
        }
    }

    private void draw(String line) {
        out.print('\r' + line + " ".repeat(Math.max(0, lastWidth - line.length())));
        out.flush();
        lastWidth = line.length();
    }

    /** Ends the bar: the latest state is shown (if it was not), and a terminal line is ended. */
    public void finish() {
        if (finished) {
            return;
        }
        finished = true;
        if (terminal) {
            if (pending != null) {
                draw(pending);
            }
            if (lastWidth > 0) {
                out.println();
            }
        } else if (pending != null) {
            out.println(pending);
        }
        out.flush();
    }

    /** The bar's text for {@code step} of the total after {@code elapsedNanos}. */
    String line(long step, long images, Map<String, Double> lossTerms, long elapsedNanos) {
        long done = Math.max(0, Math.min(step, total));
        int filled = (int) (done * BAR / total);
        var s = new StringBuilder(label).append(" [").append("#".repeat(filled)).append(".".repeat(BAR - filled))
                .append("] ").append(pad(Long.toString(done), Long.toString(total).length())).append('/').append(total);
        if (lossTerms != null) {
            lossTerms.forEach((name, value) -> s.append("  ").append(name).append(' ').append(number(value)));
        }
        double seconds = elapsedNanos / 1e9;
        if (seconds > 0 && done > 0) {
            s.append(String.format(Locale.ROOT, "  %.1f img/s", images / seconds));
            s.append("  ETA ").append(duration(seconds / done * (total - done)));
        }
        return s.toString();
    }

    private static String pad(String s, int width) {
        return " ".repeat(Math.max(0, width - s.length())) + s;
    }

    /** A loss value with four decimals (NaN and infinities spelled out). */
    static String number(Double v) {
        if (v == null) {
            return "-";
        }
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.4f", v) : v.toString();
    }

    /** h:mm:ss or m:ss. */
    static String duration(double seconds) {
        long s = Math.round(Math.max(0, seconds));
        long h = s / 3600;
        long m = s / 60 % 60;
        return h > 0 ? String.format(Locale.ROOT, "%d:%02d:%02d", h, m, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", m, s % 60);
    }
}
