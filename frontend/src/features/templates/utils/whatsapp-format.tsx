import { Fragment, type ReactNode } from 'react';

/**
 * WhatsApp's text formatting, as the app renders it: *bold*, _italic_, ~strikethrough~ and
 * ```monospace```. A marker pair only formats when the opening marker starts a word and the
 * closing one ends a word (no space just inside the markers), like WhatsApp itself; markers may
 * nest (*_bold italic_*). Monospace content is literal.
 */
export type FormatNode =
  | { kind: 'text'; text: string }
  | { kind: 'bold' | 'italic' | 'strike'; children: FormatNode[] }
  | { kind: 'mono'; text: string };

const MARKERS: Record<string, 'bold' | 'italic' | 'strike'> = { '*': 'bold', _: 'italic', '~': 'strike' };
const WORD_BOUNDARY = /[\s.,;:!?()[\]{}"'«»،؛؟-]/;

function isBoundary(char: string | undefined): boolean {
  return char === undefined || WORD_BOUNDARY.test(char);
}

export function parseWhatsApp(text: string): FormatNode[] {
  const out: FormatNode[] = [];
  let buffer = '';
  const flush = () => {
    if (buffer) out.push({ kind: 'text', text: buffer });
    buffer = '';
  };
  let i = 0;
  while (i < text.length) {
    if (text.startsWith('```', i)) {
      const end = text.indexOf('```', i + 3);
      if (end > i + 3) {
        flush();
        out.push({ kind: 'mono', text: text.slice(i + 3, end) });
        i = end + 3;
        continue;
      }
    }
    const char = text[i]!;
    const kind = MARKERS[char];
    if (kind && isBoundary(text[i - 1]) && text[i + 1] !== undefined && !/\s/.test(text[i + 1]!) && text[i + 1] !== char) {
      // The closing marker: same character, not preceded by a space, followed by a boundary,
      // and on the same line.
      let end = -1;
      for (let j = i + 2; j < text.length; j++) {
        if (text[j] === '\n') break;
        if (text[j] === char && !/\s/.test(text[j - 1]!) && isBoundary(text[j + 1])) {
          end = j;
          break;
        }
      }
      if (end > 0) {
        flush();
        out.push({ kind, children: parseWhatsApp(text.slice(i + 1, end)) });
        i = end + 1;
        continue;
      }
    }
    buffer += char;
    i += 1;
  }
  flush();
  return out;
}

function renderNodes(nodes: FormatNode[], keyPrefix: string): ReactNode[] {
  return nodes.map((node, index) => {
    const key = `${keyPrefix}${index}`;
    switch (node.kind) {
      case 'text':
        return <Fragment key={key}>{node.text}</Fragment>;
      case 'mono':
        return (
          <code key={key} className="wa-mono">
            {node.text}
          </code>
        );
      case 'bold':
        return <strong key={key}>{renderNodes(node.children, `${key}.`)}</strong>;
      case 'italic':
        return <em key={key}>{renderNodes(node.children, `${key}.`)}</em>;
      case 'strike':
        return <s key={key}>{renderNodes(node.children, `${key}.`)}</s>;
    }
  });
}

/** The text with WhatsApp formatting as React elements (line breaks kept by CSS `pre-wrap`). */
export function WhatsAppText({ text }: { text: string }) {
  return <>{renderNodes(parseWhatsApp(text), '')}</>;
}

// Strong right-to-left letters: Hebrew, Arabic (with supplements and presentation forms),
// Syriac, Thaana, N'Ko.
const RTL_CHAR = /[\u0590-\u08FF\uFB1D-\uFDFF\uFE70-\uFEFF]/g;
// Strong left-to-right letters (Latin, Greek, Cyrillic, …) — digits and punctuation are neutral.
const LTR_CHAR = /[A-Za-z\u00C0-\u024F\u0370-\u03FF\u0400-\u04FF]/g;
const PLACEHOLDER = /\{\{[^{}]*\}\}/g;
const URLISH = /https?:\/\/\S+/g;

/**
 * The writing direction of a text: right-to-left when most of its letters are Arabic (or
 * another right-to-left script), ignoring variables like {{first_name}}, links and digits.
 * Mixed text such as "مرحبا John" stays right-to-left; "Hello أحمد" stays left-to-right.
 */
export function textDirection(text: string | null | undefined): 'rtl' | 'ltr' {
  if (!text) return 'ltr';
  const clean = text.replace(PLACEHOLDER, ' ').replace(URLISH, ' ');
  const rtl = clean.match(RTL_CHAR)?.length ?? 0;
  const ltr = clean.match(LTR_CHAR)?.length ?? 0;
  return rtl > ltr ? 'rtl' : 'ltr';
}
