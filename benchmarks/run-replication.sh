#!/usr/bin/env bash
# Replication load harness: end-to-end lag at 1K and 10K writes/s and the catch-up of a new
# replica of 1M entries. Starts its own Kafka broker in a separate JVM (kafka_2.13 4.3.1 from the
# benchmarks module's test class path) unless INKV_BOOTSTRAP=host:port names one.
#
#   benchmarks/run-replication.sh                 everything (about 3 minutes)
#   benchmarks/run-replication.sh lag 10000 30    one lag run: rate, seconds [, warm-up seconds]
#   benchmarks/run-replication.sh catchup 1000000 one catch-up run
#   benchmarks/run-replication.sh server 10000,20000 20 5   acknowledged writes through the data-plane
#       server, local and replicated mode side by side, with visibility lag: rates, seconds per rate
#       [, warm-up seconds per rate [, connections, default 256]] (io.inkv.benchmarks.replication.ServerWrites)
#   benchmarks/run-replication.sh jcache 10 1,8,64  JCache puts, replicated WAIT_FOR_ACK beside local
#       persistent: seconds per thread count, thread counts
#   SKIP_BUILD=1 benchmarks/run-replication.sh    reuse the last build
#   SERVER_JAR=/path/inkv-server.jar SKIP_BUILD=1 benchmarks/run-replication.sh server ...   another server build
#   JAVA_OPTS="-Dinkv.server.local=false"         server: the replicated server only (no local-mode runs)
#   JAVA_OPTS="-Dinkv.server.jar.other=/path/inkv-server.jar"   server: another build's replicated server beside
#   JAVA_OPTS="-Dinkv.kafka.linger.ms=0 -Dinkv.broker.settings=num.io.threads=2"   tuning runs:
#       -Dinkv.kafka.NAME=VALUE (a client property of the writer and readers),
#       -Dinkv.broker.settings=name=value,... (broker settings), -Dinkv.broker.jvm="opt;opt" and -Dinkv.reader.jvm="opt;opt" (JVM options)
#
# Prints one line per run; nothing passes or fails on a timing. Run on a quiet machine.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
cpfile="$here/target/replication.classpath"
if [[ -z "${SKIP_BUILD:-}" || ! -f "$cpfile" ]]; then
  (cd "$root" && ./mvnw -B -ntp -q -pl benchmarks -am test-compile dependency:build-classpath \
      -Dmdep.includeScope=test -Dmdep.outputFile=target/replication.classpath)
fi
server_jar="${SERVER_JAR:-$root/dataplane-server/target/inkv-server.jar}"
if [[ "${1:-}" == server && ( -z "${SKIP_BUILD:-}" || ! -f "$server_jar" ) ]]; then
  (cd "$root" && ./mvnw -B -ntp -q -pl dataplane-server -am package -DskipTests)
fi
cp="$here/target/classes:$(cat "$cpfile")"
run() {
  local main=io.inkv.benchmarks.replication.ReplicationLoad
  if [[ "$1" == server || "$1" == jcache ]]; then
    main=io.inkv.benchmarks.replication.ServerWrites
  fi
  # shellcheck disable=SC2086
  java -Xmx1g ${JAVA_OPTS:-} -cp "$cp" -Dinkv.broker.classpath="$cp" -Dinkv.server.jar="$server_jar" \
      ${INKV_BOOTSTRAP:+-Dinkv.bootstrap=$INKV_BOOTSTRAP} \
      -Djava.util.logging.config.file=/dev/null "$main" "$@"
}
if [[ $# -gt 0 ]]; then
  run "$@"
else
  run lag 1000 30
  run lag 10000 30
  run catchup 1000000
fi
