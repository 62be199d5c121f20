import { useI18n, type MessageKey } from '../../../lib/i18n';
import type { PreviewOut } from '../api/templates';
import type { BubbleDoc } from '../utils/preview';
import { textDirection, WhatsAppText } from '../utils/whatsapp-format';

const BUTTON_ICON: Record<string, string> = { URL: '↗', PHONE_NUMBER: '✆', COPY_CODE: '⧉', OTP: '⧉', QUICK_REPLY: '↩' };

/** The API's structured preview as a bubble document. */
export function bubbleOfPreview(preview: PreviewOut['preview']): BubbleDoc {
  const header = preview.header;
  return {
    header: header
      ? {
          format: header.format,
          text: header.text,
          fileName: header.media?.filename ?? header.media?.link ?? null,
          hasMedia: Boolean(header.media),
        }
      : null,
    body: preview.body,
    footer: preview.footer,
    buttons: preview.buttons.map((b) => ({ type: b.type, text: b.text, detail: b.url ?? b.phone_number ?? b.code ?? null })),
  };
}

/**
 * A WhatsApp-style chat: the template as the customer sees it — header, body with WhatsApp
 * formatting, footer, and the buttons under the bubble. Each text runs in its own direction
 * (right-to-left for Arabic).
 */
export function WhatsAppBubble({ doc, testId = 'wa-bubble' }: { doc: BubbleDoc; testId?: string }) {
  const { t } = useI18n();
  const empty = !doc.header && !doc.body && !doc.footer && doc.buttons.length === 0;
  return (
    <div className="wa-chat" dir="ltr">
      <div className="wa-message">
        <div className="wa-bubble" data-testid={testId}>
          {doc.header ? <BubbleHeader header={doc.header} /> : null}
          {doc.body ? (
            <div className="wa-body" dir={textDirection(doc.body)} data-testid="wa-body">
              <WhatsAppText text={doc.body} />
            </div>
          ) : empty ? (
            <div className="wa-body wa-placeholder">{t('templates.preview.empty')}</div>
          ) : null}
          {doc.footer ? (
            <div className="wa-footer" dir={textDirection(doc.footer)}>
              {doc.footer}
            </div>
          ) : null}
          <div className="wa-time" aria-hidden="true">
            12:00
          </div>
        </div>
        {doc.buttons.length > 0 ? (
          <div className="wa-buttons">
            {doc.buttons.map((button, index) => (
              <div key={index} className="wa-button" dir={textDirection(button.text)} title={button.detail ?? undefined}>
                <span className="wa-button-icon" aria-hidden="true">
                  {BUTTON_ICON[button.type] ?? '•'}
                </span>
                <span>{button.text || t(`templates.button_type.${button.type}` as MessageKey)}</span>
              </div>
            ))}
          </div>
        ) : null}
      </div>
    </div>
  );
}

function BubbleHeader({ header }: { header: NonNullable<BubbleDoc['header']> }) {
  const { t } = useI18n();
  if (header.format === 'TEXT') {
    return header.text ? (
      <div className="wa-header" dir={textDirection(header.text)}>
        {header.text}
      </div>
    ) : null;
  }
  const label = t(`templates.header_format.${header.format}` as MessageKey);
  return (
    <div className={`wa-media wa-media-${header.format.toLowerCase()}`} data-testid="wa-media">
      <span className="wa-media-icon" aria-hidden="true">
        {header.format === 'IMAGE' ? '🖼' : header.format === 'VIDEO' ? '▶' : header.format === 'DOCUMENT' ? '📄' : '📍'}
      </span>
      <span className="wa-media-label">{header.fileName || label}</span>
    </div>
  );
}
