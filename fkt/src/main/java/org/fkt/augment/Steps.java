package org.fkt.augment;

import java.util.random.RandomGenerator;
import org.fkt.data.Image;

/** The pipeline stages, each drawing its random parameters (if any) from the sample's generator. */
final class Steps {
    private Steps() {
    }

    /** torchvision RandomResizedCrop(S, scale, ratio) with bilinear resampling. */
    record RandomResizedCrop(double scaleMin, double scaleMax, double ratioMin, double ratioMax) implements Step.Source {
        @Override
        public void render(Image image, RandomGenerator random, Workspace ws) {
            CropBox box = Crops.randomResized(image.height(), image.width(), scaleMin, scaleMax, ratioMin, ratioMax, random);
            Resample.cropResize(image, box, ws.size, ws.size, ws.image, ws.scratch(Resample.scratchSize(box, ws.size)));
        }

        @Override
        public String describe() {
            return String.format("random resized crop (scale %.2f-%.2f, ratio %.4f-%.4f, bilinear)", scaleMin, scaleMax, ratioMin, ratioMax);
        }
    }

    /** torchvision Resize(S) (shorter side to S, bilinear antialiased) then CenterCrop(S); a copy when already S x S. */
    record ResizeCenterCrop() implements Step.Source {
        @Override
        public void render(Image image, RandomGenerator random, Workspace ws) {
            int s = ws.size;
            if (image.height() == s && image.width() == s) {
                Resample.cropResize(image, new CropBox(0, 0, s, s), s, s, ws.image, ws.scratch(3 * s * s));
                return;
            }
            int[] hw = Crops.shorterSide(image.height(), image.width(), s);
            int rh = hw[0];
            int rw = hw[1];
            CropBox all = new CropBox(0, 0, image.height(), image.width());
            float[] resized = new float[3 * rh * rw];   // only for images not already S x S (not the training path)
            Resample.cropResize(image, all, rh, rw, resized, ws.scratch(Resample.scratchSize(all, rw)));
            CropBox c = Crops.center(rh, rw, s, s);
            for (int ch = 0; ch < 3; ch++) {
                for (int y = 0; y < s; y++) {
                    System.arraycopy(resized, (ch * rh + c.top() + y) * rw + c.left(), ws.image, (ch * s + y) * s, s);
                }
            }
        }

        @Override
        public String describe() {
            return "resize shorter side to S and center crop";
        }
    }

    /** torchvision Resize([S, S]) (both sides to S, aspect ratio not kept), as the paper's pretrain script. */
    record ResizeSquare() implements Step.Source {
        @Override
        public void render(Image image, RandomGenerator random, Workspace ws) {
            CropBox all = new CropBox(0, 0, image.height(), image.width());
            Resample.cropResize(image, all, ws.size, ws.size, ws.image, ws.scratch(Resample.scratchSize(all, ws.size)));
        }

        @Override
        public String describe() {
            return "resize to S x S";
        }
    }

    /** ResizeCenterCrop, then torchvision RandomCrop(S, padding) with zero fill: a shift by up to {@code padding} pixels. */
    record PaddedRandomCrop(int padding) implements Step.Source {
        private static final ResizeCenterCrop BASE = new ResizeCenterCrop();

        @Override
        public void render(Image image, RandomGenerator random, Workspace ws) {
            BASE.render(image, random, ws);
            int s = ws.size;
            int top = random.nextInt(2 * padding + 1);    // row of the crop in the padded image
            int left = random.nextInt(2 * padding + 1);
            shift(ws.image, s, top - padding, left - padding, ws.scratch(3 * s * s));
        }

