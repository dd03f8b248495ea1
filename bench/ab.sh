#!/usr/bin/env bash
# Before and after, interleaved: runs the engine bench (bench/engine.ts, one trial at a time)
# on two commits of this repository, alternating, so both see the same machine.
#
#   bash bench/ab.sh <before-ref> [after-ref=HEAD] [setups=sqlite,pg1,pg4] [runs=1000] [pairs=3]
#
# Each commit is checked out into a temporary worktree that shares this checkout's
# node_modules and built web UI. Prints one line per trial and the medians of each set-up.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
before="${1:?usage: bench/ab.sh <before-ref> [after-ref] [setups] [runs] [pairs]}"
after="${2:-HEAD}"
setups="${3:-sqlite,pg1,pg4}"
runs="${4:-1000}"
pairs="${5:-3}"
tmp="$(mktemp -d)"
cleanup() {
  for v in before after; do git -C "$root" worktree remove --force "$tmp/$v" >/dev/null 2>&1 || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
[ -d "$root/web/dist" ] || node "$root/scripts/build-web.mjs"
for v in before after; do
  ref=$([ "$v" = before ] && echo "$before" || echo "$after")
  git -C "$root" worktree add --detach "$tmp/$v" "$ref" >/dev/null
  ln -s "$root/node_modules" "$tmp/$v/node_modules"
  cp -r "$root/web/dist" "$tmp/$v/web/dist"
done
results="$tmp/results.txt"
IFS=',' read -ra list <<<"$setups"
for s in "${list[@]}"; do
  for i in $(seq 1 "$pairs"); do
    for v in before after; do
      line=$(cd "$tmp/$v" && npx tsx bench/engine.ts --only "$s" --runs "$runs" --trials 1 --latency 3 2>&1 | grep "trial 1" || true)
      rps=$(sed -n 's/.*trial 1: \([0-9.]*\) runs\/s.*/\1/p' <<<"$line")
      echo "$s $v $i: ${rps:-failed} runs/s"
      echo "$s $v ${rps:-0}" >>"$results"
    done
  done
done
echo
echo "medians (runs/s): set-up, before, after, after ÷ before"
for s in "${list[@]}"; do
  b=$(awk -v s="$s" '$1==s && $2=="before" {print $3}' "$results" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}')
  a=$(awk -v s="$s" '$1==s && $2=="after" {print $3}' "$results" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}')
  echo "$s $b $a $(awk -v a="$a" -v b="$b" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}')"
done
