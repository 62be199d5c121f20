import { defineConfig } from '@playwright/test';

// Overridable so several e2e stacks can run side by side (each with its own database and Redis
// via QMS_E2E_DATABASE_URL / QMS_E2E_REDIS_URL, which `qms.cli e2e-server` reads).
const PORT = Number(process.env.QMS_E2E_PORT || 8001);
const SIMULATOR_PORT = Number(process.env.QMS_E2E_SIMULATOR_PORT || 9091);
const baseURL = `http://127.0.0.1:${PORT}`;

export default defineConfig({
  testDir: './e2e',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [['list']],
  use: {
    baseURL,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  projects: [{ name: 'chromium', use: { browserName: 'chromium' } }],
  webServer: {
    // A fresh qms_e2e database, migrated, serving the built SPA (frontend/dist) and the API.
    command: `cd .. && .venv/bin/python -m qms.cli e2e-server --port ${PORT} --simulator-port ${SIMULATOR_PORT}`,
    url: `${baseURL}/readyz`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
