#!/usr/bin/env bash
# The Python guest toolchain: componentize-py from PyPI in the shared venv
# $MICROLITH_TOOLCHAINS/venv (default ~/.microlith/toolchains/venv; the
# C/Zig toolchain keeps `ziglang` in the same venv).
#
#   scripts/lang/python.sh install    creates the venv if missing, installs componentize-py if missing
#   scripts/lang/python.sh check      sdk/python/bindings equals what componentize-py generates from wit/,
#                                     and the SDK's native tests (sdk/python/tests) pass
#   scripts/lang/python.sh bindings   regenerates sdk/python/bindings from wit/
set -euo pipefail
cd "$(dirname "$0")/../.."

VERSION=0.25.1   # keep in step with COMPONENTIZE_PY in crates/microlith-cli/src/guest/python.rs
DIR="${MICROLITH_TOOLCHAINS:-$HOME/.microlith/toolchains}"
VENV="$DIR/venv"
BIN="$VENV/bin/componentize-py"
BINDINGS=sdk/python/bindings

install() {
    if [[ ! -x $VENV/bin/python ]]; then
        echo "creating $VENV"
        mkdir -p "$DIR"
        python3 -m venv "$VENV"
    fi
    if [[ ! -x $BIN ]] || [[ $("$BIN" --version 2>/dev/null) != "componentize-py $VERSION" ]]; then
        echo "installing componentize-py $VERSION into $VENV"
        "$VENV/bin/pip" install -q "componentize-py==$VERSION"
    fi
}

need() {
    [[ -x $BIN ]] || { echo "python.sh: $BIN missing; run scripts/lang/python.sh install" >&2; exit 1; }
}

generate() { # into $1
    rm -rf "$1"
    "$BIN" -d wit -w actor-full bindings "$1" >/dev/null
    find "$1" -name __pycache__ -prune -exec rm -rf {} +
}

case "${1:-}" in
install) install ;;
bindings)
    need
    generate "$BINDINGS"
    echo "regenerated $BINDINGS"
    ;;
check)
    need
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    generate "$tmp/bindings"
    if ! diff -r "$tmp/bindings" "$BINDINGS" >"$tmp/diff" 2>&1; then
        head -50 "$tmp/diff" >&2
        echo "python.sh: $BINDINGS does not match wit/ (componentize-py $VERSION); run scripts/lang/python.sh bindings" >&2
        exit 1
    fi
    echo "python bindings match wit/"
    PYTHONPATH=sdk/python:sdk/python/bindings python3 -B -m unittest discover -s sdk/python/tests
    ;;
*)
    echo "usage: $0 install|check|bindings" >&2
    exit 2
    ;;
esac
