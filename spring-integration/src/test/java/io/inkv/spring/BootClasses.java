package io.inkv.spring;

import org.springframework.boot.autoconfigure.AutoConfigurations;

/**
 * Spring Boot's own auto-configurations by name: Boot 4 moved them into new modules and packages,
 * and the same tests run on Boot 3.5 ({@code -Dspring-boot-3}).
 */
final class BootClasses {
  static final String[] CACHE = {
      "org.springframework.boot.cache.autoconfigure.CacheAutoConfiguration",
      "org.springframework.boot.autoconfigure.cache.CacheAutoConfiguration"};
  static final String[] METRICS = {
      "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
      "org.springframework.boot.actuate.autoconfigure.metrics.MetricsAutoConfiguration"};
  static final String[] COMPOSITE_METER_REGISTRY = {
      "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
      "org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration"};
  static final String[] SIMPLE_METER_REGISTRY = {
      "org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration",
      "org.springframework.boot.actuate.autoconfigure.metrics.export.simple.SimpleMetricsExportAutoConfiguration"};

  private BootClasses() {}

  /** Returns the auto-configurations, each the first of its candidate names on the class path. */
  static AutoConfigurations autoConfigurations(String[]... candidates) {
    Class<?>[] classes = new Class<?>[candidates.length];
    for (int i = 0; i < candidates.length; i++) {
      classes[i] = first(candidates[i]);
    }
    return AutoConfigurations.of(classes);
  }

  private static Class<?> first(String... names) {
    for (String name : names) {
      try {
        return Class.forName(name, false, BootClasses.class.getClassLoader());
      } catch (ClassNotFoundException e) {
        // try the next
      }
    }
    throw new IllegalStateException("none of " + String.join(", ", names) + " is on the class path");
  }
}
