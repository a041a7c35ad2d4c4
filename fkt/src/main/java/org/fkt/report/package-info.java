/**
 * What a run reports: classification {@link org.fkt.report.Metrics}, the per-epoch
 * {@link org.fkt.report.History} ({@code history.csv}), {@code metrics.json} and {@code confusion.csv}
 * ({@link org.fkt.report.RunFiles}), PNG curves ({@link org.fkt.report.Plots} on
 * {@link org.fkt.report.LinePlot}), the per-epoch {@link org.fkt.report.ProgressBar} and summary line,
 * and the paper's result tables ({@link org.fkt.report.PaperTables}). Files are written atomically
 * ({@link org.fkt.report.AtomicFiles}); nothing here depends on the engine.
 */
package org.fkt.report;
