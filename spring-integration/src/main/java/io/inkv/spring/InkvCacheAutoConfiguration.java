package io.inkv.spring;

import io.micrometer.core.instrument.binder.MeterBinder;
import org.springframework.beans.factory.BeanClassLoaderAware;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionMessage;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.cache.CacheManager;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Spring Boot auto-configuration of an {@link InkvCacheManager} from the {@code inkv.*}
 * properties ({@link InkvProperties}), and of its Micrometer cache metrics when Micrometer is on
 * the class path.
 *
 * <p>It backs off when the application defines its own {@link CacheManager} (or a
 * {@code cacheResolver} bean), and entirely when {@code spring.cache.type} is set: that property
 * chooses one of Spring Boot's own cache configurations, such as {@code jcache} with
 * {@code spring.cache.jcache.provider=io.inkv.jcache.spi.InkvCachingProvider}. It runs before
 * Spring Boot's cache auto-configuration, which then finds this cache manager and backs off.
 *
 * <p>Public only so that applications can exclude it by class; it has no other API.
 */
@AutoConfiguration(beforeName = {
    "org.springframework.boot.cache.autoconfigure.CacheAutoConfiguration", // Spring Boot 4
    "org.springframework.boot.autoconfigure.cache.CacheAutoConfiguration" }) // Spring Boot 3
@ConditionalOnClass(CacheManager.class)
@Conditional(InkvCacheAutoConfiguration.NoCacheTypeCondition.class)
@EnableConfigurationProperties(InkvProperties.class)
public final class InkvCacheAutoConfiguration implements BeanClassLoaderAware {
  private ClassLoader classLoader;

  InkvCacheAutoConfiguration() {}

  @Override
  public void setBeanClassLoader(ClassLoader classLoader) {
    this.classLoader = classLoader;
  }

  @Bean
  @ConditionalOnMissingBean(value = CacheManager.class, name = "cacheResolver")
  InkvCacheManager cacheManager(InkvProperties properties) {
    InkvCacheManager.Builder builder = InkvCacheManager.builder()
        .directory(properties.getDirectory())
        .classLoader(classLoader)
        .allowNullValues(properties.isAllowNullValues())
        .dynamic(properties.isDynamic())
        .defaults(name -> properties.settingsOf(name).toConfiguration(name));
    for (String name : properties.getCacheNames()) {
      builder.cache(name.trim());
    }
    for (String name : properties.getCache().keySet()) {
      builder.cache(name, properties.settingsOf(name).toConfiguration(name));
    }
    return builder.build();
  }

  /** Cache metrics, when Micrometer is on the class path. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(MeterBinder.class)
  static class MetricsConfiguration {
    @Bean
    MeterBinder inkvCacheMetrics(ListableBeanFactory beanFactory) {
      return new InkvCacheMetrics(beanFactory);
    }
  }

  /** Matches when {@code spring.cache.type} is not set. */
  static final class NoCacheTypeCondition extends SpringBootCondition {
    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
      ConditionMessage.Builder message = ConditionMessage.forCondition("inkv cache manager");
      String type = context.getEnvironment().getProperty("spring.cache.type");
      if (type == null || type.isBlank()) {
        return ConditionOutcome.match(message.because("spring.cache.type is not set"));
      }
      return ConditionOutcome.noMatch(message.because("spring.cache.type is '" + type
          + "', which chooses Spring Boot's own cache configuration"));
    }
  }
}
