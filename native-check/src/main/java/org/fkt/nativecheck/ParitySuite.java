// Runs the tests tagged "gpu" on the class path through the JUnit Platform Launcher and prints a table.
package org.fkt.nativecheck;

import static org.junit.platform.engine.discovery.ClassNameFilter.includeClassNamePatterns;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectPackage;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TagFilter;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/** The GPU-versus-CPU parity suite: every JUnit test tagged "gpu" under org.fkt (the test jars of engine, nn and fkt). */
final class ParitySuite {

    /** One finished test. */
    record Row(String test, String status, long millis, String detail) {
    }

    /** Counts and rows of one run. */
    record Result(List<Row> rows, int found, int passed, int failed, int skipped) {
    }

    private ParitySuite() {
    }

    /** Runs the suite (optionally only classes matching {@code classPattern}) and prints the table. */
    static Result run(String classPattern, PrintStream out) {
        var builder = LauncherDiscoveryRequestBuilder.request().selectors(selectPackage("org.fkt"))
                .filters(TagFilter.includeTags("gpu"))
                .configurationParameter("junit.jupiter.extensions.autodetection.enabled", "false");
        if (classPattern != null) {
            builder.filters(includeClassNamePatterns(classPattern));
        }
        LauncherDiscoveryRequest request = builder.build();
        var rows = new ArrayList<Row>();
        var started = new ConcurrentHashMap<String, Long>();
        TestExecutionListener listener = new TestExecutionListener() {
            @Override
            public void executionStarted(TestIdentifier id) {
                started.put(id.getUniqueId(), System.nanoTime());
            }

            @Override
            public void executionSkipped(TestIdentifier id, String reason) {
                if (id.isTest()) {
                    rows.add(new Row(name(id), "SKIPPED", 0, reason));
                }
            }

            @Override
            public void executionFinished(TestIdentifier id, TestExecutionResult r) {
                boolean failedContainer = !id.isTest() && r.getStatus() != TestExecutionResult.Status.SUCCESSFUL;
                if (!id.isTest() && !failedContainer) {
                    return;
                }
                long ms = (System.nanoTime() - started.getOrDefault(id.getUniqueId(), System.nanoTime())) / 1_000_000;
                String detail = r.getThrowable().map(t -> String.valueOf(t.getMessage())).orElse("");
                String status = switch (r.getStatus()) {
                    case SUCCESSFUL -> "PASSED";
                    case ABORTED -> "SKIPPED";
                    case FAILED -> "FAILED";
                };
                rows.add(new Row(name(id), status, ms, detail.replace('\n', ' ')));
            }
        };
        var launcher = LauncherFactory.create();
        var plan = launcher.discover(request);
        int found = (int) plan.countTestIdentifiers(TestIdentifier::isTest);
        out.println();
        out.println("parity suite: " + found + " test(s) tagged \"gpu\"" + (classPattern == null ? ""
                : " in classes matching " + classPattern));
        if (found > 0) {
            launcher.execute(plan, listener);
        }
        print(rows, out);
        int passed = count(rows, "PASSED");
        int failed = count(rows, "FAILED");
        int skipped = count(rows, "SKIPPED");
        out.printf("%d passed, %d failed, %d skipped%s%n", passed, failed, skipped,
                found == 0 ? " (no parity test on the class path: are the engine, nn and fkt test jars in lib/?)" : "");
        return new Result(List.copyOf(rows), found, passed, failed, skipped);
    }

    private static void print(List<Row> rows, PrintStream out) {
        int width = Math.max(4, rows.stream().mapToInt(r -> r.test().length()).max().orElse(4));
        String format = "%-" + width + "s  %-7s  %8s  %s%n";
        out.printf(format, "test", "result", "ms", "detail");
        for (Row r : rows) {
            String detail = r.detail().length() > 160 ? r.detail().substring(0, 157) + "..." : r.detail();
            out.printf(format, r.test(), r.status(), r.millis(), detail);
        }
    }

    private static String name(TestIdentifier id) {
        String className = id.getSource().map(source -> switch (source) {
            case MethodSource m -> m.getClassName();
            case ClassSource c -> c.getClassName();
            default -> "";
        }).orElse("");
        String simple = className.substring(className.lastIndexOf('.') + 1);
        return simple.isEmpty() ? id.getDisplayName() : simple + "." + id.getDisplayName();
    }

    private static int count(List<Row> rows, String status) {
        return (int) rows.stream().filter(r -> r.status().equals(status)).count();
    }
}
