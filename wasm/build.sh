#!/usr/bin/env bash
# Builds the WebAssembly package into wasm/pkg, four modules from the crate workmail-policy-wasm, and the editor's
# copy of it in wasm/www:
#
#   workmail_policy_wasm.js      (+ _bg.wasm)  the engine: load, validate, compile, the simulate calls, batch
#   workmail_policy_analysis.js  (+ _bg.wasm)  the analyses: compile, explain, diff
#   workmail_policy_access.js    (+ _bg.wasm)  who reaches mail: compile, lint, effectiveAccess, effectiveAccessChanges
#   workmail_policy_replay.js    (+ _bg.wasm)  audit-log replay: replay
#
# each within the budget of 150 KB (150,000 bytes) gzipped, which this script enforces. From a fresh machine with only
# the package registries: the wasm32 target through rustup, and wasm-bindgen-cli through cargo at exactly the
# version Cargo.lock holds (the CLI and the library must agree). Idempotent: installs are skipped when already
# done, cargo builds incrementally.
#
# No wasm-opt pass: measured on these modules, `wasm-opt -Oz` (npm binaryen 132) makes them 10% smaller raw but
# 10% larger gzipped, and the budget is gzipped.
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

target="${CARGO_TARGET_DIR:-target}/wasm32-unknown-unknown"
pkg="$here/pkg"
rm -rf "$pkg"

# The access module's profile is the analyses' (all of it built for size) under its own name, so that cargo keeps
# its build apart from theirs. It is defined here, on cargo's command line, rather than beside the others in the
# workspace's Cargo.toml, since nothing but this script builds it.
access_profile=(--config 'profile.wasm-access.inherits="wasm-analysis"')

# build NAME PROFILE FEATURES [CARGO ARGS...]: one module of the package, wasm/pkg/NAME.js and NAME_bg.wasm. Cargo
# keeps each profile's build, so a second run of this script rebuilds none of them.
build() {
  local name="$1" profile="$2" features="$3"
  shift 3
  say "compiling $name (profile $profile, features $features)"
  cargo "$@" build -p workmail-policy-wasm --target wasm32-unknown-unknown --profile "$profile" \
    --no-default-features --features "$features"
  say "generating the JS bindings of $name (wasm-bindgen --target web)"
  wasm-bindgen --target web --remove-name-section --remove-producers-section \
    --out-dir "$pkg" --out-name "$name" "$target/$profile/workmail_policy_wasm.wasm"
}
build workmail_policy_wasm wasm-release engine
build workmail_policy_analysis wasm-analysis analysis
build workmail_policy_access wasm-access access "${access_profile[@]}"
build workmail_policy_replay wasm-replay replay

# The editor serves its own copy, so that wasm/www alone is the whole site.
rm -rf "$here/www/pkg"
cp -r "$pkg" "$here/www/pkg"
mkdir -p "$here/www/examples"
cp examples/acme.json "$here/www/examples/acme.json"

gzipped() { gzip -9 -c "$1" | wc -c; }
over=0
for name in workmail_policy_wasm workmail_policy_analysis workmail_policy_access workmail_policy_replay; do
  file="$pkg/${name}_bg.wasm"
  size="$(gzipped "$file")"
  say "$name: $(wc -c < "$file") bytes, $size bytes gzipped (-9)"
  if [ "$size" -gt 150000 ]; then
    echo "build.sh: $name's .wasm is over the budget of 150 KB (150,000 bytes) gzipped" >&2
    over=1
  fi
done
exit "$over"
