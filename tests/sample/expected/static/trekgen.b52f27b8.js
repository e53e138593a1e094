/* trekgen: progress kept in this browser (no account, nothing sent) and the theme toggle.
   One small script, no framework, no build step. Every control it needs it inserts itself,
   so a page without JavaScript shows nothing that does not work. */
(() => {
  "use strict";

  const FORMAT = "trekgen-progress";
  const VERSION = 1;
  const PREFIX = "trekgen:progress:";
  const THEME_KEY = "trekgen:theme";
  const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
  const LIST_ID = /^[a-z0-9]+(?:[-:][a-z0-9]+)*$/;
  const MAX_FILE_BYTES = 1024 * 1024;

  /* ---- storage: one versioned record per roadmap ---- */

  const storage = (() => {
    try {
      const probe = PREFIX + "probe";
      localStorage.setItem(probe, "1");
      localStorage.removeItem(probe);
      return localStorage;
    } catch {
      return null; // storage blocked (private mode, file:// rules): no progress controls
    }
  })();

  const empty = () => ({ version: VERSION, stages: {}, checks: {} });

  // A record from storage or a file, keeping only well-formed entries: a bad entry is
  // dropped, never fatal. Stage slugs unknown to this build are kept (content may come back).
  function clean(data) {
    const record = empty();
    if (!data || typeof data !== "object") return record;
    for (const [slug, when] of Object.entries(isObject(data.stages) ? data.stages : {})) {
      if (SLUG.test(slug) && (typeof when === "string" || when === true)) record.stages[slug] = when;
    }
    for (const [list, items] of Object.entries(isObject(data.checks) ? data.checks : {})) {
      if (!LIST_ID.test(list) || !Array.isArray(items)) continue;
      const good = items.filter((n) => Number.isInteger(n) && n > 0 && n < 10000);
      if (good.length) record.checks[list] = [...new Set(good)].sort((a, b) => a - b);
    }
    return record;
  }

  function isObject(value) {
    return value !== null && typeof value === "object" && !Array.isArray(value);
  }

  function load(roadmap) {
    try {
      const data = JSON.parse(storage.getItem(PREFIX + roadmap) || "null");
      return data && data.version === VERSION ? clean(data) : empty();
    } catch {
      return empty(); // unreadable data never breaks the page
    }
  }

  function save(roadmap, record) {
    try {
      storage.setItem(PREFIX + roadmap, JSON.stringify(record));
      return true;
    } catch {
      say("Your browser did not let this page save progress (storage may be full or blocked).");
      return false;
    }
  }

  const today = () => new Date().toISOString().slice(0, 10);

  function doneCount(record, slugs) {
    return slugs.filter((slug) => slug in record.stages).length;
  }

  const countText = (done, total) => `${done} of ${total} stages done`;

  /* ---- announcements for screen readers ---- */

  let live = null;

  function say(message) {
    if (!live) return;
    live.textContent = "";
    // A new text node after a tick makes screen readers announce a repeated message too.
    setTimeout(() => { live.textContent = message; }, 50);
  }

  function addLiveRegion() {
    live = element("p", { class: "visually-hidden", "aria-live": "polite" });
    document.body.append(live);
  }

  function element(tag, attributes = {}, text = "") {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
    if (text) node.textContent = text;
    return node;
  }

  /* ---- progress summary: index cards, overview, stage pages ---- */

  const slugsOf = (slot) => (slot.dataset.stageSlugs || "").split(/\s+/).filter(Boolean);

  function summary(slot, roadmap) {
    const id = `progress-count-${roadmap}`;
    const box = element("div", { class: "progress-summary" });
    const text = element("p", { class: "progress-count", id });
    const bar = element("progress", { "aria-labelledby": id, max: String(slugsOf(slot).length), value: "0" });
    box.append(text, bar);
    slot.append(box);
  }

  function updateSummary(slot, record) {
    const slugs = slugsOf(slot);
    const done = doneCount(record, slugs);
    const text = slot.querySelector(".progress-count");
    const bar = slot.querySelector("progress");
    if (text) text.textContent = countText(done, slugs.length);
    if (bar) bar.value = done;
    slot.classList.toggle("is-complete", slugs.length > 0 && done === slugs.length);
  }

  /* ---- "Mark as done" on a stage page ---- */

  function doneToggle(slot, roadmap) {
    const stage = slot.dataset.stage;
    const row = element("label", { class: "done-toggle" });
    const box = element("input", { type: "checkbox" });
    row.append(box, document.createTextNode("Mark as done"));
    slot.prepend(row);
    box.addEventListener("change", () => {
      const record = load(roadmap);
      if (box.checked) record.stages[stage] = today();
      else delete record.stages[stage];
      if (!save(roadmap, record)) return;
      refresh();
      const state = box.checked ? "Stage marked as done." : "Stage marked as not done.";
      say(`${state} ${countText(doneCount(record, slugsOf(slot)), slugsOf(slot).length)}.`);
    });
  }

  /* ---- export, import, reset on the overview ---- */

  function tools(slot, roadmap) {
    const panel = element("details", { class: "progress-tools" });
    panel.append(element("summary", {}, "Save, move or reset your progress"));
    panel.append(element("p", {}, "Your progress is kept in this browser only; nothing is sent "
      + "anywhere. Export it to a file to keep a copy or to move it to another browser."));
    const actions = element("div", { class: "progress-actions" });
    const exportButton = element("button", { type: "button" }, "Export to a file");
    const importButton = element("button", { type: "button" }, "Import from a file");
    const file = element("input", { type: "file", accept: ".json,application/json", hidden: "" });
    const reset = element("button", { type: "button", class: "danger" }, "Reset progress");
    const message = element("p", { class: "progress-message", role: "status" });
    actions.append(exportButton, importButton, file, reset);
    panel.append(actions, message);
    slot.append(panel);

    const tell = (text, bad = false) => {
      message.textContent = text;
      message.classList.toggle("is-error", bad);
    };
    exportButton.addEventListener("click", () => tell(exportFile(roadmap)));
    importButton.addEventListener("click", () => file.click());
    file.addEventListener("change", async () => {
      const chosen = file.files && file.files[0];
      file.value = ""; // choosing the same file again must fire change again
      if (chosen) tell(...(await importFile(chosen, roadmap, slugsOf(slot))));
    });
    reset.addEventListener("click", () => {
      const sure = window.confirm("Reset your progress on this roadmap? This clears the stages "
        + "marked as done and the ticked items, in this browser. It cannot be undone.");
      if (!sure) return;
      storage.removeItem(PREFIX + roadmap);
      refresh();
      tell(`Progress reset: ${countText(0, slugsOf(slot).length)}.`);
    });
  }

  function exportFile(roadmap) {
    const { stages, checks } = load(roadmap);
    const data = { format: FORMAT, version: VERSION, roadmap, exported: today(), stages, checks };
    const blob = new Blob([JSON.stringify(data, null, 2) + "\n"], { type: "application/json" });
    const name = `trekgen-progress-${roadmap}-${today()}.json`;
    const link = element("a", { href: URL.createObjectURL(blob), download: name });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 1000);
    return `Exported to ${name}.`;
  }

  // Returns [message, isError]; the stored progress changes only when the whole file is valid.
  async function importFile(file, roadmap, slugs) {
    if (file.size > MAX_FILE_BYTES) return ["This file is too large to be a progress file.", true];
    let data;
    try {
      data = JSON.parse(await file.text());
    } catch {
      return ["This file is not a progress file: it is not JSON. Choose a file exported "
        + "with \u201cExport to a file\u201d.", true];
    }
    const problem = fileProblem(data, roadmap);
    if (problem) return [problem, true];
    const record = clean(data);
    if (!save(roadmap, record)) return ["The progress could not be saved in this browser.", true];
    refresh();
    const unknown = Object.keys(record.stages).filter((slug) => !slugs.includes(slug)).length;
    const note = unknown ? ` ${unknown} stage${unknown === 1 ? " is" : "s are"} no longer part of `
      + "this roadmap; kept, but not counted." : "";
    return [`Imported: ${countText(doneCount(record, slugs), slugs.length)}.${note}`, false];
  }

  function fileProblem(data, roadmap) {
    if (!isObject(data) || data.format !== FORMAT) return "This file is not a trekgen progress file.";
    if (data.version !== VERSION) {
      return `This file has progress format ${JSON.stringify(data.version)}; this site reads format ${VERSION}.`;
    }
    if (data.roadmap !== roadmap) {
      return `This file holds progress for another roadmap (${String(data.roadmap)}); `
        + "import it on that roadmap's page.";
    }
    if (!isObject(data.stages) || (data.checks !== undefined && !isObject(data.checks))) {
      return "This progress file is damaged: its stages are missing or malformed.";
    }
    return "";
  }

  /* ---- checklists: skill practices and project deliverables ---- */

  function checklist(list) {
    const [roadmap, ...rest] = list.dataset.checklist.split(":");
    const name = rest.join(":");
    if (!SLUG.test(roadmap) || !LIST_ID.test(name)) return;
    list.classList.add("is-interactive");
    for (const item of list.querySelectorAll("li[data-item]")) {
      const number = Number(item.dataset.item);
      const id = `check-${name.replace(/:/g, "-")}-${number}`;
      const box = element("input", { type: "checkbox", id });
      const label = element("label", { for: id });
      label.append(...item.childNodes);
      item.append(box, label);
      box.addEventListener("change", () => {
        const record = load(roadmap);
        const ticked = new Set(record.checks[name] || []);
        if (box.checked) ticked.add(number);
        else ticked.delete(number);
        record.checks[name] = [...ticked].sort((a, b) => a - b);
        if (!record.checks[name].length) delete record.checks[name];
        save(roadmap, record);
      });
    }
  }

  /* ---- one pass that makes the page match what is stored ---- */

  function refresh() {
    for (const slot of document.querySelectorAll(".progress-slot[data-progress-for]")) {
      updateSummary(slot, load(slot.dataset.progressFor));
    }
    const page = document.querySelector(".progress-slot[data-done-for]");
    if (page) {
      const roadmap = page.dataset.doneFor;
      const record = load(roadmap);
      updateSummary(page, record);
      const box = page.querySelector(".done-toggle input");
      if (box) {
        box.checked = page.dataset.stage in record.stages;
        box.parentElement.classList.toggle("is-done", box.checked);
      }
    }
    markStages();
    for (const list of document.querySelectorAll("ul.is-interactive[data-checklist]")) {
      const [roadmap, ...rest] = list.dataset.checklist.split(":");
      const ticked = load(roadmap).checks[rest.join(":")] || [];
      for (const item of list.querySelectorAll("li[data-item]")) {
        const box = item.querySelector("input");
        if (box) box.checked = ticked.includes(Number(item.dataset.item));
      }
    }
  }

  // Stage cards and drawing nodes carry data-stage; they belong to the page's roadmap.
  function markStages() {
    const owner = document.querySelector(".progress-slot[data-progress-for], .progress-slot[data-done-for]");
    if (!owner) return;
    const record = load(owner.dataset.progressFor || owner.dataset.doneFor);
    for (const node of document.querySelectorAll("[data-stage]:not(.progress-slot)")) {
      const done = node.dataset.stage in record.stages;
      if (done) node.setAttribute("data-done", "true");
      else node.removeAttribute("data-done");
      if (node.classList.contains("stage-card")) badge(node, done);
    }
  }

  function badge(card, done) {
    const existing = card.querySelector(".done-badge");
    if (done && !existing) {
      const title = card.querySelector(".card-title");
      (title || card).append(element("span", { class: "done-badge" }, "Done"));
    } else if (!done && existing) {
      existing.remove();
    }
  }

  function setUpProgress() {
    if (!storage) return;
    const slots = document.querySelectorAll(".progress-slot[data-progress-for]");
    const page = document.querySelector(".progress-slot[data-done-for]");
    const lists = document.querySelectorAll("ul[data-checklist]");
    if (!slots.length && !page && !lists.length) return;
    addLiveRegion();
    for (const slot of slots) {
      summary(slot, slot.dataset.progressFor);
      if (slot.id === "progress") tools(slot, slot.dataset.progressFor);
    }
    if (page) {
      summary(page, page.dataset.doneFor);
      doneToggle(page, page.dataset.doneFor);
    }
    lists.forEach(checklist);
    refresh();
    // Another tab changed the progress: show it here too.
    window.addEventListener("storage", (event) => {
      if (event.key === null || event.key.startsWith(PREFIX)) refresh();
    });
  }

  /* ---- theme toggle: the inline script in <head> applied the stored choice before paint ---- */

  function setUpTheme() {
    const button = document.querySelector("[data-theme-toggle]");
    if (!button) return;
    const root = document.documentElement;
    const system = window.matchMedia("(prefers-color-scheme: dark)");
    const isDark = () => (root.dataset.theme || (system.matches ? "dark" : "light")) === "dark";
    const show = () => button.setAttribute("aria-pressed", String(isDark()));
    button.addEventListener("click", () => {
      const theme = isDark() ? "light" : "dark";
      root.dataset.theme = theme;
      try { localStorage.setItem(THEME_KEY, theme); } catch { /* the choice lasts this page only */ }
      show();
    });
    system.addEventListener("change", show);
    show();
  }

  /* ---- print: open folded answers so that they are on paper too ---- */

  window.addEventListener("beforeprint", () => {
    for (const details of document.querySelectorAll("main details:not([open])")) {
      details.setAttribute("open", "");
      details.dataset.printOpened = "";
    }
  });
  window.addEventListener("afterprint", () => {
    for (const details of document.querySelectorAll("details[data-print-opened]")) {
      details.removeAttribute("open");
      delete details.dataset.printOpened;
    }
  });

  setUpTheme();
  setUpProgress();
})();
