package io.inkv.hibernate;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.hibernate.SessionFactory;
import org.hibernate.boot.MetadataSources;
import org.hibernate.boot.registry.StandardServiceRegistry;
import org.hibernate.boot.registry.StandardServiceRegistryBuilder;
import org.hibernate.engine.spi.SessionFactoryImplementor;

/**
 * The databases the tests run on: H2 in memory (always), and PostgreSQL on 127.0.0.1:5432
 * (database test, trust authentication, user postgres or root) where one is running.
 */
enum TestDatabase {
  H2, POSTGRESQL;

  private static final AtomicInteger NEXT = new AtomicInteger();
  private static volatile String postgresUser;
  private static volatile String postgresProblem;

  /** Returns why PostgreSQL cannot be used here, or null if it can. */
  static synchronized String postgresUnavailable() {
    if (postgresUser == null && postgresProblem == null) {
      for (String user : List.of("postgres", "root")) {
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/test?connectTimeout=2", user, "")) {
          if (c.isValid(2)) {
            postgresUser = user;
            break;
          }
        } catch (SQLException e) {
          postgresProblem = "PostgreSQL at 127.0.0.1:5432/test is not reachable as postgres or root (" + e.getMessage() + ")";
        }
      }
      if (postgresUser != null) {
        postgresProblem = null;
      } else {
        System.out.println("SKIPPED PostgreSQL tests: " + postgresProblem);
      }
    }
    return postgresUser != null ? null : postgresProblem;
  }

  /** Settings of a fresh database (a new H2 database, or the PostgreSQL one with its tables re-created). */
  Map<String, Object> settings() {
    Map<String, Object> s = new HashMap<>();
    switch (this) {
      case H2 -> {
        s.put("hibernate.connection.url", "jdbc:h2:mem:inkv" + NEXT.incrementAndGet() + ";DB_CLOSE_DELAY=-1");
        s.put("hibernate.connection.username", "sa");
      }
      case POSTGRESQL -> {
        s.put("hibernate.connection.url", "jdbc:postgresql://127.0.0.1:5432/test");
        s.put("hibernate.connection.username", postgresUser);
      }
    }
    s.put("hibernate.connection.password", "");
    s.put("hibernate.hbm2ddl.auto", "create");
    s.put("hibernate.connection.pool_size", "8");
    s.put("hibernate.generate_statistics", "true");
    s.put("hibernate.cache.use_second_level_cache", "true");
    s.put("hibernate.cache.region.factory_class", "inkv");
    s.put("hibernate.javax.cache.missing_cache_strategy", "create");
    s.put("hibernate.show_sql", "false");
    return s;
  }

  /** A session factory and the service registry it was built from, closed together. */
  record Factory(SessionFactoryImplementor sessionFactory, StandardServiceRegistry registry) implements AutoCloseable {
    @Override
    public void close() {
      try {
        sessionFactory.close();
      } finally {
        StandardServiceRegistryBuilder.destroy(registry);
      }
    }
  }

  static Factory build(Map<String, Object> settings, List<Class<?>> entities) {
    StandardServiceRegistry registry = new StandardServiceRegistryBuilder().applySettings(settings).build();
    try {
      MetadataSources sources = new MetadataSources(registry);
      entities.forEach(sources::addAnnotatedClass);
      SessionFactory sf = sources.buildMetadata().buildSessionFactory();
      return new Factory((SessionFactoryImplementor) sf, registry);
    } catch (RuntimeException e) {
      StandardServiceRegistryBuilder.destroy(registry);
      throw e;
    }
  }
}
