import { useId, type ReactNode } from 'react';
import { Button, Card, Checkbox, ErrorMessage, Field, Radio, Select, TextArea } from '../../../components/ui';
import { useI18n, type MessageKey } from '../../../lib/i18n';
import { useUploadMedia } from '../api/templates';
import {
  BUTTON_TYPES,
  exampleOrder,
  isAuthentication,
  isBuilderButton,
  MEDIA_FORMATS,
  newButton,
  variablesOf,
  type ButtonForm,
  type ButtonType,
  type Category,
  type HeaderFormat,
  type TemplateForm,
} from '../utils/builder';
import { textDirection } from '../utils/whatsapp-format';

export const LANGUAGES = ['en', 'en_US', 'en_GB', 'ar', 'fr', 'es', 'pt_BR', 'de', 'it', 'tr', 'hi', 'id', 'ur', 'fa', 'he', 'ru', 'zh_CN'];
const HEADER_FORMATS: HeaderFormat[] = ['NONE', 'TEXT', 'IMAGE', 'VIDEO', 'DOCUMENT', 'LOCATION'];
const MEDIA_ACCEPT: Partial<Record<HeaderFormat, string>> = { IMAGE: 'image/jpeg,image/png', VIDEO: 'video/mp4', DOCUMENT: 'application/pdf' };
const LIMITS = { header: 60, body: 1024, footer: 60, label: 25 };

export type Section = 'name' | 'language' | 'category' | 'parameter_format' | 'header' | 'body' | 'footer' | 'buttons';

type Props = {
  form: TemplateForm;
  onChange: (next: TemplateForm, section: Section) => void;
  /** The lint message(s) of a builder field (see fieldOfProblem), or null. */
  errorOf: (field: string) => string | null;
  /** Name, language and parameter format are fixed once a template was submitted. */
  identityLocked: boolean;
  /** The category of an approved template can't change. */
  categoryLocked: boolean;
};

function Counter({ value, max }: { value: string; max: number }) {
  return (
    <span className={`char-count${value.length > max ? ' over' : ''}`} aria-hidden="true">
      {value.length}/{max}
    </span>
  );
}

function FieldErrors({ message, id }: { message: string | null; id?: string }) {
  if (!message) return null;
  return (
    <p className="field-error" id={id}>
      {message}
    </p>
  );
}

/** The builder's sections: basics, header, body, footer, buttons. */
export function BuilderForm({ form, onChange, errorOf, identityLocked, categoryLocked }: Props) {
  const { t } = useI18n();
  const set = (patch: Partial<TemplateForm>, section: Section) => onChange({ ...form, ...patch }, section);
  const auth = isAuthentication(form);

  return (
    <div className="builder-form">
      <Card title={t('templates.builder.basics')}>
        <Field
          label={t('templates.name')}
          value={form.name}
          onChange={(e) => set({ name: e.target.value }, 'name')}
          hint={identityLocked ? t('templates.builder.identity_locked') : t('templates.builder.name_hint')}
          error={errorOf('name')}
          readOnly={identityLocked}
          dir="ltr"
          autoComplete="off"
          spellCheck={false}
        />
        <div className="form-row">
          <Field
            label={t('templates.language')}
            value={form.language}
            list="template-languages"
            onChange={(e) => set({ language: e.target.value }, 'language')}
            hint={t('templates.builder.language_hint')}
            error={errorOf('language')}
            readOnly={identityLocked}
            dir="ltr"
            autoComplete="off"
          />
          <datalist id="template-languages">
            {LANGUAGES.map((l) => (
              <option key={l} value={l} />
            ))}
          </datalist>
          <div className="field">
            <Select label={t('templates.category_label')} value={form.category} disabled={categoryLocked} onChange={(e) => set({ category: e.target.value as Category }, 'category')}>
              {(['MARKETING', 'UTILITY', 'AUTHENTICATION'] as const).map((c) => (
                <option key={c} value={c}>
                  {t(`templates.category.${c}` as MessageKey)}
                </option>
              ))}
            </Select>
            <FieldErrors message={errorOf('category')} />
          </div>
        </div>
        <p className="field-hint category-hint">{t(`templates.category_hint.${form.category}` as MessageKey)}</p>
        {!auth ? (
          <fieldset className="radio-group" disabled={identityLocked}>
            <legend>{t('templates.builder.parameter_format')}</legend>
            <Radio
              name="parameter_format"
              label={t('templates.builder.positional')}
              checked={form.parameter_format === 'positional'}
              onChange={() => set({ parameter_format: 'positional' }, 'parameter_format')}
            />
            <Radio name="parameter_format" label={t('templates.builder.named')} checked={form.parameter_format === 'named'} onChange={() => set({ parameter_format: 'named' }, 'parameter_format')} />
            <FieldErrors message={errorOf('parameter_format')} />
          </fieldset>
        ) : null}
      </Card>

      {auth ? <AuthSection form={form} set={set} errorOf={errorOf} /> : <ContentSections form={form} set={set} errorOf={errorOf} />}
    </div>
  );
}

