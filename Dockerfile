# syntax=docker/dockerfile:1
# One image for every tier of docs/deploy.md (web, rasa, actions, outbox): the code, its pinned
# dependencies (requirements.lock), the spaCy pipeline and the trained model, built in. Each tier runs
# it with its own command (compose.yaml, deploy/k8s). Build: docker build -t clinic-assistant .
#
# The base is pinned by exact tag. Pin it by digest as well before production (no registry was
# reachable where this file was written to read the digest):
#   docker buildx imagetools inspect python:3.10.13-slim-bookworm   ->  FROM python:3.10.13-slim-bookworm@sha256:...
ARG PYTHON_IMAGE=python:3.10.13-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1 \
    RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 SQLALCHEMY_SILENCE_UBER_WARNING=1
WORKDIR /app
RUN python -m venv /app/.venv && /app/.venv/bin/pip install --quiet "pip<24.1"
COPY requirements.lock ./
RUN /app/.venv/bin/pip install --quiet --requirement requirements.lock && /app/.venv/bin/pip check
COPY . .
# The spaCy pipeline (build/spacy_model) and the model (models/clinic.tar.gz), trained in the image;
# the development secrets training creates in var/ are removed (a container gets its keys from Secrets).
RUN PYTHONPATH=/app /app/.venv/bin/python -m bot train --force \
    && test -f models/clinic.tar.gz && test -d build/spacy_model && rm -rf /app/var

FROM ${PYTHON_IMAGE}
ENV PATH=/app/.venv/bin:$PATH PYTHONPATH=/app PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 SQLALCHEMY_SILENCE_UBER_WARNING=1 \
    HOME=/tmp MPLCONFIGDIR=/tmp
RUN groupadd --system --gid 10001 clinic \
    && useradd --system --uid 10001 --gid clinic --home-dir /app --no-create-home --shell /usr/sbin/nologin clinic
WORKDIR /app
# Owned by root, read-only to the service user: nothing in the image can be rewritten at run time.
COPY --from=build --chown=root:root /app /app
USER 10001:10001
EXPOSE 8000 5005 5055
# The web service; the other tiers override the command (see compose.yaml and deploy/k8s).
CMD ["uvicorn", "bot.web.app:create_app", "--factory", "--host", "0.0.0.0", "--port", "8000", "--ws", "none"]
