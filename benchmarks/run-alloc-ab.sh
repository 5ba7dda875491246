#!/usr/bin/env bash
# Bytes allocated per operation by the calling thread, for two builds of the benchmarks jar, on
# JDK 17 and (if present) JDK 25: OperationAllocation, which counts one thread's allocation, so the
# figures are exact and comparable across a noisy machine (they say nothing about time).
#
#   benchmarks/run-alloc-ab.sh base-benchmarks.jar new-benchmarks.jar
#   SYSTEMS=inkv-jcache,inkv-reference PARTS="put get" benchmarks/run-alloc-ab.sh A.jar B.jar
#
# JAVAS lists the JDKs to run (default: java on the PATH, and Temurin 25 where it is installed).
set -euo pipefail
[[ $# -eq 2 ]] || { echo "usage: $0 base.jar new.jar" >&2; exit 2; }
absolute() { [[ $1 == /* ]] && echo "$1" || echo "$PWD/$1"; }
set -- "$(absolute "$1")" "$(absolute "$2")"
cd "$(dirname "${BASH_SOURCE[0]}")/.."
for j in "$1" "$2"; do
  [[ -f "$j" ]] || { echo "no such jar: $j" >&2; exit 2; }
done
SYSTEMS="${SYSTEMS:-inkv-jcache}"
PARTS="${PARTS:-put get}"
VALUE="${VALUE:-record-100}"
ENTRIES="${ENTRIES:-100000}"
# The harness's class is taken from the new jar and put before each jar on the class path, so a
# base jar built before the harness existed runs it too.
harness=$(mktemp -d)
trap 'rm -rf "$harness"' EXIT
(cd "$harness" && unzip -q -o "$2" 'io/inkv/benchmarks/suite/OperationAllocation*.class')
jdk25=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
JAVAS="${JAVAS:-java $( [[ -x $jdk25 ]] && echo "$jdk25")}"
for java in $JAVAS; do
  echo "== $("$java" -version 2>&1 | head -1)"
  for system in ${SYSTEMS//,/ }; do
    for part in $PARTS; do
      for jar in "$1" "$2"; do
        line=$("$java" -Xmx2g -cp "$harness:$jar" io.inkv.benchmarks.suite.OperationAllocation system="$system" \
          value="$VALUE" entries="$ENTRIES" part="$part" | grep ' B/op' | tail -1)
        echo "$(basename "$jar"): $line"
      done
    done
  done
done
