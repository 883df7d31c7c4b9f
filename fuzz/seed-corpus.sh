#!/usr/bin/env bash
# Copies the committed seeds (fuzz/seeds/TARGET/) into the working corpora (fuzz/corpus/TARGET/, gitignored),
# where libFuzzer adds what it finds. Safe to run again: seeds overwrite their own copies and nothing else.
set -euo pipefail
cd "$(dirname "$0")"
for seeds in seeds/*/; do
  target=$(basename "$seeds")
  mkdir -p "corpus/$target"
  cp -f "$seeds"* "corpus/$target/"
done
