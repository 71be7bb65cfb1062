# hackcity: the web app, its migrations and its background workers, in one image.
#   docker compose up -d        (compose.yaml: the app and PostgreSQL; docs/DEPLOY.md)
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# The templates and static files are read next to the package (events/templating.py), so the
# package is installed in place (`pip install --editable .`): the code that runs is the one in /app.
COPY pyproject.toml README.md ./
COPY events ./events
COPY seeds ./seeds
COPY templates ./templates
COPY static ./static
RUN pip install --editable . \
    && useradd --system --uid 10001 --user-group --home-dir /app --shell /usr/sbin/nologin hackcity \
    && mkdir -p /data/uploads \
    && chown -R hackcity:hackcity /data
COPY --chmod=0755 docker/entrypoint.sh docker/healthcheck.py /usr/local/bin/

USER hackcity

# Alone (`docker run`), the image keeps a SQLite database and the uploads in the /data volume, with
# WORKERS=1 (SQLite serves one process); compose.yaml sets DATABASE_URL to PostgreSQL instead.
ENV HOST=0.0.0.0 \
    PORT=8000 \
    DATABASE_URL=sqlite:///data/hackcity.sqlite3 \
    UPLOAD_DIR=/data/uploads \
    LOG_FORMAT=json \
    WORKERS=2
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 CMD ["healthcheck.py"]

# `hackcity migrate`, the demo data when SEED=1, then `hackcity serve --workers $WORKERS`.
ENTRYPOINT ["entrypoint.sh"]
