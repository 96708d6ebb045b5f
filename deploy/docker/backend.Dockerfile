# The online backend (auth, leaderboards, achievements, cloud save, session directory) as a stateless node.
# Build from the repository root:  docker build -f deploy/docker/backend.Dockerfile -t traktor/backend .
# Every setting comes from the environment (Online__Database, Online__ConnectionString, Online__TokenSigningKey,
# Online__ServerKeys__0, Online__Sessions__GameServerKey, ...): see docs/ONLINE-API.md and deploy/kubernetes/backend.yaml.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish Traktor.Ecs.Net.Backend/Traktor.Ecs.Net.Backend.csproj -c Release -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app .
ENV ASPNETCORE_URLS=http://0.0.0.0:8080
EXPOSE 8080
USER $APP_UID
ENTRYPOINT ["dotnet", "Traktor.Ecs.Net.Backend.dll"]
