import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { describe, expect, it } from 'vitest';
import { I18nProvider } from '../../lib/i18n';
import { Button, ConfirmButton, Dialog } from './index';

function Harness() {
  const [open, setOpen] = useState(false);
  return (
    <I18nProvider locale="en">
      <Button onClick={() => setOpen(true)}>Open</Button>
      <a href="#elsewhere">Background link</a>
      <Dialog
        open={open}
        title="Edit"
        onClose={() => setOpen(false)}
        footer={
          <>
            <Button onClick={() => setOpen(false)}>Cancel</Button>
            <ConfirmButton confirm="Sure?" onConfirm={() => undefined}>
              Remove
            </ConfirmButton>
          </>
        }
      >
        <label>
          Name <input />
        </label>
      </Dialog>
    </I18nProvider>
  );
}

describe('Dialog', () => {
  it('traps Tab and Shift+Tab inside the modal; Escape closes and returns the focus to the opener', async () => {
    const user = userEvent.setup();
    render(<Harness />);
    const opener = screen.getByRole('button', { name: 'Open' });
    await user.click(opener);
    const dialog = screen.getByRole('dialog', { name: 'Edit' });
    expect(dialog).toHaveFocus();

    await user.tab();
    expect(screen.getByRole('textbox', { name: 'Name' })).toHaveFocus();
    await user.tab();
    expect(screen.getByRole('button', { name: 'Cancel' })).toHaveFocus();
    await user.tab();
    expect(screen.getByRole('button', { name: 'Remove' })).toHaveFocus();
    // Past the last element: back to the first, never the page behind.
    await user.tab();
    expect(screen.getByRole('textbox', { name: 'Name' })).toHaveFocus();
    await user.tab({ shift: true });
    expect(screen.getByRole('button', { name: 'Remove' })).toHaveFocus();
    expect(screen.getByRole('link', { name: 'Background link' })).not.toHaveFocus();

    await user.keyboard('{Escape}');
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    expect(opener).toHaveFocus();
  });

  it('a confirmation opened from a dialog traps the focus itself, and Escape closes only it', async () => {
    const user = userEvent.setup();
    render(<Harness />);
    await user.click(screen.getByRole('button', { name: 'Open' }));
    await user.click(screen.getByRole('button', { name: 'Remove' }));
    const confirm = screen.getByRole('dialog', { name: 'Confirm' });
    await user.tab();
    await user.tab();
    await user.tab();
    expect(confirm.contains(document.activeElement)).toBe(true);
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('dialog', { name: 'Confirm' })).not.toBeInTheDocument();
    expect(screen.getByRole('dialog', { name: 'Edit' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Remove' })).toHaveFocus();
  });
});
