/**
 * What the form tests share: a form with every kind of question, and ways to
 * find controls the way a user does (by label and by button name) through the
 * elements' shadow roots.
 */
import { oneEvent } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import type { TemplateResult } from 'lit';
import type { FsFormView } from '../../src/elements/fs-form-view.js';
import type { Choice, FormDef, ReferenceData } from '../../shared/forms.js';

/** Version 2 of a form with every kind of question and every kind of constraint. */
export const TEST_FORM: FormDef = {
  id: 'all-kinds',
  version: 2,
  title: 'Every kind of question',
  description: 'A form for tests.',
  fields: [
    { name: 'intro', type: 'note', label: 'Read this before you start.' },
    {
      name: 'name',
      type: 'text',
      label: 'Name',
      hint: 'As written on the sign.',
      required: true,
      maxLength: { value: 12 },
      pattern: { value: '[A-Za-z ]+', message: 'Use letters and spaces only.' },
    },
    { name: 'story', type: 'text', label: 'Story', maxLength: { value: 300 } },
    { name: 'pumps', type: 'integer', label: 'Pumps', unit: 'pumps', min: { value: 1 }, max: { value: 10 } },
    {
      name: 'flow',
      type: 'decimal',
      label: 'Flow',
      unit: 'L/min',
      min: { value: 0, message: 'Flow cannot be negative.' },
    },
    {
      name: 'visited',
      type: 'date',
      label: 'Visited',
      min: { value: '2020-01-01' },
      max: { value: '2030-12-31' },
    },
    {
      name: 'condition',
      type: 'select_one',
      label: 'Condition',
      required: { message: 'Choose the condition.' },
      choices: [
        { value: 'working', label: 'Working' },
        { value: 'broken', label: 'Broken' },
        { value: 'dry', label: 'Dry' },
      ],
    },
    { name: 'site', type: 'select_one', label: 'Site', choiceList: 'sites' },
    {
      name: 'faults',
      type: 'select_multiple',
      label: 'Faults',
      min: { value: 1 },
      max: { value: 2 },
      choices: [
        { value: 'leak', label: 'Leak' },
        { value: 'rust', label: 'Rust' },
        { value: 'crack', label: 'Crack' },
      ],
    },
    { name: 'where', type: 'geopoint', label: 'Where' },
    { name: 'pictures', type: 'photo', label: 'Pictures', max: { value: 2 } },
  ],
};

/** The same form's first version, with fewer questions. */
export const TEST_FORM_V1: FormDef = {
  ...TEST_FORM,
  version: 1,
  fields: TEST_FORM.fields.filter((f) => ['name', 'condition'].includes(f.name)),
};

