# The knowledge base as a container: `kb serve` on port 8000, PostgreSQL through
# KB_DATABASE_URL, search indexes in the KB_DATA_DIR volume. No content is built in: load it
# with `kb import` from a mounted folder (README, "Deploy"). Checked by hadolint (tests/deploy/).

# -- build: the package and its dependencies into a virtualenv, copied whole into the image --
FROM python:3.11-slim-bookworm AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/kb
WORKDIR /src
# Only what the package is made of: .dockerignore keeps content/, tests and the rest out.
COPY pyproject.toml README.md ./
COPY kb ./kb
COPY api ./api
COPY renderers ./renderers
COPY importers ./importers
COPY cli ./cli
RUN /opt/kb/bin/pip install ".[postgres,tracing]"

# -- run: the virtualenv on a slim Python, as a user without a login or root's powers --------
FROM python:3.11-slim-bookworm

ENV PATH=/opt/kb/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    KB_DATA_DIR=/var/lib/kb \
    KB_LOG_FORMAT=json
RUN groupadd --system --gid 10001 kb \
    && useradd --system --uid 10001 --gid kb --no-log-init --home-dir /var/lib/kb kb \
    && mkdir -p /var/lib/kb \
    && chown kb:kb /var/lib/kb
COPY --from=build /opt/kb /opt/kb

# Search indexes and matchers of each release (rebuilt from the database when missing); the
# SQLite database too when KB_DATABASE_URL is unset.
VOLUME ["/var/lib/kb"]
USER 10001:10001
WORKDIR /var/lib/kb
EXPOSE 8000

# Ready once a release's index and matchers are loaded (503 while it is behind).
HEALTHCHECK --interval=10s --timeout=5s --start-period=120s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=4)"]

# Behind a proxy: client addresses and the scheme from X-Forwarded-* sent from private
# networks (a container network); set --forwarded-allow-ips to the proxy's own network.
CMD ["kb", "serve", "--host", "0.0.0.0", "--port", "8000", "--proxy-headers", \
     "--forwarded-allow-ips", "10.0.0.0/8,172.16.0.0/12,192.168.0.0/16"]
