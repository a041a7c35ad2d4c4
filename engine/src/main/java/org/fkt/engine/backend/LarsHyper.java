package org.fkt.engine.backend;

/**
 * Hyper-parameters of one LARS step as SimCLR defines it: g = grad + weightDecay * w; the learning
 * rate is scaled by the trust ratio eta * ||w|| / ||g|| (1 when either norm is 0); v = momentum * v +
 * scaled_lr * g; w -= v (or, with nesterov, w -= momentum * v + scaled_lr * g).
 */
public record LarsHyper(double lr, double momentum, double weightDecay, double eta, boolean nesterov) {
}
