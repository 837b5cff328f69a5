# Emby Analytics: one Python process serving the API and the web UI. Node builds the UI and is left behind.

# 1. The web UI (web/ → src/emby_analytics/web/).
FROM node:20-slim AS web
WORKDIR /build/web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY web ./
RUN npm run build

# 2. The service, with the built UI inside the package.
FROM python:3.11-slim
ARG COMMIT=unknown
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    EMBY_ANALYTICS_COMMIT=${COMMIT} \
    SQLITE_PATH=/var/lib/emby-analytics/emby.db \
    HOST=0.0.0.0 \
    PORT=8080

WORKDIR /app
COPY pyproject.toml requirements.lock README.md ./
COPY src ./src
COPY --from=web /build/src/emby_analytics/web ./src/emby_analytics/web
RUN pip install --no-cache-dir -c requirements.lock . \
    && rm -rf /app/src \
    && useradd --system --home /var/lib/emby-analytics emby-analytics \
    && mkdir -p /var/lib/emby-analytics \
    && chown emby-analytics /var/lib/emby-analytics

USER emby-analytics
VOLUME /var/lib/emby-analytics
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request,os; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"PORT\",\"8080\")}/health', timeout=4)"
CMD ["emby-analytics", "serve"]