type SectionProps = { form: TemplateForm; set: (patch: Partial<TemplateForm>, section: Section) => void; errorOf: (field: string) => string | null };

function AuthSection({ form, set, errorOf }: SectionProps) {
  const { t } = useI18n();
  return (
    <Card title={t('templates.builder.auth_title')} description={t('templates.builder.auth_intro')}>
      <Checkbox
        label={t('templates.builder.security_recommendation')}
        checked={form.body.add_security_recommendation}
        onChange={(e) => set({ body: { ...form.body, add_security_recommendation: e.target.checked } }, 'body')}
        error={errorOf('body.security')}
      />
      <Field
        label={t('templates.builder.code_expiry')}
        type="number"
        min={1}
        max={90}
        value={form.footer.code_expiration_minutes}
        onChange={(e) => set({ footer: { ...form.footer, code_expiration_minutes: e.target.value } }, 'footer')}
        hint={t('templates.builder.code_expiry_hint')}
        error={errorOf('footer.expiry')}
      />
      <p className="field-hint">{t('templates.builder.otp_button')}</p>
      <FieldErrors message={errorOf('buttons')} />
    </Card>
  );
}

/** Example inputs, one per variable of a text. */
function Examples({
  text,
  values,
  format,
  onChange,
  error,
  label,
}: {
  text: string;
  values: Record<string, string>;
  format: TemplateForm['parameter_format'];
  onChange: (values: Record<string, string>) => void;
  error: string | null;
  label: string;
}) {
  const { t } = useI18n();
  const errorId = useId();
  const names = exampleOrder(variablesOf(text), format);
  if (names.length === 0) return null;
  return (
    <fieldset className="examples" aria-describedby={error ? errorId : undefined}>
      <legend>{label}</legend>
      <p className="field-hint">{t('templates.builder.examples_hint')}</p>
      <div className="examples-grid">
        {names.map((name) => (
          <Field
            key={name}
            label={t('templates.builder.example_for', { variable: `{{${name}}}` })}
            value={values[name] ?? ''}
            aria-invalid={error ? true : undefined}
            onChange={(e) => onChange({ ...values, [name]: e.target.value })}
            dir={textDirection(values[name] ?? '') === 'rtl' ? 'rtl' : undefined}
          />
        ))}
      </div>
      <FieldErrors message={error} id={errorId} />
    </fieldset>
  );
}

