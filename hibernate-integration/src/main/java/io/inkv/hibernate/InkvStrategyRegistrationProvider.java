package io.inkv.hibernate;

import java.util.List;
import org.hibernate.boot.registry.selector.SimpleStrategyRegistrationImpl;
import org.hibernate.boot.registry.selector.StrategyRegistration;
import org.hibernate.boot.registry.selector.StrategyRegistrationProvider;
import org.hibernate.cache.spi.RegionFactory;

/**
 * Registers {@link InkvRegionFactory} with Hibernate under the short name {@code inkv}. Found by
 * Hibernate through {@code META-INF/services}; applications do not use it.
 */
@SuppressWarnings({"rawtypes", "unchecked"}) // see getStrategyRegistrations
public final class InkvStrategyRegistrationProvider implements StrategyRegistrationProvider {

  /** Creates the provider; the service loader does this. */
  public InkvStrategyRegistrationProvider() {}

  // raw: Hibernate 6.6 declares Iterable<StrategyRegistration>, 7 Iterable<StrategyRegistration<?>>
  @Override
  @SuppressWarnings({"rawtypes", "unchecked"})
  public Iterable getStrategyRegistrations() {
    return List.<StrategyRegistration>of(new SimpleStrategyRegistrationImpl<>(RegionFactory.class, InkvRegionFactory.class,
        InkvRegionFactory.SHORT_NAME, InkvRegionFactory.class.getName()));
  }
}
