// Staff insights page: figures of a period and a territory, charts (Chart.js, served from this origin), the
// unmet needs grouped by similarity, labelling and export. Every text from the server goes in with textContent.
"use strict";

const $ = (id) => document.getElementById(id);
let csrf = null;
let intents = [];
const charts = {};
const INK = "#1b1b1b";
const BLUE = "#0b4f9c";
const ORANGE = "#a34a00";

function say(text, isError) {
  $("status").textContent = text || "";
  $("status").className = isError ? "error" : "";
}

async function api(method, path, body) {
  const headers = { "Accept": "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && csrf) headers["X-CSRF-Token"] = csrf;
  const response = await fetch(path, { method, headers, credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body) });
  let data = null;
  try { data = await response.json(); } catch (e) { data = null; }
  if (!response.ok) {
    const error = new Error(data && typeof data.detail === "string" ? data.detail : "Erreur " + response.status);
    error.status = response.status;
    throw error;
  }
  return data;
}

function cell(tr, text, header) {
  const td = document.createElement(header ? "th" : "td");
  if (header) td.scope = "row";
  td.textContent = text;
  tr.appendChild(td);
  return td;
}

function rows(tbody, lines, empty) {
  tbody.replaceChildren();
  if (!lines.length) {
    const tr = document.createElement("tr");
    const td = cell(tr, empty);
    td.colSpan = 5;
    tbody.appendChild(tr);
    return;
  }
  for (const line of lines) {
    const tr = document.createElement("tr");
    line.forEach((text, i) => cell(tr, String(text), i === 0));
    tbody.appendChild(tr);
  }
}

function percent(value) {
  return value === null || value === undefined ? "—" : (value * 100).toLocaleString("fr-FR", { maximumFractionDigits: 1 }) + " %";
}

function dayLabel(iso) {
  return new Date(iso + "T12:00:00").toLocaleDateString("fr-FR", { day: "numeric", month: "short" });
}

function hatch(color) {
  // Diagonal stripes: the abandons are told apart from the arrivals by their pattern, not by their colour.
  const tile = document.createElement("canvas");
  tile.width = tile.height = 8;
  const ctx = tile.getContext("2d");
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, 8, 8);
  ctx.strokeStyle = color;
  ctx.lineWidth = 2;
  ctx.beginPath();
  ctx.moveTo(0, 8); ctx.lineTo(8, 0); ctx.moveTo(-2, 2); ctx.lineTo(2, -2); ctx.moveTo(6, 10); ctx.lineTo(10, 6);
  ctx.stroke();
  return ctx.createPattern(tile, "repeat");
}

function draw(id, config) {
  if (typeof window.Chart === "undefined") return; // no chart library: the tables say it all
  if (charts[id]) charts[id].destroy();
  config.options = Object.assign({ animation: false, responsive: true, maintainAspectRatio: false,
    plugins: { legend: { labels: { usePointStyle: true, color: INK } } } }, config.options || {});
  charts[id] = new window.Chart($(id), config);
}

function render(s) {
  const t = s.totaux;
  $("t-conversations").textContent = t.conversations;
  $("t-messages").textContent = t.messages;
  $("t-not-understood").textContent = t.non_compris + " (" + percent(t.part_non_compris) + ")";
  $("t-unmet").textContent = t.besoins_non_satisfaits;
  $("t-handoffs").textContent = s.transferts.demandes + " (" + s.transferts.proposes + " proposés)";
  const v = s.verifications_bud;
  $("t-abandoned").textContent = v.abandonnees + " sur " + v.commencees;

  rows($("days"), s.par_jour.map((d) => [dayLabel(d.jour), d.conversations, d.messages, d.non_compris, percent(d.part_non_compris)]),
       "Aucun jour.");
  const labels = s.par_jour.map((d) => dayLabel(d.jour));
  draw("chart-volumes", { type: "line", data: { labels, datasets: [
    { label: "Conversations", data: s.par_jour.map((d) => d.conversations), borderColor: BLUE, backgroundColor: BLUE,
      pointStyle: "circle", pointRadius: 4 },
    { label: "Messages", data: s.par_jour.map((d) => d.messages), borderColor: ORANGE, backgroundColor: ORANGE,
      borderDash: [6, 4], pointStyle: "triangle", pointRadius: 5 },
  ] }, options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } } });
  draw("chart-rate", { type: "line", data: { labels, datasets: [
    { label: "Part des messages non compris (%)", data: s.par_jour.map((d) => d.part_non_compris === null ? null : d.part_non_compris * 100),
      borderColor: INK, backgroundColor: INK, pointStyle: "rectRot", pointRadius: 5, spanGaps: true },
  ] }, options: { scales: { y: { beginAtZero: true, suggestedMax: 100, ticks: { callback: (x) => x + " %" } } } } });

  $("funnel-summary").textContent = v.commencees + " vérification(s) commencée(s), " + v.terminees + " terminée(s), " +
    v.abandonnees + " abandonnée(s), " + v.en_cours + " en cours.";
  const steps = [["Commencées", v.commencees, ""]].concat(v.etapes.map((e) => [e.libelle, e.atteinte, e.abandons]))
    .concat([["Terminées (verdict donné)", v.terminees, ""]]);
  rows($("funnel"), steps, "Aucune vérification.");
  draw("chart-funnel", { type: "bar", data: { labels: steps.map((x) => x[0]), datasets: [
    { label: "Arrivées à l'étape", data: steps.map((x) => x[1]), backgroundColor: BLUE, borderColor: INK, borderWidth: 1 },
    { label: "Abandons à cette question", data: steps.map((x) => x[2] === "" ? null : x[2]), backgroundColor: hatch(ORANGE),
      borderColor: INK, borderWidth: 1 },
  ] }, options: { indexAxis: "y", scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } } });

  rows($("handoffs-topic"), s.transferts.par_sujet.map((x) => [x.libelle, x.proposes, x.demandes]), "Aucun passage à un conseiller.");
  rows($("handoffs-service"), s.transferts.par_service.map((x) => [x.nom, x.proposes, x.demandes]), "Aucun passage à un conseiller.");
  rows($("places"), s.lieux_inconnus.map((x) => [x.libelle, x.nom, x.demandes]), "Aucun lieu inconnu.");
  rows($("complaints"), s.reponses_contestees.map((x) => [x.reponse, x.exemple || "—", x.pas_ma_question, x.demande_conseiller]),
       "Aucune réponse contestée.");
}

