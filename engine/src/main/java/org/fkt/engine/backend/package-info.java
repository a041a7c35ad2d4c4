/**
 * The backend SPI: the kernels a device must provide ({@link org.fkt.engine.backend.Backend}), their
 * geometry records, and the service-loader registry. The core names no backend.
 */
package org.fkt.engine.backend;
