#!/usr/bin/env bash
# Builds the WebAssembly package twice, into wasm/pkg (load, validate, compile, the simulate calls and batch: the
# size-budgeted package) and wasm/pkg-full (also the core's analyses: explain, diff, lint), and the editor's copies
# into wasm/www, from a fresh machine with only the package registries: the wasm32 target through rustup, wasm-bindgen-cli through cargo at exactly the version
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

wasm="${CARGO_TARGET_DIR:-target}/wasm32-unknown-unknown/wasm-release/workmail_policy_wasm.wasm"

# build DIR CARGO-FLAGS...: one variant of the package into wasm/DIR. Cargo keeps both variants' builds, so the
# second run of this script rebuilds neither.
build() {
  local out="$1"
  shift
  say "compiling $out (profile wasm-release${*:+, $*})"
  cargo build -p workmail-policy-wasm --target wasm32-unknown-unknown --profile wasm-release "$@"
  say "generating the JS bindings of $out (wasm-bindgen --target web)"
  rm -rf "${here:?}/$out"
  wasm-bindgen --target web --remove-name-section --remove-producers-section --out-dir "$here/$out" "$wasm"
  if [ "${WASM_OPT:-0}" = 1 ]; then
    say "optimising $out with wasm-opt (npm binaryen)"
    npx --yes --package binaryen@132.0.0 -- wasm-opt -Oz \
      --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals \
      --enable-reference-types --enable-multivalue \
      -o "$here/$out/workmail_policy_wasm_bg.wasm" "$here/$out/workmail_policy_wasm_bg.wasm"
  fi
}
build pkg --no-default-features
build pkg-full

# The editor serves its own copies, so that wasm/www alone is the whole site.
rm -rf "$here/www/pkg" "$here/www/pkg-full"
cp -r "$here/pkg" "$here/www/pkg"
cp -r "$here/pkg-full" "$here/www/pkg-full"
mkdir -p "$here/www/examples"
cp examples/acme.json "$here/www/examples/acme.json"

gzipped() { gzip -9 -c "$1" | wc -c; }
for out in pkg pkg-full; do
  file="$here/$out/workmail_policy_wasm_bg.wasm"
  say "$out: $(wc -c < "$file") bytes, $(gzipped "$file") bytes gzipped (-9)"
done
# The budget is the package's: 150 KB (150,000 bytes) gzipped for wasm/pkg. The analyses are an addition to it.
if [ "$(gzipped "$here/pkg/workmail_policy_wasm_bg.wasm")" -gt 150000 ]; then
  echo "build.sh: wasm/pkg's .wasm is over 150 KB gzipped" >&2
  exit 1
fi