function ContentSections({ form, set, errorOf }: SectionProps) {
  const { t } = useI18n();
  const { header, body, footer } = form;
  const varHint = form.parameter_format === 'named' ? t('templates.builder.variables_named') : t('templates.builder.variables_positional');

  const addVariable = () => {
    const names = variablesOf(body.text);
    const next = form.parameter_format === 'named' ? `{{${'variable_' + (names.length + 1)}}}` : `{{${names.length + 1}}}`;
    const text = body.text + (body.text && !/\s$/.test(body.text) ? ' ' : '') + next;
    set({ body: { ...body, text } }, 'body');
  };

  return (
    <>
      <Card title={t('templates.builder.header')} description={t('templates.builder.header_intro')}>
        <Select label={t('templates.builder.header_format')} value={header.format} onChange={(e) => set({ header: { ...header, format: e.target.value as HeaderFormat } }, 'header')}>
          {HEADER_FORMATS.map((f) => (
            <option key={f} value={f}>
              {t(`templates.header_format.${f}` as MessageKey)}
            </option>
          ))}
        </Select>
        <FieldErrors message={errorOf('header.format')} />
        {header.format === 'TEXT' ? (
          <>
            <Field
              label={
                <>
                  {t('templates.builder.header_text')} <Counter value={header.text} max={LIMITS.header} />
                </>
              }
              value={header.text}
              onChange={(e) => set({ header: { ...header, text: e.target.value } }, 'header')}
              hint={t('templates.builder.header_text_hint')}
              error={errorOf('header.text')}
              dir="auto"
            />
            <Examples
              label={t('templates.builder.header_examples')}
              text={header.text}
              values={header.examples}
              format={form.parameter_format}
              onChange={(examples) => set({ header: { ...header, examples } }, 'header')}
              error={errorOf('header.examples')}
            />
          </>
        ) : null}
        {MEDIA_FORMATS.includes(header.format) ? <MediaUpload form={form} set={set} error={errorOf('header.handle')} /> : null}
        {header.format === 'LOCATION' ? <p className="field-hint">{t('templates.builder.location_hint')}</p> : null}
      </Card>

      <Card title={t('templates.builder.body')}>
        <TextArea
          label={
            <>
              {t('templates.builder.body_text')} <Counter value={body.text} max={LIMITS.body} />
            </>
          }
          rows={6}
          value={body.text}
          onChange={(e) => set({ body: { ...body, text: e.target.value } }, 'body')}
          hint={`${varHint} ${t('templates.builder.formatting_hint')}`}
          error={errorOf('body.text')}
          dir="auto"
        />
        <div className="button-row builder-inline-actions">
          <Button size="sm" variant="secondary" onClick={addVariable}>
            {t('templates.builder.add_variable')}
          </Button>
        </div>
        <Examples
          label={t('templates.builder.body_examples')}
          text={body.text}
          values={body.examples}
          format={form.parameter_format}
          onChange={(examples) => set({ body: { ...body, examples } }, 'body')}
          error={errorOf('body.examples')}
        />
      </Card>

      <Card title={t('templates.builder.footer')}>
        <Field
          label={
            <>
              {t('templates.builder.footer_text')} <Counter value={footer.text} max={LIMITS.footer} />
            </>
          }
          value={footer.text}
          onChange={(e) => set({ footer: { ...footer, text: e.target.value } }, 'footer')}
          hint={t('templates.builder.footer_hint')}
          error={errorOf('footer.text')}
          dir="auto"
        />
      </Card>

      <ButtonsSection form={form} set={set} errorOf={errorOf} />
    </>
  );
}

function MediaUpload({ form, set, error }: { form: TemplateForm; set: SectionProps['set']; error: string | null }) {
  const { t } = useI18n();
  const upload = useUploadMedia();
  const { header } = form;
  const onFile = (file: File | undefined) => {
    if (!file) return;
    upload.mutate(file, {
      onSuccess: (out) => set({ header: { ...header, handle: out.header_handle, fileName: file.name } }, 'header'),
    });
  };
  return (
    <div className="field">
      <label htmlFor="template-header-media">{t('templates.builder.media_sample')}</label>
      <input id="template-header-media" type="file" className="file-input" accept={MEDIA_ACCEPT[header.format]} onChange={(e) => onFile(e.target.files?.[0])} aria-invalid={error ? true : undefined} />
      <p className="field-hint">{t('templates.builder.media_hint')}</p>
      {upload.isPending ? <p className="field-hint">{t('templates.builder.uploading')}</p> : null}
      {header.handle ? (
        <p className="field-hint" data-testid="header-handle">
          {t('templates.builder.media_uploaded', { name: header.fileName || t('templates.builder.sample') })}
        </p>
      ) : null}
      <ErrorMessage error={upload.error} />
      <FieldErrors message={error} />
    </div>
  );
}

