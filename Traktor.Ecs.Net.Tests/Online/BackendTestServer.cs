using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Traktor.Ecs.Net.Backend;
using Traktor.Ecs.Net.Online;

namespace Traktor.Ecs.Net.Tests.Online;

/// <summary>The real backend on Kestrel at 127.0.0.1 with an ephemeral port, over a temp SQLite file.</summary>
public sealed class BackendTestServer : IAsyncDisposable
{
    public const string ServerKey = "test-server-key-0123456789abcdef";

    private readonly WebApplication _app;
    private readonly string _directory;
    private readonly List<HttpClient> _clients = [];

    private BackendTestServer(WebApplication app, string directory, Uri baseAddress)
    {
        _app = app;
        _directory = directory;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    /// <summary>The host's services (endpoints, options, the store).</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>The test backend's command line (fast password hashing, the test throttles and quotas); later arguments win.</summary>
    /// <param name="databaseFile">The SQLite file (an extra <c>--Online:ConnectionString</c> replaces it).</param>
    /// <param name="extraArgs">More settings.</param>
    /// <returns>The arguments.</returns>
    public static string[] Arguments(string databaseFile, params string[] extraArgs)
    {
        var quota = OnlineTestSettings.CloudSave;
        string[] args =
        [
            "--urls=http://127.0.0.1:0",
            "--environment=Development",
            "--Logging:LogLevel:Default=Warning",
            $"--Online:ConnectionString={databaseFile}",
            "--Online:SqliteDurability=Normal",
            $"--Online:TokenSigningKey={Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))}",
            $"--Online:ServerKeys:0={ServerKey}",
            $"--Online:PasswordHashMemoryKiB={OnlineTestSettings.FastHashing.MemoryKiB}",
            $"--Online:PasswordHashPasses={OnlineTestSettings.FastHashing.Passes}",
            $"--Online:LoginFreeFailuresPerAccountAndAddress={OnlineTestSettings.Throttle.FreeFailuresPerAccountAndAddress}",
            $"--Online:LoginFreeFailuresPerAddress={OnlineTestSettings.Throttle.FreeFailuresPerAddress}",
            $"--Online:LoginFreeFailuresPerAccount={OnlineTestSettings.Throttle.FreeFailuresPerAccount}",
            $"--Online:LoginMaxDelaySeconds={(int)OnlineTestSettings.Throttle.MaxDelay.TotalSeconds}",
            $"--Online:MaxSlotsPerPlayer={quota.MaxSlotsPerPlayer}",
            $"--Online:MaxBytesPerSlot={quota.MaxBytesPerSlot}",
            $"--Online:MaxBytesPerPlayer={quota.MaxBytesPerPlayer}",
            $"--Online:MaxIdempotencyKeysPerPlayer={OnlineTestSettings.MaxIdempotencyKeysPerPlayer}",
            .. extraArgs,
        ];
        return args;
    }

    public static Task<BackendTestServer> StartAsync(TimeProvider? time = null, IConnectTokenIssuer? issuer = null, params string[] extraArgs) =>
        StartConfiguredAsync(services =>
        {
            if (time is not null)
            {
                services.AddSingleton(time);
            }
            if (issuer is not null)
            {
                services.AddSingleton(issuer);
            }
        }, extraArgs);

    /// <summary>
    /// A backend whose services <paramref name="configure"/> adds to or changes after the backend's own (Kestrel's limits,
    /// which its command line does not set).
    /// </summary>
    public static async Task<BackendTestServer> StartConfiguredAsync(Action<IServiceCollection> configure, params string[] extraArgs)
    {
        string directory = OnlineTestSettings.TempDirectory();
        string[] args = Arguments(Path.Combine(directory, "online.db"), extraArgs);
        var app = await BackendHost.BuildAsync(args, configure);
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new BackendTestServer(app, directory, new Uri(address.TrimEnd('/') + "/"));
    }

    /// <summary>A raw HTTP client for status-code and header checks.</summary>
    public HttpClient CreateHttpClient()
    {
        var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 32 }) { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        _clients.Add(client);
        return client;
    }

    /// <summary>A backend connection for the HTTP service implementations; with a server key unless told otherwise.</summary>
    public OnlineBackendClient CreateBackendClient(bool asServer = true) => new(CreateHttpClient(), asServer ? ServerKey : null);

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }
        await _app.StopAsync();
        await _app.DisposeAsync();
        OnlineTestSettings.DeleteDirectory(_directory);
    }

    /// <summary>Takes the node's only hashing slot (MaxConcurrentPasswordHashes=1) until the result is disposed.</summary>
    public async Task<IAsyncDisposable> OccupyHashingAsync() =>
        await HashingOccupation.StartAsync(Services.GetRequiredService<Traktor.Ecs.Net.Online.Authentication.AuthenticationService>().Hashing, 1);
}
