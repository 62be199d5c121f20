import { useState } from 'react';
import { Button, Dialog, ErrorMessage, Field, Radio, Select } from '../../../components/ui';
import { useI18n, type MessageKey } from '../../../lib/i18n';
import { useCloneTemplate, type Template } from '../api/templates';
import { LANGUAGES } from './builder-form';

/** Clone: another language of the same template (same name), or a new template (another name). */
export function CloneDialog({ open, template, onClose, onCloned }: { open: boolean; template: Template; onClose: () => void; onCloned: (t: Template) => void }) {
  const { t } = useI18n();
  const clone = useCloneTemplate(template.id);
  const [mode, setMode] = useState<'language' | 'name'>('language');
  const [language, setLanguage] = useState('');
  const [name, setName] = useState(`${template.name}_copy`);
  const [category, setCategory] = useState<Template['category']>(template.category);

  const run = () =>
    clone.mutate(mode === 'language' ? { language: language.trim() } : { name: name.trim(), category }, {
      onSuccess: (created) => {
        onClose();
        onCloned(created);
      },
    });

  return (
    <Dialog
      open={open}
      title={t('templates.clone.title')}
      onClose={onClose}
      footer={
        <>
          <Button variant="secondary" onClick={onClose}>
            {t('common.cancel')}
          </Button>
          <Button loading={clone.isPending} disabled={mode === 'language' ? !language.trim() : !name.trim()} onClick={run}>
            {t('templates.clone.create')}
          </Button>
        </>
      }
    >
      <p>{t('templates.clone.intro')}</p>
      <Radio name="clone-mode" label={t('templates.clone.as_language')} checked={mode === 'language'} onChange={() => setMode('language')} />
      <Radio name="clone-mode" label={t('templates.clone.as_new')} checked={mode === 'name'} onChange={() => setMode('name')} />
      {mode === 'language' ? (
        <>
          <Field label={t('templates.language')} value={language} list="clone-languages" onChange={(e) => setLanguage(e.target.value)} dir="ltr" autoComplete="off" />
          <datalist id="clone-languages">
            {LANGUAGES.filter((l) => l !== template.language).map((l) => (
              <option key={l} value={l} />
            ))}
          </datalist>
        </>
      ) : (
        <>
          <Field label={t('templates.name')} value={name} onChange={(e) => setName(e.target.value)} dir="ltr" autoComplete="off" />
          <Select label={t('templates.category_label')} value={category} onChange={(e) => setCategory(e.target.value as Template['category'])}>
            {(['MARKETING', 'UTILITY', 'AUTHENTICATION'] as const).map((c) => (
              <option key={c} value={c}>
                {t(`templates.category.${c}` as MessageKey)}
              </option>
            ))}
          </Select>
        </>
      )}
      <ErrorMessage error={clone.error} />
    </Dialog>
  );
}
