"""WhatsApp Cloud API simulator: its own FastAPI app (`qms.simulator.app:create_app`), Graph-style
routes that behave like Meta's, signed webhooks back to QMS, and a `/_sim/` control API.
See docs/simulator.md."""
