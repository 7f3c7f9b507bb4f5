// The managers' Accounts page: add people, change roles, deactivate, sign people out.
// Everything goes through the public GraphQL API with the manager's access token.

import { $, h, toast } from './dom.js';
import { gql, GraphQLError } from './api.js';
import { requireSession, signOut } from './auth.js';

const FIELDS = 'id login displayName role technicianId active mustChangePassword version lastSignInAt';
const LIST = `{ accounts { ${FIELDS} }
  techniciansConnection(first: 500) { edges { node { id name } } } }`;
const CREATE = `mutation($input: CreateAccountInput!) {
  createAccount(input: $input) { temporaryPassword account { ${FIELDS} } } }`;
const UPDATE = `mutation($id: ID!, $version: Int!, $role: Role, $name: String) {
  updateAccount(id: $id, version: $version, role: $role, displayName: $name) { ${FIELDS} } }`;
const ACTIONS = {
  deactivate: `mutation($id: ID!) { deactivateAccount(id: $id) { ${FIELDS} } }`,
  reactivate: `mutation($id: ID!) { reactivateAccount(id: $id) { ${FIELDS} } }`,
  signout: `mutation($id: ID!) { revokeAccountSessions(id: $id) { ${FIELDS} } }`,
  reset: `mutation($id: ID!) { resetAccountPassword(id: $id) { temporaryPassword account { ${FIELDS} } } }`,
};
const ROLE_NAMES = { MANAGER: 'Manager', DISPATCHER: 'Dispatcher', CSR: 'CSR', TECHNICIAN: 'Technician' };

let me = null;
let technicians = [];

async function load() {
  const data = await gql(LIST);
  technicians = data.techniciansConnection.edges.map((e) => e.node);
  render(data.accounts);
}

function render(accounts) {
  const linked = new Set(accounts.map((a) => a.technicianId).filter(Boolean));
  const free = technicians.filter((t) => !linked.has(t.id));
  $('#new-tech').replaceChildren(
    ...free.map((t) => h('option', { value: t.id }, `${t.name} (${t.id})`)),
  );
  $('#people-count').textContent = `(${accounts.length})`;
  $('#people').replaceChildren(...accounts.map(row));
  $('#app').dataset.ready = 'true';
}

function row(a) {
  const self = me && a.login.toLowerCase() === me.login.toLowerCase();
  const roleId = `role-${a.id}`;
  const badges = [
    h('span', { class: 'badge' }, ROLE_NAMES[a.role] ?? a.role),
    a.active ? null : h('span', { class: 'badge off' }, 'Deactivated'),
    a.mustChangePassword ? h('span', { class: 'badge temp' }, 'Temporary password') : null,
  ];
  const actions = [];
  if (a.role !== 'TECHNICIAN' && !self) {
    const select = h(
      'select',
      { id: roleId, 'aria-label': `Role of ${a.displayName}`, onchange: (e) => changeRole(a, e.target.value) },
      ...['DISPATCHER', 'CSR', 'MANAGER'].map((r) => h('option', { value: r, selected: r === a.role }, ROLE_NAMES[r])),
    );
    actions.push(h('div', {}, h('label', { for: roleId }, 'Role'), select));
  }
  const nameId = `name-${a.id}`;
  actions.push(
    h(
      'details',
      { class: 'rename' },
      h('summary', {}, 'Rename'),
      h(
        'form',
        { onsubmit: (e) => rename(e, a, nameId) },
        h('label', { for: nameId }, `New name for ${a.displayName}`),
        h('input', { id: nameId, value: a.displayName, maxlength: 100, required: true }),
        h('button', { type: 'submit' }, 'Save name'),
      ),
    ),
  );
  if (!self) {
    actions.push(
      h('button', { type: 'button', onclick: () => act('signout', a, `${a.displayName} is signed out everywhere.`) }, 'Sign out everywhere'),
      h('button', { type: 'button', onclick: () => act('reset', a) }, 'New temporary password'),
      a.active
        ? h('button', { type: 'button', class: 'danger', onclick: () => act('deactivate', a, `${a.displayName} is deactivated and signed out.`) }, 'Deactivate')
        : h('button', { type: 'button', onclick: () => act('reactivate', a, `${a.displayName} may sign in again.`) }, 'Reactivate'),
    );
  }
  return h(
    'li',
    { class: 'person', dataset: { login: a.login, active: String(a.active) } },
    h(
      'div',
      {},
      h('div', { class: 'person-head' }, h('span', { class: 'person-name' }, a.displayName), ...badges),
      h('div', { class: 'muted' }, a.login, self ? ' · you' : '', a.technicianId ? ` · ${a.technicianId}` : ''),
    ),
    h('div', { class: 'person-actions', 'aria-label': `Actions for ${a.displayName}` }, ...actions),
  );
}

async function act(kind, account, done) {
  if (kind === 'deactivate' && !confirm(`Deactivate ${account.displayName}? They are signed out at once.`)) return;
  try {
    const data = await gql(ACTIONS[kind], { id: account.id });
    if (kind === 'reset') showSecret(data.resetAccountPassword.account.login, data.resetAccountPassword.temporaryPassword);
    else toast(done);
    await load();
  } catch (error) {
    toast(message(error), 'error');
  }
}

async function changeRole(account, role) {
  try {
    await gql(UPDATE, { id: account.id, version: account.version, role });
    toast(`${account.displayName} is now ${ROLE_NAMES[role]}; their sessions ended.`);
  } catch (error) {
    toast(message(error), 'error');
  }
  await load();
}

async function rename(event, account, inputId) {
  event.preventDefault();
  const name = document.getElementById(inputId).value.trim();
  if (!name) return;
  try {
    await gql(UPDATE, { id: account.id, version: account.version, name });
    toast(`Renamed to ${name}.`);
  } catch (error) {
    toast(message(error), 'error');
  }
  await load();
}

function showSecret(login, password) {
  $('#created-login').textContent = login;
  $('#created-password').textContent = password;
  $('#created').hidden = false;
  $('#created').scrollIntoView({ block: 'nearest' });
}

function message(error) {
  if (error instanceof GraphQLError && error.code === 'CONFLICT') return `${error.message}`;
  return error.message;
}

async function create(event) {
  event.preventDefault();
  const input = {
    displayName: $('#new-name').value.trim(),
    login: $('#new-login').value.trim(),
    role: $('#new-role').value,
  };
  if (input.role === 'TECHNICIAN') input.technicianId = $('#new-tech').value || null;
  const error = $('#create-error');
  if (!input.displayName || !input.login) {
    error.textContent = 'Enter a name and an email or username.';
    return;
  }
  $('#create-btn').disabled = true;
  error.textContent = '';
  try {
    const made = (await gql(CREATE, { input })).createAccount;
    showSecret(made.account.login, made.temporaryPassword);
    $('#create-form').reset();
    $('#tech-row').hidden = true;
    await load();
  } catch (failure) {
    error.textContent = message(failure);
  } finally {
    $('#create-btn').disabled = false;
  }
}

async function start() {
  $('#signout').addEventListener('click', () => signOut());
  me = await requireSession();
  $('#who').textContent = me.displayName;
  if (me.role !== 'MANAGER') {
    $('#app').replaceChildren(h('section', { role: 'alert' }, 'Only managers can manage accounts.'));
    $('#app').dataset.ready = 'denied';
    return;
  }
  $('#create-form').addEventListener('submit', create);
  $('#new-role').addEventListener('change', (e) => {
    $('#tech-row').hidden = e.target.value !== 'TECHNICIAN';
  });
  await load();
}

start().catch((error) => toast(`The page failed to start: ${error.message}`, 'error'));
