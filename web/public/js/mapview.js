// The map: one marker per technician (coloured by status), one per open job (coloured by
// priority while unassigned, by status once assigned), a line from each busy tech to its job.
// Markers are updated in place, so a moving van glides instead of blinking.

import { board, jobOf } from './store.js';
import { initials, titleCase, money, arrival } from './format.js';

const L = window.L;
const AUSTIN = [30.2672, -97.7431];

export function createMap(element, { tileUrl }, onSelectJob) {
  const map = L.map(element, { zoomSnap: 0.25, zoomDelta: 0.5 }).setView(AUSTIN, 11);
  if (tileUrl) {
    const osm = tileUrl.includes('openstreetmap.org');
    const tiles = L.tileLayer(tileUrl, {
      maxZoom: 19,
      attribution: osm ? '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors' : '',
    });
    tiles.once('tileerror', () => element.classList.add('tiles-unavailable'));
    tiles.on('tileload', () => element.classList.remove('tiles-unavailable'));
    tiles.addTo(map);
  } else {
    element.classList.add('tiles-off');
  }
  map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
  L.control.scale({ imperial: true, metric: false }).addTo(map);
  legend().addTo(map);
  return new MapView(map, onSelectJob);
}

class MapView {
  constructor(map, onSelectJob) {
    this.map = map;
    this.onSelectJob = onSelectJob;
    this.techMarkers = new Map();
    this.jobMarkers = new Map();
    this.lines = new Map(); // tech id -> polyline
    this.fitted = false;
  }

  render() {
    sync(this.jobMarkers, board.jobs, (job) => this.jobMarker(job), (marker, job) => updateJob(marker, job));
    sync(this.techMarkers, board.techs, (tech) => this.techMarker(tech), (marker, tech) => updateTech(marker, tech));
    this.renderLines();
    for (const [id, marker] of this.jobMarkers) {
      marker.getElement()?.classList.toggle('selected', id === board.selectedJobId);
    }
    if (!this.fitted && this.jobMarkers.size + this.techMarkers.size > 0) {
      const points = [...this.jobMarkers.values(), ...this.techMarkers.values()].map((m) => m.getLatLng());
      this.map.fitBounds(L.latLngBounds(points), { padding: [30, 30], maxZoom: 13 });
      this.fitted = true;
    }
  }

  /** Bring the job into view, clear of the details card on the right. */
  focusJob(jobId) {
    const marker = this.jobMarkers.get(jobId);
    if (marker) this.map.panInside(marker.getLatLng(), { paddingTopLeft: [60, 60], paddingBottomRight: [440, 40] });
  }

  jobMarker(job) {
    const marker = L.marker(latLng(job.location), {
      icon: L.divIcon({ className: 'job-marker', iconSize: [16, 16], html: '<span class="urgency">U</span>' }),
      keyboard: true,
      riseOnHover: true,
    });
    marker.bindTooltip('', { direction: 'top', offset: [0, -8] });
    marker.on('click', () => this.onSelectJob(marker.jobId));
    marker.addTo(this.map);
    marker.jobId = job.id;
    marker.getElement().dataset.jobId = job.id;
    return marker;
  }

  techMarker(tech) {
    const marker = L.marker(latLng(tech.location ?? tech.home), {
      icon: L.divIcon({ className: 'tech-marker', iconSize: [30, 30], html: `<span>${initials(tech.name)}</span>` }),
      keyboard: true,
      zIndexOffset: 1000,
    });
    marker.bindTooltip('', { direction: 'top', offset: [0, -14] });
    marker.on('click', () => {
      const jobId = board.techs.get(marker.techId)?.currentJobId;
      if (jobId) this.onSelectJob(jobId);
    });
    marker.addTo(this.map);
    marker.techId = tech.id;
    marker.getElement().dataset.techId = tech.id;
    return marker;
  }

