// The technician's landing page after sign-in: who is signed in and the current job.

import { $ } from './dom.js';
import { gql } from './api.js';
import { requireSession, signOut } from './auth.js';

const ME = '{ me { role technician { id name status currentJobId } } }';

async function start() {
  $('#signout').addEventListener('click', () => signOut());
  const me = await requireSession();
  $('#hello').textContent = `Hello, ${me.displayName}`;
  if (me.role !== 'TECHNICIAN') {
    $('#job').textContent = 'This page is for technicians.';
  } else {
    const tech = (await gql(ME)).me.technician;
    const status = tech.status.toLowerCase().replace('_', ' ');
    $('#job').textContent = tech.currentJobId
      ? `You are ${status}; current job ${tech.currentJobId}.`
      : `You are ${status}; no job right now.`;
  }
  $('#app').dataset.ready = 'true';
}

start();
