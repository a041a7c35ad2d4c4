package org.fkt.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The progress bar's plain-line output (CI logs) on a fake clock, the terminal redraw, and the epoch summary. */
class ProgressBarTest {
    private static final Pattern STEP = Pattern.compile("\\] +(\\d+)/(\\d+)");

    private static Map<String, Double> terms(double loss) {
        Map<String, Double> t = new LinkedHashMap<>();
        t.put("loss", loss);
        t.put("contrastive", loss * 0.75);
        return t;
    }

    @Test
    void plainOutputPrintsEachTenthWithRateAndEta() {
        var bytes = new ByteArrayOutputStream();
        var out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        long[] clock = {1_000_000_000L};
        var bar = new ProgressBar(out, "joint 1/3", 20, false, () -> clock[0]);
        for (int step = 1; step <= 20; step++) {
            clock[0] += 500_000_000L;   // 0.5 s per step of 32 images
            bar.update(step, 32L * step, terms(2.0 / step));
        }
        bar.finish();
        String text = bytes.toString(StandardCharsets.UTF_8);
        assertFalse(text.contains("\r"), "no carriage returns in plain output");
        List<String> lines = text.lines().toList();
        assertEquals(10, lines.size(), text);
        for (int i = 0; i < lines.size(); i++) {
            Matcher m = STEP.matcher(lines.get(i));
            assertTrue(m.find(), lines.get(i));
            assertEquals(2 * (i + 1), Integer.parseInt(m.group(1)), lines.get(i));
            assertEquals("20", m.group(2));
            assertTrue(lines.get(i).startsWith("joint 1/3 ["), lines.get(i));
        }
        // step 10: 5 s elapsed, 320 images -> 64 img/s; 10 steps left at 0.5 s -> 5 s
        String half = lines.get(4);
        assertTrue(half.contains("loss 0.2000  contrastive 0.1500"), half);
        assertTrue(half.contains("64.0 img/s"), half);
        assertTrue(half.contains("ETA 0:05"), half);
        assertTrue(half.contains("[##########..........]"), half);
        assertTrue(lines.getLast().contains("ETA 0:00"), lines.getLast());
    }

    @Test
    void plainOutputAlsoPrintsAfterAMinuteWithoutANewTenth() {
        var bytes = new ByteArrayOutputStream();
        var out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        long[] clock = {0};
        var bar = new ProgressBar(out, "pretrain", 1000, false, () -> clock[0]);
        for (int step = 1; step <= 1000; step++) {
            clock[0] += 1_000_000_000L;   // 1 s per step: a tenth takes 100 s
            bar.update(step, step, Map.of());
        }
        bar.finish();
        int previous = 0;
        List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
        for (String line : lines) {
            Matcher m = STEP.matcher(line);
            assertTrue(m.find(), line);
            int step = Integer.parseInt(m.group(1));
            assertTrue(step - previous <= ProgressBar.PLAIN_SECONDS, "gap of " + (step - previous) + " s before " + line);
            previous = step;
        }
        assertEquals(1000, previous);
        assertTrue(lines.size() < 30, lines.size() + " lines is not occasional");
    }

    @Test
    void finishPrintsTheLatestStateOfAnInterruptedEpoch() {
        var bytes = new ByteArrayOutputStream();
        var out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        long[] clock = {0};
        var bar = new ProgressBar(out, "finetune", 100, false, () -> clock[0]);
        clock[0] += 1_000_000;
        bar.update(3, 96, terms(1.5));
        assertEquals("", bytes.toString(StandardCharsets.UTF_8));
        bar.finish();
        bar.finish();
        List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(1, lines.size());
        assertTrue(lines.getFirst().contains("  3/100"), lines.getFirst());
    }

    @Test
    void terminalOutputRedrawsInPlace() {
        var bytes = new ByteArrayOutputStream();
        var out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        long[] clock = {0};
        var bar = new ProgressBar(out, "pretrain", 4, true, () -> clock[0]);
        for (int step = 1; step <= 4; step++) {
            clock[0] += 200_000_000L;
            bar.update(step, step * 8L, terms(Double.NaN));
        }
        bar.finish();
        String text = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(4, text.chars().filter(c -> c == '\r').count(), text);
        assertTrue(text.endsWith(System.lineSeparator()), "the bar's line is ended");
        assertTrue(text.contains("loss NaN"), text);
    }

    @Test
    void epochSummaryLine() {
        EpochRow row = EpochRow.builder("joint", 3).loss(5.4321, 4.1234, 1.3087).accuracy(0.452, 0.431)
                .learningRate("encoder", 0.001).learningRate("classifier", 0.025).timing(35.24, 1420.4).build();
        assertEquals("joint epoch 3/100  loss 5.4321 (contrastive 4.1234, supervised 1.3087)  train 45.20%  test 43.10%"
                + "  lr encoder 0.001, classifier 0.025  35.2 s  1420 img/s", EpochSummary.format(row, 100));
        EpochRow pre = EpochRow.builder("pretrain", 1).loss(null, 6.0, null).timing(1, 2).build();
        assertEquals("pretrain epoch 1  contrastive 6.0000  1.0 s  2 img/s", EpochSummary.format(pre, 0));
    }

    @Test
    void significantDigits() {
        assertEquals("0.001", EpochSummary.significant(0.001));
        assertEquals("0.025", EpochSummary.significant(0.025));
        assertEquals("1.5e-05", EpochSummary.significant(1.5e-5));
        assertEquals("0.1235", EpochSummary.significant(0.123456));
        assertEquals("1200", EpochSummary.significant(1200));
        assertEquals("0", EpochSummary.significant(0));
    }

    @Test
    void durations() {
        assertEquals("0:05", ProgressBar.duration(4.6));
        assertEquals("2:03", ProgressBar.duration(123));
        assertEquals("1:00:01", ProgressBar.duration(3601));
    }
}
