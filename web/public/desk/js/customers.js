// Finding the caller: the one place that knows how customers are looked up.
// Until the server has a customers API, previous callers come from recent bookings
// (name, phone and where they were served); such callers have no id.

import { gql } from './api.js';

const RECENT = `query {
  jobsConnection(first: 300, sort: { field: BOOKED_AT, direction: DESC }) {
    edges { node { customer { name phone } address location { lat lon } } }
  }
}`;

const digits = (text) => text.replace(/\D/g, '');

/** Callers matching a phone number or part of a name: [{id, name, phone, addresses}]. */
export async function findCustomers(search) {
  const wanted = search.trim().toLowerCase();
  if (!wanted) return [];
  const data = await gql(RECENT);
  const byPhone = new Map();
  for (const { node } of data.jobsConnection.edges) {
    const { name, phone } = node.customer;
    const phoneHit = digits(wanted).length >= 4 && digits(phone).includes(digits(wanted));
    if (!phoneHit && !name.toLowerCase().includes(wanted)) continue;
    const found = byPhone.get(phone) ?? { id: null, name, phone, addresses: [] };
    if (!found.addresses.some((a) => a.address === node.address)) {
      found.addresses.push({ address: node.address, lat: node.location.lat, lon: node.location.lon });
    }
    byPhone.set(phone, found);
  }
  return [...byPhone.values()].slice(0, 8);
}
