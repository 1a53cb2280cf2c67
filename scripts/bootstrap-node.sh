#!/usr/bin/env bash
# Puts the project's Node (src/platforms.json, the same release package.json pins for
# `npm run`) first on PATH, for a machine whose own Node is older: source it, then run
# npm with it, so npm itself runs on the Node the project supports.
#   source scripts/bootstrap-node.sh && npm ci && npm test
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
version="$(sed -n 's/.*"nodeVersion": *"\([^"]*\)".*/\1/p' "$root/src/platforms.json")"
case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64) arch=arm64 ;;
  *) echo "bootstrap-node: no Node build for $(uname -m)" >&2; return 1 2>/dev/null || exit 1 ;;
esac
dir="$root/tools/node/$version"
if [ ! -x "$dir/node_modules/node-linux-$arch/bin/node" ]; then
  echo "bootstrap-node: installing Node $version (node-linux-$arch from the npm registry)"
  npm install --silent --no-save --no-audit --no-fund --no-package-lock --prefix "$dir" "node-linux-$arch@$version" >/dev/null
fi
export PATH="$dir/node_modules/node-linux-$arch/bin:$PATH"
echo "bootstrap-node: $(node --version) first on PATH"
