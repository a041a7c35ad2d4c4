package org.fkt.data;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The decode cache file of one split, read through a memory mapping. Layout (little-endian):
 *
 * <pre>
 *   0  magic "FKTIMGC\0"     8 bytes
 *   8  version              int (1)
 *  12  count                int   images stored
 *  16  image size S         int   the run's input side used by the size rule
 *  20  classes              int
 *  24  fingerprint          32 bytes, SHA-256 of source paths, sizes, times, the item list and the options
 *  56  table offset         long
 *  64  file length          long  (a truncated file is detected)
 * 128  pixels               image after image, (H, W, 3) uint8 each
 * table: count x {long offset, int height, int width, int label, int source item index}
 *        then int n, n x {int length, UTF-8 "name: reason"} of the images skipped as unreadable
 * </pre>
 *
 * Images keep their own size (small images are not enlarged), hence the per-image table.
 */
final class CacheFile {
    static final int VERSION = 1;
    private static final byte[] MAGIC = "FKTIMGC\0".getBytes(StandardCharsets.US_ASCII);
    private static final int HEADER = 128;
    private static final int ROW = 24;

    private CacheFile() {}

    /** What an opened cache holds. */
    record Contents(MemorySegment file, long[] offsets, int[] heights, int[] widths, int[] labels, int[] sources,
            List<String> skipped) {}

    /** Writes a cache file image by image; {@link #finish} completes the table and header. */
    static final class Writer implements AutoCloseable {
        private final Path path;
        private final byte[] fingerprint;
        private final int imageSize;
        private final int classes;
        private final DataOutputStream out;
        private long position = HEADER;
        private final List<long[]> rows = new ArrayList<>();

        Writer(Path path, byte[] fingerprint, int imageSize, int classes) throws IOException {
            this.path = path;
            this.fingerprint = fingerprint;
            this.imageSize = imageSize;
            this.classes = classes;
            OutputStream os = Files.newOutputStream(path, StandardOpenOption.CREATE,
                    StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
            this.out = new DataOutputStream(new BufferedOutputStream(os, 1 << 20));
            out.write(new byte[HEADER]);
        }

        void add(Image im, int label, int source) throws IOException {
            out.write(im.pixels());
            rows.add(new long[] {position, im.height(), im.width(), label, source});
            position += im.pixels().length;
        }

        void finish(List<String> skipped) throws IOException {
            long tableOffset = position;
            ByteBuffer row = ByteBuffer.allocate(ROW).order(ByteOrder.LITTLE_ENDIAN);
            for (long[] r : rows) {
                row.clear();
                row.putLong(r[0]).putInt((int) r[1]).putInt((int) r[2]).putInt((int) r[3]).putInt((int) r[4]);
                out.write(row.array());
            }
            long length = tableOffset + (long) rows.size() * ROW;
            ByteBuffer n = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(skipped.size());
            out.write(n.array());
            length += 4;
            for (String s : skipped) {
                byte[] b = s.getBytes(StandardCharsets.UTF_8);
                out.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(b.length).array());
                out.write(b);
                length += 4 + b.length;
            }
            out.close();
            ByteBuffer h = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN);
            h.put(MAGIC).putInt(VERSION).putInt(rows.size()).putInt(imageSize).putInt(classes).put(fingerprint)
                    .putLong(tableOffset).putLong(length);
            h.clear();
            try (FileChannel ch = FileChannel.open(path, StandardOpenOption.WRITE)) {
                while (h.hasRemaining()) {
                    ch.write(h, h.position());
                }
                ch.force(true);
            }
        }

        @Override
        public void close() throws IOException {
            out.close();
        }
    }

    /**
     * Maps {@code path} and checks it: returns null when its fingerprint differs from {@code fingerprint}
     * (the source or the options changed), throws {@link IOException} when the file is damaged.
     */
    static Contents open(Path path, byte[] fingerprint, int classes) throws IOException {
        MemorySegment seg;
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < HEADER) {
                throw new IOException("shorter than its header (" + size + " bytes)");
            }
            seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, Arena.ofAuto());
        }
        var le = ByteOrder.LITTLE_ENDIAN;
        var ints = ValueLayout.JAVA_INT_UNALIGNED.withOrder(le);
        var longs = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(le);
        if (!Arrays.equals(seg.asSlice(0, 8).toArray(ValueLayout.JAVA_BYTE), MAGIC)) {
            throw new IOException("not an fkt image cache (bad magic)");
        }
        if (seg.get(ints, 8) != VERSION) {
            return null;
        }
        if (!Arrays.equals(seg.asSlice(24, 32).toArray(ValueLayout.JAVA_BYTE), fingerprint)) {
            return null;
        }
        int count = seg.get(ints, 12);
        long tableOffset = seg.get(longs, 56);
        long length = seg.get(longs, 64);
        if (length != seg.byteSize()) {
            throw new IOException("length " + seg.byteSize() + " but the header says " + length + " (truncated?)");
        }
        if (seg.get(ints, 20) != classes || count < 0 || tableOffset < HEADER
                || tableOffset + (long) count * ROW + 4 > length) {
            throw new IOException("inconsistent header");
        }
        long[] offsets = new long[count];
        int[] heights = new int[count];
        int[] widths = new int[count];
        int[] labels = new int[count];
        int[] sources = new int[count];
        for (int i = 0; i < count; i++) {
            long r = tableOffset + (long) i * ROW;
            offsets[i] = seg.get(longs, r);
            heights[i] = seg.get(ints, r + 8);
            widths[i] = seg.get(ints, r + 12);
            labels[i] = seg.get(ints, r + 16);
            sources[i] = seg.get(ints, r + 20);
            if (heights[i] <= 0 || widths[i] <= 0 || offsets[i] < HEADER
                    || offsets[i] + 3L * heights[i] * widths[i] > tableOffset || labels[i] < 0 || labels[i] >= classes
                    || sources[i] < 0) {
                throw new IOException("damaged table row " + i);
            }
        }
        long p = tableOffset + (long) count * ROW;
        int n = seg.get(ints, p);
        p += 4;
        List<String> skipped = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int len = seg.get(ints, p);
            if (len < 0 || p + 4 + len > length) {
                throw new IOException("damaged list of skipped images");
            }
            skipped.add(new String(seg.asSlice(p + 4, len).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8));
            p += 4 + len;
        }
        return new Contents(seg, offsets, heights, widths, labels, sources, skipped);
    }
}
