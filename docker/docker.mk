# Container targets (included from the Makefile). See docs/containers.md.
#
#   make docker-image          product image (default base python:3.11-slim-bookworm)
#   make docker-image BASE_IMAGE=exemption-base:bookworm   on the debootstrap base (no registry)
#   make docker-up / docker-up-camunda / docker-down
#   make test-containers       the container tests only (starts dockerd when needed, as root)

BASE_IMAGE ?= python:3.11-slim-bookworm
EXEMPTION_IMAGE ?= youxian-exemption:local
DEBOOTSTRAP_IMAGE ?= exemption-base:bookworm

.PHONY: docker-daemon docker-base-image docker-wheels docker-image docker-up docker-up-camunda \
	docker-down test-containers

docker-daemon:
	docker/start-dockerd.sh

docker-base-image: docker-daemon
	docker/build-base-image.sh $(DEBOOTSTRAP_IMAGE)

docker-wheels: setup
	docker/build-wheels.sh

# The classic builder: BuildKit cannot run where no registry is reachable.
docker-image: docker-wheels
	DOCKER_BUILDKIT=0 docker build --build-arg BASE_IMAGE=$(BASE_IMAGE) -t $(EXEMPTION_IMAGE) .
	docker image prune --force --filter label=org.youxian.exemption.image --filter until=30m

docker-up: docker-image
	docker compose up -d

docker-up-camunda: docker-image
	docker compose --profile camunda up -d

docker-down:
	docker compose --profile camunda down

test-containers: setup docker-daemon
	$(VENV)/bin/pytest tests/containers
