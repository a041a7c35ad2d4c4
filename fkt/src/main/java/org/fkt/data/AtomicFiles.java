package org.fkt.data;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Atomic replacement of a file: the content goes to a temporary file beside the target, which is then renamed
 * over it, so a reader sees the old file or the new one and never a partial write.
 */
final class AtomicFiles {
    private AtomicFiles() {}

    /** A new empty temporary file in the target's folder (created if needed). */
    static Path temp(Path target) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        return Files.createTempFile(dir, target.getFileName().toString(), ".tmp");
    }

    /**
     * Renames {@code tmp} over {@code target}, atomically where the file system can, giving it the usual
     * rw-r--r-- permissions instead of the temporary file's owner-only ones.
     */
    static void commit(Path tmp, Path target) throws IOException {
        try {
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: keep its defaults
        }
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Deletes a leftover temporary file, ignoring failures (the caller reports its own error). */
    static void discard(Path tmp) {
        if (tmp != null) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // nothing more to do
            }
        }
    }
}
