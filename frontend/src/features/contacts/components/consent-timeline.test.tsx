import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { renderWithProviders } from '../../../test/utils';
import type { ConsentEvent, ConsentHistory } from '../api/contacts';
import { ConsentTimeline } from './consent-timeline';

function event(seq: number, overrides: Partial<ConsentEvent> = {}): ConsentEvent {
  return {
    id: seq,
    seq,
    purpose: 'marketing',
    status: 'opted_in',
    source: 'agent',
    source_ref: null,
    evidence: 'Agreed on the phone on 1 Nov',
    effective: true,
    ip: null,
    user_agent: null,
    actor_user_id: 'u-1',
    actor_api_key_id: null,
    occurred_at: `2026-11-0${seq}T10:00:00Z`,
    digest: `d${seq}`,
    ...overrides,
  };
}

function history(items: ConsentEvent[], chain: Partial<ConsentHistory['chain']> = {}): ConsentHistory {
  return {
    contact_id: 'c-1',
    marketing_consent: 'opted_out',
    utility_consent: 'none',
    chain: { valid: true, events: items.length, broken_at_seq: null, reason: null, ...chain },
    items,
  };
}

describe('Consent timeline', () => {
  it('lists events newest first with source, actor, evidence, IP and user agent, and a valid chain', () => {
    renderWithProviders(
      <ConsentTimeline
        names={{ 'u-1': 'Amal Agent' }}
        history={history([
          event(1, { source: 'web_form', actor_user_id: null, ip: '203.0.113.9', user_agent: 'Mozilla/5.0 Test', source_ref: 'optin:acme', evidence: 'I agree to receive WhatsApp messages' }),
          event(2, { status: 'opted_out', source: 'inbound_keyword', actor_user_id: null, evidence: null, source_ref: 'wamid.X' }),
        ])}
      />,
    );
    expect(screen.getByTestId('chain-status')).toHaveTextContent('✓ Chain verified: 2 events, none altered.');
    const items = within(screen.getByTestId('consent-timeline')).getAllByRole('listitem');
    expect(items.map((li) => li.getAttribute('data-seq'))).toEqual(['2', '1']);
    expect(items[0]).toHaveTextContent('Opted out');
    expect(items[0]).toHaveTextContent('WhatsApp keyword');
    expect(items[0]).toHaveTextContent('The person');
    expect(items[1]).toHaveTextContent('Opt-in form');
    expect(items[1]).toHaveTextContent('203.0.113.9');
    expect(items[1]).toHaveTextContent('Mozilla/5.0 Test');
    expect(items[1]).toHaveTextContent('I agree to receive WhatsApp messages');
    expect(screen.queryByText('Not applied')).toBeNull();
  });

  it('explains an opt-in that was recorded but not applied because of a suppression', () => {
    renderWithProviders(
      <ConsentTimeline
        names={{ 'u-1': 'Amal Agent' }}
        history={history([event(1, { status: 'opted_out', source: 'inbound_keyword', actor_user_id: null }), event(2, { effective: false })])}
      />,
    );
    const [latest] = within(screen.getByTestId('consent-timeline')).getAllByRole('listitem');
    expect(latest).toHaveClass('timeline-ineffective');
    expect(within(latest!).getByText('Not applied')).toBeInTheDocument();
    expect(within(latest!).getByRole('note')).toHaveTextContent(
      'Recorded but not applied: the number is on the suppression list, and an opt-in by a team member, the API or an import never overrides a suppression.',
    );
    expect(latest).toHaveTextContent('Amal Agent');
    expect(latest).toHaveTextContent('Team member');
  });

  it('shows where and why the chain is broken', () => {
    renderWithProviders(<ConsentTimeline history={history([event(1), event(2), event(3)], { valid: false, broken_at_seq: 2, reason: 'event altered' })} />);
    const status = screen.getByTestId('chain-status');
    expect(status).toHaveAttribute('data-valid', 'false');
    expect(status).toHaveTextContent('✗ Chain broken at event #2: the event was changed after it was recorded.');
    expect(screen.getByRole('alert')).toHaveTextContent('Events from this one on cannot be relied on');
    const broken = screen.getByTestId('consent-timeline').querySelector('[data-seq="2"]')!;
    expect(broken).toHaveClass('timeline-broken');
    expect(broken).toHaveTextContent('Chain breaks here');
  });

  it('shows an unknown reason as sent, and renders in Arabic', () => {
    renderWithProviders(<ConsentTimeline history={history([event(1)], { valid: false, broken_at_seq: 1, reason: 'something new' })} />, { locale: 'ar' });
    expect(screen.getByTestId('chain-status')).toHaveTextContent('السلسلة مكسورة عند الحدث رقم 1: something new.');
  });
});
