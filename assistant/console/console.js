// Officer console: sign-in, the queue of the officer's own service, one request, its state changes.
// No library, no CDN; every text from the server is put in the page with textContent, never as HTML.
"use strict";

const LABELS = {
  statut: { pending: "en attente", with_officer: "prise en charge", closed: "close" },
  topic: { bud: "BUD (entreprises)", cites: "cités minières", emploi: "emploi", autre: "autre question" },
  mode: { callback: "rappel", live: "en direct" },
  issue: { answered: "répondu", called_back: "rappelé", withdrawn: "retirée par la personne", unreachable: "injoignable" },
  raison: { bailleur: "bailleur de la cité", commune: "structure de la commune", epci: "intercommunalité", default: "service par défaut" },
  who: { resident: "Personne", bot: "Assistant", officer: "Agent" },
};

let csrf = null;
let me = null;
let current = null;
let lastMessage = 0;
const POLL_MS = 2000;
const QUEUE_POLL_MS = 10000;

const $ = (id) => document.getElementById(id);

function say(text, isError) {
  const status = $("status");
  status.textContent = text || "";
  status.className = isError ? "error" : "";
}

function when(iso) {
  if (!iso) return "—";
  return new Date(iso).toLocaleString("fr-FR", { dateStyle: "medium", timeStyle: "short", timeZone: "Europe/Paris" });
}

