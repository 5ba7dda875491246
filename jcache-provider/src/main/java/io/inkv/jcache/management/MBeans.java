package io.inkv.jcache.management;

import java.lang.management.ManagementFactory;
import javax.cache.CacheException;
import javax.management.InstanceAlreadyExistsException;
import javax.management.InstanceNotFoundException;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;

/**
 * Registers a cache's MXBeans with the platform MBean server under the names JSR-107 specifies:
 * {@code javax.cache:type=CacheConfiguration|CacheStatistics,CacheManager=<uri>,Cache=<name>},
 * with the characters an ObjectName value cannot hold ({@code , : = \n}) replaced by {@code .}.
 */
public enum MBeans {
  /** The {@link javax.cache.management.CacheMXBean}. */
  CONFIGURATION("CacheConfiguration"),
  /** The {@link javax.cache.management.CacheStatisticsMXBean}. */
  STATISTICS("CacheStatistics");

  private final String type;

  MBeans(String type) {
    this.type = type;
  }

  /** Returns the bean's name for the cache {@code cacheName} of the manager {@code managerUri}. */
  public ObjectName objectName(String managerUri, String cacheName) {
    try {
      return new ObjectName("javax.cache:type=" + type + ",CacheManager=" + safe(managerUri) + ",Cache=" + safe(cacheName));
    } catch (MalformedObjectNameException e) {
      throw new CacheException("cannot name the " + type + " MXBean of cache " + cacheName, e);
    }
  }

  private static String safe(String s) {
    return s == null ? "" : s.replaceAll("[,:=\n]", ".");
  }

  /** Registers {@code bean} unless a bean of that name is registered already. */
  public void register(Object bean, String managerUri, String cacheName) {
    MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    ObjectName name = objectName(managerUri, cacheName);
    try {
      if (!server.isRegistered(name)) {
        server.registerMBean(bean, name);
      }
    } catch (InstanceAlreadyExistsException e) {
      // registered concurrently: the same cache enabled management twice
    } catch (Exception e) {
      throw new CacheException("cannot register " + name + ": " + e, e);
    }
  }

  /** Unregisters the bean of the cache, if registered. */
  public void unregister(String managerUri, String cacheName) {
    MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    ObjectName name = objectName(managerUri, cacheName);
    try {
      if (server.isRegistered(name)) {
        server.unregisterMBean(name);
      }
    } catch (InstanceNotFoundException e) {
      // unregistered concurrently
    } catch (Exception e) {
      throw new CacheException("cannot unregister " + name + ": " + e, e);
    }
  }
}
