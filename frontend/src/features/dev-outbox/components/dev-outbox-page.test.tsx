import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { json, mockApi, renderWithProviders } from '../../../test/utils';
import { DevOutboxLink } from './dev-outbox-link';
import { DevOutboxPage } from './dev-outbox-page';

function mail(overrides: Record<string, unknown> = {}) {
  return {
    id: 'm1',
    to: 'olivia@example.com',
    subject: 'Confirm your email address for QMS',
    body: 'Hello Olivia,\n\nConfirm your email address by opening this link:\nhttp://127.0.0.1:8000/verify-email?token=abc_DEF-123\n\nThe link expires in 48 hours.',
    created_at: '2026-11-28T10:00:00Z',
    sent_at: null,
    ...overrides,
  };
}

describe('Dev outbox page', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('lists the mails newest first with their links clickable and relative to this origin', async () => {
    const user = userEvent.setup();
    let items = [
      mail(),
      mail({
        id: 'm2',
        to: 'mona@example.com',
        subject: 'Olivia invited you to Acme on QMS',
        body: 'Accept the invitation:\nhttps://qms.example.com/invite?token=inv123.\nDocs: https://example.org/help',
        created_at: '2026-11-28T11:00:00Z',
      }),
    ];
    const { calls } = mockApi({ 'GET /api/v1/dev/outbox': () => json({ items }) });
    renderWithProviders(<DevOutboxPage />, { route: '/dev/outbox' });

    expect(screen.getByText('Development only: in production mails are sent by SMTP.')).toBeInTheDocument();
    const mails = await screen.findAllByTestId('outbox-mail');
    expect(mails).toHaveLength(2);
    // Newest first.
    expect(mails[0]).toHaveTextContent('mona@example.com');
    expect(mails[1]).toHaveTextContent('Confirm your email address for QMS');

    const invite = within(mails[0]!).getByRole('link', { name: '/invite?token=inv123' });
    expect(invite).toHaveAttribute('href', '/invite?token=inv123');
    const external = within(mails[0]!).getByRole('link', { name: 'https://example.org/help' });
    expect(external).toHaveAttribute('target', '_blank');
    expect(external).toHaveAttribute('rel', 'noopener noreferrer');
    expect(within(mails[1]!).getByRole('link', { name: '/verify-email?token=abc_DEF-123' })).toHaveAttribute('href', '/verify-email?token=abc_DEF-123');

    items = [mail({ id: 'm3', subject: 'Reset your QMS password', body: 'http://127.0.0.1:8000/reset-password?token=r1', created_at: '2026-11-28T12:00:00Z' }), ...items];
    await user.click(screen.getByRole('button', { name: 'Refresh' }));
    expect(await screen.findByRole('link', { name: '/reset-password?token=r1' })).toBeInTheDocument();
    expect(screen.getAllByTestId('outbox-mail')).toHaveLength(3);
    expect(calls.filter((c) => c.path === '/api/v1/dev/outbox').length).toBeGreaterThanOrEqual(2);
  });

  it('says the outbox is disabled when the endpoint answers 404 (production)', async () => {
    mockApi({ 'GET /api/v1/dev/outbox': () => json({ code: 'not_found', status: 404, detail: 'Not found' }, 404) });
    renderWithProviders(<DevOutboxPage />, { route: '/dev/outbox' });
    expect(await screen.findByText('The dev outbox is disabled.')).toBeInTheDocument();
    expect(screen.queryByText(/Development only/)).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Refresh' })).not.toBeInTheDocument();
  });

  it('the sign-in link shows only when the outbox answers 200', async () => {
    mockApi({ 'GET /api/v1/dev/outbox': () => json({ items: [] }) });
    const { unmount } = renderWithProviders(<DevOutboxLink />);
    expect(await screen.findByRole('link', { name: /dev outbox/ })).toHaveAttribute('href', '/dev/outbox');
    unmount();
    vi.unstubAllGlobals();

    mockApi({ 'GET /api/v1/dev/outbox': () => json({ code: 'not_found', status: 404 }, 404) });
    renderWithProviders(<DevOutboxLink />);
    await new Promise((r) => setTimeout(r, 50));
    expect(screen.queryByRole('link')).not.toBeInTheDocument();
  });
});
