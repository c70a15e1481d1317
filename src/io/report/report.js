"use strict";
(function () {
  const W = JSON.parse(document.getElementById("worklist-data").textContent);
  const ROWS = W.rows.map((r, i) => r.concat([i]));
  const VERDICTS = ["supported", "more_specific", "other_region", "unspecified_region", "pain_only", "insufficient", "not_relevant", "error"];
  const ELEMENTS = ["region", "pathology", "disc_excluded", "neuro_excluded", "imaging", "chronicity", "conservative_care"];
  const LABELS = ["region (C7-T1 named)", "pathology", "disc pathology excluded", "radiculopathy/myelopathy excluded", "imaging with result", "chronicity", "conservative care"];
  const PAGE = 200;
  // Row fields: id, verdict, codes, billed, agrees, score, gaps, worst line
  // result, reason, queries, code descriptions, then the row's index.
  const IDX = 11;
  // The worklist opens on the work: billed code disagrees, a claim line
  // that does not fit, a provider query, then by verdict, then the rest.
  const WORK = -1;
  const ACT = ["more_specific", "unspecified_region", "insufficient", "pain_only", "other_region", "error", "supported", "not_relevant"];
  const state = { verdict: "all", disagree: false, lines: false, queries: false, id: "", sort: WORK, dir: 1, page: 0, note: null, el: null, copy: null };
  const workRank = (r) => r[4] === false ? 0 : (r[7] === "does_not_fit" || r[7] === "incomplete") ? 1 : r[9] > 0 ? 2 : 3 + Math.max(0, ACT.indexOf(r[1]));
  const lineFlagged = (r) => r[7] === "does_not_fit" || r[7] === "incomplete";
  const $ = (id) => document.getElementById(id);
  const el = (tag, cls, text) => { const e = document.createElement(tag); if (cls) e.className = cls; if (text !== undefined && text !== null) e.textContent = String(text); return e; };
  let details = null;

  function loadDetails() {
    if (details) return details;
    details = (async () => {
      const b64 = $("details").textContent.trim();
      const bin = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const stream = new Blob([bin]).stream().pipeThrough(new DecompressionStream("gzip"));
      return JSON.parse(await new Response(stream).text());
    })();
    return details;
  }

  function readHash() {
    const h = new URLSearchParams(location.hash.slice(1));
    if (h.has("verdict")) state.verdict = h.get("verdict");
    state.disagree = h.get("disagree") === "1";
    state.lines = h.get("lines") === "1";
    state.queries = h.get("queries") === "1";
    state.el = h.get("el");
    state.copy = h.has("copy") ? Number(h.get("copy")) : null;
    state.id = h.get("id") || "";
    if (h.has("sort")) state.sort = h.get("sort") === "work" ? WORK : Number(h.get("sort")) || 0;
    if (h.has("dir")) state.dir = h.get("dir") === "-1" ? -1 : 1;
    state.note = h.has("note") ? h.get("note") : null;
  }
  function writeHash() {
    const h = new URLSearchParams();
    if (state.verdict !== "all") h.set("verdict", state.verdict);
    if (state.disagree) h.set("disagree", "1");
    if (state.lines) h.set("lines", "1");
    if (state.queries) h.set("queries", "1");
    if (state.id) h.set("id", state.id);
    if (state.sort !== WORK) { h.set("sort", String(state.sort)); h.set("dir", String(state.dir)); }
    if (state.note !== null) h.set("note", state.note);
    history.replaceState(null, "", "#" + h.toString());
  }

  function counts() {
    const c = {};
    for (const r of ROWS) c[r[1]] = (c[r[1]] || 0) + 1;
    const box = $("counts");
    box.replaceChildren();
    const all = el("span", "count", "all"); all.appendChild(el("b", null, ROWS.length)); all.dataset.verdict = "all"; box.appendChild(all);
    for (const v of VERDICTS) {
      if (!c[v]) continue;
      const s = el("span", "count v-" + v, v); s.appendChild(el("b", null, c[v])); s.dataset.verdict = v; s.dataset.count = c[v];
      box.appendChild(s);
    }
    const flagged = ROWS.filter(lineFlagged).length;
    if (ROWS.some((r) => r[7])) {
      const l = el("span", "count", "claim line does not fit / incomplete"); l.appendChild(el("b", null, flagged)); l.dataset.verdict = "lines"; l.dataset.count = flagged;
      box.appendChild(l);
    }
    const dis = ROWS.filter((r) => r[4] === false).length;
    const d = el("span", "count", "billed code disagrees"); d.appendChild(el("b", null, dis)); d.dataset.verdict = "disagree"; d.dataset.count = dis;
    box.appendChild(d);
    const sel = $("f-verdict");
    for (const v of VERDICTS) if (c[v]) { const o = el("option", null, v); o.value = v; sel.appendChild(o); }
  }

  function filtered() {
    const q = state.id.toLowerCase();
    const out = ROWS.filter((r) => (state.verdict === "all" || r[1] === state.verdict) && (!state.disagree || r[4] === false) && (!state.lines || lineFlagged(r)) && (!state.queries || r[9] > 0) && (!q || String(r[0]).toLowerCase().includes(q)));
    const k = state.sort, d = state.dir;
    out.sort((a, b) => {
      if (k === WORK) return (workRank(a) - workRank(b)) || (a[IDX] - b[IDX]);
      const x = a[k], y = b[k];
      if (x === y) return a[IDX] - b[IDX];
      if (x === null || x === undefined) return 1;
      if (y === null || y === undefined) return -1;
      return (x < y ? -1 : 1) * d;
    });
    return out;
  }

  function renderList() {
    const rows = filtered();
    const pages = Math.max(1, Math.ceil(rows.length / PAGE));
    state.page = Math.min(state.page, pages - 1);
    const body = $("rows");
    const frag = document.createDocumentFragment();
    for (const r of rows.slice(state.page * PAGE, (state.page + 1) * PAGE)) {
      const tr = el("tr");
      tr.dataset.idx = r[IDX];
      tr.appendChild(el("td", null, r[0]));
      const v = el("td"); v.appendChild(el("span", "v v-" + r[1], r[1])); tr.appendChild(v);
      const codes = el("td", "codes", r[2]);
      if (r[10]) { codes.title = r[10]; codes.appendChild(el("div", "desc", r[10])); }
      tr.appendChild(codes);
      tr.appendChild(el("td", null, r[3]));
      tr.appendChild(el("td", r[4] === false ? "no" : null, r[4] === null ? "" : r[4] ? "yes" : "no"));
      tr.appendChild(el("td", null, r[5]));
      tr.appendChild(el("td", null, r[6]));
      tr.appendChild(el("td", r[7] ? "line-" + r[7] : null, r[7]));
      tr.appendChild(el("td", null, r[9] || ""));
      tr.appendChild(el("td", "reason", r[8]));
      frag.appendChild(tr);
    }
    body.replaceChildren(frag);
    $("shown").textContent = rows.length + " of " + ROWS.length + " notes";
    $("shown").dataset.count = rows.length;
    $("page").textContent = "page " + (state.page + 1) + " of " + pages;
    $("prev").disabled = state.page === 0;
    $("next").disabled = state.page >= pages - 1;
    for (const th of document.querySelectorAll("#worklist th")) {
      const on = Number(th.dataset.key) === state.sort;
      th.classList.toggle("sorted", on);
      th.classList.toggle("desc", on && state.dir < 0);
    }
    $("f-verdict").value = state.verdict;
    $("f-disagree").checked = state.disagree;
    $("f-lines").checked = state.lines;
    $("f-queries").checked = state.queries;
    $("f-id").value = state.id;
  }

  function highlight(pre, text, ev, indicators) {
    const spans = ev.map((e, i) => ({ s: e[0], e: e[1], cat: e[2], as: e[3], concept: e[4], decisive: e[5], doc: e[7], discount: e[8], i }));
    // A query's indicator that is no evidence span gets a mark of its own.
    for (const [s, e, q, k] of indicators) if (!spans.some((x) => x.s === s && x.e === e)) spans.push({ s, e, cat: "indicator", as: "affirmed", concept: "query indicator", doc: "", i: "q" + q + "-" + k });
    spans.sort((a, b) => a.s - b.s || b.e - a.e);
    const frag = document.createDocumentFragment();
    let pos = 0;
    for (const sp of spans) {
      if (sp.s < pos || sp.e > text.length) continue;
      if (sp.s > pos) frag.appendChild(document.createTextNode(text.slice(pos, sp.s)));
      const m = el("mark", "ev cat-" + sp.cat + " as-" + sp.as + (sp.decisive ? " decisive" : "") + (sp.discount ? " discounted" : ""), text.slice(sp.s, sp.e));
      m.title = sp.concept + " \u2014 " + sp.as + " \u2014 document " + sp.doc + (sp.discount ? " \u2014 does not count: " + sp.discount : "");
      if (sp.discount) m.dataset.discount = sp.discount;
      m.dataset.assertion = sp.as;
      m.dataset.category = sp.cat;
      m.id = "ev-" + sp.i;
      const qs = indicators.filter(([s, e]) => s === sp.s && e === sp.e).map(([, , q]) => q);
      if (qs.length) { m.classList.add("indicator"); m.dataset.query = qs.join(" "); }
      frag.appendChild(m);
      pos = sp.e;
    }
    if (pos < text.length) frag.appendChild(document.createTextNode(text.slice(pos)));
    pre.replaceChildren(frag);
  }

  async function openNote(idx) {
    const row = ROWS[idx];
    if (!row) return;
    state.note = String(row[0]);
    writeHash();
    const all = await loadDetails();
    const d = all[idx];
    $("list").hidden = true;
    $("note").hidden = false;
    $("note-id").textContent = row[0];
    const vp = $("note-verdict");
    vp.replaceChildren(el("span", "v v-" + row[1], row[1]), document.createTextNode("  codes: " + (row[2] || "none") + "  score: " + (row[5] === null ? "-" : row[5]) + "  billed: " + (row[3] || "none") + (row[4] === false ? " (disagrees)" : row[4] === true ? " (agrees)" : "")));
    $("note-reason").textContent = d.error ? d.error : d.reason;
    $("note-codes").textContent = (d.codes || []).map((c) => c[0] + " " + (c[1] || "")).join("; ");
    const cl = $("checklist").tBodies[0];
    cl.replaceChildren();
    const gaps = $("gaps");
    gaps.replaceChildren();
    $("coder-notes").replaceChildren();
    $("queries").replaceChildren();
    $("note-finding").hidden = true;
    if (d.error) { $("note-text").replaceChildren(); document.body.dataset.noteReady = state.note; return; }
    const queries = d.queries || [];
    const indicators = [];
    queries.forEach((qq, q) => qq[5].forEach((i, k) => indicators.push([i[0], i[1], q, k])));
    highlight($("note-text"), d.text, d.ev, indicators);
    evSpans = d.ev;
    d.cl.forEach((c, k) => {
      const tr = el("tr");
      tr.appendChild(el("td", null, LABELS[k]));
      const st = el("td", "st-" + c[0]);
      st.dataset.element = ELEMENTS[k];
      st.dataset.status = c[0];
      const first = c[1].find((i) => document.getElementById("ev-" + i)) ?? c[1][0];
      const words = statusWords(ELEMENTS[k], c[0], first === undefined ? null : d.text.slice(d.ev[first][0], d.ev[first][1]));
      if (first !== undefined && document.getElementById("ev-" + first)) {
        const b = el("button", "to-evidence", words);
        b.type = "button";
        b.dataset.target = "ev-" + first;
        b.addEventListener("click", () => focusEvidence("ev-" + first, ELEMENTS[k]));
        st.appendChild(b);
      } else st.textContent = words;
      tr.appendChild(st);
      cl.appendChild(tr);
    });
    if (!d.gaps.length) gaps.appendChild(el("li", null, "none"));
    for (const g of d.gaps) {
      const li = el("li");
      li.appendChild(el("b", null, g[0] + ": "));
      li.appendChild(document.createTextNode(g[1] + " "));
      li.appendChild(el("span", "gap-wording", W.queries[g[0]] || ""));
      gaps.appendChild(li);
    }
    renderQueries(queries);
    for (const n of d.notes) $("coder-notes").appendChild(el("p", null, n));
    renderLines(d.lines || []);
    const finding = $("note-finding");
    finding.hidden = row[4] !== false;
    if (row[4] === false) finding.textContent = "Finding: billed " + row[3] + "; the documentation supports " + (row[2] || "no code of this audit") + (row[10] ? " (" + row[10] + ")" : "") + " because " + d.reason;
    if (state.el) {
      const k = ELEMENTS.indexOf(state.el);
      const b = k >= 0 ? cl.rows[k].querySelector("button.to-evidence") : null;
      if (b) focusEvidence(b.dataset.target, null);
    }
    if (state.copy !== null) {
      const div = $("queries").querySelectorAll("div.query")[state.copy];
      if (div) copyQuery(state.copy, div.querySelector("textarea"), div.querySelector("button.copy"));
    }
    document.body.dataset.noteReady = state.note;
  }

  // The claim lines: each with its result and reason; the elements not met
  // listed first as CDI gaps, each with what was found and its evidence.
  function renderLines(lines) {
    const box = $("lines");
    box.replaceChildren();
    $("claim-lines").hidden = lines.length === 0;
    for (const [cpt, family, result, reason, rule, elements] of lines) {
      const div = el("div", "line line-" + result);
      div.dataset.cpt = cpt;
      div.dataset.result = result;
      const h = el("p");
      h.appendChild(el("b", null, cpt + " " + (family || "(not in the policy)") + " "));
      h.appendChild(el("span", "v line-" + result, result));
      div.appendChild(h);
      div.appendChild(el("p", null, reason));
      if (rule) div.appendChild(el("p", "rule", "rule " + rule));
      const open = elements.filter((e) => e[1] !== "met"), met = elements.filter((e) => e[1] === "met");
      const ul = el("ul");
      for (const [name, status, detail, ev] of open.concat(met)) {
        const li = el("li", "st-" + status);
        li.dataset.element = name;
        li.dataset.status = status;
        li.appendChild(el("b", null, name + ": " + status + " "));
        li.appendChild(document.createTextNode(detail));
        for (const t of ev.slice(0, 3)) li.appendChild(el("q", null, t));
        ul.appendChild(li);
      }
      div.appendChild(ul);
      box.appendChild(div);
    }
  }

  // A checklist status in a reader's words: an exclusion element is
  // "documented" when the exclusion is stated, "contradicted" when the
  // finding it excludes is affirmed.
  function statusWords(element, status, text) {
    const q = text ? " \u201c" + text + "\u201d" : "";
    if (element === "disc_excluded" || element === "neuro_excluded") {
      // (checklist.rs: present = the exclusion stated; negated = the
      // exclusion contradicted by the finding affirmed.)
      return status === "present" ? "documented (excluded" + (q ? ":" + q : "") + ")" : status === "negated" ? "contradicted by" + q : "not documented";
    }
    return status === "present" ? "documented" + (q ? ":" + q : "") : status === "negated" ? "documented as absent" + (q ? ":" + q : "") : status === "other" ? "documented at another region" + (q ? ":" + q : "") : "not documented";
  }

  function focusEvidence(id, element) {
    const m = document.getElementById(id);
    if (!m) return;
    for (const x of document.querySelectorAll("mark.focused")) x.classList.remove("focused");
    m.classList.add("focused");
    m.scrollIntoView({ block: "center" });
    document.body.dataset.focused = id;
    if (element) { state.el = element; writeHash(); }
  }

  // The provider queries: text, options, the indicators quoted (each a
  // link to its mark) and a button copying the whole query as plain text.
  function renderQueries(queries) {
    const box = $("queries");
    box.replaceChildren();
    if (!queries.length) { box.appendChild(el("p", null, "none: the documentation does not leave the code open")); return; }
    queries.forEach(([kind, format, reason, text, options, ind, plain], q) => {
      const div = el("div", "query");
      div.dataset.kind = kind;
      div.dataset.format = format;
      div.appendChild(el("p", "query-kind", kind.replace(/_/g, " ") + " \u2014 " + format.replace(/_/g, " ")));
      div.appendChild(el("p", "query-reason", reason));
      div.appendChild(el("p", "query-text", text));
      if (options.length) { const ol = el("ul", "options"); for (const o of options) ol.appendChild(el("li", null, "\u2610 " + o)); div.appendChild(ol); }
      const il = el("ul", "indicators");
      ind.forEach(([s, e, t, section, docu], k) => {
        const li = el("li");
        const b = el("button", "to-evidence", "\u201c" + t + "\u201d");
        b.type = "button";
        const id = markFor(s, e, q, k);
        b.dataset.target = id;
        b.addEventListener("click", () => focusEvidence(id));
        li.appendChild(b);
        li.appendChild(document.createTextNode(" " + section + ", " + docu));
        il.appendChild(li);
      });
      div.appendChild(il);
      const ta = el("textarea", "copy-text");
      ta.readOnly = true;
      ta.value = plain;
      const btn = el("button", "copy", "copy query");
      btn.type = "button";
      btn.addEventListener("click", () => copyQuery(q, ta, btn));
      div.appendChild(ta);
      div.appendChild(btn);
      box.appendChild(div);
    });
  }

  let evSpans = [];
  function markFor(s, e, q, k) {
    const i = evSpans.findIndex((x) => x[0] === s && x[1] === e);
    return i >= 0 ? "ev-" + i : "ev-q" + q + "-" + k;
  }

  function copyQuery(q, ta, btn) {
    ta.select();
    try { navigator.clipboard.writeText(ta.value).catch(() => document.execCommand("copy")); } catch (e) { document.execCommand("copy"); }
    btn.textContent = "copied";
    document.body.dataset.copied = ta.value;
    document.body.dataset.copiedQuery = String(q);
  }

  function closeNote() {
    state.note = null;
    state.el = null;
    state.copy = null;
    $("note").hidden = true;
    $("list").hidden = false;
    writeHash();
    renderList();
  }

  function legend() {
    const L = $("legend");
    const items = [["cat-region", "region"], ["cat-dorsopathy", "finding"], ["cat-pain", "pain"], ["cat-imaging", "imaging"], ["cat-chronicity", "chronicity"], ["cat-care", "care"],
      ["as-negated", "negated / exclusion"], ["as-uncertain", "uncertain"], ["as-historical", "historical / family / hypothetical"], ["decisive", "decided the verdict"], ["discounted", "does not count (hover for why)"]];
    for (const [c, t] of items) L.appendChild(el("span", "ev " + c, t));
  }

  function wire() {
    $("f-verdict").addEventListener("change", (e) => { state.verdict = e.target.value; state.page = 0; writeHash(); renderList(); });
    $("f-disagree").addEventListener("change", (e) => { state.disagree = e.target.checked; state.page = 0; writeHash(); renderList(); });
    $("f-lines").addEventListener("change", (e) => { state.lines = e.target.checked; state.page = 0; writeHash(); renderList(); });
    $("f-queries").addEventListener("change", (e) => { state.queries = e.target.checked; state.page = 0; writeHash(); renderList(); });
    $("f-id").addEventListener("input", (e) => { state.id = e.target.value; state.page = 0; writeHash(); renderList(); });
    $("prev").addEventListener("click", () => { state.page--; renderList(); });
    $("next").addEventListener("click", () => { state.page++; renderList(); });
    $("back").addEventListener("click", closeNote);
    $("counts").addEventListener("click", (e) => {
      const c = e.target.closest(".count");
      if (!c) return;
      if (c.dataset.verdict === "disagree") { state.disagree = true; state.lines = false; state.verdict = "all"; }
      else if (c.dataset.verdict === "lines") { state.lines = true; state.disagree = false; state.verdict = "all"; }
      else { state.verdict = c.dataset.verdict; state.disagree = false; state.lines = false; }
      state.page = 0; writeHash(); renderList();
    });
    for (const th of document.querySelectorAll("#worklist th")) {
      th.addEventListener("click", () => {
        const k = Number(th.dataset.key);
        state.dir = state.sort === k ? -state.dir : 1;
        state.sort = k;
        writeHash(); renderList();
      });
    }
    $("rows").addEventListener("click", (e) => { const tr = e.target.closest("tr"); if (tr) openNote(Number(tr.dataset.idx)); });
  }

  const t0 = performance.now();
  readHash();
  counts();
  legend();
  wire();
  renderList();
  document.body.dataset.renderMs = String(Math.round(performance.now() - t0));
  document.body.dataset.renderAt = String(Math.round(performance.now()));
  document.body.dataset.ready = "1";
  if (state.note !== null) {
    const idx = ROWS.findIndex((r) => String(r[0]) === state.note);
    if (idx >= 0) openNote(idx);
  }
  // Decompress the note details in the background, so the first note opens at once.
  setTimeout(loadDetails, 0);
})();
