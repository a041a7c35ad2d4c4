package org.fkt.report;

import org.fkt.io.Json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** metrics.json and confusion.csv contents, and the JSON writer's escapes and non-finite numbers. */
class RunFilesTest {
    private static final Metrics METRICS = Metrics.of(new int[] {0, 1, 1, 1, 0, 2}, new int[] {0, 0, 1, 1, 2, 2}, 3);
    private static final List<String> NAMES = List.of("cat", "dog, big", "say \"hi\"");

    @Test
    void confusionCsvHasNamedRowsAndColumns(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("confusion.csv");
        RunFiles.writeConfusion(file, METRICS, NAMES);
        List<List<String>> records = Csv.parse(Files.readString(file), file.toString());
        assertEquals(List.of("true\\predicted", "cat", "dog, big", "say \"hi\""), records.get(0));
        assertEquals(List.of("cat", "1", "1", "0"), records.get(1));
        assertEquals(List.of("dog, big", "0", "2", "0"), records.get(2));
        assertEquals(List.of("say \"hi\"", "1", "0", "1"), records.get(3));
        assertEquals(4, records.size());
    }

    @Test
    void metricsJsonHoldsTheNumbersAndTheConvention(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("metrics.json");
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("regime", "ft");
        extra.put("seed", 3);
        extra.put("final_loss", Double.NaN);
        RunFiles.writeMetrics(file, METRICS, NAMES, extra);
        String json = Files.readString(file);
        assertTrue(json.startsWith("{\n  \"regime\": \"ft\",\n  \"seed\": 3,\n  \"final_loss\": null,"), json);
        assertTrue(json.contains("\"accuracy\": " + METRICS.accuracy()), json);
        assertTrue(json.contains("\"macro_precision\": " + METRICS.macroPrecision()), json);
        assertTrue(json.contains("\"class\": \"say \\\"hi\\\"\""), json);
        assertTrue(json.contains("[1, 1, 0]"), json);
        assertTrue(json.contains("zero_division=0"), json);
        checkWithPython(file);
    }

    /** Parses the file with Python's json module where a python3 is on PATH (else only the text checks run). */
    private static void checkWithPython(Path file) throws Exception {
        Process p;
        try {
            p = new ProcessBuilder("python3", "-c", "import json,sys; d=json.load(open(sys.argv[1]));"
                    + " print(d['samples'], d['confusion'][2][0], d['per_class'][1]['class'], d['final_loss'])", file.toString())
                    .redirectErrorStream(true).start();
        } catch (IOException e) {
            System.out.println("python3 not on PATH; metrics.json checked as text only");
            return;
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertEquals("6 1 dog, big None", out);
    }

    @Test
    void jsonWriterEscapesAndFormats() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("s", "tab\there\nquote\" back\\ \u0001");
        m.put("inf", Double.POSITIVE_INFINITY);
        m.put("whole", 2.0);
        m.put("small", 1e-7);
        m.put("list", List.of(1, 2.5f, true));
        m.put("empty", List.of());
        m.put("nested", Map.of("k", new double[] {0.5}));
        assertEquals("{\n  \"s\": \"tab\\there\\nquote\\\" back\\\\ \\u0001\",\n  \"inf\": null,\n  \"whole\": 2.0,\n"
                + "  \"small\": 1.0E-7,\n  \"list\": [1, 2.5, true],\n  \"empty\": [],\n  \"nested\": {\n    \"k\": [0.5]\n  }\n}",
                Json.write(m));
        assertThrows(IllegalArgumentException.class, () -> Json.write(Map.of("x", new Object())));
    }

    @Test
    void classNamesMustMatchTheClassCount() {
        var e = assertThrows(IllegalArgumentException.class, () -> RunFiles.confusionCsv(METRICS, List.of("a")));
        assertTrue(e.getMessage().contains("3 classes but 1 class names"), e.getMessage());
    }
}
