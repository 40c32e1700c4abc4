# ZWS image: zws, zws-ingest and zws-cat on Debian 12, built from source.
# The runtime stage installs docker/runtime-packages.txt, the list
# tests/script/image.sh builds and runs the same file system from.
FROM debian:12 AS build
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake pkg-config libwebsockets-dev libevent-dev libjson-c-dev \
      libpq-dev libssl-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DZWS_BUILD_TESTS=OFF && cmake --build build -j"$(nproc)" \
      --target zws zws-ingest zws-cat

FROM debian:12
COPY docker/runtime-packages.txt /tmp/runtime-packages.txt
RUN apt-get update \
    && sed 's/#.*//' /tmp/runtime-packages.txt \
       | DEBIAN_FRONTEND=noninteractive xargs apt-get install -y --no-install-recommends \
    && rm -rf /var/lib/apt/lists/* /tmp/runtime-packages.txt \
    && useradd --system --no-create-home zws
COPY docker/healthcheck.sh /usr/local/bin/zws-healthcheck
COPY --from=build /src/build/bin/zws /src/build/bin/zws-ingest /src/build/bin/zws-cat /usr/local/bin/
USER zws
EXPOSE 4401
CMD ["zws"]
