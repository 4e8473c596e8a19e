// DOM nodes from data: text always goes in as textContent, so a detector name or a message
// from a file can never become markup.

type Child = Node | string | number | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: { class?: string; title?: string; dataset?: Record<string, string>; open?: boolean } = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (props.class) e.className = props.class;
  if (props.title) e.title = props.title;
  if (props.dataset) Object.assign(e.dataset, props.dataset);
  if (props.open && e instanceof HTMLDetailsElement) e.open = true;
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    e.append(typeof c === 'object' ? c : document.createTextNode(String(c)));
  }
  return e;
}

/** Replaces a list's items with one `<li>` per message (line breaks kept by CSS). */
export function setList(list: HTMLElement, items: string[]): void {
  list.replaceChildren(...items.map((m) => h('li', {}, m)));
}
