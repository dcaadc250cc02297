#!/usr/bin/env bash
# publint and are-the-types-wrong on every package, as `pnpm pack` would publish it.
# Run after `pnpm build`. attw checks the four resolution modes (node10, node16 CJS and ESM,
# bundler); every entry must be green.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="$PWD/node_modules/.bin"
for dir in packages/*/; do
  [ -f "$dir/package.json" ] || continue
  echo "--- $(node -p "require('./$dir/package.json').name")"
  (cd "$dir" && "$bin/publint" --strict && "$bin/attw" --pack . --format table-flipped)
done
