using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using Demo.Game;
using Demo.Run;
using Demo.Telemetry;
using Traktor.Ecs.Net;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Transport;

namespace Demo.Fleet;

/// <summary>
/// <c>--game-server</c>: one game-server process of a fleet. It registers with the backend's session directory, heartbeats
/// it (on the host's own timer and HTTP connection, so a stalled tick does not read as a dead server), and runs an arena
/// world per session placed on it, all on one UDP port. SIGTERM or Ctrl+C drains it: no new sessions,
/// and it exits (0) once its last session has ended, or once it ended those still running <c>--drain-sessions-timeout</c>
/// seconds into the drain, or (3) once the backend has answered nothing for <c>--drain-timeout</c> seconds of the drain. Secrets come from the environment, never the command line:
/// <c>TRAKTOR_SERVER_KEY</c> (the backend's server key) and <c>TRAKTOR_GAME_SERVER_KEY</c> (base64 of the 32-byte key
/// connect tokens are sealed with); <c>TRAKTOR_BACKEND</c> and <c>TRAKTOR_PUBLIC_ADDRESS</c> may replace <c>--backend</c>
/// and the announced address (default 127.0.0.1 and the bound port).
/// </summary>
/// <remarks>
/// Every second it prints one machine-readable line, <c>status server=… sessions=N players=N tick-ms=F heartbeats=N failures=N</c>,
/// after <c>game-server ready server=… address=…</c> once registered; the fleet demo and the process tests read them.
/// </remarks>
public static class GameServerMode
{
    /// <summary>Runs the game server until it has drained.</summary>
    /// <param name="options">The parsed command line.</param>
    /// <param name="output">Where the status lines go.</param>
    /// <param name="stop">Drains the server when cancelled.</param>
    /// <returns>The exit code.</returns>
    public static async Task<int> RunAsync(DemoOptions options, TextWriter output, CancellationToken stop)
    {
        string? backend = options.BackendAddress ?? Environment.GetEnvironmentVariable("TRAKTOR_BACKEND");
        string? serverKey = Environment.GetEnvironmentVariable("TRAKTOR_SERVER_KEY");
        string? gameServerKey = Environment.GetEnvironmentVariable("TRAKTOR_GAME_SERVER_KEY");
        if (backend is null || !Uri.TryCreate(backend.TrimEnd('/') + "/", UriKind.Absolute, out var backendUri)
            || string.IsNullOrEmpty(serverKey) || !TryKey(gameServerKey, out byte[] key))
        {
            await output.WriteLineAsync("--game-server needs --backend URL (or TRAKTOR_BACKEND), TRAKTOR_SERVER_KEY, and TRAKTOR_GAME_SERVER_KEY (base64 of 32 bytes).");
            return 2;
        }

        var log = new DemoLog { Echo = line => output.WriteLine(line) };
        // Loopback unless told otherwise (a container binds 0.0.0.0: TRAKTOR_BIND_ADDRESS in the image).
        var bind = IPAddress.TryParse(Environment.GetEnvironmentVariable("TRAKTOR_BIND_ADDRESS"), out var any) ? any : IPAddress.Loopback;
        using var socket = Listen(options, bind, log);
        using var agones = AgonesSidecar.FromEnvironment();
        string? announced = Environment.GetEnvironmentVariable("TRAKTOR_PUBLIC_ADDRESS")
            ?? (agones is null ? null : await AgonesAddressAsync(agones, output));
        if (!TryPublicAddresses(announced, socket, out var publicAddresses, out string? problem))
        {
            await output.WriteLineAsync(problem);
            return 2;
        }

        using var router = new SessionRouter(socket, ServerOptions(options, key, publicAddresses), TimeProvider.System, log);
        using var http = new HttpClient { BaseAddress = backendUri, Timeout = TimeSpan.FromSeconds(5) };
        var directory = new HttpSessions(new OnlineBackendClient(http, serverKey));
        // Heartbeats get their own connection: a session world's slow directory call must not hold one up.
        using var heartbeatHttp = new HttpClient { BaseAddress = backendUri, Timeout = TimeSpan.FromSeconds(5) };
        using var host = new GameServerHost(new HttpGameServerFleet(new OnlineBackendClient(heartbeatHttp, serverKey)), router,
            new GameServerRegistration(publicAddresses.Select(a => a.ToString()).ToArray(), options.MaxPlayers, options.MaxSessions, options.ServerName ?? $"arena-{Environment.ProcessId}"),
            (info, endpoint) => ArenaSession.Create(info, endpoint, directory, options.Asteroids, log),
            TimeProvider.System, log)
        {
            DrainBackendTimeout = TimeSpan.FromSeconds(options.DrainTimeoutSeconds),
            DrainSessionsTimeout = options.DrainSessionsTimeoutSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : Timeout.InfiniteTimeSpan,
        };

        if (!await RegisterAsync(host, output, stop))
        {
            return 1;
        }

        await output.WriteLineAsync($"game-server ready server={host.ServerId} address={string.Join(',', publicAddresses)}");
        await output.FlushAsync(CancellationToken.None);
        var sidecar = new SidecarCalls(agones, output);
        sidecar.Call("ready", a => a.ReadyAsync());
        bool allocated = false;
        var nextHealth = TimeSpan.Zero;
        int drainRequested = 0;
        using var registration = stop.Register(() => Interlocked.Exchange(ref drainRequested, 1));
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true; // drain, then exit on our own
            Interlocked.Exchange(ref drainRequested, 1);
        });

        var tick = TimeSpan.FromSeconds(1.0 / Arena.TickRate);
        var clock = Stopwatch.StartNew();
        var next = clock.Elapsed;
        var nextStatus = TimeSpan.FromSeconds(1);
        while (!host.Completion.IsCompleted)
        {
            if (Volatile.Read(ref drainRequested) == 1 && !host.IsDraining)
            {
                host.Drain();
                await output.WriteLineAsync($"draining server={host.ServerId}");
            }

            host.Tick((float)tick.TotalSeconds);
            if (clock.Elapsed >= nextHealth)
            {
                nextHealth = clock.Elapsed + TimeSpan.FromSeconds(1);
                sidecar.Ping();
            }

            if (host.Sessions.Count > 0 != allocated)
            {
                // Allocated while a match runs (never scaled down under it); Ready again once none does.
                allocated = !allocated;
                bool allocate = allocated;
                if (allocate || !host.IsDraining)
                {
                    sidecar.Call(allocate ? "allocate" : "ready", a => allocate ? a.AllocateAsync() : a.ReadyAsync());
                }
            }

            if (clock.Elapsed >= nextStatus)
            {
                nextStatus += TimeSpan.FromSeconds(1);
                var report = host.Report();
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"status server={host.ServerId} sessions={report.Count} players={report.Sum(r => r.Connected.Count)} tick-ms={host.TickMilliseconds:F3} heartbeats={host.Heartbeats} failures={host.HeartbeatFailures} state={host.State}"));
                await output.FlushAsync(CancellationToken.None);
            }

            next += tick;
            var wait = next - clock.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, CancellationToken.None);
            }
            else if (wait < -TimeSpan.FromSeconds(1))
            {
                next = clock.Elapsed; // far behind (a pause): do not try to catch up a second of ticks at once
            }
        }

        var (line, exitCode) = GameServerExitLine.For(host, options);
        await output.WriteLineAsync(line);

        sidecar.Call("shutdown", a => a.ShutdownAsync());
        await sidecar.FlushAsync();
        return exitCode;
    }

    /// <summary>
    /// The UDP socket, and with <c>--transport websocket|tcp</c> a listener of that kind beside it, on the same port number
    /// (TCP and UDP ports are apart) unless that one is taken and the port was left to the system.
    /// </summary>
    internal static IDatagramTransport Listen(DemoOptions options, IPAddress bind, DemoLog log)
    {
        var udp = new UdpTransport(new IPEndPoint(bind, options.Port), log);
        if (options.Transport == TransportKind.Udp)
        {
            return udp;
        }

        try
        {
            IDatagramTransport stream;
            try
            {
                stream = DemoTransports.Listen(options.Transport, new IPEndPoint(bind, udp.LocalAddress.Port), log);
            }
            catch (Exception exception) when (options.Port == 0 && exception is IOException or System.Net.Sockets.SocketException)
            {
                stream = DemoTransports.Listen(options.Transport, new IPEndPoint(bind, 0), log);
            }

            return new CompositeTransport(udp, stream);
        }
        catch
        {
            udp.Dispose();
            throw;
        }
    }

    /// <summary>
    /// What players are told to reach: <c>TRAKTOR_PUBLIC_ADDRESS</c> (a comma-separated list, e.g.
    /// <c>203.0.113.7:27961,ws://203.0.113.7:443</c>; UDP first) or 127.0.0.1 and the bound ports. A listener whose kind the
    /// list does not name is announced at the first address's IP and its bound port.
    /// </summary>
    internal static bool TryPublicAddresses(string? announced, IDatagramTransport socket, out NetAddress[] addresses, out string? problem)
    {
        var listening = socket is CompositeTransport composite ? composite.LocalAddresses.ToList() : [socket.LocalAddress];
        var list = new List<NetAddress>();
        foreach (string text in (announced ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!NetAddress.TryParse(text, out var address) || address.Port == 0 || address.IsUnspecified)
            {
                addresses = [];
                problem = $"TRAKTOR_PUBLIC_ADDRESS: '{text}' is not an address players can reach (an IP and a port, e.g. 203.0.113.7:27961 or ws://203.0.113.7:443).";
                return false;
            }

            list.Add(address);
        }

        var ip = list.Count > 0 ? list[0].ToEndPoint().Address : IPAddress.Loopback;
        foreach (var local in listening)
        {
            if (!list.Any(a => a.Kind == local.Kind))
            {
                list.Add(NetAddress.FromEndPoint(new IPEndPoint(ip, local.Port), local.Kind));
            }
        }

        addresses = list.ToArray();
        problem = null;
        return true;
    }

    /// <summary>The transport server's options: <c>--max-players</c> is its slot count, so the next player is refused as <see cref="DisconnectReason.ServerFull"/>.</summary>
    internal static NetServerOptions ServerOptions(DemoOptions options, byte[] key, params NetAddress[] publicAddresses) => new()
    {
        ProtocolId = DemoProtocol.Id,
        SchemaHash = DemoProtocol.Registry.ProtocolHash,
        PrivateKey = key,
        PublicAddresses = publicAddresses,
        MaxClients = options.MaxPlayers,
        // The socket listens on loopback only, so every player is a process of this machine and shares its address:
        // the per-address and per-subnet caps (meant for strangers on the internet) would refuse the 17th bot. One
        // above the slot count, so a full server refuses as ServerFull: at equal caps the address limit, checked
        // first, refused the player after the last slot as AddressLimit.
        MaxConnectionsPerAddress = options.MaxPlayers + 1,
        MaxConnectionsPerSubnet = options.MaxPlayers + 1,
    };

    /// <summary>The Agones sidecar's calls, in order, off the tick thread; nothing when not on Agones.</summary>
    private sealed class SidecarCalls(AgonesSidecar? sidecar, TextWriter output)
    {
        private Task chain = Task.CompletedTask;

        public void Call(string name, Func<AgonesSidecar, Task> call)
        {
            if (sidecar is null)
            {
                return;
            }

            chain = chain.ContinueWith(async _ =>
            {
                // The sidecar may start after the game server: a lifecycle call is retried for a while.
                for (int attempt = 0; ; attempt++)
                {
                    try
                    {
                        await call(sidecar);
                        output.WriteLine($"agones {name}");
                        return;
                    }
                    catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException && attempt < 20)
                    {
                        await Task.Delay(250);
                    }
                    catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
                    {
                        output.WriteLine($"agones {name} failed: {exception.Message}");
                        return;
                    }
                }
            }, TaskScheduler.Default).Unwrap();
        }

        /// <summary>A health ping, unless calls are still queued (a stuck sidecar must not make the queue grow).</summary>
        public void Ping()
        {
            if (sidecar is not null && chain.IsCompleted)
            {
                chain = PingAsync(sidecar);
            }
        }

        public Task FlushAsync() => chain;

        private static async Task PingAsync(AgonesSidecar sidecar)
        {
            try
            {
                await sidecar.HealthAsync();
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
            {
                // A missed ping; Agones tolerates failureThreshold of them.
            }
        }
    }

    /// <summary>Agones assigns the node address and host port shortly after the pod starts; the sidecar may start late too.</summary>
    private static async Task<string?> AgonesAddressAsync(AgonesSidecar agones, TextWriter output)
    {
        for (int attempt = 0; attempt < 40; attempt++)
        {
            try
            {
                if (await agones.GetPublicAddressAsync() is { } address)
                {
                    return address;
                }
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
            {
                // Not there yet.
            }

            await Task.Delay(250);
        }

        await output.WriteLineAsync("agones: no address from the sidecar; announcing the bound one");
        return null;
    }

    private static async Task<bool> RegisterAsync(GameServerHost host, TextWriter output, CancellationToken stop)
    {
        // The backend may still be starting (or restarting): keep trying, a little slower each time.
        var delay = TimeSpan.FromMilliseconds(100);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await host.StartAsync(stop);
                return true;
            }
            catch (Exception exception) when (exception is OnlineException or HttpRequestException or TaskCanceledException && !stop.IsCancellationRequested)
            {
                await output.WriteLineAsync($"registering failed ({exception.Message}); retrying in {delay.TotalMilliseconds:0} ms");
                await Task.Delay(delay, CancellationToken.None);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 2000));
            }
        }

        return false;
    }

    private static bool TryKey(string? base64, out byte[] key)
    {
        key = [];
        if (string.IsNullOrEmpty(base64))
        {
            return false;
        }

        try
        {
            key = Convert.FromBase64String(base64.Trim());
            return key.Length == 32;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
