#!/usr/bin/env bash
# bench/jmh.sh [JMH args] - runs the JMH benchmarks of src/bench/java (all, or those matching the
# given regex), e.g. `bench/jmh.sh HotPathBenchmark -f 1 -wi 3 -i 5`.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/bench/lib.sh"
build_bench_classpath
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "$BENCH_CP" org.openjdk.jmh.Main "$@"
