/**
 * Codecs: how Java values become the bytes the store keeps. {@link io.inkv.store.codec.Codec}
 * is the interface and chooses a codec for a type; {@link io.inkv.store.codec.RecordLayout}
 * describes the field-by-field layout of generated codecs, so that single fields can be read in
 * place. The stored formats are specified in {@code docs/codec-format.md}.
 */
package io.inkv.store.codec;
