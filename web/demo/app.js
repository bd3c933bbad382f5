// The collaborative todo board: one live view of the `todo` actor `board`,
// shared by everyone who opens this page. Plain DOM, no framework.
import { connect } from "./client.js";

const ACTOR = "todo/board";
const $ = (testid) => document.querySelector(`[data-testid="${testid}"]`);

const ui = {
  joinForm: $("join-form"),
  name: $("name-input"),
  board: $("board"),
  status: $("status"),
  principal: $("principal"),
  addForm: $("add-form"),
  title: $("new-title"),
  error: $("error"),
  empty: $("empty"),
  items: $("items"),
  summary: $("summary"),
  clearDone: $("clear-done"),
};

const STATUS_TEXT = { connecting: "connecting…", open: "connected", closed: "disconnected" };

let client = null;

/** A fresh dev token for `name`, or null (anonymous) if the server does not hand them out. */
async function fetchToken(name) {
  let res;
  try {
    res = await fetch("/v1/dev/token", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ sub: name }),
    });
  } catch (e) {
    throw new Error(`server unreachable: ${e.message}`); // counts as a failed connection attempt
  }
  if (!res.ok) return null;
  try {
    const body = await res.json();
    return typeof body.token === "string" ? body.token : null;
  } catch {
    return null;
  }
}

function showError(message) {
  ui.error.textContent = message ?? "";
  ui.error.hidden = !message;
}

function setStatus(status, detail = {}) {
  ui.status.dataset.status = status;
  let text = STATUS_TEXT[status] ?? status;
  if (status === "closed" && detail.retryInMs !== undefined) text += ` — retrying in ${Math.ceil(detail.retryInMs / 100) / 10} s`;
  ui.status.textContent = text;
  if (status === "open") ui.principal.textContent = detail.principal ? `signed in as ${detail.principal}` : "anonymous";
}

/** One <li> per item, reused across renders (keyed by id) so focus survives updates. */
const rows = new Map();

function row(item) {
  let li = rows.get(item.id);
  if (!li) {
    li = document.createElement("li");
    li.dataset.testid = "item";
    li.dataset.id = String(item.id);
    const label = document.createElement("label");
    const box = document.createElement("input");
    box.type = "checkbox";
    box.dataset.testid = "toggle";
    box.addEventListener("change", () => act("toggle", { id: item.id }));
    const title = document.createElement("span");
    title.className = "title";
    title.dataset.testid = "item-title";
    label.append(box, title);
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "secondary";
    remove.dataset.testid = "remove";
    remove.textContent = "Remove";
    remove.addEventListener("click", () => act("remove", { id: item.id }));
    li.append(label, remove);
    rows.set(item.id, li);
  }
  const box = li.querySelector('[data-testid="toggle"]');
  li.dataset.done = String(item.done);
  box.checked = item.done;
  li.querySelector('[data-testid="item-title"]').textContent = item.title;
  li.querySelector('[data-testid="remove"]').setAttribute("aria-label", `Remove “${item.title}”`);
  return li;
}

function render(view) {
  const items = Array.isArray(view?.items) ? view.items : [];
  const keep = new Set(items.map((i) => i.id));
  for (const [id, li] of rows) {
    if (!keep.has(id)) {
      li.remove();
      rows.delete(id);
    }
  }
  items.forEach((item, i) => {
    const li = row(item);
    if (ui.items.children[i] !== li) ui.items.insertBefore(li, ui.items.children[i] ?? null);
  });
  const done = items.filter((i) => i.done).length;
  ui.empty.hidden = items.length > 0;
  ui.summary.textContent = items.length ? `${done} of ${items.length} done` : "";
  ui.clearDone.disabled = done === 0;
}

async function act(method, payload) {
  try {
    await client.call(ACTOR, method, payload);
    showError(null);
  } catch (e) {
    showError(`${method} failed: ${e.message} (${e.code})`);
  }
}

function join(name) {
  ui.joinForm.hidden = true;
  ui.board.hidden = false;
  const url = new URL("/v1/ws", location.href);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  client = connect({ url: url.href, getToken: () => fetchToken(name) });
  client.on("status", setStatus);
  setStatus(client.status);
  const sub = client.subscribe(ACTOR, render, {
    onError: (e) => showError(`the board is unavailable: ${e.message} (${e.code})`),
  });
  window.microlith = { client, sub }; // for the console
  ui.title.focus();
}

ui.joinForm.addEventListener("submit", (ev) => {
  ev.preventDefault();
  const name = ui.name.value.trim();
  if (!name) return;
  try {
    localStorage.setItem("microlith-demo-name", name);
  } catch {
    // storage may be off
  }
  join(name);
});

ui.addForm.addEventListener("submit", (ev) => {
  ev.preventDefault();
  const title = ui.title.value.trim();
  if (!title) return;
  ui.title.value = "";
  act("add", { title });
});

ui.clearDone.addEventListener("click", () => act("clear-done", null));

try {
  ui.name.value = localStorage.getItem("microlith-demo-name") ?? "";
} catch {
  // storage may be off
}
render(null);
