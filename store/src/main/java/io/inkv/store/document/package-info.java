/**
 * Documents: a primary key plus named, typed fields under a per-store schema, merged on upsert
 * and read one field at a time in place. {@link io.inkv.store.document.DocumentStore} is the entry
 * point; {@link io.inkv.store.document.DocumentView} reads fields without allocating.
 */
package io.inkv.store.document;
