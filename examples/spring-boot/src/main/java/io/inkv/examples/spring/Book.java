package io.inkv.examples.spring;

import java.io.Serializable;

/** A book. The persistent cache "books" stores it by value (encoded, as a record); {@link Serializable} is for other stores. */
public record Book(long id, String title, String author) implements Serializable {}
