// The mobile contract over HTTP. Operations go out by hash only (`documentId`, trusted
// documents), never as text: the app can send nothing but mobile_contract/operations.

import { getAccessToken, tokenRefused } from './auth.js';

const CACHE_KEY = 'nextjob.tech.contract';
const RETRYABLE = new Set(['NETWORK', 'HTTP', 'UNAUTHENTICATED', 'SERVICE_UNAVAILABLE', 'IN_PROGRESS', 'RATE_LIMITED']);
let hashes = JSON.parse(localStorage.getItem(CACHE_KEY) ?? 'null');

export class OperationError extends Error {
  constructor(errors, retryable = false) {
    super(errors.map((e) => e.message).join('; '));
    this.code = errors[0]?.extensions?.code ?? 'ERROR';
    this.retryable = retryable || errors.some((e) => RETRYABLE.has(e.extensions?.code) || e.extensions?.retryable);
  }
}

const failure = (code, message) => new OperationError([{ message, extensions: { code } }], true);

export async function loadContract() {
  try {
    const response = await fetch('contract.json');
    if (response.ok) {
      hashes = await response.json();
      localStorage.setItem(CACHE_KEY, JSON.stringify(hashes));
    }
  } catch {
    // offline: the copy from the last start will do
  }
  if (!hashes) throw new Error('the app has not loaded its operations yet; connect once');
}

/** `sha256:<hex>` for an operation of the mobile contract. */
export function documentId(name) {
  const hash = hashes?.[name];
  if (!hash) throw new Error(`${name} is not in the mobile contract`);
  return `sha256:${hash}`;
}

/** Run a query or mutation by hash; `key` makes the POST idempotent (a retry applies once). */
export async function run(name, variables = {}, key = null) {
  const token = await getAccessToken();
  if (!token) throw failure('UNAUTHENTICATED', 'signed out');
  const headers = {
    'Content-Type': 'application/json',
    Accept: 'application/graphql-response+json, application/json',
    Authorization: `Bearer ${token}`,
  };
  if (key) headers['Idempotency-Key'] = key;
  let response;
  try {
    response = await fetch('/graphql', {
      method: 'POST',
      headers,
      body: JSON.stringify({ documentId: documentId(name), variables }),
    });
  } catch {
    throw failure('NETWORK', 'no network');
  }
  if (response.status === 401) tokenRefused();
  let body;
  try {
    body = await response.json();
  } catch {
    throw failure('HTTP', `HTTP ${response.status}`);
  }
  if (body.errors?.length) {
    const retryable = response.status >= 500 || response.status === 429 || response.status === 401;
    throw new OperationError(body.errors, retryable);
  }
  return body.data;
}
