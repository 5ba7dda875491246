package io.inkv.examples.spring;

import java.io.Serializable;

/** A book. Cached values are stored by value, so it is {@link Serializable}. */
public record Book(long id, String title, String author) implements Serializable {}
