/**
 * The inkv data-plane server: an HTTP/1.1 and h2c gateway over inkv stores (documents, and the
 * routes of the small HTTP cache it replaces), index images for replica bootstrap, store
 * configuration, API-key authentication and an admin command line. The only public type is
 * {@link io.inkv.server.Main}; the routes are documented in {@code docs/server.md}.
 */
package io.inkv.server;