  renderLines() {
    const wanted = new Map();
    for (const tech of board.techs.values()) {
      const job = jobOf(tech);
      const from = tech.location ?? tech.home;
      if (job && from) wanted.set(tech.id, { points: [latLng(from), latLng(job.location)], job });
    }
    for (const [techId, line] of this.lines) {
      if (!wanted.has(techId)) {
        line.remove();
        this.lines.delete(techId);
      }
    }
    for (const [techId, { points, job }] of wanted) {
      let line = this.lines.get(techId);
      if (!line) {
        line = L.polyline(points, { className: 'tech-line', interactive: false }).addTo(this.map);
        this.lines.set(techId, line);
      } else {
        line.setLatLngs(points);
      }
      const path = line.getElement();
      path.dataset.techId = techId;
      path.dataset.jobId = job.id;
      path.setAttribute('class', `leaflet-interactive tech-line line-${job.status}`);
    }
  }
}

function sync(markers, items, create, update) {
  for (const [id, marker] of markers) {
    if (!items.has(id)) {
      marker.remove();
      markers.delete(id);
    }
  }
  for (const [id, item] of items) {
    if (!item.location && !item.home) continue;
    const marker = markers.get(id) ?? create(item);
    markers.set(id, marker);
    update(marker, item);
  }
}

function updateJob(marker, job) {
  marker.setLatLng(latLng(job.location));
  const el = marker.getElement();
  el.className = el.className.replace(/\b(prio|status)-\S+/g, '').trim();
  el.classList.add(`prio-${job.priority}`, `status-${job.status}`);
  el.classList.toggle('urgent', job.urgencyList);
  el.dataset.status = job.status;
  el.dataset.priority = job.priority;
  const label = `${titleCase(job.priority)} ${titleCase(job.kind)} · ${titleCase(job.status)} · ${job.address}`;
  el.setAttribute('aria-label', `Job: ${label}`);
  marker.setTooltipContent(`${escape(job.problem)}<br>${escape(label)}<br>${arrival(job.arrivalWindow)} · ${money(job.estimatedValue)}`);
}

function updateTech(marker, tech) {
  const where = tech.location ?? tech.home;
  marker.setLatLng(latLng(where));
  const el = marker.getElement();
  el.className = el.className.replace(/\bstatus-\S+/g, '').trim();
  el.classList.add(`status-${tech.status}`);
  el.dataset.status = tech.status;
  el.dataset.lat = where.lat.toFixed(5);
  el.dataset.lon = where.lon.toFixed(5);
  el.setAttribute('aria-label', `Technician ${tech.name}: ${titleCase(tech.status)}`);
  marker.setTooltipContent(`${escape(tech.name)} · ${titleCase(tech.status)}`);
}

function legend() {
  const control = L.control({ position: 'bottomleft' });
  control.onAdd = () => {
    const div = L.DomUtil.create('div', 'legend');
    div.setAttribute('aria-label', 'Map legend');
    const row = (cls, text) => `<div><i class="${cls}"></i>${text}</div>`;
    div.innerHTML = [
      '<strong>Technicians</strong>',
      row('dot status-AVAILABLE', 'Available'), row('dot status-BUSY', 'Busy'),
      row('dot status-ON_BREAK', 'On break'), row('dot status-OFF_DUTY', 'Off duty'),
      '<strong>Unassigned jobs</strong>',
      row('sq prio-EMERGENCY', 'Emergency'), row('sq prio-HIGH', 'High'),
      row('sq prio-NORMAL', 'Normal'), row('sq prio-LOW', 'Low'),
      '<strong>Assigned jobs</strong>',
      row('sq status-ASSIGNED', 'Assigned'), row('sq status-EN_ROUTE', 'En route'), row('sq status-ON_SITE', 'On site'),
      row('sq urgent-key', 'Urgency list'),
    ].join('');
    return div;
  };
  return control;
}

const latLng = ({ lat, lon }) => [lat, lon];
const escape = (text) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
