using Traktor.Ecs.Net.Web.Hosting;
using Microsoft.Extensions.Hosting;
using System.Net;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Traktor.Ecs.Net.Replication;
using Traktor.Ecs.Net.Web.Profiler;
using Traktor.Ecs.Net.Web.Transport;
using Traktor.Ecs.Systems;

namespace Traktor.Ecs.Net;

/// <summary>
/// A live profiler in the browser, like Netcode for Entities' NetDbg: an HTTP endpoint serving one static page and a
/// WebSocket feed of samples (connections with RTT, loss and bandwidth; snapshot bits per component type; tick time
/// per system; entity counts; any value you add, such as prediction corrections), drawn as live charts.
/// Off unless you start it; on 127.0.0.1 by default; bound to any other address it demands an access token
/// (generated when you give none) and <see cref="Url"/> carries it. Tell it what to watch, then call
/// <see cref="Sample"/> from the game loop once per tick: it samples every <see cref="LiveProfilerOptions.SampleInterval"/>
/// and costs a clock read in between.
/// </summary>
public sealed class LiveProfiler : IDisposable
{
    private readonly LiveProfilerOptions _options;
    private readonly ProfilerSampler _sampler = new();
    private readonly Queue<byte[]> _history = new();
    private readonly Lock _historyLock = new();
    private readonly WebApplication _host;

    /// <summary>The embedded host's services, for tests of how it is hosted.</summary>
    internal IServiceProvider HostServices => _host.Services;
    private readonly byte[]? _token;
    private readonly long _startedAt;
    private readonly double _interval;
    private readonly ILogger _logger;
    private double _nextSampleAt;
    private long _sequence;
    private int _viewers;
    private bool _disposed;

    /// <summary>
    /// Connections refused before a byte was read (<see cref="StreamTransportCounters.Refused"/>): an address may hold
    /// <see cref="LiveProfilerOptions.MaxViewers"/> connections and 4 more, so one address cannot take every slot.
    /// </summary>
    public StreamTransportCounters RefusedConnections { get; } = new();