        /** out(y, x) = in(y + dy, x + dx), zero outside. */
        static void shift(float[] img, int s, int dy, int dx, float[] scratch) {
            System.arraycopy(img, 0, scratch, 0, 3 * s * s);
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < s; y++) {
                    int sy = y + dy;
                    for (int x = 0; x < s; x++) {
                        int sx = x + dx;
                        img[(c * s + y) * s + x] = sy >= 0 && sy < s && sx >= 0 && sx < s ? scratch[(c * s + sy) * s + sx] : 0f;
                    }
                }
            }
        }

        @Override
        public String describe() {
            return "resize shorter side to S and center crop, random crop with " + padding + "-pixel zero padding";
        }
    }

    /** RandomHorizontalFlip(p). */
    record HorizontalFlip(double p) implements Step.Transform {
        @Override
        public void apply(Workspace ws, RandomGenerator random) {
            if (random.nextDouble() < p) {
                Flip.horizontal(ws.image, ws.size, ws.size);
            }
        }

        @Override
        public String describe() {
            return "horizontal flip p=" + p;
        }
    }

    /** RandomVerticalFlip(p). */
    record VerticalFlip(double p) implements Step.Transform {
        @Override
        public void apply(Workspace ws, RandomGenerator random) {
            if (random.nextDouble() < p) {
                Flip.vertical(ws.image, ws.size, ws.size);
            }
        }

        @Override
        public String describe() {
            return "vertical flip p=" + p;
        }
    }

    /** RandomApply([ColorJitter(0.8 s, 0.8 s, 0.8 s, 0.2 s)], p). */
    record Jitter(double p, double strength) implements Step.Transform {
        Jitter {
            ColorJitter.checkStrength(strength);
        }

        @Override
        public void apply(Workspace ws, RandomGenerator random) {
            if (random.nextDouble() < p) {
                ColorJitter.apply(ws.image, ws.plane(), ColorJitter.sample(strength, random));
            }
        }

        @Override
        public String describe() {
            return String.format("color jitter p=%s (brightness, contrast, saturation %.2f, hue %.2f, random order)", p,
                    0.8 * strength, 0.2 * strength);
        }
    }

    /** RandomGrayscale(p) with 3 output channels. */
    record Grayscale(double p) implements Step.Transform {
        @Override
        public void apply(Workspace ws, RandomGenerator random) {
            if (random.nextDouble() < p) {
                Color.grayscale(ws.image, ws.plane());
            }
        }

        @Override
        public String describe() {
            return "grayscale p=" + p;
        }
    }

    /** RandomApply([GaussianBlur(kernel, sigma=(sigmaMin, sigmaMax))], p). */
    record Blur(double p, int kernel, double sigmaMin, double sigmaMax) implements Step.Transform {
        @Override
        public void apply(Workspace ws, RandomGenerator random) {
            if (random.nextDouble() < p) {
                double sigma = Crops.uniform(random, sigmaMin, sigmaMax);
                if (kernel > 1) {
                    GaussianBlur.apply(ws.image, ws.size, ws.size, kernel, sigma, ws.scratch(3 * ws.plane()));
                }
            }
        }

        @Override
        public String describe() {
            return "gaussian blur p=" + p + " (kernel " + kernel + ", sigma " + sigmaMin + "-" + sigmaMax + ", reflect padding)";
        }
    }

    /** RandomAffine(degrees=(-degrees, degrees), translate=(t, t)), nearest, zero fill. */
    record RandomAffine(double degrees, double translate) implements Step.Transform {
        @Override
        public void apply(Workspace ws, RandomGenerator random) {
            int s = ws.size;
            double angle = Crops.uniform(random, -degrees, degrees);
            double maxDx = translate * s;
            double maxDy = translate * s;
            int tx = (int) Math.rint(Crops.uniform(random, -maxDx, maxDx));
            int ty = (int) Math.rint(Crops.uniform(random, -maxDy, maxDy));
            Affine.warp(ws.image, s, s, Affine.inverseMatrix(angle, tx, ty), false, ws.scratch(3 * ws.plane()));
        }

        @Override
        public String describe() {
            return "random affine (rotation +-" + degrees + " degrees, translation up to " + translate + " of the side, nearest, zero fill)";
        }
    }

    /** RandomRotation(degrees=(-degrees, degrees)), nearest, zero fill. */
    record RandomRotation(double degrees) implements Step.Transform {
        @Override
        public void apply(Workspace ws, RandomGenerator random) {
            double angle = Crops.uniform(random, -degrees, degrees);
            Affine.warp(ws.image, ws.size, ws.size, Affine.rotationMatrix(angle), false, ws.scratch(3 * ws.plane()));
        }

        @Override
        public String describe() {
            return "random rotation (+-" + degrees + " degrees, nearest, zero fill)";
        }
    }
}
