package org.fkt.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.io.IOException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Decoding PNG/JPEG to RGB, colour-model conversions, the size rule and corrupt files. */
class ImageDecoderTest {
    @Test
    void pngRoundTripsExactly() throws IOException {
        Image im = Fixtures.randomImage(7, 11, 1);
        Image back = ImageDecoder.decode(Fixtures.png(im));
        assertEquals(7, back.height());
        assertEquals(11, back.width());
        assertArrayEquals(im.pixels(), back.pixels());
    }

    @Test
    void grayIsReplicatedIntoRgb() throws IOException {
        BufferedImage g = new BufferedImage(5, 3, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 3; y++) {
            for (int x = 0; x < 5; x++) {
                g.getRaster().setSample(x, y, 0, y * 80 + x * 7);
            }
        }
        Image back = ImageDecoder.decode(Fixtures.encode(g, "png"));
        for (int y = 0; y < 3; y++) {
            for (int x = 0; x < 5; x++) {
                for (int c = 0; c < 3; c++) {
                    assertEquals(y * 80 + x * 7, back.get(y, x, c), "gray pixel " + y + "," + x);
                }
            }
        }
    }

    @Test
    void sixteenBitGrayIsScaledToEightBits() throws IOException {
        BufferedImage g = new BufferedImage(2, 1, BufferedImage.TYPE_USHORT_GRAY);
        g.getRaster().setSample(0, 0, 0, 65535);
        g.getRaster().setSample(1, 0, 0, 257 * 100);
        Image back = ImageDecoder.decode(Fixtures.encode(g, "png"));
        assertEquals(255, back.get(0, 0, 1));
        assertEquals(100, back.get(0, 1, 2));
    }

    @Test
    void alphaIsDroppedWithoutCompositing() throws IOException {
        BufferedImage a = new BufferedImage(2, 2, BufferedImage.TYPE_INT_ARGB);
        a.setRGB(0, 0, 0x00112233);
        a.setRGB(1, 0, 0x80445566);
        a.setRGB(0, 1, 0xff778899);
        a.setRGB(1, 1, 0x10aabbcc);
        Image back = ImageDecoder.decode(Fixtures.encode(a, "png"));
        assertArrayEquals(new byte[] {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, (byte) 0x88, (byte) 0x99,
            (byte) 0xaa, (byte) 0xbb, (byte) 0xcc}, back.pixels());
    }

    @Test
    void paletteColoursAreLookedUp() throws IOException {
        byte[] r = {10, 20, (byte) 200};
        byte[] g = {11, 21, (byte) 201};
        byte[] b = {12, 22, (byte) 202};
        BufferedImage p = new BufferedImage(3, 1, BufferedImage.TYPE_BYTE_INDEXED, new IndexColorModel(2, 3, r, g, b));
        for (int x = 0; x < 3; x++) {
            p.getRaster().setSample(x, 0, 0, 2 - x);
        }
        Image back = ImageDecoder.decode(Fixtures.encode(p, "png"));
        assertArrayEquals(new byte[] {(byte) 200, (byte) 201, (byte) 202, 20, 21, 22, 10, 11, 12}, back.pixels());
    }

    @Test
    void jpegDecodesCloseToItsSource() throws IOException {
        Image im = Fixtures.solid(16, 24, 200, 40, 90);
        Image back = ImageDecoder.decode(Fixtures.jpeg(im));
        assertEquals(16, back.height());
        assertEquals(24, back.width());
        for (int i = 0; i < im.pixels().length; i++) {
            int d = Math.abs((im.pixels()[i] & 0xff) - (back.pixels()[i] & 0xff));
            assertTrue(d <= 4, "jpeg byte " + i + " differs by " + d);
        }
    }

    @Test
    void smallImagesAreKeptAndLargeOnesResizedToSquare() throws IOException {
        Image small = Fixtures.randomImage(20, 32, 2);
        assertSame(small, ImageDecoder.fit(small, 32));
        Image wide = ImageDecoder.decode(Fixtures.png(Fixtures.randomImage(20, 40, 3)), 32);
        assertEquals(32, wide.height());
        assertEquals(32, wide.width());
    }

    @Test
    void halvingAveragesEachTwoByTwoBlock() {
        Image src = Fixtures.randomImage(64, 48, 4);
        Image half = ImageDecoder.resize(src, 32, 24);
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 24; x++) {
                for (int c = 0; c < 3; c++) {
                    double mean = (src.get(2 * y, 2 * x, c) + src.get(2 * y, 2 * x + 1, c) + src.get(2 * y + 1, 2 * x, c)
                            + src.get(2 * y + 1, 2 * x + 1, c)) / 4.0;
                    assertTrue(Math.abs(half.get(y, x, c) - mean) <= 0.5 + 1e-3,
                            "pixel " + y + "," + x + "," + c + ": " + half.get(y, x, c) + " vs mean " + mean);
                }
            }
        }
    }

    @Test
    void growingAnAxisIsBilinear() {
        // one row 0, 100 widened to 4: half-pixel centres give 0, 25, 75, 100
        byte[] px = {0, 0, 0, 100, 100, 100};
        Image up = ImageDecoder.resize(new Image(1, 2, px), 1, 4);
        assertEquals(0, up.get(0, 0, 0));
        assertEquals(25, up.get(0, 1, 1));
        assertEquals(75, up.get(0, 2, 2));
        assertEquals(100, up.get(0, 3, 0));
        Image flat = ImageDecoder.resize(Fixtures.solid(10, 50, 7, 8, 9), 32, 32);
        byte[] expect = Fixtures.solid(32, 32, 7, 8, 9).pixels();
        assertArrayEquals(expect, flat.pixels());
    }

    @Test
    void corruptFilesAreIoErrors() {
        byte[] jpeg = Fixtures.jpeg(Fixtures.randomImage(32, 32, 5));
        byte[] png = Fixtures.png(Fixtures.randomImage(32, 32, 6));
        assertThrows(IOException.class, () -> ImageDecoder.decode(Arrays.copyOf(jpeg, jpeg.length / 2)));
        assertThrows(IOException.class, () -> ImageDecoder.decode(Arrays.copyOf(png, png.length / 2)));
        assertThrows(IOException.class, () -> ImageDecoder.decode("not an image at all".getBytes()));
        assertThrows(IOException.class, () -> ImageDecoder.decode(new byte[0]));
    }
}
