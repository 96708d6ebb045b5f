using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Traktor.Ecs.Net;
using Traktor.Ecs.Net.Backend;
using Traktor.Ecs.Net.Online;

namespace Demo.Online;

/// <summary>
/// The real online backend (ASP.NET Core on Kestrel, 127.0.0.1, an ephemeral port) over an SQLite file in
/// the run folder. Bots and the game server talk to it over HTTP with the library's HTTP clients, exactly as
/// a shipped game would.
/// </summary>
public sealed class DemoBackend : IAsyncDisposable
{
    /// <summary>
    /// Deliberately low Argon2id cost (KiB of memory, one pass): the backend allows it only in its Development
    /// environment, and this demo registers throw-away bot accounts on a machine that also runs the game.
    /// </summary>
    public const int DevelopmentPasswordHashMemoryKiB = 64;

    private readonly WebApplication app;
    private readonly List<HttpClient> clients = new();

    private DemoBackend(WebApplication app, Uri baseAddress, string serverKey)
    {
        this.app = app;
        BaseAddress = baseAddress;
        ServerKey = serverKey;
    }

    /// <summary>Where the backend listens.</summary>
    public Uri BaseAddress { get; }

    /// <summary>The key game servers present for trusted writes (authoritative scores, achievements).</summary>
    public string ServerKey { get; }

    /// <summary>Starts the backend; logins hand out transport connect tokens from <paramref name="tokens"/> (none when null).</summary>
    /// <param name="folder">Where the SQLite file goes.</param>
    /// <param name="tokens">The login's connect tokens, or null (the fleet hands them out per session join instead).</param>
    /// <param name="players">Players expected, all from 127.0.0.1 (the per-address limits must fit them).</param>
    /// <param name="settings">More <c>--Online:…</c> settings (the fleet's session directory), or null.</param>
    public static async Task<DemoBackend> StartAsync(string folder, IConnectTokenIssuer? tokens, int players, IEnumerable<string>? settings = null)
    {
        string serverKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(24));
        string[] args =
        [
            "--urls=http://127.0.0.1:0",
            "--environment=Development",
            "--Logging:LogLevel:Default=Warning",
            "--Logging:LogLevel:Microsoft.Hosting.Lifetime=Warning",
            $"--Online:ConnectionString={Path.Combine(folder, "online.db")}",
            "--Online:SqliteDurability=Normal",
            $"--Online:TokenSigningKey={Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))}",
            $"--Online:ServerKeys:0={serverKey}",
            $"--Online:PasswordHashMemoryKiB={DevelopmentPasswordHashMemoryKiB}",
            "--Online:PasswordHashPasses=1",
            // Every bot comes from 127.0.0.1, so the per-address limits must fit the whole bot crowd.
            $"--Online:AuthRequestsPerMinutePerAddress={Math.Max(30, players * 4)}",
            $"--Online:AccountsPerAddressPerDay={Math.Max(20, players * 2)}",
            $"--Online:RequestsPerSecondPerAddress={Math.Max(50, players * 10)}",
            .. settings ?? [],
        ];
        var app = await BackendHost.BuildAsync(args, services =>
        {
            if (tokens is not null)
            {
                services.AddSingleton(tokens);
            }
        }).ConfigureAwait(false);
        await app.StartAsync().ConfigureAwait(false);
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new DemoBackend(app, new Uri(address.TrimEnd('/') + "/"), serverKey);
    }

    /// <summary>A connection for a player (bearer tokens after login).</summary>
    public OnlineBackendClient ConnectAsPlayer() => new(CreateHttpClient());

    /// <summary>A connection for the game server (its server key).</summary>
    public OnlineBackendClient ConnectAsServer() => new(CreateHttpClient(), ServerKey);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (var client in clients)
        {
            client.Dispose();
        }

        await app.StopAsync().ConfigureAwait(false);
        await app.DisposeAsync().ConfigureAwait(false);
    }

    private HttpClient CreateHttpClient()
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        clients.Add(client);
        return client;
    }
}
