/**
 * Not API: public only so that inkv's other modules (replication, the JCache provider, the server)
 * share the store's file discipline instead of writing their own. Applications must not use it; it
 * changes without notice.
 */
package io.inkv.store.internal;
