// Bundles the compiled client (dist/, from `tsc`) into ONE browser ES module,
// web/demo/client.js, which the server embeds and serves with the demo.
//   node scripts/bundle.mjs          writes it
// scripts/check-bundle.mjs uses bundleText() to detect drift.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
export const root = join(here, "..");
export const target = join(root, "..", "..", "web", "demo", "client.js");

const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const banner =
  `// ${pkg.name} ${pkg.version}: the Microlith WebSocket client as one ES module.\n` +
  "// GENERATED from clients/typescript/src by `npm run build` (scripts/bundle.mjs). Do not edit:\n" +
  "// `npm run check-bundle` fails when this file differs from a fresh build.";

/** The bundle, as text. */
export async function bundleText() {
  const out = await build({
    absWorkingDir: root,
    entryPoints: ["dist/index.js"],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2020",
    charset: "utf8",
    legalComments: "none",
    banner: { js: banner },
    write: false,
    logLevel: "silent",
  });
  return out.outputFiles[0].text;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(target, await bundleText());
  console.log(`wrote ${target}`);
}
