#!/usr/bin/env bash
# The AssemblyScript toolchain and the drift check of its hand-written glue.
#
#   install   installs npm `assemblyscript` (pinned) into $MICROLITH_TOOLCHAINS
#             (default ~/.microlith/toolchains) unless that version is there
#   check     checks the SDK's canonical-ABI glue against wit/ (see below)
#   bindings  nothing is generated for AssemblyScript: says so
#
# There is no wit-bindgen for AssemblyScript: sdk/assemblyscript/microlith/
# {host,abi}.ts lower and lift the `actor-full` world by hand. `check` compiles
# sdk/assemblyscript/check/world.ts (which uses every import) and
#  1. compares its core module's imports and exports, with their core
#     signatures, to those of the dummy module that
#     `wasm-tools component embed --dummy-names legacy wit --world
#     actor-full`
#     derives from wit/ (the signatures `wit-bindgen` would use);
#  2. wraps it into a component and compares `wasm-tools component wit` of
#     it with that of the dummy module made into a component (interfaces,
#     types and exports; lines sorted, as type order follows import order),
#     and checks that it imports no WASI.
# Memory layouts behind those signatures are exercised by the conformance
# suite (crates/microlith-server/tests/all/conformance.rs).
set -euo pipefail
cd "$(dirname "$0")/../.."

VERSION=0.28.20
DIR="${MICROLITH_TOOLCHAINS:-$HOME/.microlith/toolchains}"
SDK=sdk/assemblyscript

asc_bin() {
    if command -v asc >/dev/null 2>&1; then command -v asc; else echo "$DIR/node_modules/.bin/asc"; fi
}

install() {
    local have
    have=$(node -p "require('$DIR/node_modules/assemblyscript/package.json').version" 2>/dev/null || true)
    if [[ $have == "$VERSION" ]]; then
        echo "assemblyscript $VERSION is installed in $DIR"
        return
    fi
    command -v npm >/dev/null || { echo "npm is missing: apt-get install -y nodejs npm" >&2; exit 1; }
    mkdir -p "$DIR"
    # Adds to $DIR/package.json; other packages installed there stay.
    npm install --prefix "$DIR" --save-exact --no-audit --no-fund "assemblyscript@$VERSION"
}


check() {
    local asc
    asc=$(asc_bin)
    [[ -x $asc ]] || { echo "asc is missing: run scripts/lang/assemblyscript.sh install" >&2; exit 1; }
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    "$asc" "$SDK/entry.ts" "$SDK/check/world.ts" --path "$SDK" --transform "./$SDK/transform.mjs" \
        --runtime minimal --use abort= -O3 --noColors -o "$tmp/core.wasm"
    wasm-tools component embed wit --world actor-full --dummy-names legacy -o "$tmp/dummy.wasm"

    # 1. Core imports with their signatures; exports by name.
    wasm-tools print "$tmp/dummy.wasm" > "$tmp/dummy.wat"
    wasm-tools print "$tmp/core.wasm" > "$tmp/core.wat"
    core_sigs "$tmp/dummy.wat" | grep -v "^export \"_initialize\"" | sort > "$tmp/want"
    core_sigs "$tmp/core.wat" | sort > "$tmp/got"
    if ! diff -u "$tmp/want" "$tmp/got"; then
        echo "assemblyscript: the SDK's canonical-ABI glue ($SDK/microlith/host.ts, abi.ts) does not match wit/ (- wanted, + found)" >&2
        exit 1
    fi

    # 2. The component's world equals wit/'s `actor-full` world.
    wasm-tools component embed wit --world actor-full "$tmp/core.wasm" -o "$tmp/embedded.wasm"
    wasm-tools component new "$tmp/embedded.wasm" -o "$tmp/component.wasm"
    wasm-tools component new "$tmp/dummy.wasm" -o "$tmp/dummy-component.wasm"
    # (Lines sorted: the order of types follows the order of core imports.)
    wasm-tools component wit "$tmp/dummy-component.wasm" | sort > "$tmp/want.wit"
    wasm-tools component wit "$tmp/component.wasm" | sort > "$tmp/got.wit"
    if ! diff -u "$tmp/want.wit" "$tmp/got.wit"; then
        echo "assemblyscript: the component built with the SDK does not have the world of wit/ (- wanted, + found)" >&2
        exit 1
    fi
    if wasm-tools component wit "$tmp/component.wasm" | grep -q 'wasi:'; then
        echo "assemblyscript: the component imports WASI" >&2
        exit 1
    fi
    echo "assemblyscript: the glue's $(grep -c . "$tmp/got") core imports and exports match wit/"
}

# Core-module imports and exports of a .wat, as `import "mod" "name" <type>`
# / `export "name" <type>`, sorted, with the function type spelled out.
core_sigs() {
    python3 - "$1" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
types = {}
for m in re.finditer(r'^  \(type \(;(\d+);\) \(func(.*)\)\)$', text, re.M):
    types[m.group(1)] = m.group(2).strip() or "()"
funcs = {}  # core function index -> type
for m in re.finditer(r'^  \(import "([^"]*)" "([^"]*)" \(func \(;(\d+);\) \(type (\d+)\)', text, re.M):
    funcs[m.group(3)] = types[m.group(4)]
    print(f'import "{m.group(1)}" "{m.group(2)}" {types[m.group(4)]}')
for m in re.finditer(r'^  \(func (?:\$\S+ )?\(;(\d+);\) \(type (\d+)\)', text, re.M):
    funcs[m.group(1)] = types[m.group(2)]
for m in re.finditer(r'^  \(export "([^"]*)" \(func (\d+)\)\)', text, re.M):
    print(f'export "{m.group(1)}" {funcs.get(m.group(2), "?")}')
PY
}

case "${1:-}" in
    install) install ;;
    check) check ;;
    bindings) echo "assemblyscript: nothing is generated; the glue in $SDK/microlith/{host,abi}.ts is written by hand and checked by \`$0 check\`" ;;
    *) echo "usage: $0 install|check|bindings" >&2; exit 2 ;;
esac
