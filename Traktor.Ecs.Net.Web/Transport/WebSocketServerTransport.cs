using Traktor.Ecs.Net.Web.Hosting;
using Microsoft.Extensions.Hosting;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Traktor.Ecs.Net.Transport.WebSockets;
using Traktor.Ecs.Net.Web.Transport;

namespace Traktor.Ecs.Net;

/// <summary>
/// The server side of datagrams over WebSocket: a Kestrel endpoint (<c>ws://</c>, or <c>wss://</c> with a
/// certificate) where every binary message is one datagram. Put it beside a <see cref="UdpTransport"/> in a
/// <see cref="CompositeTransport"/> and one <see cref="NetServer"/> serves both; clients use
/// <see cref="WebSocketClientTransport"/>. Polled from the game loop like the other transports: Kestrel's threads
/// serve the sockets, the game loop only copies datagrams into and out of fixed per-peer buffers.
/// Budgets (<see cref="StreamTransportOptions"/>): at most MaxConnections peers (MaxConnectionsPerAddress per IP,
/// MaxConnectionsPerSubnet per /24 or /64), each holding fixed buffers; an upgrade beyond them is answered 503 before
/// any WebSocket exists; TCP connections beyond those limits (plus a few) are closed before any HTTP is read, and every
/// answer but an upgrade closes its connection, so half-sent or kept-alive requests cannot hold Kestrel's slots; a
/// text, empty or oversized message closes that peer's socket as a violation.
/// </summary>
public sealed class WebSocketServerTransport : IPeerAwareTransport
{
    private readonly WebSocketPeers _peers;
    private readonly WebApplication _host;
    private readonly ConnectionGate _gate;

    /// <summary>The embedded host's services, for tests of how it is hosted.</summary>
    internal IServiceProvider HostServices => _host.Services;
    private readonly ILogger _logger;
    private bool _disposed;

