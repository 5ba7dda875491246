package io.inkv.benchmarks.documents;

/** The documents benchmark's fields as a {@link io.inkv.store.document.DocumentType} interface. */
public interface ProfileView {
  /** The name field. */
  String name();

  /** The age field. */
  int age();

  /** The city field. */
  String city();

  /** The id field. */
  long id();

  /** The score field. */
  double score();

  /** The active field. */
  boolean active();

  /** The visits field. */
  int visits();

  /** The rating field. */
  float rating();

  /** The createdAt field. */
  long createdAt();

  /** The email field. */
  String email();
}
