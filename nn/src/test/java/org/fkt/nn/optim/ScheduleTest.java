package org.fkt.nn.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Schedules at their boundary steps. */
class ScheduleTest {
    private static final double EPS = 1e-12;

    @Test
    void constant() {
        Schedule s = Schedule.constant(0.3);
        assertEquals(0.3, s.at(0));
        assertEquals(0.3, s.at(1_000_000));
    }

    @Test
    void stepDecayEveryKSteps() {
        Schedule s = Schedule.stepDecay(0.1, 0.1, 30);
        assertEquals(0.1, s.at(0), EPS);
        assertEquals(0.1, s.at(29), EPS);
        assertEquals(0.01, s.at(30), EPS);
        assertEquals(0.01, s.at(59), EPS);
        assertEquals(0.001, s.at(60), EPS);
    }

    @Test
    void multiStepAtMilestones() {
        Schedule s = Schedule.multiStep(0.1, 0.2, 10, 25);
        assertEquals(0.1, s.at(0), EPS);
        assertEquals(0.1, s.at(9), EPS);
        assertEquals(0.02, s.at(10), EPS);
        assertEquals(0.02, s.at(24), EPS);
        assertEquals(0.004, s.at(25), EPS);
        assertEquals(0.004, s.at(1000), EPS);
        assertEquals(0.1, Schedule.multiStep(0.1, 0.2).at(50), EPS);
    }

    @Test
    void simclrWarmupCosine() {
        long w = 10;
        long t = 110;
        Schedule s = Schedule.warmupCosine(4.8, w, t);
        assertEquals(0, s.at(0), EPS);
        assertEquals(4.8 / w, s.at(1), EPS);
        assertEquals(4.8 * (w - 1) / w, s.at(w - 1), EPS);
        assertEquals(4.8, s.at(w), EPS);
        assertEquals(4.8 * 0.5 * (1 + Math.cos(Math.PI / (t - w))), s.at(w + 1), EPS);
        assertEquals(2.4, s.at(w + (t - w) / 2), EPS);
        assertEquals(4.8 * 0.5 * (1 + Math.cos(Math.PI * (t - w - 1) / (t - w))), s.at(t - 1), EPS);
        assertEquals(0, s.at(t), EPS);
        assertEquals(0, s.at(t + 100), EPS);
    }

    @Test
    void warmupFromStartFactorToFinalRate() {
        Schedule s = Schedule.warmupCosine(1.0, 4, 14, 0.25, 0.1);
        assertEquals(0.25, s.at(0), EPS);
        assertEquals(0.4375, s.at(1), EPS);
        assertEquals(0.8125, s.at(3), EPS);
        assertEquals(1.0, s.at(4), EPS);
        assertEquals(0.55, s.at(9), EPS);
        assertEquals(0.1, s.at(14), EPS);
        assertEquals(0.1, s.at(20), EPS);
        Schedule none = Schedule.warmupCosine(1.0, 0, 10);
        assertEquals(1.0, none.at(0), EPS);
        assertEquals(0.5, none.at(5), EPS);
    }

    @Test
    void perEpochIndexesByEpoch() {
        Schedule s = Schedule.multiStep(0.1, 0.1, 2).perEpoch(100);
        assertEquals(0.1, s.at(199), EPS);
        assertEquals(0.01, s.at(200), EPS);
    }

    @Test
    void badArgumentsAreReported() {
        SgdTest.assertMessage(() -> Schedule.constant(-1), "learning rate");
        SgdTest.assertMessage(() -> Schedule.stepDecay(0.1, 0.5, 0), "every");
        SgdTest.assertMessage(() -> Schedule.multiStep(0.1, 0.5, 30, 10), "increasing");
        SgdTest.assertMessage(() -> Schedule.warmupCosine(1, 10, 10), "warmupSteps < totalSteps");
        SgdTest.assertMessage(() -> Schedule.warmupCosine(1, 1, 10, 1.5, 0), "start factor");
        SgdTest.assertMessage(() -> Schedule.constant(1).at(-1), "step must be >= 0");
        SgdTest.assertMessage(() -> Schedule.constant(1).perEpoch(0), "steps per epoch");
    }
}
