# The product image: embedded engine, job workers, desk (web UI), models.
#
#   docker/build-wheels.sh                         # on the host: wheels/ (PyPI reachable there)
#   docker build -t youxian-exemption .            # from python:3.11-slim-bookworm
#   docker build --build-arg BASE_IMAGE=exemption-base:bookworm -t youxian-exemption .
#
# The base only needs Debian bookworm with python3 (3.11) and its venv module: the official
# python image has it in /usr/local/bin, the debootstrap base (docker/build-base-image.sh) in
# /usr/bin; both are reached as `python3` on PATH, and the venv is made from the same base it
# runs on, so its interpreter link is valid in the final stage.
ARG BASE_IMAGE=python:3.11-slim-bookworm

FROM ${BASE_IMAGE} AS wheels
# Labels let `docker image prune --filter label=org.youxian.exemption.image` find the images
# that earlier builds left untagged.
LABEL org.youxian.exemption.image=wheels-stage
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
COPY wheels/ /wheels/
# No index: everything comes from the wheels built on the host, so the build works offline
# and installs exactly the versions the host resolved.
RUN python3 -m venv /opt/exemption \
 && /opt/exemption/bin/python -m pip install --no-index --find-links=/wheels youxian-exemption \
 && /opt/exemption/bin/python -c "import engine.cli, workers.jobs, py_mini_racer, grpc"

FROM ${BASE_IMAGE}
LABEL org.youxian.exemption.image=product
ARG DEBIAN_FRONTEND=noninteractive
# Notices are PDFs with an embedded Chinese font: 宋体-style body, bold sans for the red header.
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-arphic-uming fonts-arphic-gbsn00lp fonts-arphic-ukai fonts-wqy-zenhei \
 && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 exemption \
 && useradd --system --uid 10001 --gid exemption --home-dir /app --shell /usr/sbin/nologin exemption \
 && mkdir -p /var/lib/exemption \
 && chown exemption:exemption /var/lib/exemption
COPY --from=wheels /opt/exemption /opt/exemption
WORKDIR /app
COPY bpmn/ /app/bpmn/
COPY forms/ /app/forms/
COPY docker/supervisor.py docker/healthcheck.py /app/docker/
ENV PATH=/opt/exemption/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    EXEMPTION_DATA_DIR=/var/lib/exemption \
    EXEMPTION_MODELS_DIR=/app \
    EXEMPTION_GRPC_PORT=26500 \
    EXEMPTION_HTTP_PORT=8080 \
    EXEMPTION_DESK_PORT=8081
USER exemption
VOLUME ["/var/lib/exemption"]
EXPOSE 26500 8080 8081
HEALTHCHECK --interval=5s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "/app/docker/healthcheck.py"]
ENTRYPOINT ["python", "/app/docker/supervisor.py"]
