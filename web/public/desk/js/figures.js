// The CSR's own figures in the top bar: calls booked today (the company's day), by kind.

import { money, titleCase } from './format.js';

const FIGURES = `{ myBookings { total value byKind { kind count value } } }`;

export async function refreshFigures(gql) {
  const { myBookings: f } = await gql(FIGURES);
  document.querySelector('#figures-total').textContent = String(f.total);
  document.querySelector('#figures-value').textContent = money(f.value);
  const list = document.querySelector('#figures-kinds');
  list.replaceChildren(
    ...f.byKind
      .filter((k) => k.count > 0)
      .map((k) => {
        const item = document.createElement('li');
        item.dataset.kind = k.kind;
        item.textContent = `${titleCase(k.kind)} ${k.count}`;
        return item;
      }),
  );
}