async function fetchJson<T>(path: string): Promise<T> {
  const res = await fetch(new URL(path, import.meta.url));
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

/** The reference data for tests: the test form (two versions), the demo form and its 50 sites. */
export async function loadReference(): Promise<ReferenceData> {
  const [demo, sites] = await Promise.all([
    fetchJson<FormDef>('../../server/demo-forms/water-point-inspection.v1.json'),
    fetchJson<Choice[]>('../../server/demo-forms/lists/sites.json'),
  ]);
  return { forms: [TEST_FORM_V1, TEST_FORM, demo], lists: { sites } };
}

/** Every element below root, through open shadow roots. */
export function deepAll<T extends Element = HTMLElement>(root: ParentNode, selector: string): T[] {
  const out: T[] = [];
  const walk = (node: ParentNode) => {
    out.push(...node.querySelectorAll<T>(selector));
    for (const el of node.querySelectorAll('*')) if (el.shadowRoot) walk(el.shadowRoot);
  };
  if (root instanceof Element && root.shadowRoot) walk(root.shadowRoot);
  walk(root);
  return out;
}

/** Text as the user reads it: whitespace collapsed, required markers left out. */
export function clean(text: string | null | undefined): string {
  return (text ?? '').replace(/\*/g, '').replace(/\s+/g, ' ').trim();
}

/** All the text shown under root, including inside shadow roots. */
export function visibleText(root: Element): string {
  const parts: string[] = [];
  const walk = (node: Node) => {
    if (node instanceof Element && node.shadowRoot) walk(node.shadowRoot);
    for (const child of node.childNodes) {
      if (child.nodeType === Node.TEXT_NODE) {
        parts.push(child.textContent ?? '');
      } else if (child instanceof Element && !(child instanceof HTMLStyleElement)) {
        // Elements separate words; adjacent text nodes (as templates make them) do not.
        parts.push(' ');
        walk(child);
        parts.push(' ');
      }
    }
  };
  walk(root);
  return clean(parts.join(''));
}

/** The control a label names: an input by its <label>, or a group by its <legend>. */
export function byLabel<T extends HTMLElement = HTMLInputElement>(root: Element, text: string): T {
  const found: HTMLElement[] = [];
  for (const label of deepAll<HTMLLabelElement>(root, 'label')) {
    if (clean(label.textContent) === text && label.control) found.push(label.control);
  }
  for (const legend of deepAll(root, 'legend')) {
    const group = legend.closest('fieldset');
    if (clean(legend.textContent) === text && group) found.push(group);
  }
  if (found.length !== 1) throw new Error(`Expected one control labelled "${text}", found ${found.length}`);
  return found[0] as T;
}

/** The button with this accessible name (aria-label, else its text). */
export function button(root: Element, name: string): HTMLButtonElement {
  const found = deepAll<HTMLButtonElement>(root, 'button').filter(
    (b) => clean(b.getAttribute('aria-label') ?? b.textContent) === name && shown(b),
  );
  if (found.length !== 1) throw new Error(`Expected one button "${name}", found ${found.length}`);
  return found[0] as HTMLButtonElement;
}

export function hasButton(root: Element, name: string): boolean {
  return deepAll<HTMLButtonElement>(root, 'button').some(
    (b) => clean(b.getAttribute('aria-label') ?? b.textContent) === name && shown(b),
  );
}

/** Not inside a closed dialog, which the user cannot see. */
function shown(el: Element): boolean {
  const dialog = el.closest('dialog');
  return !dialog || dialog.open;
}

/** The element of one question in a form view. */
export function question(view: Element, name: string): HTMLElement {
  const el = view.shadowRoot?.querySelector<HTMLElement>(`[data-field="${name}"]`);
  if (!el) throw new Error(`No question "${name}"`);
  return el;
}

/** The message shown beside a question ('' when none). */
export function messageOf(view: Element, name: string): string {
  return clean(question(view, name).shadowRoot?.querySelector('#message')?.textContent);
}

/** Types into a control with the keyboard, as a user does. */
export async function typeInto(control: HTMLElement, text: string): Promise<void> {
  control.focus();
  await sendKeys({ type: text });
}

/** Moves on from the focused control, as a user does. */
export async function tabAway(): Promise<void> {
  await sendKeys({ press: 'Tab' });
}

/** The element with focus, looking into shadow roots. */
export function deepActiveElement(): Element | null {
  let el = document.activeElement;
  while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
  return el;
}

/** Puts files on a file input as the picker would, and tells the page. */
export function chooseFiles(input: HTMLInputElement, files: File[]): void {
  const dt = new DataTransfer();
  for (const f of files) dt.items.add(f);
  input.files = dt.files;
  input.dispatchEvent(new Event('change', { bubbles: true }));
}

/** Waits until every update below root has rendered. */
export async function settled(root: Element): Promise<void> {
  for (let i = 0; i < 3; i++) {
    const pending = [root, ...deepAll(root, '*')]
      .map((el) => (el as Partial<{ updateComplete: Promise<unknown> }>).updateComplete)
      .filter((p): p is Promise<unknown> => p instanceof Promise);
    await Promise.all(pending);
  }
}

export function nextDraftSave(view: Element): Promise<CustomEvent<{ id: string }>> {
  return oneEvent(view, 'draft-saved') as Promise<CustomEvent<{ id: string }>>;
}

/** Opens a new form in a form view, as the route /forms/:id does, and waits for its draft. */
export async function openNewForm(
  fixtureOf: (view: TemplateResult) => Promise<Element>,
  view: TemplateResult,
): Promise<{ view: FsFormView; draftId: string }> {
  const navigated = oneEvent(document, 'fs-navigate') as Promise<
    CustomEvent<{ path: string; replace?: boolean }>
  >;
  const el = (await fixtureOf(view)) as FsFormView;
  const { detail } = await navigated;
  await settled(el);
  return { view: el, draftId: detail.path.replace('/drafts/', '') };
}