    private WebSocketServerTransport(WebSocketPeers peers, WebApplication host, ConnectionGate gate, IPEndPoint bound, bool tls, ILogger logger)
    {
        _peers = peers;
        _host = host;
        _gate = gate;
        _logger = logger;
        LocalEndPoint = bound;
        LocalAddress = NetAddress.FromEndPoint(bound, TransportKind.WebSocket);
        Url = new Uri($"{(tls ? "wss" : "ws")}://{(bound.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{bound.Address}]" : bound.Address)}:{bound.Port}{Path}");
    }

    /// <summary>The request path clients connect to.</summary>
    public string Path { get; private init; } = "/traktor";

    /// <summary>
    /// Starts Kestrel on <paramref name="localEndPoint"/> (port 0: the OS picks one) and accepts WebSockets at
    /// <paramref name="path"/>; over TLS (<c>wss://</c>) when <paramref name="certificate"/> is given.
    /// </summary>
    public static WebSocketServerTransport Listen(IPEndPoint localEndPoint, StreamTransportOptions? options = null, X509Certificate2? certificate = null,
        string path = "/traktor", TimeProvider? time = null, ILoggerFactory? loggerFactory = null) =>
        Listen(localEndPoint, options, certificate, path, time, loggerFactory, kestrelLimits: null);

    /// <summary>
    /// How long a TCP connection has for its HTTP request, TLS handshake included, on the transport's clock; then it is
    /// closed and counted (<see cref="StreamTransportCounters.RequestTimeouts"/>). Kestrel's own timeouts for the same
    /// (keep-alive before the first byte, request headers after it) are set above it, as a backstop: they count nowhere.
    /// </summary>
    internal static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Bytes Kestrel reads from a connection ahead of its reader (the HTTP parser, then the channel's receive task), in
    /// its socket transport and behind TLS: Kestrel's default limit of request headers (32 KiB), so any request it
    /// accepts still fits.
    /// </summary>
    internal const int KestrelReadAhead = 32 * 1024;

    /// <summary>
    /// <see cref="Listen(IPEndPoint, StreamTransportOptions?, X509Certificate2?, string, TimeProvider?, ILoggerFactory?)"/>,
    /// then <paramref name="kestrelLimits"/> changes Kestrel's limits (tests: Kestrel full while the transport has room,
    /// as when reclaimed connections are still ending).
    /// </summary>
    /// <remarks><paramref name="step"/> runs at each step of each admitted upgrade (tests: a connection gone, or a failure, then).</remarks>
    internal static WebSocketServerTransport Listen(IPEndPoint localEndPoint, StreamTransportOptions? options, X509Certificate2? certificate,
        string path, TimeProvider? time, ILoggerFactory? loggerFactory, Action<KestrelServerLimits>? kestrelLimits, Action<HttpContext, AcceptStep>? step = null)
    {
        ArgumentNullException.ThrowIfNull(localEndPoint);
        if (string.IsNullOrEmpty(path) || path[0] != '/') throw new ArgumentException("The path starts with '/'.", nameof(path));
        options = StreamTransportOptions.Resolve(options); // a validated copy: the caller's later changes do not reach it
        loggerFactory ??= NullLoggerFactory.Instance;
        var logger = loggerFactory.CreateLogger<WebSocketServerTransport>();
        time ??= TimeProvider.System;
        var peers = new WebSocketPeers(options, time, logger);
        // The gate counts every connection (Kestrel's own limit is above it, for the ones it closes that are still ending)
        // and, with all taken, makes room by closing the oldest silent one; one without a request in time it closes.
        var gate = new ConnectionGate(options, peers.Counters, () => peers.Now, total: options.MaxConnections + options.AcceptsPerPass,
            peers, new ConnectionGate.RequestDeadline(RequestTimeout, time), logger);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggerFactory);
        builder.Services.AddSingleton<IHostLifetime, EmbeddedHostLifetime>(); // the game owns the process's signals
        // The socket's continuations run the WebSocket and the channel's receive task inline on the socket's I/O
        // thread instead of hopping to the thread pool twice per message (Kestrel's I/O queue, then the pipe's
        // reader): this host serves nothing but the channels, whose code never blocks (a short lock, then an await).
        builder.WebHost.UseSockets(sockets =>
        {
            sockets.UnsafePreferInlineScheduling = true;
            // What Kestrel reads ahead of a channel's receive task per connection: by default 1 MiB, so a peer sending
            // faster than the game reads it (128 datagrams a pass) had Kestrel hold up to 1 MiB more for it than the
            // transport's stated buffers, about 1 GiB over 1,088 connections (attack review 25). Request headers fit.
            sockets.MaxReadBufferSize = KestrelReadAhead;
        });
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            // Both above the transport's own limits (the gate's, MaxConnections + AcceptsPerPass, and the admission's),
            // which reclaim silent connections: a reclaimed one holds Kestrel's place until it has ended, and at Kestrel's
            // limit the newcomer would be refused (an upgrade then is answered 503: see Accept).
            kestrel.Limits.MaxConcurrentUpgradedConnections = options.MaxConnections + 2L * options.AcceptsPerPass;
            kestrel.Limits.MaxConcurrentConnections = options.MaxConnections + 2L * options.AcceptsPerPass;
            kestrel.Limits.MaxRequestBodySize = 0;
            kestrel.Limits.MaxRequestBufferSize = KestrelReadAhead; // the same behind TLS (wss://)
            // Backstops of the gate's RequestTimeout, which counts what it closes (every answer but an upgrade closes anyway).
            kestrel.Limits.RequestHeadersTimeout = 2 * RequestTimeout;
            kestrel.Limits.KeepAliveTimeout = 2 * RequestTimeout;
            kestrelLimits?.Invoke(kestrel.Limits);
            kestrel.Listen(localEndPoint, listen =>
            {
                listen.Protocols = HttpProtocols.Http1; // RFC 6455 upgrades
                listen.Use(next => connection => gate.RunAsync(connection, next)); // first: before TLS and HTTP
                if (certificate is not null) listen.UseHttps(certificate);
            });
        });
        var app = builder.Build();
        // Before the WebSocket middleware takes the upgrade feature: the stream it upgrades to counts control frames.
        app.Use(next => context =>
        {
            if (context.Features.Get<IHttpUpgradeFeature>() is { } upgrade) context.Features.Set<IHttpUpgradeFeature>(new WebSocketFrameBudgetUpgrade(upgrade));
            return next(context);
        });
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.Zero });
        app.Use(next => context =>
        {
            gate.RequestArrived(context.Connection.Id);
            return next(context);
        });
        app.Map(path, context => Accept(context, peers, gate, options, logger, step));
        // Any other path: 404 and close, as every answer but an upgrade (routing's own 404 would keep the connection alive
        // until Kestrel's keep-alive backstop, holding a slot uncounted).
        app.MapFallback(context =>
        {
            Refuse(context, StatusCodes.Status404NotFound);
            return Task.CompletedTask;
        });
        try
        {
            app.StartAsync().GetAwaiter().GetResult();
        }
        catch
        {
            ((IDisposable)app).Dispose();
            throw;
        }
        var addresses = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features.GetRequiredFeature<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>();
        var bound = new IPEndPoint(localEndPoint.Address, new Uri(addresses.Addresses.First()).Port);
        return new WebSocketServerTransport(peers, app, gate, bound, certificate is not null, logger) { Path = path };
    }

    private static async Task Accept(HttpContext context, WebSocketPeers peers, ConnectionGate gate, StreamTransportOptions options, ILogger logger,
        Action<HttpContext, AcceptStep>? step)
    {
        try
        {
            await Upgrade(context, peers, gate, options, logger, step).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            // Escaping, it would be an HTTP 500 logged as an application error; a peer may cause it: counted instead.
            peers.Counters.OnAcceptFailure();
            logger.LogDebug(exception, "Accepting a WebSocket from {Address} failed.", context.Connection.RemoteIpAddress);
            if (!context.Response.HasStarted) Refuse(context, StatusCodes.Status500InternalServerError);
        }
    }

    private static async Task Upgrade(HttpContext context, WebSocketPeers peers, ConnectionGate gate, StreamTransportOptions options, ILogger logger,
        Action<HttpContext, AcceptStep>? step)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            Refuse(context, StatusCodes.Status426UpgradeRequired);
            return;
        }
        var remote = context.Connection.RemoteIpAddress;
        if (remote is null)
        {
            Refuse(context, StatusCodes.Status400BadRequest);
            return;
        }
        var address = NetAddress.FromEndPoint(new IPEndPoint(remote, context.Connection.RemotePort), TransportKind.WebSocket);
        if (!gate.TryAdmit(peers, context.Connection.Id, address))
        {
            Refuse(context, StatusCodes.Status503ServiceUnavailable);
            return;
        }
        // The channel is the admission's token from here: a reclaim while the 101 is written gives it back through it.
        // Until it exists (its constructor allocates the peer's buffers) the address is; either is given back once on
        // any way out, else the address's and the server's slot would stay taken for good.
        WebSocketChannel? channel = null;
        try
        {
            step?.Invoke(context, AcceptStep.Admitted);
            channel = new WebSocketChannel(address, options, peers.Now, accepted: true);
            channel.FrameBudget = new WebSocketFrameBudget(options, peers.Time);
            if (context.Features.Get<IHttpUpgradeFeature>() is WebSocketFrameBudgetUpgrade upgrade) upgrade.Budget = channel.FrameBudget;
            gate.Upgraded(context.Connection.Id, channel);
            step?.Invoke(context, AcceptStep.Bound);
        }
        catch
        {
            if (channel is null) peers.Release(address);
            else peers.Release(channel); // once: nothing if the gate reclaimed it meanwhile
            throw; // a failure: Accept counts it and answers 500
        }
        System.Net.WebSockets.WebSocket socket;
        try
        {
            step?.Invoke(context, AcceptStep.Upgrading);
            socket = await context.WebSockets.AcceptWebSocketAsync().ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            peers.Release(channel); // once: nothing if the gate reclaimed it meanwhile
            if (context.Response.HasStarted || context.RequestAborted.IsCancellationRequested)
            {
                // The connection is gone (the gate reclaimed it, counted then, or the peer left): nobody to answer.
                if (!channel.Reclaimed) peers.Counters.OnAcceptFailure();
                logger.LogDebug(exception, "The WebSocket upgrade of {Address} failed: its connection is gone.", address);
                return;
            }
            if (exception is not InvalidOperationException) throw; // not Kestrel's refusal: a failure (Accept counts it)
            // Kestrel's own count of upgraded connections is full (MaxConcurrentUpgradedConnections): connections the
            // transport has given up (reclaimed, or closing) hold their place there until they have ended. Escaping,
            // this was an HTTP 500 logged as an application error; it is the server being full, as for a 503 above.
            peers.Counters.OnRefused();
            logger.LogDebug(exception, "The WebSocket upgrade of {Address} was refused (503): Kestrel has no room for another upgraded connection yet.", address);
            Refuse(context, StatusCodes.Status503ServiceUnavailable);
            return;
        }
        peers.Enqueue(channel); // from here on the game loop owns the admission and releases it when it closes the channel
        try
        {
            await channel.RunAsync(socket).ConfigureAwait(false);
            step?.Invoke(context, AcceptStep.Ran);
        }
        catch (Exception exception)
        {
            // Accepted, so not counted as an accept failure: the channel failed. Its run has ended the
            // channel (broken), so the game loop closes it, gives its admission back and counts its close by cause.
            peers.Counters.OnChannelFailure();
            logger.LogDebug(exception, "The WebSocket channel of {Address} failed after it was accepted.", address);
        }
    }

    /// <summary>
    /// Answers <paramref name="status"/> and closes the connection: this endpoint serves only upgrades, so a connection
    /// kept alive after any other answer would only hold a slot (<see cref="ConnectionGate"/>).
    /// </summary>
    private static void Refuse(HttpContext context, int status)
    {
        context.Response.StatusCode = status;
        context.Response.Headers.Connection = "close";
    }

    /// <inheritdoc />
    public NetAddress LocalAddress { get; }

    /// <summary>The endpoint Kestrel listens on (with the port the OS chose when 0 was asked).</summary>
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>The URL clients connect to (<c>ws://ip:port/path</c> or <c>wss://…</c>).</summary>
    public Uri Url { get; }

    /// <summary>What the transport did with its peers.</summary>
    public StreamTransportCounters Counters => _peers.Counters;

    /// <summary>TCP connections Kestrel is serving now, upgraded or not, until each has ended (also those the gate closed).</summary>
    internal int ConnectionCount => _gate.Live;

    /// <summary>TCP connections the transport's gate has let in or refused so far (<see cref="ConnectionGate.Decided"/>).</summary>
    internal long ConnectionsDecided => _gate.Decided;

    /// <summary>WebSocket peers open now.</summary>
    public int StreamCount => _peers.Count;

    /// <inheritdoc />
    public bool TrySend(ReadOnlySpan<byte> datagram, in NetAddress destination) => _peers.TrySend(datagram, destination, open: null);

    /// <inheritdoc />
    public bool TryReceive(Span<byte> buffer, out int length, out NetAddress source) => _peers.TryReceive(buffer, out length, out source);

    /// <inheritdoc />
    public void OnPeerConnected(in NetAddress peer) => _peers.OnPeerConnected(peer);

    /// <inheritdoc />
    public void OnPeerDisconnected(in NetAddress peer) => _peers.OnPeerDisconnected(peer);

    /// <inheritdoc />
    public void DiscardUnsent(in NetAddress peer) => _peers.DiscardUnsent(peer);

    /// <inheritdoc />
    public TimeSpan IdleTimeoutFor(in NetAddress peer) => _peers.IdleTimeoutFor(peer);

    /// <summary>Closes every peer and stops Kestrel (waiting at most 5 s for the sockets to close).</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _peers.Dispose();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            _host.StopAsync(timeout.Token).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
            _logger.LogWarning("Kestrel did not stop within 5 s; its remaining connections are aborted.");
        }
        ((IDisposable)_host).Dispose();
    }
}
