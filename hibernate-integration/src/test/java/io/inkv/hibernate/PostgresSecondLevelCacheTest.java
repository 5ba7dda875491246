package io.inkv.hibernate;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.BeforeAll;

/**
 * The second-level cache contract on PostgreSQL at 127.0.0.1:5432 (database test, trust
 * authentication); skipped, with the reason printed, where none is running.
 */
class PostgresSecondLevelCacheTest extends SecondLevelCacheContract {
  @BeforeAll
  static void requirePostgres() {
    String problem = TestDatabase.postgresUnavailable();
    assumeTrue(problem == null, problem);
  }

  @Override
  TestDatabase database() {
    return TestDatabase.POSTGRESQL;
  }
}
