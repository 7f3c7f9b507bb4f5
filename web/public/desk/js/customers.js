// Finding the caller: the one place that knows how customers are looked up
// (`customers(search:)`: a phone number, or part of a name).

import { gql } from './api.js';

const SEARCH = `query($search: String!) {
  customers(search: $search, first: 8) {
    id name phone addresses { address location { lat lon } }
  }
}`;

/** Callers matching a phone number or part of a name: [{id, name, phone, addresses}]. */
export async function findCustomers(search) {
  if (!search.trim()) return [];
  const data = await gql(SEARCH, { search: search.trim() });
  return data.customers.map((c) => ({
    id: c.id,
    name: c.name,
    phone: c.phone,
    addresses: c.addresses.map((a) => ({ address: a.address, lat: a.location.lat, lon: a.location.lon })),
  }));
}
