#!/usr/bin/env bash
# Publishes every function as a native AOT `bootstrap` for provided.al2023 (linux-x64) into artifacts/functions/<Name>/,
# where the CDK app reads its assets. cdk.json runs this before each synth ("build").
#
# Skipped when stub assets are asked for: ECA_ASSETS=stub, or `-c assets=stub` on the cdk command line (the CLI passes
# no context to the build step, so this script looks at its ancestors' arguments).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

wants_stubs() {
  [[ "${ECA_ASSETS:-}" == stub* ]] && return 0
  local pid=$$ args
  for _ in 1 2 3 4 5 6; do
    pid="$(ps -o ppid= -p "$pid" 2>/dev/null | tr -d ' ')" || return 1
    [[ -z "$pid" || "$pid" -le 1 ]] && return 1
    args="$(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null || ps -o args= -p "$pid" 2>/dev/null || true)"
    [[ "$args" == *"assets=stub"* ]] && return 0
  done
  return 1
}

if wants_stubs; then
  echo "publish-functions: stub assets requested; not publishing." >&2
  exit 0
fi

for name in Api StreamProcessor LogTransformer CatalogImport BatchLoader SearchIndexer; do
  project="$root/functions/ECommerceAgents.Functions.$name"
  if [[ ! -d "$project" ]]; then
    echo "publish-functions: skipping $name: functions/ECommerceAgents.Functions.$name does not exist yet (the app will use a stub asset)." >&2
    continue
  fi
  echo "publish-functions: $name" >&2
  dotnet publish "$project" -c Release -r linux-x64 -o "$root/artifacts/functions/$name" --nologo -v quiet
done
