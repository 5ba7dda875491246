/**
 * Test kits of the replication module, published in its test-jar for every module whose tests
 * need a Kafka broker: {@link io.inkv.replication.testkit.KafkaTestBroker} runs one inside the
 * test JVM, {@link io.inkv.replication.testkit.KafkaBrokerProcess} in a JVM of its own.
 */
package io.inkv.replication.testkit;
