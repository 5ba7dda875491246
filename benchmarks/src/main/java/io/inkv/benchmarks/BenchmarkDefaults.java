package io.inkv.benchmarks;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Warmup;

/*
 * The JMH settings inkv's benchmarks share, said once: the average time per operation in
 * nanoseconds, 3 warm-up and 5 measured iterations of 2 s, one fork with a fixed 2 GiB heap. A
 * benchmark class extends this and states only what it does differently (a shorter run, a larger
 * heap, sample time for percentiles). JMH reads its class annotations (all @Inherited) from the
 * superclass; one on the benchmark class overrides the inherited one attribute by attribute, so a
 * class that wants the JVM's own heap sizing says @Fork(jvmArgsAppend = {}).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public abstract class BenchmarkDefaults {}
