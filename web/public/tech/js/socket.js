// One graphql-transport-ws connection carrying the phone's streams (MyJob, MyMessages), sent
// by hash. It reconnects by itself with capped, jittered backoff, at once when the phone
// comes back online; the server re-sends the current job on every connect. A socket that
// hears nothing (the server pings every 15 s) for 40 s is taken for dead.

import { getAccessToken, tokenRefused } from './auth.js';
import { documentId } from './contract.js';

const PROTOCOL = 'graphql-transport-ws';
const SILENCE_MS = 40_000;

/**
 * streams: { OperationName: (data) => void }; onStatus(state, detail) with state in
 * connecting | live | reconnecting | offline | signed-out. Returns { stop, now }.
 */
export function openStreams({ url, streams, onStatus, onError }) {
  let socket = null;
  let attempt = 0;
  let retry = null;
  let silence = null;
  let stopped = false;

  const send = (message) => socket?.readyState === WebSocket.OPEN && socket.send(JSON.stringify(message));

  function heard() {
    clearTimeout(silence);
    silence = setTimeout(() => socket?.close(4000, 'silent'), SILENCE_MS);
  }

  async function connect() {
    clearTimeout(retry);
    if (stopped || (socket && socket.readyState <= WebSocket.OPEN)) return;
    if (!navigator.onLine) {
      onStatus('offline');
      return;
    }
    const token = await getAccessToken();
    if (!token) {
      onStatus(navigator.onLine ? 'signed-out' : 'offline');
      return;
    }
    onStatus(attempt ? 'reconnecting' : 'connecting');
    const ws = new WebSocket(url, PROTOCOL);
    socket = ws;
    ws.onopen = () => {
      heard();
      send({ type: 'connection_init', payload: { Authorization: `Bearer ${token}` } });
    };
    ws.onmessage = (event) => {
      heard();
      const message = JSON.parse(event.data);
      if (message.type === 'connection_ack') {
        attempt = 0;
        onStatus('live');
        for (const name of Object.keys(streams)) {
          send({ id: name, type: 'subscribe', payload: { documentId: documentId(name) } });
        }
      } else if (message.type === 'ping') {
        send({ type: 'pong' });
      } else if (message.type === 'next') {
        if (message.payload.errors?.length) onError(message.payload.errors);
        else streams[message.id]?.(message.payload.data);
      } else if (message.type === 'error') {
        onError(message.payload);
      } else if (message.type === 'complete') {
        ws.close(1000); // the server ended a stream (e.g. the token expired): start over
      }
    };
    ws.onclose = (event) => {
      clearTimeout(silence);
      if (socket === ws) socket = null;
      if (stopped) return;
      if (event.code === 4401 || event.code === 4403) tokenRefused();
      if (!navigator.onLine) {
        onStatus('offline');
        return;
      }
      const delay = Math.min(30_000, 500 * 2 ** attempt) * (0.75 + Math.random() / 2);
      attempt += 1;
      onStatus('reconnecting', delay);
      retry = setTimeout(connect, delay);
    };
  }

  function goneOffline() {
    onStatus('offline');
    socket?.close(1000, 'offline');
  }

  function backOnline() {
    attempt = Math.max(attempt, 1);
    connect();
  }

  addEventListener('offline', goneOffline);
  addEventListener('online', backOnline);
  connect();
  return {
    /** Reconnect now (e.g. after signing in). */
    now: backOnline,
    stop() {
      stopped = true;
      clearTimeout(retry);
      clearTimeout(silence);
      removeEventListener('offline', goneOffline);
      removeEventListener('online', backOnline);
      socket?.close(1000);
    },
  };
}
