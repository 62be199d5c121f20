/**
 * The template builder's form and Meta's component JSON (Cloud API spec §3.2), both ways.
 *
 * Anything the builder does not edit (unknown keys of a component or button, pass-through
 * components such as CAROUSEL, buttons such as FLOW) is kept as it was, so a template imported
 * by sync round-trips unchanged through the builder.
 */

export type Category = 'MARKETING' | 'UTILITY' | 'AUTHENTICATION';
export type ParameterFormat = 'positional' | 'named';
export type HeaderFormat = 'NONE' | 'TEXT' | 'IMAGE' | 'VIDEO' | 'DOCUMENT' | 'LOCATION';
export type ButtonType = 'QUICK_REPLY' | 'URL' | 'PHONE_NUMBER' | 'COPY_CODE';
export const BUTTON_TYPES: ButtonType[] = ['QUICK_REPLY', 'URL', 'PHONE_NUMBER', 'COPY_CODE'];
export const MEDIA_FORMATS: HeaderFormat[] = ['IMAGE', 'VIDEO', 'DOCUMENT'];

type Json = Record<string, unknown>;

export type ButtonForm = {
  /** QUICK_REPLY, URL, PHONE_NUMBER, COPY_CODE — or any other Meta type, kept as it is. */
  type: string;
  text: string;
  url: string;
  phone_number: string;
  /** A URL button's {{1}} example, or a copy-code button's sample code. */
  example: string;
  raw: Json;
};

export type TemplateForm = {
  name: string;
  language: string;
  category: Category;
  parameter_format: ParameterFormat;
  header: { format: HeaderFormat; text: string; examples: Record<string, string>; handle: string; fileName: string; raw: Json };
  body: { text: string; examples: Record<string, string>; add_security_recommendation: boolean; raw: Json };
  footer: { text: string; code_expiration_minutes: string; raw: Json };
  buttons: ButtonForm[];
  /** The BUTTONS component itself (keys other than `buttons`). */
  buttonsRaw: Json;
  /** The authentication template's OTP button (COPY_CODE by default). */
  otp: Json;
  /** Components the builder does not edit, with their original position. */
  passThrough: { index: number; component: Json }[];
};

export function emptyForm(): TemplateForm {
  return {
    name: '',
    language: 'en',
    category: 'MARKETING',
    parameter_format: 'positional',
    header: { format: 'NONE', text: '', examples: {}, handle: '', fileName: '', raw: {} },
    body: { text: '', examples: {}, add_security_recommendation: true, raw: {} },
    footer: { text: '', code_expiration_minutes: '', raw: {} },
    buttons: [],
    buttonsRaw: {},
    otp: { type: 'OTP', otp_type: 'COPY_CODE' },
    passThrough: [],
  };
}

export function newButton(type: ButtonType): ButtonForm {
  return { type, text: '', url: '', phone_number: '', example: '', raw: {} };
}

const PLACEHOLDER_RE = /\{\{([^{}]*)\}\}/g;

/** The distinct variables of a text in order of first appearance: "1", "2" or "first_name". */
export function variablesOf(text: string): string[] {
  const seen: string[] = [];
  for (const match of text.matchAll(PLACEHOLDER_RE)) {
    const name = match[1]!.trim();
    if (name && !seen.includes(name)) seen.push(name);
  }
  return seen;
}

/** Variables in the order Meta wants their examples: by number (positional) or as written. */
export function exampleOrder(names: string[], format: ParameterFormat): string[] {
  if (format === 'named') return names;
  return [...names].sort((a, b) => (Number(a) || 0) - (Number(b) || 0));
}

export const isAuthentication = (form: Pick<TemplateForm, 'category'>) => form.category === 'AUTHENTICATION';
export const isBuilderButton = (type: string): type is ButtonType => (BUTTON_TYPES as string[]).includes(type);

function without(raw: Json, keys: string[]): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(raw)) if (!keys.includes(key)) out[key] = value;
  return out;
}

function textExample(where: 'header' | 'body', names: string[], values: Record<string, string>, format: ParameterFormat): Json | null {
  if (names.length === 0) return null;
  const ordered = exampleOrder(names, format);
  if (format === 'named') {
    return { [`${where}_text_named_params`]: ordered.map((n) => ({ param_name: n, example: values[n] ?? '' })) };
  }
  const list = ordered.map((n) => values[n] ?? '');
  return { [`${where}_text`]: where === 'body' ? [list] : list };
}

function headerComponent(form: TemplateForm): Json | null {
  const { header } = form;
  if (header.format === 'NONE' || isAuthentication(form)) return null;
  const base = { type: 'HEADER', ...without(header.raw, ['type', 'format', 'text', 'example']), format: header.format };
  if (header.format === 'TEXT') {
    const example = textExample('header', variablesOf(header.text), header.examples, form.parameter_format);
    return { ...base, text: header.text, ...(example ? { example } : {}) };
  }
  if (header.format === 'LOCATION') return base;
  return { ...base, ...(header.handle ? { example: { header_handle: [header.handle] } } : {}) };
}

