package org.fkt.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * A read-only file tree addressed by '/'-separated relative paths ("" is the root): a folder on disk, or the
 * entries of a .zip read in place with {@link ZipFile} (nothing is extracted). Hidden names (starting with '.')
 * and macOS's {@code __MACOSX} folders are not listed. Reads are safe from several threads.
 */
abstract sealed class SourceTree implements AutoCloseable permits SourceTree.Dir, SourceTree.Zip {
    /** The folder or .zip on disk. */
    final Path location;

    SourceTree(Path location) {
        this.location = location;
    }

    /** Opens {@code path}: a folder, or a .zip file. */
    static SourceTree open(Path path) {
        if (!Files.exists(path)) {
            throw new DataException("data path does not exist: " + path);
        }
        if (Files.isDirectory(path)) {
            return new Dir(path);
        }
        if (path.getFileName().toString().toLowerCase().endsWith(".zip")) {
            return new Zip(path);
        }
        throw new DataException("unknown data format: " + path + " is a file that is not a .zip; give a dataset "
                + "folder (CIFAR-10 binary, image folders, APTOS 2019) or a .zip of one");
    }

    static String join(String dir, String name) {
        return dir.isEmpty() ? name : dir + "/" + name;
    }

    static String fileName(String rel) {
        return rel.substring(rel.lastIndexOf('/') + 1);
    }

    static boolean listed(String name) {
        return !name.isEmpty() && !name.startsWith(".") && !name.equals("__MACOSX");
    }

    /** A path as the user would recognise it in a message: "/data/root/train/cat" or "/data/x.zip!/train/cat". */
    abstract String show(String rel);

    abstract boolean isDirectory(String rel);

    abstract boolean isFile(String rel);

    /** The listed children of folder {@code rel}, sorted by name. */
    abstract List<String> list(String rel);

    /** The whole content of file {@code rel}. */
    abstract byte[] read(String rel) throws IOException;

    /**
     * Text that changes when any of {@code files} changes (path, size, modification time), for the cache
     * fingerprint. A zip is one file, so its own size and time stand for every entry.
     */
    abstract String fingerprint(List<String> files);

    @Override
    public abstract void close();

    /** A folder on disk. */
    static final class Dir extends SourceTree {
        Dir(Path root) {
            super(root.toAbsolutePath().normalize());
        }

        private Path resolve(String rel) {
            return rel.isEmpty() ? location : location.resolve(rel);
        }

        @Override
        String show(String rel) {
            return resolve(rel).toString();
        }

        @Override
        boolean isDirectory(String rel) {
            return Files.isDirectory(resolve(rel));
        }

        @Override
        boolean isFile(String rel) {
            return Files.isRegularFile(resolve(rel));
        }

        @Override
        List<String> list(String rel) {
            TreeSet<String> names = new TreeSet<>();
            try (DirectoryStream<Path> s = Files.newDirectoryStream(resolve(rel))) {
                for (Path p : s) {
                    String n = p.getFileName().toString();
                    if (listed(n)) {
                        names.add(n);
                    }
                }
            } catch (IOException e) {
                throw new DataException("cannot list " + show(rel) + ": " + e, e);
            }
            return new ArrayList<>(names);
        }

        @Override
        byte[] read(String rel) throws IOException {
            return Files.readAllBytes(resolve(rel));
        }

        @Override
        String fingerprint(List<String> files) {
            StringBuilder sb = new StringBuilder(location.toString()).append('\n');
            for (String f : files) {
                try {
                    BasicFileAttributes a = Files.readAttributes(resolve(f), BasicFileAttributes.class);
                    sb.append(f).append(' ').append(a.size()).append(' ').append(a.lastModifiedTime().toMillis());
                } catch (IOException e) {
                    sb.append(f).append(" unreadable");
                }
                sb.append('\n');
            }
            return sb.toString();
        }

        @Override
        public void close() {
            // nothing is held open
        }
    }

    /** The entries of a .zip file. */
    static final class Zip extends SourceTree {
        private final ZipFile zip;
        private final Map<String, ZipEntry> files = new HashMap<>();
        private final Map<String, TreeSet<String>> children = new HashMap<>();
        private final long size;
        private final long modified;

        Zip(Path file) {
            super(file.toAbsolutePath().normalize());
            try {
                size = Files.size(location);
                modified = Files.getLastModifiedTime(location).toMillis();
                zip = new ZipFile(location.toFile());
            } catch (ZipException e) {
                throw new DataException("unknown data format: " + location + " is not a readable zip (" + e.getMessage()
                        + ")", e);
            } catch (IOException e) {
                throw new DataException("cannot open " + location + ": " + e, e);
            }
            children.put("", new TreeSet<>());
            var entries = zip.entries();
            while (entries.hasMoreElements()) {
                ZipEntry e = entries.nextElement();
                String name = e.getName().replace('\\', '/');
                while (name.startsWith("/")) {
                    name = name.substring(1);
                }
                boolean dir = name.endsWith("/");
                if (dir) {
                    name = name.substring(0, name.length() - 1);
                }
                if (name.isEmpty() || !visible(name)) {
                    continue;
                }
                addParents(name);
                if (dir) {
                    children.computeIfAbsent(name, k -> new TreeSet<>());
                } else {
                    files.put(name, e);
                }
            }
        }

        private static boolean visible(String name) {
            for (String part : name.split("/")) {
                if (!listed(part)) {
                    return false;
                }
            }
            return true;
        }

        private void addParents(String name) {
            String child = name;
            while (true) {
                int slash = child.lastIndexOf('/');
                String parent = slash < 0 ? "" : child.substring(0, slash);
                TreeSet<String> kids = children.computeIfAbsent(parent, k -> new TreeSet<>());
                if (!kids.add(fileName(child)) || parent.isEmpty()) {
                    return;
                }
                child = parent;
            }
        }

        @Override
        String show(String rel) {
            return rel.isEmpty() ? location.toString() : location + "!/" + rel;
        }

        @Override
        boolean isDirectory(String rel) {
            return children.containsKey(rel);
        }

        @Override
        boolean isFile(String rel) {
            return files.containsKey(rel);
        }

        @Override
        List<String> list(String rel) {
            TreeSet<String> kids = children.get(rel);
            return kids == null ? List.of() : new ArrayList<>(kids);
        }

        @Override
        byte[] read(String rel) throws IOException {
            ZipEntry e = files.get(rel);
            if (e == null) {
                throw new IOException("no entry " + rel);
            }
            try (InputStream in = zip.getInputStream(e)) {
                return in.readAllBytes();
            }
        }

        @Override
        String fingerprint(List<String> entries) {
            return location + " " + size + " " + modified + "\n";
        }

        @Override
        public void close() {
            try {
                zip.close();
            } catch (IOException ignored) {
                // read-only use: nothing to lose
            }
        }
    }
}
