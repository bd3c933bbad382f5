// End to end: the demo page (web/demo, served by `microlith dev` at /) in
// two headless Chromium pages, across a server restart.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { chromium } from "playwright-core";
import { DevServer } from "../support/server.mjs";

const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const T = 20_000; // every wait is bounded

let server;
let browser;
const problems = [];

before(async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`);
  server = await new DevServer().start();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 60_000 });
});

after(async () => {
  await browser?.close().catch(() => {});
  await server?.dispose();
});

async function openBoard(name) {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(T);
  page.on("pageerror", (e) => problems.push(`${name}: page error: ${e.message}`));
  page.on("console", (m) => m.type() === "error" && !/WebSocket|ERR_CONNECTION_REFUSED|Failed to load resource/.test(m.text()) && problems.push(`${name}: ${m.text()}`));
  await page.goto(`${server.http}/`);
  await page.getByLabel("Your name").fill(name);
  await page.getByRole("button", { name: "Join the board" }).click();
  await page.locator('[data-testid="status"][data-status="open"]').waitFor();
  return page;
}

const item = (page, title) => page.locator('[data-testid="item"]', { has: page.locator('[data-testid="item-title"]', { hasText: title }) });

async function add(page, title) {
  await page.getByLabel("New item").fill(title);
  await page.getByRole("button", { name: "Add", exact: true }).click();
}

test("two pages share the board live, and both recover from a server restart", async () => {
  const a = await openBoard("alice");
  const b = await openBoard("bob");
  assert.match(await a.getByTestId("principal").textContent(), /alice|anonymous/);

  // A adds, B sees it.
  const milk = `milk ${Date.now()}`;
  await add(a, milk);
  await item(b, milk).waitFor();
  assert.equal(await item(b, milk).getAttribute("data-done"), "false");

  // B toggles, A sees it.
  await item(b, milk).getByTestId("toggle").check();
  await a.locator('[data-testid="item"][data-done="true"]', { hasText: milk }).waitFor();

  // Restart the server on the same port and data dir: both pages must notice and reconnect by themselves.
  await server.stop("SIGKILL");
  await a.locator('[data-testid="status"]:not([data-status="open"])').waitFor();
  await b.locator('[data-testid="status"]:not([data-status="open"])').waitFor();
  await server.restart();
  await a.locator('[data-testid="status"][data-status="open"]').waitFor({ timeout: 40_000 });
  await b.locator('[data-testid="status"][data-status="open"]').waitFor({ timeout: 40_000 });

  // The state survived, and a further change made on one page shows on the other.
  await item(a, milk).waitFor();
  const eggs = `eggs ${Date.now()}`;
  await add(b, eggs);
  await item(a, eggs).waitFor();
  await item(a, milk).getByRole("button", { name: `Remove “${milk}”` }).click();
  await item(b, milk).waitFor({ state: "detached" });
  await item(a, milk).waitFor({ state: "detached" });
  assert.deepEqual(await a.getByTestId("item-title").allTextContents(), await b.getByTestId("item-title").allTextContents());

  if (process.env.SCREENSHOT) await a.screenshot({ path: process.env.SCREENSHOT });
  assert.deepEqual(problems, []);
});
