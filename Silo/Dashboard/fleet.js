// The fleet page: reads /fleet/api/* on the same origin (the browser sends the dashboard's credentials) every 10 s.
"use strict";

const refreshEvery = 10000;

function cell(text, className) {
  const td = document.createElement("td");
  td.textContent = text === null || text === undefined ? "" : String(text);
  if (className) td.className = className;
  return td;
}

function fill(tableId, rows, empty, columns) {
  const body = document.querySelector(`#${tableId} tbody`);
  body.replaceChildren();
  if (rows.length === 0) {
    const tr = document.createElement("tr");
    const td = cell(empty, "muted");
    td.colSpan = columns;
    tr.appendChild(td);
    body.appendChild(tr);
    return;
  }
  for (const cells of rows) {
    const tr = document.createElement("tr");
    cells.forEach(c => tr.appendChild(c));
    body.appendChild(tr);
  }
}

function time(value) {
  return value ? new Date(value).toISOString().replace(".000Z", "Z") : "";
}

function reachability(member) {
  if (member.reachable === null) return cell("not reported yet", "muted");
  if (member.reachable) return cell(member.stale ? "yes (stale report)" : "yes", member.stale ? "warn" : "good");
  const error = member.lastError ? ` (${member.lastError})` : "";
  return cell(`no: unreachable since ${time(member.unreachableSince)}${error}`, "bad");
}

async function read(path) {
  const response = await fetch(path, { credentials: "same-origin", cache: "no-store" });
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return response.json();
}

async function refresh() {
  const window = document.getElementById("window").value;
  try {
    const [status, certificates, fleetCertificates, duplicates] = await Promise.all([
      read("fleet/api/status"),
      read("fleet/api/certificates" + (window ? `?expiring=${encodeURIComponent(window)}` : "")),
      read("fleet/api/fleetcertificates"),
      read("fleet/api/duplicates"),
    ]);
    document.getElementById("error").textContent = "";
    document.getElementById("generated").textContent = `as of ${time(status.generatedAt)}`;

    fill("members", status.members.map(m => {
      const c = m.certificates;
      const labels = Object.entries(m.labels || {}).map(([k, v]) => `${k}=${v}`).join(", ");
      return [cell(m.name), cell(m.source), cell(labels), reachability(m), cell(m.watchingSilo ?? "none"),
        cell(c ? c.total : ""), cell(c ? c.ready : ""), cell(c ? c.notReady : "", c && c.notReady > 0 ? "warn" : ""),
        cell(c ? c.expiringSoon : "", c && c.expiringSoon > 0 ? "warn" : ""), cell(c ? c.failing : "", c && c.failing > 0 ? "bad" : ""),
        cell(time(m.reportedAt))];
    }), "no members", 11);

    fill("budgets", status.budgets.map(b => [cell(b.server), cell(b.limit), cell(b.key),
      cell(`${b.remaining} of ${b.capacity}`, b.remaining === 0 ? "bad" : ""), cell(time(b.reopensAt))]), "no budget used yet", 5);

    fill("certificates", certificates.certificates.map(c => [cell(c.cluster), cell(c.namespace), cell(c.name),
      cell(c.ready, c.ready === "True" ? "good" : "warn"), cell(time(c.notAfter)), cell(time(c.renewalTime)), cell(c.issuer),
      cell(c.failing ? "yes" : "", c.failing ? "bad" : "")]), "no Certificate in this window", 8);
    document.getElementById("incomplete").textContent = certificates.incomplete.length === 0 ? ""
      : `Possibly incomplete for: ${certificates.incomplete.join(", ")} (not reported yet, or more Certificates than a report lists).`;

    // One row per copy; the FleetCertificate's own columns on its first row only.
    fill("fleetcertificates", fleetCertificates.fleetCertificates.flatMap(f => {
      const copies = f.copies.length > 0 ? f.copies : [null];
      const rows = copies.map((c, i) => [
        cell(i === 0 ? f.name : ""), cell(i === 0 ? f.ready : "", i === 0 ? (f.ready === "True" ? "good" : "warn") : ""),
        cell(i === 0 ? f.revision : ""), cell(i === 0 ? f.copiesCurrent : ""),
        cell(c ? `${c.cluster}/${c.namespace}` : "no copy placed", c ? "" : "muted"), cell(c ? c.revision : ""),
        cell(c ? time(c.lastWriteTime) : ""), cell(c ? c.error : "", "bad")]);
      if (f.copiesLeftOut > 0) rows.push([cell(""), cell(""), cell(""), cell(""), cell(`and ${f.copiesLeftOut} more`, "muted"), cell(""), cell(""), cell("")]);
      return rows;
    }), "no FleetCertificate", 8);

    fill("duplicates", duplicates.sets.map(s => [cell(s.key),
      cell(s.holders.map(h => `${h.cluster}/${h.namespace || "-"}/${h.name}`).join(", "))]), "no duplicates", 2);
  } catch (error) {
    document.getElementById("error").textContent = `Could not read the fleet API: ${error.message}`;
  }
}

document.getElementById("window").addEventListener("change", refresh);
refresh();
setInterval(refresh, refreshEvery);
