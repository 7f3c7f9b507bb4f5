// Step 1, the caller: search by phone or name, pick a previous caller, or type a new one.

import { findCustomers } from './customers.js';

const $ = (selector) => document.querySelector(selector);

function say(text, kind = '') {
  const line = $('#caller-note');
  line.textContent = text;
  line.dataset.kind = kind;
}

function resultButton(customer, onPick) {
  const first = customer.addresses[0];
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'result';
  button.dataset.phone = customer.phone;
  const name = document.createElement('strong');
  name.textContent = customer.name;
  const phone = document.createElement('span');
  phone.className = 'muted';
  phone.textContent = ` ${customer.phone}`;
  const where = document.createElement('span');
  where.className = 'small';
  where.textContent = first ? first.address : 'no address on file';
  button.append(name, phone, document.createElement('br'), where);
  button.addEventListener('click', () => {
    $('#cust-name').value = customer.name;
    $('#cust-phone').value = customer.phone;
    $('#caller-results').replaceChildren();
    say(`Booking for ${customer.name}.`);
    onPick(customer);
  });
  const item = document.createElement('li');
  item.append(button);
  return item;
}

async function search(onPick) {
  const list = $('#caller-results');
  list.replaceChildren();
  let found;
  try {
    found = await findCustomers($('#caller-search').value);
  } catch (error) {
    say(`Search failed: ${error.message}`, 'error');
    return;
  }
  say(found.length ? 'Pick the caller, or type a new one below.' : 'No match: type the new caller below.');
  list.append(...found.map((customer) => resultButton(customer, onPick)));
}

/** Wire the caller step; `onPick(customer)` runs when a previous caller is chosen and
 * `onNew()` when the phone is edited by hand (a different caller). */
export function initCaller({ onPick, onNew }) {
  $('#caller-find').addEventListener('click', () => search(onPick));
  $('#caller-search').addEventListener('keydown', (event) => {
    if (event.key === 'Enter') {
      event.preventDefault();
      search(onPick);
    }
  });
  $('#cust-phone').addEventListener('input', onNew);
}
