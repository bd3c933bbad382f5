#!/usr/bin/env bash
# The JavaScript guest toolchain (sdk/js):
#
#   scripts/lang/js.sh install    installs node/npm (Debian) if missing, then
#                                 npm @bytecodealliance/componentize-js,
#                                 @bytecodealliance/jco and esbuild, pinned, into
#                                 $MICROLITH_TOOLCHAINS (default
#                                 ~/.microlith/toolchains); idempotent
#   scripts/lang/js.sh bindings   regenerates sdk/js/types/ (the WIT typings,
#                                 `jco guest-types`) from wit/
#   scripts/lang/js.sh check      fails if sdk/js/types/ differs from what
#                                 `bindings` would write, if the SDK sources do
#                                 not parse, or if the SDK's native tests
#                                 (sdk/js/test, node's test runner) fail
#
# componentize-js builds the component (`microlith build`); jco is only used
# for the TypeScript typings (its `componentize` subcommand fails here, see
# crates/microlith-cli/src/guest/js.rs).
set -euo pipefail
cd "$(dirname "$0")/../.."

COMPONENTIZE_JS=0.23.0
JCO=1.35.0
# componentize-js imports @bytecodealliance/preview2-shim without declaring
# it (it worked only where npm happened to hoist jco's copy): install it too.
PREVIEW2_SHIM=0.25.0
# esbuild bundles the actor, its imports and the SDK into the one ES module
# componentize-js takes (and strips TypeScript types).
ESBUILD=0.28.2
DIR=${MICROLITH_TOOLCHAINS:-$HOME/.microlith/toolchains}
BIN=$DIR/node_modules/.bin

installed_version() { # package -> version installed under $DIR, or nothing
    local pj="$DIR/node_modules/$1/package.json"
    [[ -f $pj ]] && node -p "require(process.argv[1]).version" "$pj" 2>/dev/null || true
}

install() {
    if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
        echo "installing Debian packages: nodejs npm"
        SUDO=""
        [[ $(id -u) -eq 0 ]] || SUDO="sudo"
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nodejs npm >/dev/null
    fi
    local want=()
    [[ $(installed_version @bytecodealliance/componentize-js) == "$COMPONENTIZE_JS" ]] ||
        want+=("@bytecodealliance/componentize-js@$COMPONENTIZE_JS")
    [[ $(installed_version @bytecodealliance/jco) == "$JCO" ]] || want+=("@bytecodealliance/jco@$JCO")
    [[ $(installed_version @bytecodealliance/preview2-shim) == "$PREVIEW2_SHIM" ]] ||
        want+=("@bytecodealliance/preview2-shim@$PREVIEW2_SHIM")
    [[ $(installed_version esbuild) == "$ESBUILD" ]] || want+=("esbuild@$ESBUILD")
    if ((${#want[@]})); then
        echo "installing into $DIR: ${want[*]}"
        mkdir -p "$DIR"
        # Other languages install into the same prefix: take turns.
        (
            flock 9
            npm install --prefix "$DIR" --save-exact --no-audit --no-fund --loglevel=error "${want[@]}"
        ) 9>"$DIR/.npm-install.lock"
    fi
    for tool in componentize-js jco esbuild; do
        [[ -x $BIN/$tool ]] || { echo "js.sh: the install did not produce $BIN/$tool" >&2; exit 1; }
    done
}

# Writes the typings for wit/ into $1: `jco guest-types`, the declarations of
# the `microlith:actor/*` modules a componentize-js guest imports. jco reads
# WIT through @bytecodealliance/preview2-shim, which from 0.26 grants no
# filesystem unless told (that is also why `jco componentize` fails), so this
# calls jco's command after opening / to the shim that jco-transpile loads.
generate() {
    local out=$1
    [[ -f $DIR/node_modules/@bytecodealliance/jco/package.json ]] ||
        { echo "js.sh: jco missing; run scripts/lang/js.sh install" >&2; exit 1; }
    rm -rf "$out"
    mkdir -p "$out"
    node --input-type=module - "$DIR" wit "$out" <<'JS'
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
const [dir, wit, out] = process.argv.slice(2);
const bca = resolve(dir, 'node_modules/@bytecodealliance');
for (const shim of [`${bca}/jco-transpile/node_modules/@bytecodealliance/preview2-shim`, `${bca}/preview2-shim`]) {
  if (existsSync(shim)) {
    const fs = await import(pathToFileURL(`${shim}/dist/nodejs/filesystem.js`).href);
    fs._setPreopens({ '/': '/' });
    break;
  }
}
const jco = await import(pathToFileURL(`${bca}/jco/dist/cmd/types.js`).href);
await jco.guestTypes(resolve(wit), { worldName: 'actor-full', outDir: `${resolve(out)}/`, quiet: true });
JS
}

case ${1:-} in
install) install ;;
bindings)
    generate sdk/js/types
    echo "wrote sdk/js/types"
    ;;
check)
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    generate "$tmp/types"
    if ! diff -r sdk/js/types "$tmp/types"; then
        echo "js.sh check: sdk/js/types is stale: run scripts/lang/js.sh bindings and commit the result" >&2
        exit 1
    fi
    for f in sdk/js/*.js; do
        node --check "$f"
    done
    # The SDK's decoding, dispatch and import wrappers, against an in-memory host.
    node --import ./sdk/js/test/register.mjs --test --test-reporter=spec sdk/js/test/sdk.test.mjs
    ;;
*)
    echo "usage: $0 install|bindings|check" >&2
    exit 2
    ;;
esac
