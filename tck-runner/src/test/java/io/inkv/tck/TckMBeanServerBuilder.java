package io.inkv.tck;

import javax.management.MBeanServerBuilder;
import javax.management.MBeanServerDelegate;

/**
 * The MBean server builder the TCK's management tests need (named by the system property
 * {@code javax.management.builder.initial}): its delegate reports the server id the TCK sets in
 * {@code org.jsr107.tck.management.agentId}.
 */
public final class TckMBeanServerBuilder extends MBeanServerBuilder {

  /** Creates the builder; the JMX runtime does this. */
  public TckMBeanServerBuilder() {}

  @Override
  public MBeanServerDelegate newMBeanServerDelegate() {
    return new AgentIdDelegate();
  }

  /** A delegate whose server id is the TCK's agent id. */
  static final class AgentIdDelegate extends MBeanServerDelegate {
    @Override
    public synchronized String getMBeanServerId() {
      return System.getProperty("org.jsr107.tck.management.agentId", super.getMBeanServerId());
    }
  }
}
