using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Sessions;

namespace Demo.Fleet;

/// <summary>
/// How a report names the game servers of a fleet deployed elsewhere (<c>--backend URL</c>): players see only a session's
/// server id; the names (<c>--name</c>) come from the fleet's server list, which needs the backend's server key
/// (<c>TRAKTOR_SERVER_KEY</c>, an operator's). Without it, the ids are shown.
/// </summary>
public static class ServerLabels
{
    /// <summary>"name (id)" when the name is known, the id alone otherwise; empty for no server.</summary>
    /// <param name="serverId">The session's server id.</param>
    /// <param name="names">Server names by id.</param>
    /// <returns>The label.</returns>
    public static string Of(string? serverId, IReadOnlyDictionary<string, string> names) =>
        serverId is null ? ""
        : names.TryGetValue(serverId, out string? name) && !string.IsNullOrWhiteSpace(name) ? $"{name} ({serverId})"
        : serverId;

    /// <summary>The fleet's server names by id, read with <paramref name="serverKey"/>; none without a key or when the backend refuses.</summary>
    /// <param name="backend">The backend's address.</param>
    /// <param name="serverKey">The backend's server key, or null.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>Names by server id, and why there are none (null when there are).</returns>
    public static async Task<(IReadOnlyDictionary<string, string> Names, string? Missing)> FetchAsync(Uri backend, string? serverKey, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(serverKey))
        {
            return (new Dictionary<string, string>(), "set TRAKTOR_SERVER_KEY to the backend's server key to show game-server names; players see only ids");
        }

        try
        {
            using var http = new HttpClient { BaseAddress = backend, Timeout = TimeSpan.FromSeconds(10) };
            var servers = await new HttpGameServerFleet(new OnlineBackendClient(http, serverKey)).ListServersAsync(cancellationToken);
            return (servers.ToDictionary(s => s.ServerId, s => s.Name), null);
        }
        catch (Exception exception) when (exception is OnlineException or HttpRequestException or TaskCanceledException)
        {
            return (new Dictionary<string, string>(), $"the backend did not list its game servers ({exception.Message}); showing ids");
        }
    }
}
