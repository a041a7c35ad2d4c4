package org.fkt.data;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds the shared CIFAR-10 image-folder zip: the system property {@code fkt.cifar10.zip}, the environment
 * variable {@code FKT_CIFAR10_ZIP}, else {@code shared/data/cifar10-jpg.zip} beside the working folder or any of
 * its parents (the project's {@code ../shared/data/cifar10-jpg.zip}); null when none exists.
 */
final class SharedData {
    static final String NAME = "cifar10-jpg.zip";

    private SharedData() {}

    static Path cifar10Zip() {
        String given = System.getProperty("fkt.cifar10.zip", System.getenv("FKT_CIFAR10_ZIP"));
        if (given != null && !given.isBlank()) {
            Path p = Path.of(given);
            return Files.isRegularFile(p) ? p : null;
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path p = dir.resolve("shared/data").resolve(NAME);
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        return null;
    }

    static String missingReason() {
        return NAME + " not found (set -Dfkt.cifar10.zip or FKT_CIFAR10_ZIP, or place it at ../shared/data/"
                + NAME + "); skipping";
    }
}
