package io.inkv.store.document;

/**
 * A field of a document store's schema: a name, the id documents store it under, and its type.
 * Resolve a field once with {@link DocumentStore#field(String)} and pass it to the
 * {@link DocumentView} getters, which then read without looking the name up.
 *
 * @param name the field's name
 * @param id the field's id in the document format; never reused, even after the field is dropped
 * @param type the field's type
 */
public record Field(String name, int id, FieldType type) {}
