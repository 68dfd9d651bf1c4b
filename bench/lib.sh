# Shared helpers for the bench/ scripts (sourced).

# Sets JAVA_HOME (Java 25) and BENCH_CP: the test classpath, which holds the benchmark programs,
# JMH and every dependency. Builds what is missing.
build_bench_classpath() {
  JAVA_HOME=${JAVA_HOME:-$(ls -d /usr/lib/jvm/temurin-25* 2>/dev/null | head -1)}
  export JAVA_HOME
  local root
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  (cd "$root" && ./sluice --version >/dev/null)   # builds the jar when the sources changed
  if [ ! -f "$root/target/bench.classpath" ] || [ -n "$(find "$root/src" "$root/pom.xml" -newer "$root/target/bench.classpath" -print -quit)" ]; then
    (cd "$root" && mvn -B -q test-compile dependency:build-classpath -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test >&2)
  fi
  BENCH_CP="$root/target/test-classes:$root/target/classes:$(cat "$root/target/bench.classpath")"
  export BENCH_CP
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() {
  local tries=$(($2 * 10))
  while [ $tries -gt 0 ]; do
    port_open "$1" && return 0
    sleep 0.1
    tries=$((tries - 1))
  done
  return 1
}
