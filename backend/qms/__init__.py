"""QMS — WhatsApp Business marketing platform."""
