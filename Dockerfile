# ZWS image: zws, zws-ingest and zws-cat on Debian 12, built from source.
FROM debian:12 AS build
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake pkg-config libwebsockets-dev libevent-dev libjson-c-dev \
      libpq-dev libssl-dev libcriterion-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo && cmake --build build -j"$(nproc)" \
      --target zws zws-ingest zws-cat

FROM debian:12
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libwebsockets17 libevent-2.1-7 libevent-openssl-2.1-7 libjson-c5 libpq5 libssl3 \
      ca-certificates curl postgresql-client \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --no-create-home zws
COPY --from=build /src/build/bin/zws /src/build/bin/zws-ingest /src/build/bin/zws-cat /usr/local/bin/
USER zws
EXPOSE 4401
CMD ["zws"]