async function api(method, path, body) {
  const headers = { "Accept": "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && csrf) headers["X-CSRF-Token"] = csrf;
  const response = await fetch(path, {
    method, headers, credentials: "same-origin", body: body === undefined ? undefined : JSON.stringify(body),
  });
  let data = null;
  try { data = await response.json(); } catch (e) { data = null; }
  if (response.status === 401 && path !== "/officer/session") { showLogin("Votre session a expiré : reconnectez-vous."); }
  if (!response.ok) {
    const detail = data && typeof data.detail === "string" ? data.detail : "Erreur " + response.status;
    throw new Error(detail);
  }
  return data;
}

function show(view) {
  for (const id of ["login-view", "queue-view", "request-view"]) $(id).hidden = id !== view;
}

function showLogin(message) {
  me = null; csrf = null; current = null;
  $("who").hidden = true;
  show("login-view");
  say(message || "");
  $("login").focus();
}

function signedIn(session) {
  me = session; csrf = session.csrf;
  $("who-name").textContent = session.nom + " (" + session.login + ")";
  $("who-service").textContent = session.service;
  $("who").hidden = false;
}

async function loadQueue(quiet) {
  current = null;
  show("queue-view");
  const closed = $("show-closed").checked;
  const data = await api("GET", "/officer/queue" + (closed ? "?closes=true" : ""));
  const rows = $("queue-rows");
  rows.replaceChildren();
  for (const r of data.demandes) {
    const tr = document.createElement("tr");
    const ref = document.createElement("td");
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = r.reference;
    button.addEventListener("click", () => openRequest(r.reference).catch((e) => say(e.message, true)));
    ref.appendChild(button);
    tr.appendChild(ref);
    for (const text of [LABELS.topic[r.topic] || r.topic, r.commune ? r.commune.nom : "—", LABELS.mode[r.mode] || r.mode,
                        (LABELS.statut[r.statut] || r.statut) + (r.issue ? " (" + (LABELS.issue[r.issue] || r.issue) + ")" : ""),
                        when(r.cree_le), when(r.reponse_attendue_le)]) {
      const td = document.createElement("td");
      td.textContent = text;
      tr.appendChild(td);
    }
    rows.appendChild(tr);
  }
  $("queue-empty").hidden = data.demandes.length > 0;
  if (!quiet) say(data.demandes.length + " demande(s).");
}

function line(list, who, text, at) {
  const li = document.createElement("li");
  li.className = who;
  li.textContent = (LABELS.who[who] || who) + (at ? " (" + when(at) + ")" : "") + " : " + text;
  list.appendChild(li);
}

function renderRequest(r) {
  current = r;
  $("r-reference").textContent = r.reference;
  $("r-status").textContent = (LABELS.statut[r.statut] || r.statut) +
    (r.statut === "with_officer" && r.pris_par ? " par " + r.pris_par : "") +
    (r.issue ? " — " + (LABELS.issue[r.issue] || r.issue) : "") +
    (r.rappele_le ? " — rappel noté le " + when(r.rappele_le) : "");
  $("r-topic").textContent = LABELS.topic[r.topic] || r.topic;
  $("r-commune").textContent = r.commune ? r.commune.nom + " (" + r.commune.insee + ")" : "non indiquée";
  $("r-reason").textContent = (LABELS.raison[r.raison] || r.raison) + " (" + r.territoire + ")";
  $("r-name").textContent = r.nom || "effacé";
  $("r-contact").textContent = r.contact || "effacé";
  $("r-expected").textContent = when(r.reponse_attendue_le);
  const summary = $("r-summary");
  summary.replaceChildren();
  const facts = Object.assign({}, (r.resume && r.resume.slots) || {});
  if (r.resume && r.resume.verdict) facts["verdict BUD"] = r.resume.verdict;
  for (const [key, value] of Object.entries(facts)) {
    const li = document.createElement("li");
    li.textContent = key + " : " + (typeof value === "object" ? JSON.stringify(value) : String(value));
    summary.appendChild(li);
  }
  const transcript = $("r-transcript");
  transcript.replaceChildren();
  for (const l of r.transcription || []) line(transcript, l.who, l.text);
  const messages = $("r-messages");
  if (r.messages) {
    messages.replaceChildren();
    lastMessage = 0;
    for (const m of r.messages) { line(messages, m.auteur, m.texte, m.le); lastMessage = Math.max(lastMessage, m.id); }
  }
  const mine = r.statut === "with_officer" && r.pris_par === me.login;
  $("live").hidden = !(r.mode === "live" && mine);
  for (const button of document.querySelectorAll("#r-actions button")) {
    const action = button.dataset.action;
    button.disabled = !((action === "take" && r.statut === "pending") ||
                        (action !== "take" && mine) ||
                        (action === "close" && r.statut === "pending"));
  }
}

async function openRequest(reference) {
  const r = await api("GET", "/officer/requests/" + encodeURIComponent(reference));
  show("request-view");
  renderRequest(r);
  const audit = await api("GET", "/officer/requests/" + encodeURIComponent(reference) + "/audit");
  const list = $("r-audit");
  list.replaceChildren();
  for (const e of audit.entrees.reverse()) {
    const li = document.createElement("li");
    li.textContent = when(e.le) + " — " + e.par + " — " + e.action + (e.detail ? " (" + e.detail + ")" : "");
    list.appendChild(li);
  }
  say("");
  $("request-title").focus();
}

async function act(action) {
  if (!current) return;
  const path = "/officer/requests/" + encodeURIComponent(current.reference) + "/" + action;
  const r = await api("POST", path, action === "close" ? {} : undefined);
  renderRequest(r);
  say({ take: "Demande prise en charge.", "called-back": "Rappel noté.", release: "Demande remise dans la file.",
        close: "Demande close." }[action]);
}

async function poll() {
  if (!me) return;
  if (current && !$("request-view").hidden && current.mode === "live" && current.statut !== "closed") {
    const data = await api("GET", "/officer/requests/" + encodeURIComponent(current.reference) + "/messages?after=" + lastMessage);
    for (const m of data.messages) { line($("r-messages"), m.auteur, m.texte, m.le); lastMessage = Math.max(lastMessage, m.id); }
  }
}

async function pollQueue() {
  if (me && !$("queue-view").hidden) await loadQueue(true);
}

document.addEventListener("DOMContentLoaded", () => {
  setInterval(() => poll().catch(() => {}), POLL_MS);
  setInterval(() => pollQueue().catch(() => {}), QUEUE_POLL_MS);
  $("request-title").tabIndex = -1;
  $("login-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const session = await api("POST", "/officer/session", { login: $("login").value, password: $("password").value });
      $("password").value = "";
      signedIn(session);
      await loadQueue();
    } catch (e) { say(e.message, true); }
  });
  $("logout").addEventListener("click", async () => {
    try { await api("DELETE", "/officer/session"); } catch (e) { /* already signed out */ }
    showLogin("Vous êtes déconnecté.");
  });
  $("refresh").addEventListener("click", () => loadQueue().catch((e) => say(e.message, true)));
  $("show-closed").addEventListener("change", () => loadQueue().catch((e) => say(e.message, true)));
  $("back").addEventListener("click", () => loadQueue().catch((e) => say(e.message, true)));
  for (const button of document.querySelectorAll("#r-actions button")) {
    button.addEventListener("click", () => act(button.dataset.action).catch((e) => say(e.message, true)));
  }
  $("reply-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!current) return;
    try {
      await api("POST", "/officer/requests/" + encodeURIComponent(current.reference) + "/messages", { texte: $("reply").value });
      $("reply").value = "";
      await poll();
      say("Message envoyé.");
    } catch (e) { say(e.message, true); }
  });
  api("GET", "/officer/session").then(async (session) => { signedIn(session); await loadQueue(); })
    .catch(() => showLogin(""));
});
