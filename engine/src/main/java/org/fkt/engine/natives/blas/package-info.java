/**
 * cuBLAS behind one narrow interface ({@link org.fkt.engine.natives.blas.Blas}) with two providers:
 * JCublas where its natives load (cuBLAS 12) and a java.lang.foreign binding to the installed libcublas.
 */
package org.fkt.engine.natives.blas;
