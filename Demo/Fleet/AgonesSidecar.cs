using System.Globalization;
using System.Text;

namespace Demo.Fleet;

/// <summary>
/// The Agones SDK sidecar's REST API (<c>http://localhost:${AGONES_SDK_HTTP_PORT}</c>), as a game server on Agones uses it:
/// <c>/ready</c> once it is placeable, <c>/health</c> every heartbeat, <c>/allocate</c> while it hosts a session (so
/// Agones never scales it down or replaces it mid-match), <c>/ready</c> again when its last session has ended, and
/// <c>/shutdown</c> after draining. Every call is a POST with an empty JSON object.
/// </summary>
public sealed class AgonesSidecar : IDisposable
{
    /// <summary>The variable Agones sets to the sidecar's HTTP port.</summary>
    public const string PortVariable = "AGONES_SDK_HTTP_PORT";

    private readonly HttpClient http;

    /// <summary>Talks to the sidecar on <paramref name="port"/> of localhost.</summary>
    /// <param name="port">The sidecar's HTTP port.</param>
    public AgonesSidecar(int port) =>
        http = new HttpClient { BaseAddress = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}/")), Timeout = TimeSpan.FromSeconds(2) };

    /// <summary>The sidecar of this pod, or null when not running on Agones (the variable is unset).</summary>
    /// <returns>The sidecar, or null.</returns>
    public static AgonesSidecar? FromEnvironment() =>
        int.TryParse(Environment.GetEnvironmentVariable(PortVariable), NumberStyles.None, CultureInfo.InvariantCulture, out int port) && port is > 0 and < 65536
            ? new AgonesSidecar(port)
            : null;

    /// <summary>
    /// The address players reach this GameServer at: the node's address and the host port Agones mapped to the first port
    /// (<c>GET /gameserver</c>, <c>status.address</c> and <c>status.ports[0].port</c>), or null until Agones has assigned them.
    /// </summary>
    /// <returns>"ip:port", or null.</returns>
    public async Task<string?> GetPublicAddressAsync()
    {
        using var response = await http.GetAsync("gameserver").ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        using var json = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync().ConfigureAwait(false));
        if (!json.RootElement.TryGetProperty("status", out var status)
            || !status.TryGetProperty("address", out var address) || address.GetString() is not { Length: > 0 } host
            || !status.TryGetProperty("ports", out var ports) || ports.ValueKind != System.Text.Json.JsonValueKind.Array || ports.GetArrayLength() == 0
            || !ports[0].TryGetProperty("port", out var port) || !port.TryGetInt32(out int number) || number is <= 0 or > 65535)
        {
            return null;
        }

        return System.Net.IPAddress.TryParse(host, out var ip) ? new System.Net.IPEndPoint(ip, number).ToString() : null;
    }

    /// <summary>The server can take players (or has no session any more).</summary>
    /// <returns>Completes when the sidecar answered.</returns>
    public Task ReadyAsync() => PostAsync("ready");

    /// <summary>A health ping.</summary>
    /// <returns>Completes when the sidecar answered.</returns>
    public Task HealthAsync() => PostAsync("health");

    /// <summary>The server hosts a session: keep it.</summary>
    /// <returns>Completes when the sidecar answered.</returns>
    public Task AllocateAsync() => PostAsync("allocate");

    /// <summary>The server has drained and is exiting.</summary>
    /// <returns>Completes when the sidecar answered.</returns>
    public Task ShutdownAsync() => PostAsync("shutdown");

    /// <inheritdoc />
    public void Dispose() => http.Dispose();

    private async Task PostAsync(string path)
    {
        using var body = new StringContent("{}", Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(path, body).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
    }
}
