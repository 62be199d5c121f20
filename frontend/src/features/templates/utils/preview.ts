import { exampleOrder, isAuthentication, type TemplateForm } from './builder';

/** What the chat bubble shows: the builder's live preview and the API's preview share it. */
export type BubbleDoc = {
  header: { format: string; text?: string | null; fileName?: string | null; hasMedia?: boolean } | null;
  body: string;
  footer: string | null;
  buttons: { type: string; text: string; detail?: string | null }[];
};

// Meta's fixed texts of authentication templates (the code is the body's only variable).
export const AUTH_BODY = '{{1}} is your verification code.';
export const AUTH_SECURITY = 'For your security, do not share this code.';
export const AUTH_SAMPLE_CODE = '123456';
export const authFooter = (minutes: string) => `This code expires in ${minutes} minutes.`;
export const DEFAULT_LABELS: Record<string, string> = { OTP: 'Copy code', COPY_CODE: 'Copy offer code' };

/** Replace each {{var}} with its example (when there is one; otherwise keep the placeholder). */
export function fillExamples(text: string, examples: Record<string, string>): string {
  return text.replace(/\{\{([^{}]*)\}\}/g, (whole, raw: string) => {
    const value = examples[raw.trim()];
    return value ? value : whole;
  });
}

/** The live preview of the form, with the examples in place of the variables. */
export function previewOf(form: TemplateForm): BubbleDoc {
  if (isAuthentication(form)) {
    const minutes = form.footer.code_expiration_minutes.trim();
    const body = AUTH_BODY.replace('{{1}}', AUTH_SAMPLE_CODE) + (form.body.add_security_recommendation ? ` ${AUTH_SECURITY}` : '');
    return {
      header: null,
      body,
      footer: minutes ? authFooter(minutes) : null,
      buttons: [{ type: 'OTP', text: typeof form.otp.text === 'string' && form.otp.text ? form.otp.text : DEFAULT_LABELS.OTP! }],
    };
  }
  const { header } = form;
  return {
    header:
      header.format === 'NONE'
        ? null
        : header.format === 'TEXT'
          ? { format: 'TEXT', text: fillExamples(header.text, header.examples) }
          : { format: header.format, fileName: header.fileName || null, hasMedia: Boolean(header.handle) },
    body: fillExamples(form.body.text, form.body.examples),
    footer: form.footer.text || null,
    buttons: form.buttons.map((b) => ({
      type: b.type,
      text: b.text || DEFAULT_LABELS[b.type] || '',
      detail: b.type === 'URL' ? fillExamples(b.url, b.example ? { '1': b.example } : {}) : b.type === 'PHONE_NUMBER' ? b.phone_number : null,
    })),
  };
}

export { exampleOrder };
