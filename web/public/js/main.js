// The dispatcher's live map and board. Everything comes from the public GraphQL API:
// one query loads the board, the `board` subscription keeps it live, mutations act.

import { $, toast } from './dom.js';
import { GraphQLError, gql, setEndpoint } from './api.js';
import { goToSignIn, refresh, requireSession, signOut, token } from './auth.js';
import { subscribe } from './ws.js';
import { board, changed, onChange, putAlert, putJob, putTech, replaceAll } from './store.js';
import { createMap } from './mapview.js';
import { renderBoard } from './board.js';
import { initActions, renderDetail } from './actions.js';
import { refreshKpis, refreshKpisSoon } from './kpis.js';
import { clock, setTimeZone } from './format.js';
import * as Q from './queries.js';

const BOARD_ROLES = ['DISPATCHER', 'MANAGER'];

async function start() {
  const config = await (await fetch('config.json')).json();
  setTimeZone(config.timezone);
  setEndpoint(config.graphql);
  if (!window.L) {
    fatal('The map library is missing on the server: run `npm ci --prefix web` (or `make run`).');
    return;
  }
  $('#logout').addEventListener('click', () => signOut());
  dropTokenFromAddress();
  const me = await requireSession();
  $('#who').textContent = me.displayName;
  $('#accounts-link').hidden = me.role !== 'MANAGER';
  if (!BOARD_ROLES.includes(me.role)) {
    $('#not-for-you').hidden = false;
    $('#app').dataset.ready = 'denied';
    return;
  }

  const view = createMap($('#map'), config, selectJob);
  function selectJob(jobId) {
    board.selectedJobId = jobId;
    if (jobId) view.focusJob(jobId);
    changed();
  }
  initActions({ onSelect: selectJob });
  onChange(() => {
    view.render();
    renderBoard(selectJob);
    renderDetail();
    $('#app').dataset.ready = 'true';
  });

  await reload();
  subscribe({
    url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${config.graphql}`,
    token,
    renew: refresh,
    query: Q.LIVE,
    onData: ({ board: update }) => apply(update),
    onError: (errors) => {
      // An expired access token ends the stream; it reconnects with the renewed one.
      if (errors.some((e) => e.extensions?.code === 'UNAUTHENTICATED')) return;
      toast(`Live updates: ${errors.map((e) => e.message).join('; ')}`, 'error');
    },
    onStatus: showConnection,
  });
  refreshKpis();
  setInterval(refreshKpis, 60000);
  setInterval(changed, 30000); // times on jobs and shift warnings move on
  tick();
}

let loading = null;
let again = false;

/** Reload the whole board; calls during a reload collapse into one more. */
function reload() {
  if (loading) {
    again = true;
    return loading;
  }
  const startedAt = performance.now();
  loading = gql(Q.BOARD)
    .then((data) => replaceAll(data, startedAt))
    .catch((error) => toast(`Could not load the board: ${error.message}`, 'error'))
    .finally(() => {
      loading = null;
      if (again) {
        again = false;
        reload();
      }
    });
  return loading;
}

function apply(update) {
  if (update.kind === 'RESYNC') {
    reload();
    return;
  }
  if (update.technician) {
    putTech(update.technician);
    const jobId = update.technician.currentJobId;
    if (jobId && !board.jobs.has(jobId)) fetchJob(jobId);
  }
  if (update.job) {
    putJob(update.job);
    if (update.job.status === 'COMPLETED') refreshKpisSoon();
  }
  if (update.alert) putAlert(update.alert);
  changed();
}

async function fetchJob(id) {
  try {
    putJob((await gql(Q.JOB_BY_ID, { id })).job);
    changed();
  } catch (error) {
    if (!(error instanceof GraphQLError)) throw error;
  }
}

function showConnection(status, detail) {
  const el = $('#conn');
  el.dataset.state = status;
  el.textContent = {
    connecting: 'Connecting…',
    live: 'Live',
    reconnecting: `Reconnecting in ${Math.ceil((detail ?? 0) / 1000)} s…`,
    unauthorized: 'Signed out',
  }[status];
  if (status === 'unauthorized') goToSignIn();
}

/** Old bookmarks may carry `?token=`: it is ignored, and wiped from the address bar and history. */
function dropTokenFromAddress() {
  const url = new URL(location.href);
  if (!url.searchParams.has('token')) return;
  url.searchParams.delete('token');
  history.replaceState(null, '', url.pathname + url.search + url.hash);
}

function tick() {
  $('#clock').textContent = clock(new Date().toISOString());
  setTimeout(tick, 15000);
}

function fatal(message) {
  $('#app').dataset.ready = 'error';
  toast(message, 'error');
}

start().catch((error) => fatal(`The board failed to start: ${error.message}`));
