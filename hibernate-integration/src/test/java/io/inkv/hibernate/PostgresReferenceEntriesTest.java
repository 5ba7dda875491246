package io.inkv.hibernate;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.BeforeAll;

/**
 * Reference entries on PostgreSQL at 127.0.0.1:5432 (database test, trust authentication);
 * skipped, with the reason printed, where none is running.
 */
class PostgresReferenceEntriesTest extends ReferenceEntriesContract {
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
