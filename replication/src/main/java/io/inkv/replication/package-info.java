/**
 * Replication of an inkv store through Kafka: every JVM holds an embedded replica and reads it at
 * memory speed, while writes are published to one log-compacted topic per store and applied by
 * every replica in log order.
 *
 * <p>Entry points: {@link io.inkv.replication.Replication#replicate(io.inkv.store.Store, ReplicationConfig)}
 * for a byte store, {@link io.inkv.replication.Replication#replicate(io.inkv.store.document.DocumentStore,
 * ReplicationConfig)} for a document store, and {@code InkvConfiguration.setReplication} for a JCache cache.
 * The event format is {@link io.inkv.replication.EventFormat}; the design and the wire format are in
 * {@code docs/replication.md}.
 *
 * <p>This package is the artifact {@code io.inkv:inkv-replication}, which depends on the store only.
 * kafka-clients is an optional dependency of it: only the classes that talk to Kafka (package-private
 * here) need it, and they are loaded only when a replica is opened, so the JCache provider, which
 * depends on this module, runs local caches without Kafka.
 *
 * <p>Logging goes through {@link System.Logger}, as in the store: no logging dependency, and an
 * application routes it to its own framework through the platform's {@code LoggerFinder}.
 */
package io.inkv.replication;
