using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Demo.Fleet;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Demo;

namespace Traktor.Ecs.Net.Tests.Sessions.Fleet;

/// <summary>
/// A game-server process on Agones, with a stand-in for the SDK sidecar's REST API on loopback: it is marked Ready once
/// registered, pings Health every second, is Allocated while it hosts a session and Ready again after, and on SIGTERM
/// drains, deregisters and calls Shutdown.
/// </summary>
[Collection(nameof(FleetProcessCollection))]
public sealed class AgonesLifecycleTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TheGameServerWalksTheAgonesLifecycle()
    {
        var calls = new ConcurrentQueue<string>();
        var called = new Changes(); // noted on every call the sidecar gets: the waits below check the calls then
        int port = LoopbackPorts.FreeTcp();
        int gamePort = LoopbackPorts.FreeUdp();
        using var sidecar = new HttpListener();
        sidecar.Prefixes.Add($"http://127.0.0.1:{port}/");
        sidecar.Start();
        var serving = Task.Run(async () =>
        {
            while (sidecar.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await sidecar.GetContextAsync();
                }
                catch (Exception exception) when (exception is HttpListenerException or ObjectDisposedException)
                {
                    return;
                }

                string call = context.Request.HttpMethod + " " + context.Request.Url!.AbsolutePath;
                calls.Enqueue(call);
                called.Note();
                context.Response.StatusCode = 200;
                // What Agones reports once the pod runs: the node's address and the host port mapped to the game port.
                string body = call == "GET /gameserver"
                    ? $$$"""{"object_meta":{"name":"arena-x"},"status":{"state":"Scheduled","address":"127.0.0.1","ports":[{"name":"game","port":{{{gamePort}}}}]}}"""
                    : "{}";
                await context.Response.OutputStream.WriteAsync(System.Text.Encoding.UTF8.GetBytes(body), Cancel);
                context.Response.Close();
            }
        }, Cancel);

        await using var fleet = await ProcessFleet.CreateAsync(postgres: false, deadAfterMs: 15_000);
        await fleet.StartBackendAsync();
        var server = await fleet.StartServerAsync("gs-agones", environment: new Dictionary<string, string> { [AgonesSidecar.PortVariable] = port.ToString() }, extraArgs: ["--port", gamePort.ToString()]);
        Assert.Contains($"address=127.0.0.1:{gamePort}", server.Output); // announced what Agones reported
        server.Process.Exited += (_, _) => called.Note(); // an exit wakes the waits below, which then see it is over
        // Until the sidecar's calls show it (at most 30 s, a hang guard), or the server exited and calls no more.
        Task<bool> CalledAsync(Func<bool> seen) => called.UntilAsync(seen, TimeSpan.FromSeconds(30), over: () => server.Process.HasExited);
        Assert.True(await CalledAsync(() => calls.Contains("POST /ready") && calls.Count(c => c == "POST /health") >= 2), server.Output);

        // A session starts: the server is Allocated. It ends: Ready again.
        var player = fleet.AddPlayer("pilot");
        var session = await player.Multiplayer.CreateSessionAsync("agones", 2, Cancel).WaitAsync(TimeSpan.FromSeconds(30), Cancel);
        Assert.True(await CalledAsync(() => calls.Contains("POST /allocate")), server.Output);
        Assert.True(await new HttpSessions(fleet.Backend!.CreateBackendClient()).EndSessionAsync(session.Id, Cancel));
        Assert.True(await CalledAsync(() => calls.Count(c => c == "POST /ready") == 2), server.Output);

        // SIGTERM: it drains (nothing left to wait for), deregisters, tells the sidecar, exits 0.
        server.Terminate();
        Assert.True(server.Process.WaitForExit(60_000), server.Output);
        Assert.Equal(0, server.Process.ExitCode);
        Assert.Equal("POST /shutdown", calls.Last());
        var lifecycle = calls.Where(c => c is not ("POST /health" or "GET /gameserver")).ToArray();
        Assert.Equal(["POST /ready", "POST /allocate", "POST /ready", "POST /shutdown"], lifecycle);
        var servers = await new HttpGameServerFleet(fleet.Backend.CreateBackendClient()).ListServersAsync(Cancel);
        Assert.Equal(GameServerState.Gone, Assert.Single(servers).State);
        sidecar.Stop();
        await serving;
    }
}