function ButtonsSection({ form, set, errorOf }: SectionProps) {
  const { t } = useI18n();
  const update = (index: number, patch: Partial<ButtonForm>) => set({ buttons: form.buttons.map((b, i) => (i === index ? { ...b, ...patch } : b)) }, 'buttons');
  const remove = (index: number) => set({ buttons: form.buttons.filter((_, i) => i !== index) }, 'buttons');
  const add = (type: ButtonType) => set({ buttons: [...form.buttons, newButton(type)] }, 'buttons');

  return (
    <Card title={t('templates.builder.buttons')} description={t('templates.builder.buttons_intro')}>
      {form.buttons.length > 0 ? (
        <ol className="builder-buttons">
          {form.buttons.map((button, index) => (
            <li key={index} className="builder-button" data-testid={`button-${index}`}>
              {isBuilderButton(button.type) ? (
                <ButtonEditor index={index} button={button} update={(patch) => update(index, patch)} errorOf={errorOf} />
              ) : (
                <p className="field-hint">{t('templates.builder.button_kept', { type: button.type })}</p>
              )}
              <Button size="sm" variant="ghost" onClick={() => remove(index)} aria-label={t('templates.builder.remove_button', { number: index + 1 })}>
                {t('common.remove')}
              </Button>
            </li>
          ))}
        </ol>
      ) : null}
      <FieldErrors message={errorOf('buttons')} />
      <div className="button-row" role="group" aria-label={t('templates.builder.add_button')}>
        {BUTTON_TYPES.map((type) => (
          <Button key={type} size="sm" variant="secondary" onClick={() => add(type)}>
            + {t(`templates.button_type.${type}` as MessageKey)}
          </Button>
        ))}
      </div>
    </Card>
  );
}

function ButtonEditor({ index, button, update, errorOf }: { index: number; button: ButtonForm; update: (patch: Partial<ButtonForm>) => void; errorOf: (field: string) => string | null }) {
  const { t } = useI18n();
  const key = (field: string) => `buttons.${index}.${field}`;
  const hasVariable = variablesOf(button.url).length > 0;
  const fields: ReactNode[] = [];
  fields.push(
    <Select key="type" label={t('templates.builder.button_type', { number: index + 1 })} value={button.type} onChange={(e) => update({ type: e.target.value })}>
      {BUTTON_TYPES.map((type) => (
        <option key={type} value={type}>
          {t(`templates.button_type.${type}` as MessageKey)}
        </option>
      ))}
    </Select>,
  );
  fields.push(
    <Field
      key="text"
      label={
        <>
          {t('templates.builder.button_label', { number: index + 1 })} <Counter value={button.text} max={LIMITS.label} />
        </>
      }
      value={button.text}
      placeholder={button.type === 'COPY_CODE' ? t('templates.builder.copy_code_default') : undefined}
      onChange={(e) => update({ text: e.target.value })}
      error={errorOf(key('text'))}
      dir="auto"
    />,
  );
  if (button.type === 'URL') {
    fields.push(
      <Field
        key="url"
        label={t('templates.builder.button_url', { number: index + 1 })}
        value={button.url}
        type="url"
        placeholder="https://example.com/shop/{{1}}"
        onChange={(e) => update({ url: e.target.value })}
        hint={t('templates.builder.url_hint')}
        error={errorOf(key('url'))}
        dir="ltr"
      />,
    );
    if (hasVariable) {
      fields.push(
        <Field
          key="example"
          label={t('templates.builder.url_example', { number: index + 1 })}
          value={button.example}
          onChange={(e) => update({ example: e.target.value })}
          error={errorOf(key('example'))}
          dir="ltr"
        />,
      );
    }
  }
  if (button.type === 'PHONE_NUMBER') {
    fields.push(
      <Field
        key="phone"
        label={t('templates.builder.button_phone', { number: index + 1 })}
        type="tel"
        value={button.phone_number}
        placeholder="+15550783881"
        onChange={(e) => update({ phone_number: e.target.value })}
        error={errorOf(key('phone_number'))}
        dir="ltr"
      />,
    );
  }
  if (button.type === 'COPY_CODE') {
    fields.push(
      <Field
        key="code"
        label={t('templates.builder.copy_code_example', { number: index + 1 })}
        value={button.example}
        maxLength={15}
        onChange={(e) => update({ example: e.target.value })}
        error={errorOf(key('example'))}
        dir="ltr"
      />,
    );
  }
  const typeError = errorOf(key('type'));
  return (
    <div className="builder-button-fields">
      {fields}
      <FieldErrors message={typeError} />
    </div>
  );
}
