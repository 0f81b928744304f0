/* pacta on the technician's phone.

   Everything the technician does on a job is an operation with its own id (a UUID), kept in
   IndexedDB first, then sent to /api/v1/sync/ — at once when there is signal, when the phone
   is back online otherwise. The server applies each id once, so sending again after a lost
   answer writes nothing twice. The page shows what it did straight away. */
(function () {
  "use strict";

  const DB_NAME = "pacta-field";
  const STORE = "operations";
  const BATCH = 50;

  /* --- the PWA ------------------------------------------------------------------------------ */
  if ("serviceWorker" in navigator && document.body.dataset.sw) {
    navigator.serviceWorker.register(document.body.dataset.sw, { scope: document.body.dataset.scope }).catch(() => {});
  }

  const jobNode = document.getElementById("field-job");
  if (!jobNode) return; // the list of jobs, the approvals: nothing to queue
  const job = JSON.parse(jobNode.textContent);
  const words = JSON.parse(document.getElementById("field-strings").textContent);
  const csrf = document.querySelector("#field-csrf [name=csrfmiddlewaretoken]").value;
  const $ = (selector) => document.querySelector(selector);
  const fill = (text, values) => text.replace(/%\((\w+)\)s/g, (_, name) => values[name]);

  /* --- the queue (IndexedDB) ---------------------------------------------------------------- */
  function database() {
    return new Promise((resolve, reject) => {
      const opening = indexedDB.open(DB_NAME, 1);
      opening.onupgradeneeded = () => opening.result.createObjectStore(STORE, { keyPath: "seq", autoIncrement: true });
      opening.onsuccess = () => resolve(opening.result);
      opening.onerror = () => reject(opening.error);
    });
  }

  async function inStore(mode, work) {
    const db = await database();
    return new Promise((resolve, reject) => {
      const transaction = db.transaction(STORE, mode);
      const request = work(transaction.objectStore(STORE));
      transaction.oncomplete = () => { db.close(); resolve(request ? request.result : undefined); };
      transaction.onerror = () => { db.close(); reject(transaction.error); };
    });
  }

  function uuid() {
    if (crypto.randomUUID) return crypto.randomUUID();
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  async function queue(kind, data) {
    const operation = { id: uuid(), work_order: job.id, kind, made_at: new Date().toISOString(), data: data || {} };
    await inStore("readwrite", (store) => store.add(operation));
    await showQueue();
    send();
    return operation;
  }

  const waiting = () => inStore("readonly", (store) => store.getAll());

  async function showQueue() {
    const ops = (await waiting()).filter((op) => op.work_order === job.id);
    const line = $("[data-testid=queue]");
    if (!ops.length) line.textContent = words.synced;
    else line.textContent = fill(words.waiting, { count: ops.length }) + (navigator.onLine ? "" : " — " + words.offline);
    line.dataset.count = String(ops.length);
  }

  let sending = false;
  let retry = null;
  async function send() {
    if (sending || !navigator.onLine) return;
    sending = true;
    clearTimeout(retry);
    let applied = 0;
    let failed = false;
    const refused = [];
    try {
      for (;;) {
        const ops = (await waiting()).slice(0, BATCH);
        if (!ops.length) break;
        const response = await fetch(job.sync_url, {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf },
          body: JSON.stringify({ operations: ops.map(({ seq, ...op }) => op) }),
        });
        if (!response.ok) { failed = true; break; } // signed out, server trouble: try later
        const answer = await response.json();
        const bySeq = new Map(ops.map((op) => [op.id, op.seq]));
        await inStore("readwrite", (store) => {
          for (const result of answer.results) store.delete(bySeq.get(result.id));
        });
        for (const result of answer.results) {
          if (result.status >= 300) refused.push(result.result.detail);
          else applied += 1;
        }
      }
    } catch (error) {
      failed = true; // no signal after all, or the answer was lost: the operations stay queued
    } finally {
      sending = false;
      await showQueue();
    }
    $("[data-testid=queue]").dataset.lastSend = failed ? "failed" : "ok";
    if (failed) retry = setTimeout(send, 10000); // the server applies each operation once
    const list = $("[data-testid=refusals]");
    for (const detail of refused) {
      const item = document.createElement("li");
      item.textContent = `${words.refused} ${detail}`;
      list.appendChild(item);
    }
    if (applied && !refused.length && document.body.dataset.reloadAfterSync !== "no") {
      window.location.reload(); // show what the server now has
    }
  }

  window.addEventListener("online", send);
  window.addEventListener("offline", showQueue);
  document.addEventListener("visibilitychange", () => { if (!document.hidden) send(); });

  /* --- what the page shows at once -------------------------------------------------------- */
  function showStatus(status, label) {
    const badge = $("[data-testid=status]");
    if (badge) {
      badge.dataset.status = status;
      if (label) badge.textContent = label;
      badge.className = `status status-${status}`;
    }
    document.querySelectorAll("[data-show]").forEach((node) => {
      node.hidden = !node.dataset.show.split(" ").includes(status);
    });
  }

  function added(list, text) {
    const item = document.createElement("li");
    item.className = "queued";
    item.textContent = `${text} (${words.queued})`;
    $(list).appendChild(item);
    return item;
  }

  function readFile(input) {
    const file = input.files && input.files[0];
    if (!file) return Promise.resolve(null);
    return new Promise((resolve, reject) => {
      const reader = new FileReader();
      reader.onload = () => resolve({ name: file.name, data: reader.result });
      reader.onerror = () => reject(reader.error);
      reader.readAsDataURL(file);
    });
  }

  const hint = (message) => { $("[data-testid=refusals]").insertAdjacentHTML("beforeend", "<li></li>"); $("[data-testid=refusals]").lastChild.textContent = message; };

  /* --- status ------------------------------------------------------------------------------- */
  const NEXT = { depart: "en_route", arrive: "on_site", complete: "completed" };
  document.querySelectorAll("[data-op]").forEach((button) => {
    button.addEventListener("click", async () => {
      await queue(button.dataset.op);
      showStatus(NEXT[button.dataset.op], button.textContent.trim());
      if (button.dataset.op === "complete") timer.stop(false);
    });
  });

  /* --- checklist ---------------------------------------------------------------------------- */
  document.querySelectorAll("[data-testid=checklist] input[type=checkbox]").forEach((box) => {
    box.addEventListener("change", () => {
      const step = box.dataset.item ? { item: Number(box.dataset.item) } : { position: Number(box.dataset.position) };
      queue("checklist_tick", { ...step, done: box.checked });
    });
  });

  /* --- timer -------------------------------------------------------------------------------- */
  const timer = {
    since: job.timer_started_at ? new Date(job.timer_started_at) : null,
    show() {
      const line = $("[data-testid=timer]");
      if (!line) return;
      line.textContent = this.since
        ? fill(words.running, { time: this.since.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) })
        : words.stopped;
    },
    async start() {
      if (this.since) return;
      this.since = new Date();
      await queue("timer_start", { kind: "work" });
      this.show();
    },
    async stop(send_ = true) {
      if (!this.since) return;
      const from = this.since;
      this.since = null;
      if (send_) {
        await queue("timer_stop", {});
        added("[data-testid=times]", `${from.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })}–${new Date().toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })}`);
      }
      this.show();
    },
  };
  const on = (action, handler) => { const node = $(`[data-action=${action}]`); if (node) node.addEventListener("click", handler); };
  on("timer-start", () => timer.start());
  on("timer-stop", () => timer.stop());
  on("time-add", () => {
    const from = $("#time-from").value, to = $("#time-to").value;
    if (!from || !to) return;
    const day = new Date();
    const instant = (hhmm) => { const [h, m] = hhmm.split(":").map(Number); const d = new Date(day); d.setHours(h, m, 0, 0); return d.toISOString(); };
    queue("time_entry", { started_at: instant(from), ended_at: instant(to), kind: $("#time-kind").value });
    added("[data-testid=times]", `${from}–${to}`);
  });
  timer.show();

  /* --- parts, expenses, photos ---------------------------------------------------------- */
  on("part-add", () => {
    const quantity = $("#part-quantity").value.trim().replace(",", ".");
    if (!(Number(quantity) > 0)) { hint(words.quantity_needed); return; }
    const select = $("#part-product");
    queue("part", { product: Number(select.value), quantity });
    added("[data-testid=parts]", `${quantity} × ${select.options[select.selectedIndex].text}`);
  });
  on("expense-add", async () => {
    const receipt = await readFile($("#expense-receipt"));
    const description = $("#expense-description").value.trim();
    const amount = $("#expense-amount").value.trim().replace(",", ".");
    const data = { description, amount };
    if (receipt) data.receipt = receipt.data;
    queue("expense", data);
    added("[data-testid=expenses]", `${description} ${amount}`);
    $("#expense-description").value = ""; $("#expense-amount").value = ""; $("#expense-receipt").value = "";
  });
  on("photo-add", async () => {
    const photo = await readFile($("#photo-file"));
    if (!photo) { hint(words.photo_needed); return; }
    queue("photo", { image: photo.data, kind: $("#photo-kind").value, caption: $("#photo-caption").value });
    const item = added("[data-testid=photos]", "");
    item.textContent = "";
    const image = document.createElement("img");
    image.src = photo.data; image.alt = $("#photo-caption").value || photo.name;
    item.appendChild(image);
    $("#photo-file").value = ""; $("#photo-caption").value = "";
  });

  /* --- the signature pad -------------------------------------------------------------------- */
  const pad = $("#signature-pad");
  if (pad) {
    const pen = pad.getContext("2d");
    let drawing = false, drawn = false;
    pen.lineWidth = 3; pen.lineCap = "round"; pen.strokeStyle = "#1d2430";
    const point = (event) => {
      const box = pad.getBoundingClientRect();
      return [(event.clientX - box.left) * (pad.width / box.width), (event.clientY - box.top) * (pad.height / box.height)];
    };
    pad.addEventListener("pointerdown", (event) => { drawing = true; pad.setPointerCapture(event.pointerId); pen.beginPath(); pen.moveTo(...point(event)); });
    pad.addEventListener("pointermove", (event) => { if (!drawing) return; pen.lineTo(...point(event)); pen.stroke(); drawn = true; });
    const lift = () => { drawing = false; };
    pad.addEventListener("pointerup", lift); pad.addEventListener("pointercancel", lift);
    on("signature-clear", () => { pen.clearRect(0, 0, pad.width, pad.height); drawn = false; });
    on("signature-save", async () => {
      const name = $("#signer-name").value.trim();
      if (!name) { hint(words.name_needed); return; }
      if (!drawn) { hint(words.draw_needed); return; }
      await queue("signature", { image: pad.toDataURL("image/png"), signer_name: name });
      $("[data-testid=signed]").textContent = fill(words.signed, { name });
    });
  }

  on("send", () => send());
  showStatus(job.status);
  showQueue().then(send);
})();
