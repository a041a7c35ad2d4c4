package org.fkt.nn.optim;

import java.util.Arrays;

/**
 * A learning-rate schedule: a pure function from the step index (0 for the first optimizer step) to
 * the learning rate. Optimizers evaluate it at their {@link Optimizer#stepCount()}. Indices count
 * optimizer steps; {@link #perEpoch} turns an epoch-indexed schedule (torch's usual StepLR/MultiStepLR
 * use) into a step-indexed one.
 */
@FunctionalInterface
public interface Schedule {
    /** The learning rate of step {@code step} (>= 0). */
    double at(long step);

    /** This schedule indexed by epoch: step s uses {@code at(s / stepsPerEpoch)}. */
    default Schedule perEpoch(long stepsPerEpoch) {
        if (stepsPerEpoch <= 0) {
            throw new IllegalArgumentException("schedule: steps per epoch must be > 0, got " + stepsPerEpoch);
        }
        Schedule inner = this;
        return new Schedule() {
            @Override
            public double at(long step) {
                return inner.at(checkStep(step) / stepsPerEpoch);
            }

            @Override
            public String toString() {
                return inner + " per epoch of " + stepsPerEpoch + " steps";
            }
        };
    }

    /** The same rate at every step. */
    static Schedule constant(double lr) {
        return new Constant(lr);
    }

    /** {@code baseLr * gamma^(step / every)}: multiplied by gamma every {@code every} steps (torch StepLR). */
    static Schedule stepDecay(double baseLr, double gamma, long every) {
        return new StepDecay(baseLr, gamma, every);
    }

    /**
     * {@code baseLr * gamma^k}, k the number of milestones {@code <= step} (torch MultiStepLR): the rate
     * changes at each milestone step.
     */
    static Schedule multiStep(double baseLr, double gamma, long... milestones) {
        return new MultiStep(baseLr, gamma, milestones);
    }

    /** SimCLR's schedule: linear warm-up from 0 over {@code warmupSteps}, then cosine to 0 at {@code totalSteps}. */
    static Schedule warmupCosine(double baseLr, long warmupSteps, long totalSteps) {
        return new WarmupCosine(baseLr, warmupSteps, totalSteps, 0, 0);
    }

    /**
     * Linear warm-up from {@code startFactor * baseLr} (step 0) towards {@code baseLr} (reached at step
     * {@code warmupSteps}), then cosine from {@code baseLr} to {@code finalLr} at step {@code totalSteps}
     * and after: for W <= s, lr = final + (base - final) * (1 + cos(pi * min(s - W, T - W) / (T - W))) / 2.
     */
    static Schedule warmupCosine(double baseLr, long warmupSteps, long totalSteps, double startFactor, double finalLr) {
        return new WarmupCosine(baseLr, warmupSteps, totalSteps, startFactor, finalLr);
    }

    private static long checkStep(long step) {
        if (step < 0) {
            throw new IllegalArgumentException("schedule: step must be >= 0, got " + step);
        }
        return step;
    }

    private static void checkRate(String what, double lr) {
        if (!(lr >= 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException(what + " schedule: learning rate must be finite and >= 0, got " + lr);
        }
    }

    /** See {@link Schedule#constant}. */
    record Constant(double lr) implements Schedule {
        public Constant {
            checkRate("constant", lr);
        }

        @Override
        public double at(long step) {
            checkStep(step);
            return lr;
        }
    }

    /** See {@link Schedule#stepDecay}. */
    record StepDecay(double baseLr, double gamma, long every) implements Schedule {
        public StepDecay {
            checkRate("step", baseLr);
            if (every <= 0 || !(gamma >= 0) || Double.isInfinite(gamma)) {
                throw new IllegalArgumentException("step schedule: need every > 0 and finite gamma >= 0, got every "
                        + every + ", gamma " + gamma);
            }
        }

        @Override
        public double at(long step) {
            return baseLr * Math.pow(gamma, checkStep(step) / every);
        }
    }

    /** See {@link Schedule#multiStep}. */
    record MultiStep(double baseLr, double gamma, long[] milestones) implements Schedule {
        public MultiStep {
            checkRate("multi-step", baseLr);
            milestones = milestones.clone();
            for (int i = 0; i < milestones.length; i++) {
                if (milestones[i] < 0 || i > 0 && milestones[i] <= milestones[i - 1]) {
                    throw new IllegalArgumentException("multi-step schedule: milestones must be >= 0 and increasing, got "
                            + Arrays.toString(milestones));
                }
            }
            if (!(gamma >= 0) || Double.isInfinite(gamma)) {
                throw new IllegalArgumentException("multi-step schedule: gamma must be finite and >= 0, got " + gamma);
            }
        }

        @Override
        public long[] milestones() {
            return milestones.clone();
        }

        @Override
        public double at(long step) {
            checkStep(step);
            int passed = 0;
            while (passed < milestones.length && milestones[passed] <= step) {
                passed++;
            }
            return baseLr * Math.pow(gamma, passed);
        }

        @Override
        public String toString() {
            return "MultiStep[baseLr=" + baseLr + ", gamma=" + gamma + ", milestones=" + Arrays.toString(milestones) + "]";
        }
    }

    /** See {@link Schedule#warmupCosine(double, long, long, double, double)}. */
    record WarmupCosine(double baseLr, long warmupSteps, long totalSteps, double startFactor, double finalLr)
            implements Schedule {
        public WarmupCosine {
            checkRate("warm-up cosine", baseLr);
            checkRate("warm-up cosine (final)", finalLr);
            if (warmupSteps < 0 || totalSteps <= warmupSteps) {
                throw new IllegalArgumentException("warm-up cosine schedule: need 0 <= warmupSteps < totalSteps, got "
                        + warmupSteps + " and " + totalSteps);
            }
            if (!(startFactor >= 0 && startFactor <= 1)) {
                throw new IllegalArgumentException("warm-up cosine schedule: start factor must be in [0, 1], got "
                        + startFactor);
            }
        }

        @Override
        public double at(long step) {
            checkStep(step);
            if (step < warmupSteps) {
                return baseLr * (startFactor + (1 - startFactor) * step / (double) warmupSteps);
            }
            long span = totalSteps - warmupSteps;
            double progress = Math.min(step - warmupSteps, span) / (double) span;
            return finalLr + (baseLr - finalLr) * 0.5 * (1 + Math.cos(Math.PI * progress));
        }
    }
}
