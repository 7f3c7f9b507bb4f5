// GraphQL over HTTP with the signed-in person's access token: the pages' shared client.

export { GraphQLError, gql, setEndpoint } from '/static/js/api.js';
