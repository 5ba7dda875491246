/**
 * The wall around off-heap memory: {@link io.inkv.store.memory.MappedFile} opens and maps files,
 * and {@link io.inkv.store.memory.Region} is the typed view of mapped bytes that the rest of inkv
 * reads and writes. Nothing outside this package touches {@code MappedByteBuffer}, file mappings
 * or buffer {@code VarHandle}s.
 */
package io.inkv.store.memory;
