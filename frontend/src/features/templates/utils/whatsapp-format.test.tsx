import { render } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { parseWhatsApp, textDirection, WhatsAppText } from './whatsapp-format';

function html(text: string): string {
  const { container } = render(<p>
    <WhatsAppText text={text} />
  </p>);
  return container.querySelector('p')!.innerHTML;
}

describe('WhatsApp formatting', () => {
  it('renders *bold*, _italic_, ~strikethrough~ and ```monospace```', () => {
    expect(html('Hi *there*!')).toBe('Hi <strong>there</strong>!');
    expect(html('an _italic_ word')).toBe('an <em>italic</em> word');
    expect(html('was ~10~ now 8')).toBe('was <s>10</s> now 8');
    expect(html('code ```x = *1*``` end')).toBe('code <code class="wa-mono">x = *1*</code> end');
  });

  it('nests markers', () => {
    expect(html('*_both_*')).toBe('<strong><em>both</em></strong>');
    expect(parseWhatsApp('*a _b_ c*')).toEqual([
      { kind: 'bold', children: [{ kind: 'text', text: 'a ' }, { kind: 'italic', children: [{ kind: 'text', text: 'b' }] }, { kind: 'text', text: ' c' }] },
    ]);
  });

  it('leaves markers that do not wrap a word alone', () => {
    expect(html('2 * 3 * 4')).toBe('2 * 3 * 4');
    expect(html('snake_case_name')).toBe('snake_case_name');
    expect(html('*unclosed')).toBe('*unclosed');
    expect(html('* spaced*')).toBe('* spaced*');
    expect(html('*not\nacross lines*')).toBe('*not\nacross lines*');
  });

  it('formats Arabic text too', () => {
    expect(html('عرض *خاص* اليوم')).toBe('عرض <strong>خاص</strong> اليوم');
  });

  it('escapes HTML (text nodes only)', () => {
    expect(html('<b>x</b>')).toBe('&lt;b&gt;x&lt;/b&gt;');
  });
});

describe('textDirection', () => {
  it('is rtl for Arabic text and ltr for English', () => {
    expect(textDirection('مرحبا بك في متجرنا')).toBe('rtl');
    expect(textDirection('Welcome to our shop')).toBe('ltr');
    expect(textDirection('שלום')).toBe('rtl');
  });

  it('follows the majority of letters in mixed text, ignoring variables, links and digits', () => {
    expect(textDirection('مرحبا John، طلبك جاهز')).toBe('rtl');
    expect(textDirection('Hello أحمد, your order is ready')).toBe('ltr');
    expect(textDirection('{{first_name}} {{order_id}} مرحبا')).toBe('rtl');
    expect(textDirection('تفضل بزيارة https://example.com/shop/summer-sale')).toBe('rtl');
    expect(textDirection('12345')).toBe('ltr');
    expect(textDirection('')).toBe('ltr');
    expect(textDirection(null)).toBe('ltr');
  });
});
