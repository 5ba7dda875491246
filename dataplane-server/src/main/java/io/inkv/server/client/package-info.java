/**
 * What a replica uses to talk to an inkv server: {@link io.inkv.server.client.ImageFetch} downloads,
 * verifies and unpacks a store's newest index image. JDK classes only.
 */
package io.inkv.server.client;
