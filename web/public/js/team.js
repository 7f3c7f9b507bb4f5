// The Team page (/console/team): a manager adds, edits and deactivates technicians,
// keeps the skills catalogue and the company settings. Everything goes through the
// public GraphQL API; every change is versioned server-side (a stale edit is CONFLICT).

import { $, h, toast } from './dom.js';
import { GraphQLError, gql } from './api.js';
import { askForToken, signOut, takeTokenFromUrl, token } from './auth.js';
import { buildShiftGrid, fillForm, readForm, renderSkillChoices, shiftSummary } from './team-form.js';

const TECH = `id version name phone skills status shiftStart shiftEnd
  weeklyShift { day start end } home { lat lon }`;
const LOAD = `query Team {
  company { name timezone phone version }
  skills(includeRetired: true) { name label active }
  techniciansConnection(first: 200) { edges { node { ${TECH} } } }
}`;
const ADD = `mutation($input: TechnicianInput!) { addTechnician(input: $input) { ${TECH} } }`;
const EDIT = `mutation($id: ID!, $version: Int, $input: TechnicianInput!) {
  editTechnician(id: $id, version: $version, input: $input) { ${TECH} } }`;
const DEACTIVATE = `mutation($id: ID!) { deactivateTechnician(id: $id) { ${TECH} } }`;
const REACTIVATE = `mutation($id: ID!) { reactivateTechnician(id: $id) { ${TECH} } }`;
const ADD_SKILL = 'mutation($name: String!) { addSkill(name: $name) { name label active } }';
const RETIRE_SKILL = 'mutation($name: String!) { retireSkill(name: $name) { name label active } }';
const SAVE_COMPANY = `mutation($input: CompanyInput!, $version: Int) {
  updateCompany(input: $input, version: $version) { name timezone phone version } }`;

const state = { techs: new Map(), skills: [], company: null, editing: null };

/**
 * The page's bearer token: today a pasted manager token (as on the map page). The only
 * place that knows how a token is obtained, so switching to the sign-in session is here.
 */
async function acquireToken() {
  let problem = takeTokenFromUrl() ? '' : 'Paste a manager token to manage the team.';
  for (;;) {
    if (!token()) await askForToken(problem);
    try {
      const { me } = await gql('{ me { role } }');
      if (me.role === 'MANAGER') return;
      problem = `This token is for a ${me.role.toLowerCase()}; the Team page needs a manager.`;
    } catch (error) {
      if (error.code !== 'UNAUTHENTICATED') throw error;
      problem = `Sign-in failed: ${error.message}`;
    }
    signOut();
  }
}

async function start() {
  $('#logout').addEventListener('click', () => { signOut(); location.reload(); });
  await acquireToken();
  buildShiftGrid();
  $('#tech-form').addEventListener('submit', saveTech);
  $('#tech-cancel').addEventListener('click', () => edit(null));
  $('#new-tech').addEventListener('click', () => { edit(null); $('#tech-name').focus(); });
  $('#show-inactive').addEventListener('change', renderTechs);
  $('#skill-form').addEventListener('submit', addSkill);
  $('#company-form').addEventListener('submit', saveCompany);
  await load();
  edit(null);
  $('#app').dataset.ready = 'true';
}

async function load() {
  const data = await gql(LOAD);
  state.company = data.company;
  state.skills = data.skills;
  state.techs = new Map(data.techniciansConnection.edges.map((e) => [e.node.id, e.node]));
  renderAll();
}

function renderAll() {
  renderCompany();
  renderSkills();
  renderTechs();
}

function renderCompany() {
  const c = state.company;
  $('#company-line').textContent = `${c.name} · ${c.timezone}${c.phone ? ` · ${c.phone}` : ''}`;
  $('#company-name').value = c.name;
  $('#company-tz').value = c.timezone;
  $('#company-phone').value = c.phone;
}

function renderTechs() {
  const showInactive = $('#show-inactive').checked;
  const all = [...state.techs.values()].sort((a, b) => a.name.localeCompare(b.name));
  const shown = all.filter((t) => showInactive || t.status !== 'INACTIVE');
  const active = all.filter((t) => t.status !== 'INACTIVE').length;
  $('#techs-count').textContent = `(${active} active${all.length > active ? `, ${all.length - active} deactivated` : ''})`;
  $('#tech-rows').replaceChildren(...shown.map(techRow));
}