function bodyComponent(form: TemplateForm): Json {
  const { body } = form;
  if (isAuthentication(form)) {
    return { type: 'BODY', ...without(body.raw, ['type', 'text', 'example', 'add_security_recommendation']), add_security_recommendation: body.add_security_recommendation };
  }
  const example = textExample('body', variablesOf(body.text), body.examples, form.parameter_format);
  return {
    type: 'BODY',
    ...without(body.raw, ['type', 'text', 'example', 'add_security_recommendation']),
    text: body.text,
    ...(example ? { example } : {}),
  };
}

function footerComponent(form: TemplateForm): Json | null {
  const { footer } = form;
  const rest = without(footer.raw, ['type', 'text', 'code_expiration_minutes']);
  if (isAuthentication(form)) {
    const minutes = footer.code_expiration_minutes.trim();
    if (!minutes) return null;
    const n = Number(minutes);
    return { type: 'FOOTER', ...rest, code_expiration_minutes: Number.isInteger(n) ? n : minutes };
  }
  if (!footer.text) return null;
  return { type: 'FOOTER', ...rest, text: footer.text };
}

function buttonJson(button: ButtonForm): Json {
  if (!isBuilderButton(button.type)) return button.raw;
  const base = { ...without(button.raw, ['type', 'text', 'url', 'phone_number', 'example']), type: button.type };
  switch (button.type) {
    case 'QUICK_REPLY':
      return { ...base, text: button.text };
    case 'URL': {
      const hasVariable = variablesOf(button.url).length > 0;
      return { ...base, text: button.text, url: button.url, ...(hasVariable && button.example ? { example: [button.example] } : {}) };
    }
    case 'PHONE_NUMBER':
      return { ...base, text: button.text, phone_number: button.phone_number };
    case 'COPY_CODE':
      return { ...base, ...(button.text ? { text: button.text } : {}), ...(button.example ? { example: button.example } : {}) };
  }
}

function buttonsComponent(form: TemplateForm): Json | null {
  if (isAuthentication(form)) return { type: 'BUTTONS', ...without(form.buttonsRaw, ['type', 'buttons']), buttons: [form.otp] };
  if (form.buttons.length === 0) return null;
  return { type: 'BUTTONS', ...without(form.buttonsRaw, ['type', 'buttons']), buttons: form.buttons.map(buttonJson) };
}

/** Meta's component JSON for the form: HEADER, BODY, FOOTER, BUTTONS (plus pass-through parts). */
export function toComponents(form: TemplateForm): Json[] {
  const built = [headerComponent(form), bodyComponent(form), footerComponent(form), buttonsComponent(form)].filter((c): c is Json => c !== null);
  const out = [...built];
  for (const { index, component } of form.passThrough) out.splice(Math.min(index, out.length), 0, component);
  return out;
}

const str = (value: unknown): string => (typeof value === 'string' ? value : '');
const asJson = (value: unknown): Json => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {});

function examplesFrom(where: 'header' | 'body', component: Json, text: string, format: ParameterFormat): Record<string, string> {
  const example = asJson(component.example);
  const out: Record<string, string> = {};
  if (format === 'named') {
    const items = example[`${where}_text_named_params`];
    if (Array.isArray(items)) for (const item of items) if (typeof asJson(item).param_name === 'string') out[str(asJson(item).param_name)] = String(asJson(item).example ?? '');
    return out;
  }
  let raw = example[`${where}_text`];
  if (where === 'body') raw = Array.isArray(raw) && Array.isArray(raw[0]) ? raw[0] : null;
  if (Array.isArray(raw)) {
    const order = exampleOrder(variablesOf(text), format);
    raw.forEach((value, i) => {
      out[order[i] ?? String(i + 1)] = String(value ?? '');
    });
  }
  return out;
}

function buttonExample(button: Json): string {
  const example = button.example;
  if (Array.isArray(example)) return typeof example[0] === 'string' ? example[0] : '';
  return str(example);
}

