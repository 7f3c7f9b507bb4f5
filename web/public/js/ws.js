// A graphql-transport-ws client for one subscription: connection_init carries the access token,
// the server's pings are answered, and a dropped socket reconnects with capped backoff.
// After each (re)connection the board stream starts with RESYNC, so nothing is missed.

const PROTOCOL = 'graphql-transport-ws';
const UNAUTHORIZED = new Set([4401, 4403]);

export function subscribe({ url, token, renew, query, onData, onError, onStatus }) {
  let socket = null;
  let attempt = 0;
  let timer = null;
  let stopped = false;
  let renewed = false; // one token renewal per successful connection

  const send = (message) => socket.send(JSON.stringify(message));

  function connect() {
    onStatus('connecting');
    socket = new WebSocket(url, PROTOCOL);
    socket.onopen = () => send({ type: 'connection_init', payload: { Authorization: `Bearer ${token()}` } });
    socket.onmessage = (event) => {
      const message = JSON.parse(event.data);
      switch (message.type) {
        case 'connection_ack':
          attempt = 0;
          renewed = false;
          onStatus('live');
          send({ id: 'board', type: 'subscribe', payload: { query } });
          break;
        case 'ping':
          send({ type: 'pong' });
          break;
        case 'next':
          if (message.payload.errors?.length) onError(message.payload.errors);
          else onData(message.payload.data);
          break;
        case 'error':
          onError(message.payload);
          break;
        case 'complete': // the server ended the stream (e.g. the token expired)
          socket.close(1000);
          break;
        default:
          break;
      }
    };
    socket.onclose = (event) => {
      if (stopped) return;
      if (UNAUTHORIZED.has(event.code)) {
        // The access token expired or the session ended: renew once, else give up.
        if (renew && !renewed) {
          renewed = true;
          renew()
            .catch(() => null)
            .then((ok) => (ok ? connect() : onStatus('unauthorized', event.reason)));
          return;
        }
        onStatus('unauthorized', event.reason);
        return;
      }
      const delay = Math.min(30000, 500 * 2 ** attempt) * (0.75 + Math.random() / 2);
      attempt += 1;
      onStatus('reconnecting', delay);
      timer = setTimeout(connect, delay);
    };
  }

  connect();
  return function stop() {
    stopped = true;
    clearTimeout(timer);
    socket?.close(1000);
  };
}
