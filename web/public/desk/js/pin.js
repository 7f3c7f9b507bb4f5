// The small map: the service area, and one draggable pin the CSR can also drop by clicking.
// The pin is always shown before booking; it is what `bookJob` sends as lat/lon.

const L = window.L;

export function createPinMap(element, { tileUrl, serviceArea }, onMove) {
  const base = [serviceArea.lat, serviceArea.lon];
  const map = L.map(element, { zoomSnap: 0.5 }).setView(base, 10);
  if (tileUrl) {
    const tiles = L.tileLayer(tileUrl, { maxZoom: 19, attribution: tileUrl.includes('openstreetmap.org') ? '&copy; OpenStreetMap contributors' : '' });
    tiles.once('tileerror', () => element.classList.add('tiles-unavailable'));
    tiles.on('tileload', () => element.classList.remove('tiles-unavailable'));
    tiles.addTo(map);
  } else {
    element.classList.add('tiles-unavailable');
  }
  map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
  if (serviceArea.radiusKm) {
    L.circle(base, { radius: serviceArea.radiusKm * 1000, color: '#1c64d6', weight: 1, fill: false, dashArray: '4 4', interactive: false }).addTo(map);
  }
  const icon = L.divIcon({ className: 'pin-icon', html: '<span></span>', iconSize: [22, 22], iconAnchor: [11, 22] });
  let marker = null;

  function place(lat, lon, { zoom = false } = {}) {
    if (!marker) {
      marker = L.marker([lat, lon], { draggable: true, icon, keyboard: true, title: 'The job: drag to adjust' }).addTo(map);
      marker.on('dragend', () => {
        const p = marker.getLatLng();
        onMove(p.lat, p.lng, 'dragged');
      });
    } else {
      marker.setLatLng([lat, lon]);
    }
    if (zoom) map.setView([lat, lon], 15);
    onMove(lat, lon, 'placed');
  }

  map.on('click', (event) => place(event.latlng.lat, event.latlng.lng));
  return {
    place,
    clear() {
      if (marker) marker.remove();
      marker = null;
      map.setView(base, 10);
    },
    invalidate: () => map.invalidateSize(),
  };
}
