using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Traktor.Ecs.Net.Backend.Http;

namespace Traktor.Ecs.Net.Tests.Online;

/// <summary>
/// Slowloris against the real backend on Kestrel (loopback sockets, clients bound to 127.0.0.1 and 127.0.0.2). Before
/// the per-address connection gate one address held every connection it opened until Kestrel's 30 s header timeout,
/// sending a header line now and then (measured against a real backend process: 9,000 from one address, RSS +99 MiB).
/// </summary>
public sealed class ConnectionGateTests
{
    private static readonly IPAddress Attacker = IPAddress.Parse("127.0.0.1");
    private static readonly IPAddress Neighbour = IPAddress.Parse("127.0.0.2");

    /// <summary>
    /// Kestrel's header timeout in these tests' backend: far past any wait here, so the half-sent connections stay open for
    /// as long as the test needs them. At Kestrel's 30 s they could be closed under a long loaded run before the checks were
    /// answered (the gate's count then fell on its own).
    /// </summary>
    private static readonly TimeSpan HeaderTimeout = TimeSpan.FromHours(1);

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task One_address_holding_its_connections_with_half_sent_requests_gets_no_more_and_other_addresses_are_served()
    {
        await using var server = await StartAsync("--Online:MaxConnectionsPerAddress=8");
        var gate = GateOf(server);
        var held = new List<Socket>();
        try
        {
            for (int i = 0; i < 8; i++) held.Add(await OpenHalfSentAsync(server, Attacker));
            await WaitForAsync(() => gate.Held == 8);

            // The ninth is closed before its request is read: no answer at all. The neighbour is served.
            Assert.Null(await GetAsync(server, Attacker));
            Assert.Equal(1, gate.Refused);
            Assert.StartsWith("HTTP/1.1 200", await GetAsync(server, Neighbour));

            // One of the eight ends: the address has room for one again.
            held[0].Dispose();
            held.RemoveAt(0);
            await WaitForAsync(() => gate.Held == 7);
            Assert.StartsWith("HTTP/1.1 200", await GetAsync(server, Attacker));
            Assert.Equal(1, gate.Refused);
        }
        finally
        {
            held.ForEach(socket => socket.Dispose());
        }
    }

    [Fact]
    public async Task A_trusted_proxys_connections_are_not_counted_and_other_addresses_still_are()
    {
        // The load balancer (127.0.0.1) carries every client, so its connections must not share one address's budget.
        await using var server = await StartAsync("--Online:MaxConnectionsPerAddress=8", "--Online:ForwardedHeaders:KnownProxies:0=127.0.0.1");
        var gate = GateOf(server);
        var held = new List<Socket>();
        try
        {
            for (int i = 0; i < 20; i++) held.Add(await OpenHalfSentAsync(server, Attacker));
            for (int i = 0; i < 8; i++) held.Add(await OpenHalfSentAsync(server, Neighbour));
            await WaitForAsync(() => gate.Held == 8); // the neighbour's eight; the proxy's twenty are not counted

            Assert.StartsWith("HTTP/1.1 200", await GetAsync(server, Attacker));
            Assert.Null(await GetAsync(server, Neighbour));
            Assert.Equal(1, gate.Refused);
        }
        finally
        {
            held.ForEach(socket => socket.Dispose());
        }
    }

    /// <summary>The real backend with <see cref="HeaderTimeout"/>.</summary>
    private static Task<BackendTestServer> StartAsync(params string[] args) =>
        BackendTestServer.StartConfiguredAsync(services => services.Configure<KestrelServerOptions>(kestrel => kestrel.Limits.RequestHeadersTimeout = HeaderTimeout), args);

    /// <summary>The backend's connection gate, once its Kestrel is seen to hold half-sent requests past any wait of the test.</summary>
    private static ConnectionGate GateOf(BackendTestServer server)
    {
        Assert.Equal(HeaderTimeout, server.Services.GetRequiredService<IOptions<KestrelServerOptions>>().Value.Limits.RequestHeadersTimeout);
        return server.Services.GetRequiredService<ConnectionGate>();
    }

    /// <summary>A connection from <paramref name="from"/> that sends a request line and one header, and never finishes.</summary>
    private static async Task<Socket> OpenHalfSentAsync(BackendTestServer server, IPAddress from)
    {
        var socket = Connect(from);
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, server.BaseAddress.Port), Cancel);
        await socket.SendAsync(Encoding.ASCII.GetBytes("GET /v1/health/live HTTP/1.1\r\nHost: x\r\n"), SocketFlags.None, Cancel);
        return socket;
    }

    /// <summary>A whole request from <paramref name="from"/>: the answer's text, or null when the connection was closed unanswered.</summary>
    private static async Task<string?> GetAsync(BackendTestServer server, IPAddress from)
    {
        using var socket = Connect(from);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Cancel);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, server.BaseAddress.Port), timeout.Token);
            await socket.SendAsync(Encoding.ASCII.GetBytes("GET /v1/health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"), SocketFlags.None, timeout.Token);
            var answer = new StringBuilder();
            var buffer = new byte[4096];
            int read;
            while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token)) > 0) answer.Append(Encoding.ASCII.GetString(buffer, 0, read));
            return answer.Length == 0 ? null : answer.ToString();
        }
        catch (SocketException)
        {
            return null; // reset before anything was answered
        }
    }

    private static Socket Connect(IPAddress from)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(from, 0));
        return socket;
    }

    /// <summary>Kestrel accepts asynchronously: waits (at most 30 s, generous for a loaded machine) until the gate saw the connections.</summary>
    private static async Task WaitForAsync(Func<bool> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "the gate did not see the connections within 30 s");
            await Task.Delay(20, Cancel);
        }
    }
}