/** The builder's form for a stored template. */
export function fromTemplate(template: {
  name: string;
  language: string;
  category: Category;
  parameter_format: ParameterFormat;
  components: Json[];
}): TemplateForm {
  const form = emptyForm();
  form.name = template.name;
  form.language = template.language;
  form.category = template.category;
  form.parameter_format = template.parameter_format;
  template.components.forEach((component, index) => {
    const type = str(component.type).toUpperCase();
    if (type === 'HEADER') {
      const format = (str(component.format).toUpperCase() || 'TEXT') as HeaderFormat;
      const handles = asJson(component.example).header_handle;
      form.header = {
        format: ['TEXT', 'IMAGE', 'VIDEO', 'DOCUMENT', 'LOCATION'].includes(format) ? format : 'NONE',
        text: str(component.text),
        examples: examplesFrom('header', component, str(component.text), template.parameter_format),
        handle: Array.isArray(handles) && typeof handles[0] === 'string' ? handles[0] : '',
        fileName: '',
        raw: component,
      };
      if (form.header.format === 'NONE') form.passThrough.push({ index, component });
    } else if (type === 'BODY') {
      form.body = {
        text: str(component.text),
        examples: examplesFrom('body', component, str(component.text), template.parameter_format),
        add_security_recommendation: component.add_security_recommendation === true,
        raw: component,
      };
    } else if (type === 'FOOTER') {
      const minutes = component.code_expiration_minutes;
      form.footer = { text: str(component.text), code_expiration_minutes: minutes === undefined || minutes === null ? '' : String(minutes), raw: component };
    } else if (type === 'BUTTONS') {
      form.buttonsRaw = component;
      const buttons = Array.isArray(component.buttons) ? component.buttons.map(asJson) : [];
      const otp = buttons.find((b) => str(b.type).toUpperCase() === 'OTP');
      if (otp) form.otp = otp;
      form.buttons = buttons
        .filter((b) => str(b.type).toUpperCase() !== 'OTP' || template.category !== 'AUTHENTICATION')
        .map((b) => ({
          type: str(b.type).toUpperCase(),
          text: str(b.text),
          url: str(b.url),
          phone_number: str(b.phone_number),
          example: buttonExample(b),
          raw: b,
        }));
    } else {
      form.passThrough.push({ index, component });
    }
  });
  return form;
}

// ---- Lint problems at their fields ---------------------------------------------------------

export type LintProblem = { path: string; code: string; message: string };

/**
 * The builder field a lint problem's `path` is about, e.g. `components[1].text` → `body.text`,
 * `components[0].example.header_text` → `header.examples`, `components[3].buttons[0].url` →
 * `buttons.0.url`. Problems about no particular field map to `general`.
 */
export function fieldOfProblem(path: string, components: Json[]): string {
  if (['name', 'language', 'category', 'parameter_format'].includes(path)) return path;
  const match = /^components\[(\d+)\](.*)$/.exec(path);
  if (!match) return path === 'components' ? 'components' : 'general';
  const component = components[Number(match[1])];
  const type = str(component?.type).toUpperCase();
  const rest = match[2]!;
  if (type === 'HEADER') {
    if (rest.startsWith('.example.header_handle')) return 'header.handle';
    if (rest.startsWith('.example')) return 'header.examples';
    if (rest === '.format') return 'header.format';
    return 'header.text';
  }
  if (type === 'BODY') {
    if (rest.startsWith('.example')) return 'body.examples';
    if (rest.startsWith('.add_security_recommendation')) return 'body.security';
    return 'body.text';
  }
  if (type === 'FOOTER') return rest.startsWith('.code_expiration_minutes') ? 'footer.expiry' : 'footer.text';
  if (type === 'BUTTONS') {
    const button = /^\.buttons\[(\d+)\](?:\.([a-z_]+))?/.exec(rest);
    if (!button) return 'buttons';
    const field = button[2] ?? 'type';
    const known = ['text', 'url', 'phone_number', 'example'];
    return `buttons.${button[1]}.${known.includes(field) ? field : 'type'}`;
  }
  return 'general';
}

/** Lint problems grouped by builder field (see fieldOfProblem). */
export function problemsByField(problems: LintProblem[], components: Json[]): Map<string, LintProblem[]> {
  const out = new Map<string, LintProblem[]>();
  for (const problem of problems) {
    const key = fieldOfProblem(problem.path, components);
    out.set(key, [...(out.get(key) ?? []), problem]);
  }
  return out;
}

/** The fields the builder shows for this form: problems elsewhere are listed above the form. */
export function visibleFields(form: TemplateForm): Set<string> {
  const keys = new Set(['name', 'language', 'category', 'parameter_format', 'body.text', 'buttons']);
  if (isAuthentication(form)) {
    keys.add('body.security');
    keys.add('footer.expiry');
    return keys;
  }
  if (form.header.format !== 'NONE') keys.add('header.format');
  if (form.header.format === 'TEXT') {
    keys.add('header.text');
    if (variablesOf(form.header.text).length > 0) keys.add('header.examples');
  }
  if (MEDIA_FORMATS.includes(form.header.format)) keys.add('header.handle');
  if (variablesOf(form.body.text).length > 0) keys.add('body.examples');
  keys.add('footer.text');
  form.buttons.forEach((b, i) => {
    if (!isBuilderButton(b.type)) return;
    keys.add(`buttons.${i}.type`);
    keys.add(`buttons.${i}.text`);
    if (b.type === 'URL') keys.add(`buttons.${i}.url`).add(`buttons.${i}.example`);
    if (b.type === 'PHONE_NUMBER') keys.add(`buttons.${i}.phone_number`);
    if (b.type === 'COPY_CODE') keys.add(`buttons.${i}.example`);
  });
  return keys;
}

/** The form section a field belongs to ("body.examples" → "body"): errors show once it was touched. */
export const sectionOf = (field: string) => field.split('.')[0]!;
