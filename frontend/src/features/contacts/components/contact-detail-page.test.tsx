import { screen } from '@testing-library/react';
import { Route, Routes } from 'react-router-dom';
import { describe, expect, it } from 'vitest';
import { json, mockApi, renderWithProviders } from '../../../test/utils';
import { ContactDetailPage } from './contact-detail-page';

function page(id: string, locale: 'en' | 'ar' = 'en') {
  return renderWithProviders(
    <Routes>
      <Route path="/contacts/:id" element={<ContactDetailPage />} />
    </Routes>,
    { route: `/contacts/${id}`, locale },
  );
}

describe('Contact detail page', () => {
  it('says a missing contact is not found, with a link back to the list', async () => {
    mockApi({
      'GET /api/v1/contacts/0b5e2f3c-0000-4000-8000-000000000000': () => json({ status: 404, code: 'not_found', detail: 'No such contact.' }, 404),
    });
    page('0b5e2f3c-0000-4000-8000-000000000000');
    expect(await screen.findByRole('heading', { name: 'Contact not found' })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: /All contacts/ })).toHaveAttribute('href', '/contacts');
    expect(screen.queryByText('No such contact.')).not.toBeInTheDocument();
  });

  it('treats an id that is not one (422) as not found, in Arabic without the server text', async () => {
    mockApi({
      'GET /api/v1/contacts/abc': () =>
        json({ status: 422, code: 'validation_error', detail: 'The request is not valid.', errors: [{ loc: ['path', 'contact_id'], msg: 'Input should be a valid UUID' }] }, 422),
    });
    page('abc', 'ar');
    expect(await screen.findByRole('heading', { name: 'جهة الاتصال غير موجودة' })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: /كل جهات الاتصال/ })).toHaveAttribute('href', '/contacts');
    expect(document.body).not.toHaveTextContent(/UUID|not valid/);
  });
});
