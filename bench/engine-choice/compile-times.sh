#!/usr/bin/env bash
# Clean `--release` compile time of each engine alone (its whole dependency tree),
# measured as 3 separate clean builds of this crate with only one engine feature on.
# Prints wall time and the sum of per-unit durations from `cargo --timings`
# (≈ compile CPU time, excluding this crate's own `engine-choice` unit).
set -euo pipefail
cd "$(dirname "$0")"
root="$PWD/target"
for f in redb fjall sqlite; do
  export CARGO_TARGET_DIR="$root/compile-$f"
  rm -rf "$CARGO_TARGET_DIR"
  start=$(date +%s.%N)
  nice -n 15 cargo build --release --timings --no-default-features --features "$f" >/dev/null 2>&1
  end=$(date +%s.%N)
  html="$CARGO_TARGET_DIR/cargo-timings/cargo-timing.html"
  python3 - "$f" "$start" "$end" "$html" <<'PY'
import json, re, sys
f, start, end, html = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
text = open(html).read()
m = re.search(r'const UNIT_DATA = (\[.*?\]);\n', text, re.S)
units = json.loads(m.group(1)) if m else []
deps = [u for u in units if u["name"] != "engine-choice"]
own = sum(u["duration"] for u in units if u["name"] == "engine-choice")
top = sorted(deps, key=lambda u: -u["duration"])[:4]
print(f"{f}: wall {end-start:.1f}s (incl. bench crate {own:.1f}s), "
      f"units {len(deps)}, sum of dep unit times {sum(u['duration'] for u in deps):.1f}s; "
      "largest: " + ", ".join(f"{u['name']} {u['duration']:.1f}s" for u in top))
PY
done
