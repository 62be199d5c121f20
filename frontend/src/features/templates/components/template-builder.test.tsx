import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route, Routes } from 'react-router-dom';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { authStore } from '../../../lib/auth-store';
import { json, mockApi, renderWithProviders, type Call } from '../../../test/utils';
import { TemplateBuilderPage } from './template-builder-page';

type Body = { components: { type: string; text?: string }[] };

/** The linter's answer for a body that ends with a variable, at the body's index. */
function lint(call: Call) {
  const body = call.body as Body;
  const index = body.components.findIndex((c) => c.type === 'BODY');
  const text = body.components[index]?.text ?? '';
  const problems = /\}\}\s*$/.test(text)
    ? [{ path: `components[${index}].text`, code: 'body.trailing_variable', message: 'The body ends with a variable; add text after it.' }]
    : [];
  return json({ ok: problems.length === 0, problems });
}

function renderBuilder() {
  return renderWithProviders(
    <Routes>
      <Route path="/templates/new" element={<TemplateBuilderPage />} />
      <Route path="/templates/:id" element={<TemplateBuilderPage />} />
    </Routes>,
    { route: '/templates/new' },
  );
}

describe('template builder', () => {
  beforeEach(() => authStore.setSession({ access_token: 'access-1', workspace_id: 'w1', role: 'marketer' }));
  afterEach(() => {
    vi.unstubAllGlobals();
    authStore.reset();
  });

  it('shows lint problems at their field, and the live preview right-to-left for Arabic', async () => {
    const user = userEvent.setup();
    const { calls } = mockApi({ 'POST /api/v1/templates/lint': lint });
    renderBuilder();

    await user.type(screen.getByLabelText('Name'), 'promo');
    const body = screen.getByLabelText(/^Message text/);
    await user.type(body, 'Hello {{{{1}}');

    await waitFor(() => expect(screen.getByText('The body ends with a variable; add text after it.')).toBeInTheDocument(), { timeout: 3000 });
    // The message is the body field's own error (described by it), not a general one.
    const error = screen.getByText('The body ends with a variable; add text after it.');
    expect(body).toHaveAttribute('aria-invalid', 'true');
    expect(body.getAttribute('aria-describedby')).toContain(error.id);
    expect(screen.queryByTestId('general-problems')).toBeNull();
    const sent = calls.filter((c) => c.path === '/api/v1/templates/lint').at(-1)!.body as Body & { name: string };
    expect(sent.name).toBe('promo');

    // An example input appeared for {{1}}; fixing the text clears the error.
    await user.type(screen.getByLabelText('Example for {{1}}'), 'Amira');
    await user.type(body, ', welcome!');
    await waitFor(() => expect(screen.queryByText('The body ends with a variable; add text after it.')).toBeNull(), { timeout: 3000 });
    expect(screen.getByTestId('wa-body')).toHaveTextContent('Hello Amira, welcome!');
    expect(screen.getByTestId('wa-body')).toHaveAttribute('dir', 'ltr');

    await user.clear(body);
    await user.type(body, 'مرحبا *عميلنا* العزيز');
    expect(screen.getByTestId('wa-body')).toHaveAttribute('dir', 'rtl');
    expect(within(screen.getByTestId('wa-body')).getByText('عميلنا').tagName).toBe('STRONG');
  });

  it('shows every problem of a refused submission (422 templates.lint_failed)', async () => {
    const user = userEvent.setup();
    const problems = [
      { path: 'components[0].text', code: 'body.too_many_variables', message: 'Too many variables for the text.' },
      { path: 'components[0].example.body_text', code: 'body.example_empty', message: 'The example for {{1}} is empty.' },
    ];
    const created = {
      id: 't1', mode: 'test', name: 'promo', language: 'en', category: 'MARKETING', parameter_format: 'positional',
      components: [{ type: 'BODY', text: 'Hi {{1}} !', example: { body_text: [['']] } }], parameter_mapping: {}, status: 'DRAFT',
      status_info: null, rejection_reason: null, rejection_info: null, quality_score: null, quality_updated_at: null, previous_category: null,
      meta_template_id: null, version: 0, submitted_at: null, synced_at: null, created_at: '2026-11-28T10:00:00Z', updated_at: '2026-11-28T10:00:00Z', variants: [],
    };
    const { calls } = mockApi({
      'POST /api/v1/templates/lint': () => json({ ok: true, problems: [] }),
      'POST /api/v1/templates': () => json(created, 201),
      'POST /api/v1/templates/t1/submit': () =>
        json({ type: 'about:blank', title: 'Unprocessable', status: 422, code: 'templates.lint_failed', detail: '2 problem(s)', problems }, 422),
      'GET /api/v1/templates/t1': () => json(created),
    });
    renderBuilder();
    await user.type(screen.getByLabelText('Name'), 'promo');
    await user.type(screen.getByLabelText(/^Message text/), 'Hi {{{{1}} !');
    await user.click(screen.getByRole('button', { name: 'Submit for review' }));

    const list = await screen.findByTestId('submit-problems');
    expect(within(list).getAllByRole('listitem').map((li) => li.textContent)).toEqual(['Too many variables for the text.', 'The example for {{1}} is empty.']);
    expect(calls.find((c) => c.method === 'POST' && c.path === '/api/v1/templates')?.body).toMatchObject({
      name: 'promo',
      category: 'MARKETING',
      components: [{ type: 'BODY', text: 'Hi {{1}} !', example: { body_text: [['']] } }],
    });
  });
});
