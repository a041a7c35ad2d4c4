package org.fkt.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.fkt.report.PaperTables.DatasetResults;
import org.junit.jupiter.api.Test;

/** The Table II / Table III text: mean and sample std over seeds, paper numbers, notes. */
class PaperTablesTest {
    private static Scores s(double a, double p, double r) {
        return new Scores(a, p, r);
    }

    @Test
    void tableTwoShowsMeanAndSampleStdBesideThePaper() {
        var cifar = new DatasetResults("cifar10", List.of(s(0.90, 0.89, 0.88), s(0.92, 0.91, 0.90), s(0.94, 0.92, 0.93)),
                List.of(s(0.93, 0.93, 0.92), s(0.935, 0.93, 0.92), s(0.94, 0.93, 0.92)));
        var aptos = new DatasetResults("aptos", List.of(s(0.81, 0.70, 0.65)), List.of());
        String text = PaperTables.tableII(List.of(cifar, aptos), null, StandardCharsets.UTF_8);
        List<String> lines = text.lines().toList();
        assertTrue(lines.get(0).startsWith("Table II"), text);
        assertTrue(lines.get(0).contains("over 3 seeds"), text);
        assertTrue(lines.get(1).matches("dataset +metric +RT \\(this run\\) +RT \\(paper\\) +FT \\(this run\\) +FT \\(paper\\)"),
                lines.get(1));
        // accuracy 90, 92, 94: mean 92, sample std sqrt(((-2)^2 + 0 + 2^2) / 2) = 2
        String cifarAcc = lines.get(3);
        assertTrue(cifarAcc.matches("CIFAR-10 +accuracy +92\\.00 \u00b1 2\\.00 +92\\.20 +93\\.50 \u00b1 0\\.50 +93\\.60"),
                cifarAcc);
        // precision 89, 91, 92: mean 90.67, squared deviations 2.778 + 0.111 + 1.778 = 4.667, / 2 -> sqrt = 1.53
        assertTrue(lines.get(4).matches(" +precision +90\\.67 \u00b1 1\\.53 +n/a +.*"), lines.get(4));
        // a single seed prints no +-, a missing regime prints "-"; a smaller seed count is marked
        String aptosAcc = lines.stream().filter(l -> l.startsWith("APTOS 2019")).findFirst().orElseThrow();
        assertTrue(aptosAcc.matches("APTOS 2019 +accuracy +81\\.00 \\(n=1\\) +83\\.10 +- +83\\.32"), aptosAcc);
        assertTrue(text.contains("note: n/a"), text);
        assertFalse(text.contains("shortened"), text);
    }

    @Test
    void shortenedRunSaysSoAndAsciiOutputAvoidsThePlusMinusSign() {
        var intel = new DatasetResults("intel", List.of(s(0.5, 0.5, 0.5), s(0.6, 0.5, 0.5)),
                List.of(s(0.7, 0.5, 0.5), s(0.8, 0.5, 0.5)));
        String text = PaperTables.tableII(List.of(intel), "2 epochs per stage, 512 training images",
                StandardCharsets.US_ASCII);
        assertTrue(text.contains("Intel Image"), text);
        assertTrue(text.contains("55.00 +- 7.07"), text);
        assertTrue(text.contains("93.18") && text.contains("93.70"), text);
        assertTrue(text.contains("note: shortened run (2 epochs per stage, 512 training images)"), text);
        assertFalse(text.contains("\u00b1"), text);
    }

    @Test
    void tableThreeIsTheResNet18Ablation() {
        var intel = new DatasetResults("intel", List.of(s(0.9, 0.9, 0.9)), List.of(s(0.91, 0.9, 0.9)));
        String text = PaperTables.tableIII(List.of(intel), null, StandardCharsets.UTF_8);
        assertTrue(text.startsWith("Table III: RT vs FT, ResNet-18 ablation"), text);
        assertTrue(text.contains("one seed"), text);
        String acc = text.lines().filter(l -> l.startsWith("Intel Image")).findFirst().orElseThrow();
        assertTrue(acc.matches("Intel Image +accuracy +90\\.00 +n/a +91\\.00 +n/a"), acc);
    }
}
