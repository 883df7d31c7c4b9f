#!/usr/bin/env bash
# Builds the WebAssembly package into wasm/pkg and the editor's copy into wasm/www, from a fresh machine with only
# the package registries: the wasm32 target through rustup, wasm-bindgen-cli through cargo at exactly the version
# Cargo.lock holds (the CLI and the library must agree), and, when WASM_OPT=1, wasm-opt from the npm package
# `binaryen`. Idempotent: installs are skipped when already done, cargo builds incrementally.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
cd "$root"

say() { printf '[build.sh] %s\n' "$*"; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# The wasm-bindgen version Cargo.lock resolved: its entry is `name = "wasm-bindgen"` then `version = "..."`.
version="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)"
if [ -z "$version" ]; then
  echo "build.sh: no wasm-bindgen in Cargo.lock" >&2
  exit 1
fi
if [ "$(wasm-bindgen --version 2>/dev/null || true)" != "wasm-bindgen $version" ]; then
  say "installing wasm-bindgen-cli $version"
  # --locked first, for the versions the CLI was released with; a yanked dependency makes that fail, and then
  # the newest compatible ones do.
  cargo install wasm-bindgen-cli --version "$version" --locked || cargo install wasm-bindgen-cli --version "$version"
fi

say "compiling (profile wasm-release)"
cargo build -p workmail-policy-wasm --target wasm32-unknown-unknown --profile wasm-release
wasm="${CARGO_TARGET_DIR:-target}/wasm32-unknown-unknown/wasm-release/workmail_policy_wasm.wasm"

say "generating the JS bindings (wasm-bindgen --target web)"
rm -rf "$here/pkg"
wasm-bindgen --target web --remove-name-section --remove-producers-section --out-dir "$here/pkg" "$wasm"

if [ "${WASM_OPT:-0}" = 1 ]; then
  say "optimising with wasm-opt (npm binaryen)"
  (cd "$here/e2e" && npm ci --no-audit --no-fund --silent && npx --no-install wasm-opt -Oz \
    --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals \
    --enable-reference-types --enable-multivalue \
    -o "$here/pkg/workmail_policy_wasm_bg.wasm" "$here/pkg/workmail_policy_wasm_bg.wasm")
fi

# The editor serves its own copies, so that wasm/www alone is the whole site.
rm -rf "$here/www/pkg"
cp -r "$here/pkg" "$here/www/pkg"
mkdir -p "$here/www/examples"
cp examples/acme.json "$here/www/examples/acme.json"

bytes=$(wc -c < "$here/pkg/workmail_policy_wasm_bg.wasm")
gzipped=$(gzip -9 -c "$here/pkg/workmail_policy_wasm_bg.wasm" | wc -c)
say "wasm: $bytes bytes, $gzipped bytes gzipped (-9); limit 153600"
if [ "$gzipped" -gt 153600 ]; then
  echo "build.sh: the gzipped .wasm is over 150 KB" >&2
  exit 1
fi
