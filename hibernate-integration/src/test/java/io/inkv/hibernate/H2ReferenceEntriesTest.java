package io.inkv.hibernate;

/** Reference entries on an embedded H2 database. */
class H2ReferenceEntriesTest extends ReferenceEntriesContract {
  @Override
  TestDatabase database() {
    return TestDatabase.H2;
  }
}
