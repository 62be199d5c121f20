"""Message templates: builder storage, lint against Meta's rules, submission, status sync,
rendering (preview and Cloud API components from one renderer)."""