function techRow(t) {
  const inactive = t.status === 'INACTIVE';
  return h('tr', { dataset: { techId: t.id }, class: inactive ? 'inactive' : '' },
    h('td', {}, h('div', { class: 'tech-name' }, t.name), h('div', { class: 'muted small' }, t.phone || 'no phone')),
    h('td', {}, h('div', { class: 'chips' }, t.skills.map((s) => h('span', { class: 'chip' }, s)))),
    h('td', { class: 'shift' }, shiftSummary(t)),
    h('td', {}, h('span', { class: `pill status-${t.status}` }, t.status.replace('_', ' ').toLowerCase())),
    h('td', { class: 'actions' },
      inactive ? null : h('button', { type: 'button', class: 'link', onclick: () => edit(t.id) }, 'Edit'),
      inactive
        ? h('button', { type: 'button', class: 'link', onclick: () => act(REACTIVATE, t, 'reactivated') }, 'Reactivate')
        : h('button', { type: 'button', class: 'link danger', onclick: () => confirmDeactivate(t) }, 'Deactivate')),
  );
}

function renderSkills() {
  $('#skill-list').replaceChildren(
    ...state.skills.map((s) =>
      h('li', { dataset: { skill: s.name }, class: s.active ? '' : 'retired', title: s.name },
        s.label,
        s.active
          ? h('button', { type: 'button', class: 'link', 'aria-label': `Retire ${s.label}`, onclick: () => retireSkill(s) }, '×')
          : h('button', { type: 'button', class: 'link', onclick: () => restoreSkill(s) }, 'restore'))),
  );
  renderSkillChoices(state.skills, readForm().skills);
}

/** Open the form for a technician (or for a new one when `id` is null). */
function edit(id) {
  state.editing = id;
  const tech = id ? state.techs.get(id) : null;
  $('#editor-h').textContent = tech ? `Edit ${tech.name}` : 'Add a technician';
  $('#tech-save').textContent = tech ? 'Save changes' : 'Add technician';
  $('#tech-cancel').hidden = !tech;
  $('#tech-error').textContent = '';
  fillForm(tech, state.skills, homeGuess());
  $('.side').scrollTo({ top: 0 }); // the form's column, not the window
}

/** A new tech's home base starts at the team's centre (edit it to their real base). */
function homeGuess() {
  const homes = [...state.techs.values()].map((t) => t.home).filter(Boolean);
  if (!homes.length) return null;
  const mean = (key) => homes.reduce((sum, p) => sum + p[key], 0) / homes.length;
  return { lat: mean('lat'), lon: mean('lon') };
}

async function saveTech(event) {
  event.preventDefault();
  const input = readForm();
  const tech = state.editing ? state.techs.get(state.editing) : null;
  try {
    const saved = tech
      ? (await gql(EDIT, { id: tech.id, version: tech.version, input })).editTechnician
      : (await gql(ADD, { input })).addTechnician;
    state.techs.set(saved.id, saved);
    renderTechs();
    toast(tech ? `${saved.name} saved` : `${saved.name} added`);
    edit(null);
  } catch (error) {
    showError('#tech-error', error, tech ? 'Reload the page to see the latest record.' : '');
  }
}

function confirmDeactivate(t) {
  if (!confirm(`Deactivate ${t.name}? They cannot go on duty or get jobs until reactivated.`)) return;
  act(DEACTIVATE, t, 'deactivated');
}

async function act(mutation, t, done) {
  try {
    const data = await gql(mutation, { id: t.id });
    const saved = Object.values(data)[0];
    state.techs.set(saved.id, saved);
    renderTechs();
    toast(`${saved.name} ${done}`);
  } catch (error) {
    toast(describe(error), 'error');
  }
}

async function addSkill(event) {
  event.preventDefault();
  await skillChange(ADD_SKILL, $('#skill-name').value.trim());
  $('#skill-name').value = '';
}

const retireSkill = (s) => skillChange(RETIRE_SKILL, s.name);
const restoreSkill = (s) => skillChange(ADD_SKILL, s.name);

async function skillChange(mutation, name) {
  $('#skill-error').textContent = '';
  try {
    const saved = Object.values(await gql(mutation, { name }))[0];
    state.skills = [...state.skills.filter((s) => s.name !== saved.name), saved]
      .sort((a, b) => a.name.localeCompare(b.name));
    renderSkills();
  } catch (error) {
    showError('#skill-error', error);
  }
}

async function saveCompany(event) {
  event.preventDefault();
  $('#company-error').textContent = '';
  const input = { name: $('#company-name').value, timezone: $('#company-tz').value, phone: $('#company-phone').value };
  try {
    state.company = (await gql(SAVE_COMPANY, { input, version: state.company.version })).updateCompany;
    renderCompany();
    toast('Company settings saved');
  } catch (error) {
    showError('#company-error', error);
  }
}

function describe(error) {
  return error instanceof GraphQLError ? `${error.code}: ${error.message}` : String(error);
}

function showError(selector, error, hint = '') {
  const stale = error instanceof GraphQLError && error.code === 'CONFLICT';
  $(selector).textContent = `${describe(error)}${stale && hint ? ` ${hint}` : ''}`;
}

start().catch((error) => toast(`The Team page failed to start: ${describe(error)}`, 'error'));
