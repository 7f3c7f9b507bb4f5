// The customer's tracking page: polls its own `.json` view and redraws. No inline code
// (the page's CSP forbids it); Leaflet arrives as the global `L` from a deferred script.

const POLL_MS = Number(document.querySelector('meta[name="poll-ms"]')?.content) || 15000;
const SLOW_POLL_MS = Math.max(POLL_MS, 60000);

const $ = (id) => document.getElementById(id);
const token = decodeURIComponent(location.pathname.split("/").pop() || "");
const tiles = document.querySelector('meta[name="tiles"]')?.content || "";

let map = null;
let timer = null;
let marker = null;

function headline(view) {
  const who = view.technician || "Your technician";
  switch (view.status) {
    case "en_route": return `${who} is on the way`;
    case "on_site": return `${who} has arrived`;
    case "completed": return "Your visit is complete";
    case "cancelled": return "Your visit was cancelled";
    case "rescheduled": return "Your visit has moved";
    case "assigned": return `${who} is scheduled to visit`;
    default: return "Your visit is booked";
  }
}

function show(row, on) {
  $(row).hidden = !on;
}

function drawMap(position) {
  const card = $("map-card");
  if (!position || typeof window.L === "undefined") {
    card.hidden = true;
    return;
  }
  card.hidden = false;
  const here = [position.lat, position.lon];
  if (map === null) {
    map = window.L.map("map", { zoomControl: false, attributionControl: Boolean(tiles) });
    if (tiles) {
      window.L.tileLayer(tiles, { maxZoom: 18, attribution: "© OpenStreetMap" }).addTo(map);
    }
    const icon = window.L.divIcon({ className: "tech-dot", iconSize: [18, 18] });
    marker = window.L.marker(here, { icon, keyboard: false, title: "Your technician" }).addTo(map);
    map.setView(here, 13);
  } else {
    marker.setLatLng(here);
    map.panTo(here);
  }
  map.invalidateSize();
}

function render(view) {
  $("headline").textContent = headline(view);
  const status = $("status");
  status.textContent = view.statusText;
  status.dataset.status = view.status;
  $("window").textContent = view.window;
  $("eta").textContent = view.eta || "";
  show("eta-row", Boolean(view.eta));
  $("arrived").textContent = view.arrived || "";
  show("arrived-row", Boolean(view.arrived));
  drawMap(view.position);
  $("visit").dataset.ready = "true";
  $("visit").dataset.status = view.status;
}

async function refresh() {
  clearTimeout(timer);
  let next = POLL_MS;
  try {
    const response = await fetch(`/track/${encodeURIComponent(token)}.json`, {
      cache: "no-store",
      credentials: "omit",
    });
    if (response.status === 404) {
      location.reload(); // the server answers with the "expired" page
      return;
    }
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const view = await response.json();
    render(view);
    $("note").textContent = "";
    if (!view.live) next = SLOW_POLL_MS;
  } catch (err) {
    $("note").textContent = "Reconnecting…";
    next = POLL_MS;
  }
  timer = setTimeout(refresh, document.hidden ? SLOW_POLL_MS : next);
}

document.addEventListener("visibilitychange", () => {
  if (!document.hidden) refresh();
});

// Deferred scripts (Leaflet) run before module scripts, so `L` is ready here.
refresh();
