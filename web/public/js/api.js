// GraphQL over HTTP with the signed-in person's access token; errors keep their extensions.code.
// A refused token is renewed from the session once; if that fails, off to the sign-in page.

import { goToSignIn, refresh, token } from './auth.js';

export class GraphQLError extends Error {
  constructor(errors) {
    super(errors.map((e) => e.message).join('; '));
    this.errors = errors;
    this.code = errors[0]?.extensions?.code ?? 'ERROR';
  }
}

let endpoint = '/graphql';
export function setEndpoint(url) {
  endpoint = url;
}

export async function gql(query, variables = {}, renewed = false) {
  let response;
  try {
    response = await fetch(endpoint, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Accept: 'application/graphql-response+json, application/json',
        Authorization: `Bearer ${token()}`,
      },
      body: JSON.stringify({ query, variables }),
    });
  } catch {
    throw new GraphQLError([{ message: 'the server cannot be reached', extensions: { code: 'NETWORK' } }]);
  }
  if (response.status === 401 && !renewed) {
    if (await refresh().catch(() => null)) return gql(query, variables, true);
    goToSignIn();
  }
  let body;
  try {
    body = await response.json();
  } catch {
    throw new GraphQLError([{ message: `HTTP ${response.status}`, extensions: { code: 'HTTP' } }]);
  }
  if (body.errors?.length) throw new GraphQLError(body.errors);
  return body.data;
}

/** True if the running server's schema has this mutation (it may be older than the page). */
export async function hasMutation(name) {
  const data = await gql('{ __type(name: "Mutation") { fields { name } } }');
  return (data.__type?.fields ?? []).some((f) => f.name === name);
}
