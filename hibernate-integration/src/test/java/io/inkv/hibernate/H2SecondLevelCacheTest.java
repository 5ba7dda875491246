package io.inkv.hibernate;

/** The second-level cache contract on an embedded H2 database. */
class H2SecondLevelCacheTest extends SecondLevelCacheContract {
  @Override
  TestDatabase database() {
    return TestDatabase.H2;
  }
}
