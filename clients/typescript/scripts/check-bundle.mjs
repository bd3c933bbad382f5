// Rebuilds the client (tsc, then the bundle in memory) and fails if the
// committed web/demo/client.js differs from the fresh bundle.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { bundleText, root, target } from "./bundle.mjs";

execFileSync(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", join(root, "tsconfig.json")], {
  stdio: "inherit",
});
const fresh = await bundleText();
const committed = existsSync(target) ? readFileSync(target, "utf8") : "";
if (fresh !== committed) {
  const a = fresh.split("\n");
  const b = committed.split("\n");
  let line = 0;
  while (line < a.length && a[line] === b[line]) line++;
  console.error(`web/demo/client.js is out of date (first difference at line ${line + 1}).`);
  console.error("Run `npm run build` in clients/typescript and commit web/demo/client.js.");
  process.exit(1);
}
console.log("web/demo/client.js matches a fresh build");
