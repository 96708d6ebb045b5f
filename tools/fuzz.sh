#!/usr/bin/env bash
# Coverage-guided fuzzing of every decoder a remote peer reaches (docs/SECURITY.md, "Fuzzing").
#
#   tools/fuzz.sh <target|all> <seconds> [runner options]
#
# Builds Traktor.Ecs.Net.Fuzz (Release unless FUZZ_CONFIGURATION says otherwise; FUZZ_NO_BUILD=1 skips the build),
# instruments Traktor.Ecs.Net with SharpFuzz, replays the committed corpus of each target, then mutates for
# <seconds> per target. Exits 1 if any input broke the oracle; the input is saved under artifacts/fuzz/findings.
# Runner options: --seed N, --executions N (exactly N mutated inputs per target instead of <seconds>: with the
# same seed, a repeatable run; the summary's digest names the inputs executed), --max-len N, --keep-going, --queue DIR, --report FILE, --timeout SECONDS, --verbose.
# `tools/fuzz.sh list 0` lists the targets.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -lt 2 ]; then
  echo "usage: tools/fuzz.sh <target|all> <seconds> [--seed N] [--keep-going] [--report FILE] ..." >&2
  exit 2
fi
target=$1
seconds=$2
shift 2

configuration=${FUZZ_CONFIGURATION:-Release}
if [ "${FUZZ_NO_BUILD:-0}" != 1 ]; then
  dotnet build Traktor.Ecs.Net.Fuzz -c "$configuration" -nologo -v q -clp:ErrorsOnly >&2
fi
harness="Traktor.Ecs.Net.Fuzz/bin/$configuration/net10.0/Traktor.Ecs.Net.Fuzz.dll"

if [ "$target" = list ]; then
  exec dotnet "$harness" list
fi
exec dotnet "$harness" fuzz "$target" "$seconds" \
  --corpus Traktor.Ecs.Net.Fuzz/Corpus \
  --findings artifacts/fuzz/findings \
  "$@"
