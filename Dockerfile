# syntax=docker/dockerfile:1
# Stage 1: build the SPA.
FROM node:20-bookworm-slim AS spa
WORKDIR /app/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/ ./
COPY openapi/ /app/openapi/
RUN npm run build

# Stage 2: the Python runtime (API, worker and simulator share this image).
FROM python:3.11-slim-bookworm AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    QMS_ENV=production \
    QMS_SPA_DIST=/app/frontend/dist \
    QMS_DATA_DIR=/app/data \
    QMS_APP_ROOT=/app
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 --shell /usr/sbin/nologin qms
COPY pyproject.toml alembic.ini README.md ./
COPY backend/ backend/
COPY migrations/ migrations/
RUN pip install --upgrade pip && pip install .
COPY --from=spa /app/frontend/dist /app/frontend/dist
RUN mkdir -p /app/data && chown qms:qms /app/data
USER qms
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
    CMD curl -fsS http://127.0.0.1:8000/readyz || exit 1
CMD ["uvicorn", "qms.main:create_app", "--factory", "--host", "0.0.0.0", "--port", "8000", "--proxy-headers"]