    private LiveProfiler(LiveProfilerOptions options, ILoggerFactory loggerFactory)
    {
        _options = options;
        _logger = loggerFactory.CreateLogger<LiveProfiler>();
        string? token = options.AccessToken;
        if (token is null && !IPAddress.IsLoopback(options.EndPoint.Address))
            token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        _token = token is null ? null : Encoding.UTF8.GetBytes(token);
        AccessToken = token;
        _startedAt = options.Time.GetTimestamp();
        _interval = options.SampleInterval.TotalSeconds;

        // Kestrel's connection limit is for everyone: without a per-address count, 32 half-sent requests from one
        // address held the profiler for 30 s each, token or not (the token is checked after the request's headers).
        var gate = new ConnectionGate(
            new StreamTransportOptions { MaxConnectionsPerAddress = options.MaxViewers, MaxConnectionsPerSubnet = options.MaxViewers * 4 },
            RefusedConnections, static () => Environment.TickCount64 / 1000.0); // real sockets: the real clock
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggerFactory);
        builder.Services.AddSingleton<IHostLifetime, EmbeddedHostLifetime>(); // the game owns the process's signals
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxConcurrentConnections = options.MaxViewers * 4;
            kestrel.Limits.MaxConcurrentUpgradedConnections = options.MaxViewers;
            kestrel.Limits.MaxRequestBodySize = 0;
            // A page and its feed need no more: requests left half sent are cut after 5 s, not Kestrel's 30.
            kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(5);
            kestrel.Listen(options.EndPoint, listen =>
            {
                listen.Protocols = HttpProtocols.Http1;
                listen.Use(next => connection => gate.RunAsync(connection, next)); // counted before a byte is read
            });
        });
        _host = builder.Build();
        _host.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(20) });
        _host.MapGet("/", ServePage);
        _host.Map("/feed", ServeFeed);
    }

    /// <summary>Starts the profiler's HTTP endpoint (Kestrel) with <paramref name="options"/> (127.0.0.1, any free port, by default).</summary>
    public static LiveProfiler Start(LiveProfilerOptions? options = null, ILoggerFactory? loggerFactory = null)
    {
        options ??= new LiveProfilerOptions();
        options.Validate();
        var profiler = new LiveProfiler(options, loggerFactory ?? NullLoggerFactory.Instance);
        try
        {
            profiler._host.StartAsync().GetAwaiter().GetResult();
        }
        catch
        {
            ((IDisposable)profiler._host).Dispose();
            throw;
        }
        var addresses = profiler._host.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features
            .GetRequiredFeature<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>();
        int port = new Uri(addresses.Addresses.First()).Port;
        var address = options.EndPoint.Address;
        string host = address.Equals(IPAddress.Any) ? "127.0.0.1" : address.Equals(IPAddress.IPv6Any) ? "[::1]"
            : address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
        profiler.Url = new Uri($"http://{host}:{port}/" + (profiler.AccessToken is { } token ? $"?token={Uri.EscapeDataString(token)}" : ""));
        profiler._logger.LogInformation("Live profiler at http://{Host}:{Port}/{Protected}.", host, port, profiler.AccessToken is null ? "" : " (token required)");
        return profiler;
    }

    /// <summary>The page's address, with the access token when one is required: open it in a browser.</summary>
    public Uri Url { get; private set; } = null!;

    /// <summary>The token viewers must present, or null when none is needed (loopback without a configured token).</summary>
    public string? AccessToken { get; }

    /// <summary>Samples taken so far.</summary>
    public long Samples => Interlocked.Read(ref _sequence);

    /// <summary>Feed viewers connected now.</summary>
    public int Viewers => Volatile.Read(ref _viewers);

    /// <summary>Watches a server's connections (RTT, loss, bandwidth, resends, transport), labelled <paramref name="name"/>.</summary>
    public LiveProfiler Watch(NetServer server, string name = "server")
    {
        ArgumentNullException.ThrowIfNull(server);
        _sampler.Add(name, server);
        return this;
    }

    /// <summary>Watches a client's connection.</summary>
    public LiveProfiler Watch(NetClient client, string name = "client")
    {
        ArgumentNullException.ThrowIfNull(client);
        _sampler.Add(name, client);
        return this;
    }

    /// <summary>Watches the snapshot bits a replication writes per component type of <paramref name="registry"/>.</summary>
    public LiveProfiler Watch(ReplicationCounters counters, ReplicationRegistry registry, string name = "server")
    {
        ArgumentNullException.ThrowIfNull(counters);
        ArgumentNullException.ThrowIfNull(registry);
        _sampler.Add(name, counters, registry);
        return this;
    }

    /// <summary>Watches the tick time of every system in <paramref name="systems"/> (nested groups included).</summary>
    public LiveProfiler Watch(Group<float> systems, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(systems);
        _sampler.Add(name ?? systems.Name, systems);
        return this;
    }

    /// <summary>Watches how many entities <paramref name="world"/> holds.</summary>
    public LiveProfiler Watch(World world, string name = "world")
    {
        ArgumentNullException.ThrowIfNull(world);
        _sampler.Add(name, world);
        return this;
    }

    /// <summary>Charts any number read on the game loop at each sample, such as prediction corrections.</summary>
    public LiveProfiler Track(string name, Func<double> value)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(value);
        _sampler.Add(name, value);
        return this;
    }

    /// <summary>
    /// Call once per tick on the game loop: takes a sample when <see cref="LiveProfilerOptions.SampleInterval"/> has
    /// passed since the last one and hands it to the viewers. Between samples it reads the clock and returns.
    /// </summary>
    public void Sample()
    {
        if (_disposed) return;
        double now = _options.Time.GetElapsedTime(_startedAt).TotalSeconds;
        if (now < _nextSampleAt) return;
        _nextSampleAt = now + _interval;
        byte[] frame = _sampler.Take(now, _sequence + 1);
        lock (_historyLock)
        {
            _history.Enqueue(frame);
            while (_history.Count > _options.History) _history.Dequeue();
            Interlocked.Increment(ref _sequence);
        }
    }

    private bool Authorized(HttpContext context)
    {
        // Browsers let any page open a WebSocket anywhere and say where it came from only in Origin: a page of another
        // site (which would otherwise read the feed through the viewer's browser) is refused.
        if (!SameOrigin(context.Request)) return false;
        if (_token is null) return IsLocalHost(context.Request.Host.Host); // no token: only a loopback name (no DNS rebinding)
        string? given = context.Request.Query["token"];
        if (given is null && context.Request.Headers.Authorization.ToString() is { } header && header.StartsWith("Bearer ", StringComparison.Ordinal)) given = header[7..];
        return given is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), _token);
    }

    private static bool SameOrigin(HttpRequest request)
    {
        string origin = request.Headers.Origin.ToString();
        if (origin.Length == 0) return true; // not a browser's cross-origin request (a tool, or a top-level navigation)
        return Uri.TryCreate(origin, UriKind.Absolute, out var uri) && (uri.Scheme is "http" or "https")
            && string.Equals(uri.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase);
    }

    private static bool IsLocalHost(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip));

    private async Task ServePage(HttpContext context)
    {
        if (!Authorized(context))
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return;
        }
        context.Response.ContentType = "text/html; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers["Referrer-Policy"] = "no-referrer";
        context.Response.Headers["X-Content-Type-Options"] = "nosniff";
        context.Response.Headers.ContentSecurityPolicy = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'";
        await using var page = typeof(LiveProfiler).Assembly.GetManifestResourceStream("Traktor.Ecs.Net.Web.Profiler.profiler.html")!;
        await page.CopyToAsync(context.Response.Body, context.RequestAborted);
    }

    private async Task ServeFeed(HttpContext context)
    {
        if (!Authorized(context))
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return;
        }
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status426UpgradeRequired;
            return;
        }
        if (Interlocked.Increment(ref _viewers) > _options.MaxViewers)
        {
            Interlocked.Decrement(ref _viewers);
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return;
        }
        try
        {
            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            await Stream(socket, context.RequestAborted);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException)
        {
            // The viewer left.
        }
        finally
        {
            Interlocked.Decrement(ref _viewers);
        }
    }

    /// <summary>Sends the history as one array, then every new sample, until the viewer leaves or the profiler stops.</summary>
    private async Task Stream(WebSocket socket, CancellationToken aborted)
    {
        // Viewers only listen; a task reads so their close (and pings) are seen.
        var listening = Listen(socket);
        long sent = 0;
        var poll = TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerMillisecond * 20, _options.SampleInterval.Ticks / 2));
        while (!_disposed && !aborted.IsCancellationRequested && socket.State == WebSocketState.Open && !listening.IsCompleted)
        {
            byte[]? message = Pending(ref sent);
            if (message is not null) await socket.SendAsync(message, WebSocketMessageType.Text, true, aborted);
            else await Task.WhenAny(Task.Delay(poll, aborted), listening);
        }
        // Answer the viewer's close (CloseReceived) as well as start one: a handshake left half done is an error on its side.
        if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
        }
    }

    /// <summary>The samples after <paramref name="sent"/>, as one JSON array (or null when there are none).</summary>
    private byte[]? Pending(ref long sent)
    {
        lock (_historyLock)
        {
            long newest = _sequence;
            if (newest == sent) return null;
            int count = (int)Math.Min(newest - sent, _history.Count);
            sent = newest;
            using var buffer = new MemoryStream();
            buffer.WriteByte((byte)'[');
            int index = 0;
            foreach (var frame in _history)
            {
                if (index++ < _history.Count - count) continue;
                if (buffer.Length > 1) buffer.WriteByte((byte)',');
                buffer.Write(frame);
            }
            buffer.WriteByte((byte)']');
            return buffer.ToArray();
        }
    }

    private static async Task Listen(WebSocket socket)
    {
        var buffer = new byte[256];
        try
        {
            while (socket.State == WebSocketState.Open)
            {
                var result = await socket.ReceiveAsync(buffer, CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close) return;
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException)
        {
            // Gone.
        }
    }

    /// <summary>Stops the endpoint and closes the viewers' feeds.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            _host.StopAsync(timeout.Token).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
            // Viewers that did not close in time are aborted by the host's disposal.
        }
        ((IDisposable)_host).Dispose();
    }
}
