# A game-server process: hosts several sessions, each its own World, on one UDP port; registers with the backend and
# heartbeats (docs/sessions.md). This image runs the demo arena's game server; a game ships its own in the same shape.
# Build from the repository root:  docker build -f deploy/docker/gameserver.Dockerfile -t traktor/gameserver .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish Demo/Demo.csproj -c Release -o /app

FROM mcr.microsoft.com/dotnet/runtime:10.0
WORKDIR /app
COPY --from=build /app .
EXPOSE 7777/udp
# Listen on every interface of the pod; the address players use comes from Agones (GET /gameserver on the SDK sidecar).
ENV TRAKTOR_BIND_ADDRESS=0.0.0.0
USER $APP_UID
# TRAKTOR_BACKEND, TRAKTOR_SERVER_KEY and TRAKTOR_GAME_SERVER_KEY come from the environment (TRAKTOR_PUBLIC_ADDRESS
# overrides the address Agones reports).
ENTRYPOINT ["dotnet", "Demo.dll", "--game-server", "--port", "7777"]
