import { useMemo, useState } from 'react';
import { Alert, Button, ErrorMessage, Field } from '../../../components/ui';
import { useI18n } from '../../../lib/i18n';
import { usePreviewTemplate, type RenderIn, type Template } from '../api/templates';
import { exampleOrder, fromTemplate, isAuthentication, variablesOf } from '../utils/builder';
import { bubbleOfPreview, WhatsAppBubble } from './whatsapp-bubble';

/**
 * The saved template rendered by the API with sample values: the same renderer that sends it,
 * so this is exactly what the customer receives (and the Cloud API `components` it sends).
 */
export function ServerPreview({ template, dirty }: { template: Template; dirty: boolean }) {
  const { t } = useI18n();
  const preview = usePreviewTemplate(template.id);
  const [values, setValues] = useState<Record<string, string>>({});
  const named = template.parameter_format === 'named';

  const inputs = useMemo(() => {
    const form = fromTemplate(template);
    const out: { key: string; label: string }[] = [];
    if (isAuthentication(form)) return [{ key: 'button.0', label: t('templates.preview.code') }];
    if (form.header.format === 'TEXT') for (const v of exampleOrder(variablesOf(form.header.text), template.parameter_format)) out.push({ key: `header.${v}`, label: t('templates.preview.header_var', { variable: `{{${v}}}` }) });
    for (const v of exampleOrder(variablesOf(form.body.text), template.parameter_format)) out.push({ key: `body.${v}`, label: t('templates.preview.body_var', { variable: `{{${v}}}` }) });
    form.buttons.forEach((b, i) => {
      if (b.type === 'URL' && variablesOf(b.url).length > 0) out.push({ key: `button.${i}`, label: t('templates.preview.url_var', { number: i + 1 }) });
      if (b.type === 'COPY_CODE') out.push({ key: `button.${i}`, label: t('templates.preview.code_var', { number: i + 1 }) });
    });
    return out;
  }, [template, t]);

  const request = (): RenderIn => {
    const body: RenderIn = {};
    const filled = Object.entries(values).filter(([, v]) => v.trim());
    const buttons = Object.fromEntries(filled.filter(([k]) => k.startsWith('button.')).map(([k, v]) => [k.slice(7), v]));
    if (Object.keys(buttons).length > 0) body.button_parameters = buttons;
    const text = filled.filter(([k]) => !k.startsWith('button.'));
    if (named) {
      if (text.length > 0) body.parameters = Object.fromEntries(text);
    } else {
      const header = text.find(([k]) => k.startsWith('header.'));
      if (header) body.header_parameter = header[1];
      const bodyVars = inputs.filter((i) => i.key.startsWith('body.'));
      if (bodyVars.some((i) => values[i.key]?.trim())) body.parameters = bodyVars.map((i) => values[i.key]?.trim() ?? '');
    }
    return body;
  };

  return (
    <section className="server-preview" aria-label={t('templates.preview.exact')}>
      <h3>{t('templates.preview.exact')}</h3>
      <p className="field-hint">{dirty ? t('templates.preview.exact_unsaved') : t('templates.preview.exact_hint')}</p>
      {inputs.map((input) => (
        <Field key={input.key} label={input.label} value={values[input.key] ?? ''} onChange={(e) => setValues({ ...values, [input.key]: e.target.value })} dir="auto" />
      ))}
      <Button size="sm" variant="secondary" loading={preview.isPending} onClick={() => preview.mutate(request())}>
        {t('templates.preview.render')}
      </Button>
      <ErrorMessage error={preview.error} />
      {preview.data ? (
        <div className="server-preview-result">
          <WhatsAppBubble doc={bubbleOfPreview(preview.data.preview)} testId="wa-bubble-exact" />
          {preview.data.used_examples.length > 0 ? <p className="field-hint">{t('templates.preview.used_examples', { keys: preview.data.used_examples.join(', ') })}</p> : null}
          {preview.data.missing.length > 0 ? <Alert kind="warning">{t('templates.preview.missing', { keys: preview.data.missing.join(', ') })}</Alert> : null}
          {preview.data.warnings.map((w, i) => (
            <Alert key={i} kind="warning">
              {w}
            </Alert>
          ))}
          <details className="json-preview">
            <summary>{t('templates.preview.components')}</summary>
            <pre dir="ltr">{JSON.stringify(preview.data.components, null, 2)}</pre>
          </details>
        </div>
      ) : null}
    </section>
  );
}
