// GraphQL over HTTP with the CSR's bearer token; errors keep their extensions.code.

import { token } from './auth.js';

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

export async function gql(query, variables = {}) {
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
  let body;
  try {
    body = await response.json();
  } catch {
    throw new GraphQLError([{ message: `HTTP ${response.status}`, extensions: { code: 'HTTP' } }]);
  }
  if (body.errors?.length) throw new GraphQLError(body.errors);
  return body.data;
}
