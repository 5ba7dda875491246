package io.inkv.replication;

import io.inkv.store.document.Document;
import io.inkv.store.document.DocumentStore;

/**
 * A {@link DocumentStore} whose writes (upserts, field deletes, deletes, field drops, drop-all)
 * are published to the store's topic and which applies every replica's writes in log order. Open
 * one with {@link Replication#replicate(DocumentStore, ReplicationConfig)}.
 *
 * <p>With a partitioning field, a document's partition is that of the field's value bytes
 * ({@link EventFormat#valueBytes(Object)}), so every upsert must carry the field, and a delete or
 * field delete is routed by the field's value in the local copy of the document (a document this
 * replica does not hold cannot be deleted through it). Writing {@link DocumentStore#store()}
 * directly bypasses replication.
 */
public interface ReplicatedDocumentStore extends DocumentStore, Replica {

  /** Returns the partition of a document with these fields (its partitioning field, else not defined: use the key). */
  int partitionOf(Document fields);
}
