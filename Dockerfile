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
    && useradd --system --uid 10001 --user-group --home /var/lib/emby-analytics emby-analytics \
    && mkdir -p /var/lib/emby-analytics \
    && chown emby-analytics /var/lib/emby-analytics

USER emby-analytics
VOLUME /var/lib/emby-analytics
EXPOSE 8080
# /health with the admin token (the setting, else the one generated beside the database): READ_ACCESS=token would
# refuse it otherwise. A first start may migrate a large database: the start period covers it.
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s CMD python -c "import os, pathlib, urllib.request as r; f = pathlib.Path(os.environ['SQLITE_PATH']).parent / 'admin_token'; t = os.environ.get('ADMIN_TOKEN') or (f.read_text().strip() if f.exists() else ''); r.urlopen(r.Request('http://127.0.0.1:%s/health' % os.environ.get('PORT', '8080'), headers={'Authorization': 'Bearer ' + t} if t else {}), timeout=4)"
CMD ["emby-analytics", "serve"]