function labelForm(example) {
  const form = document.createElement("form");
  form.className = "label";
  const id = "label-" + example.id;
  const label = document.createElement("label");
  label.htmlFor = id;
  label.textContent = "Intention";
  const select = document.createElement("select");
  select.id = id;
  const none = document.createElement("option");
  none.value = "";
  none.textContent = "— à choisir —";
  select.appendChild(none);
  for (const i of intents) {
    const option = document.createElement("option");
    option.value = i.nom;
    option.textContent = i.libelle;
    select.appendChild(option);
  }
  select.value = example.etiquette || "";
  const button = document.createElement("button");
  button.type = "submit";
  button.textContent = "Enregistrer";
  const done = document.createElement("span");
  done.className = "saved";
  done.textContent = example.etiquette ? "étiqueté" : "";
  form.append(label, " ", select, " ", button, " ", done);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await api("POST", "/insights/messages/" + example.id + "/label", { intention: select.value || null });
      done.textContent = select.value ? "étiqueté" : "étiquette retirée";
      say("Étiquette enregistrée.");
    } catch (e) { say(e.message, true); }
  });
  return form;
}

function renderGroups(g) {
  $("groups-count").textContent = g.messages + " message(s) non satisfait(s) sur la période, " + g.groupes.length + " groupe(s) affiché(s).";
  const list = $("groups");
  list.replaceChildren();
  for (const group of g.groupes) {
    const li = document.createElement("li");
    const title = document.createElement("h3");
    title.textContent = "« " + group.titre + " » — " + group.taille + " message(s)";
    li.appendChild(title);
    if (group.mots_cles.length) {
      const words = document.createElement("p");
      words.textContent = "Mots clés : " + group.mots_cles.join(", ");
      li.appendChild(words);
    }
    const examples = document.createElement("ul");
    for (const example of group.exemples) {
      const item = document.createElement("li");
      const text = document.createElement("q");
      text.textContent = example.texte;
      const read = document.createElement("span");
      read.className = "read";
      read.textContent = " lu comme " + (example.intention || "aucune intention") +
        (example.confiance !== null ? " (" + percent(example.confiance) + ")" : "");
      item.append(text, read, labelForm(example));
      examples.appendChild(item);
    }
    li.appendChild(examples);
    list.appendChild(li);
  }
}

function query() {
  const params = new URLSearchParams();
  if ($("du").value) params.set("du", $("du").value);
  if ($("au").value) params.set("au", $("au").value);
  if ($("territoire").value) params.set("territoire", $("territoire").value);
  return params.toString();
}

async function load() {
  say("Chargement…");
  const [summary, groups] = await Promise.all([api("GET", "/insights/summary?" + query()), api("GET", "/insights/groups?" + query())]);
  render(summary);
  renderGroups(groups);
  $("du").value = summary.periode.du;  // the first time, the service's default: the last 30 days, Paris time
  $("au").value = summary.periode.au;
  say("Chiffres du " + frenchDate(summary.periode.du) + " au " + frenchDate(summary.periode.au) + ".");
}

function frenchDate(iso) {
  const [year, month, day] = iso.split("-");
  return day + "/" + month + "/" + year;
}

document.addEventListener("DOMContentLoaded", async () => {
  $("filters").addEventListener("submit", (event) => { event.preventDefault(); load().catch((e) => say(e.message, true)); });
  try {
    const session = await api("GET", "/officer/session");
    csrf = session.csrf;
  } catch (e) {
    $("signin").hidden = false;
    say("");
    return;
  }
  $("insights").hidden = false;
  try {
    const [places, list] = await Promise.all([api("GET", "/insights/territories"), api("GET", "/insights/intents")]);
    intents = list.intentions;
    const select = $("territoire");
    for (const [title, items] of [["Départements", places.departements], ["Intercommunalités", places.epci]]) {
      const group = document.createElement("optgroup");
      group.label = title;
      for (const p of items) {
        const option = document.createElement("option");
        option.value = p.code;
        option.textContent = p.nom;
        group.appendChild(option);
      }
      select.appendChild(group);
    }
    await load();
  } catch (e) { say(e.message, true); }
});
