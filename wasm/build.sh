#!/usr/bin/env bash
# Builds the WebAssembly package into wasm/pkg, four modules from the crate workmail-policy-wasm, and the editor's
# copy of it in wasm/www:
#
#   workmail_policy_wasm.js      (+ _bg.wasm)  the engine: load, validate, compile, the simulate calls, batch
#   workmail_policy_analysis.js  (+ _bg.wasm)  the analyses: compile, explain, diff
#   workmail_policy_access.js    (+ _bg.wasm)  who reaches mail: compile, lint, effectiveAccess, effectiveAccessChanges
#   workmail_policy_replay.js    (+ _bg.wasm)  audit-log replay: replay
#
# and package.json, README.md and LICENSE beside them: wasm/pkg is the npm package `workmail-policy` (`npm pack`
# there). Each module is within the budget of 150 KB (150,000 bytes) gzipped, which this script enforces. From a
# fresh machine with only the package registries: the wasm32 target through rustup, and wasm-bindgen-cli through
# cargo at exactly the version Cargo.lock holds (the CLI and the library must agree), into the target directory's
# tools/ (TARGET/tools/bin: wasm-bindgen and wasm-bindgen-test-runner; not ~/.cargo/bin). Idempotent: installs are
# skipped when already done, cargo builds incrementally.
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

# The project's own tools live in its target directory (the one cargo builds into: $CARGO_TARGET_DIR, else
# target/), never in the user's ~/.cargo/bin: another project's wasm-bindgen there may be another version, and
# `cargo clean` removes ours. .ci/run points the wasm-bindgen-test runner at the same place.
target_dir="${CARGO_TARGET_DIR:-target}"
case "$target_dir" in /*) ;; *) target_dir="$root/$target_dir" ;; esac
tools="$target_dir/tools"
wasm_bindgen="$tools/bin/wasm-bindgen"
# A probe that cannot fail loudly: no lookup on PATH, and the binary is only run when it is there.
have=""
if [ -x "$wasm_bindgen" ] && [ -x "$tools/bin/wasm-bindgen-test-runner" ]; then
  have="$("$wasm_bindgen" --version 2>/dev/null || true)"
fi
if [ "$have" != "wasm-bindgen $version" ]; then
  say "installing wasm-bindgen-cli $version into $tools"
  mkdir -p "$tools"
  # --locked first, for the versions the CLI was released with. That lock file can name a dependency the registry
  # no longer serves (0.2.130's names webpki-roots 1.0.11, which does not resolve), and then the newest compatible
  # versions do. The first attempt's output goes to a log, so that an expected failure prints no error on the way to
  # a working install; the second's is cargo's usual progress.
  log="$tools/install-locked.log"
  if ! cargo install wasm-bindgen-cli --version "$version" --locked --root "$tools" >"$log" 2>&1; then
    say "wasm-bindgen-cli $version with its own Cargo.lock did not install (why: $log); installing it with the newest compatible dependencies"
    # PATH: only so that cargo does not warn that the install root is not on it; this script calls the tools by path.
    PATH="$tools/bin:$PATH" cargo install wasm-bindgen-cli --version "$version" --root "$tools"
  fi
fi

target="$target_dir/wasm32-unknown-unknown"
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
  "$wasm_bindgen" --target web --remove-name-section --remove-producers-section \
    --out-dir "$pkg" --out-name "$name" "$target/$profile/workmail_policy_wasm.wasm"
}
build workmail_policy_wasm wasm-release engine
build workmail_policy_analysis wasm-analysis analysis
build workmail_policy_access wasm-access access "${access_profile[@]}"
build workmail_policy_replay wasm-replay replay

# The npm package: its manifest and README (wasm/npm/) and the license beside the modules, so that `npm pack` in
# wasm/pkg makes the package `workmail-policy`. Its version is the crate's, checked here rather than written, so that
# the manifest in the repository is the one published.
crate_version="$(awk '/^version = / { gsub(/version = |"/, ""); print; exit }' "$here/Cargo.toml")"
npm_version="$(awk -F'"' '/^  "version": / { print $4; exit }' "$here/npm/package.json")"
if [ "$npm_version" != "$crate_version" ]; then
  echo "build.sh: wasm/npm/package.json has version $npm_version, the crate (wasm/Cargo.toml) $crate_version" >&2
  exit 1
fi
cp "$here/npm/package.json" "$here/npm/README.md" "$root/LICENSE" "$pkg/"

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
