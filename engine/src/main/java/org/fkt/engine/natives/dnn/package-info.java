/**
 * cuDNN convolutions behind one narrow interface ({@link org.fkt.engine.natives.dnn.Dnn}) with two
 * providers: JCudnn where its natives load (cuDNN 8) and a java.lang.foreign binding to libcudnn 9.
 */
package org.fkt.engine.natives.dnn;
