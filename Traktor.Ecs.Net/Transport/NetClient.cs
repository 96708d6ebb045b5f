using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Traktor.Ecs.Net.Diagnostics;
using Traktor.Ecs.Net.Transport.Packets;
using Traktor.Ecs.Net.Transport.Security;
using P = Traktor.Ecs.Net.Transport.Packets.PacketLayout;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net;

/// <summary>
/// The client side of the transport: <see cref="Connect(ReadOnlySpan{byte})"/> with a token from the
/// authentication service, then <see cref="Update"/> once per tick and <see cref="TryPollEvent"/> until false.
/// Not thread-safe: call it from one thread (the game loop's).
/// </summary>
public sealed partial class NetClient : IDisposable, INetStatsSource
{
    private readonly PeerContext _peer;
    private readonly NetClientOptions _options;
    private readonly byte[] _request = new byte[P.RequestSize];
    private readonly byte[] _response = new byte[P.ResponseSize];
    private int _requestLength;
    // The echo a server of another version puts in its answer to this attempt's request (docs/PROTOCOL.md §3.7).
    private readonly byte[] _requestEcho = new byte[P.VersionAnswerEchoSize];
    private int _responseLength;
    private ConnectToken? _token;
    // Handshake packets (challenge, denied, the response's tag) are always ChaCha20-Poly1305 under the token's keys;
    // the connection's packets use the suite the server chose, under keys derived when the response is written.
    private PacketCipher? _handshakeSend;
    private PacketCipher? _handshakeReceive;
    private PacketCipher? _clientToServer;
    private PacketCipher? _serverToClient;
    private CipherSuites _offered;
    private CipherSuites _suite;
    private Connection? _connection;
    private IReadOnlyList<NetAddress> _servers = [];
    private int _serverIndex;
    private ulong _clientId;
    private bool _compression;
    private double _attemptStartedAt;
    // When the token runs out on this client's own monotonic clock: Connect's time plus the token's lifetime (expires −
    // created, both the issuer's clock). A device whose wall clock is wrong still connects; the server checks the expiry.
    private double _tokenRunsOutAt = double.PositiveInfinity;
    private double _lastHandshakeSentAt;
    private int _attempt;
    private bool _disposed;
    private readonly bool _ownsTransport;
    private readonly Lock _statsLock = new();
    private readonly bool _hasLogger;
    private static readonly int ReasonSlots = Enum.GetValues<DisconnectReason>().Max(r => (int)r) + 1;
    private readonly bool[] _announcedFailures = new bool[ReasonSlots];

    /// <summary>A copy of the options it was made with (a <see cref="Multiplayer"/> host serves with the same protocol and schema).</summary>
    internal NetClientOptions Options => _options;

    /// <summary>
    /// Creates a client on <paramref name="transport"/>. With <paramref name="ownsTransport"/> the client's
    /// <see cref="Dispose"/> also disposes the transport (for a socket made for this client alone, as in
    /// <c>new NetClient(UdpTransport.Bind(), options, ownsTransport: true)</c>); otherwise the caller disposes it, and may
    /// reuse it for another client.
    /// </summary>
    public NetClient(IDatagramTransport transport, NetClientOptions options, TimeProvider? time = null, ILogger? logger = null, bool ownsTransport = false)
    {
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentNullException.ThrowIfNull(options);
        // A copy, then validated: the caller changing its object later can neither undo the checks nor change this client.
        var callers = options;
        options = options.Snapshot();
        options.ValidateClient();
        _options = options;
        _ownsTransport = ownsTransport;
        _peer = new PeerContext(transport, options, callers, time ?? TimeProvider.System, logger ?? NullLogger.Instance);
        _internalErrorLog = new RateLimitedLog(_peer.Time);
        _hasLogger = logger is not null and not NullLogger && !IsGenericNullLogger(logger);
        if (options.Insecure) _peer.Logger.LogWarning("NetClient runs in INSECURE mode: no connect tokens, no encryption. Use it on a LAN or in development only.");
        NetMetrics.Register(this);
    }

    private long _statsVersion;

    long INetStatsSource.StatsVersion => Volatile.Read(ref _statsVersion);

    /// <summary>
    /// Whether a failed attempt without a logger is written to the standard error (once per reason). True for a game's own
    /// client; false for clients the library makes and judges itself (a migrating peer's client reports through its events).
    /// </summary>
    internal bool AnnouncesFailuresWithoutLogger { get; init; } = true;

    private static bool IsGenericNullLogger(ILogger logger) =>
        logger.GetType() is { IsGenericType: true } type && type.GetGenericTypeDefinition() == typeof(NullLogger<>);

    void INetStatsSource.CollectStats(List<(ulong ClientId, string Role, NetStats Stats)> into)
    {
        lock (_statsLock)
        {
            if (_connection is { } connection) into.Add((_clientId, "client", connection.GetStats()));
        }
    }

    /// <summary>The connection state; may be read from any thread (the value of the last update that changed it).</summary>
    public ClientState State { get; private set; }

    /// <summary>
    /// The AEAD the server chose for this connection (known once its challenge arrives; <see cref="CipherSuites.None"/>
    /// before that and in insecure mode).
    /// </summary>
    public CipherSuites CipherSuite => _suite;

    /// <summary>The cipher the connection seals with (tests craft packets as a modified client would).</summary>
    internal PacketCipher? ConnectionSendCipher => _connection?.SendCipher;

    /// <summary>The connection's current resend delay in seconds (for tests that bound recovery by it).</summary>
    internal double ResendDelay => _connection?.Statistics.ResendDelay ?? double.NaN;

    /// <summary>The connection's retransmission timeout now, backed off or not, in seconds (for tests of the resend policy).</summary>
    internal double RetransmissionTimeout => _connection?.RetransmissionTimeout ?? double.NaN;

    /// <summary>The connection's retransmission timeout before back-off, in seconds.</summary>
    internal double BaseRetransmissionTimeout => _connection?.BaseRetransmissionTimeout ?? double.NaN;

    /// <summary>Times in a row the connection's retransmission timeout fired with nothing acknowledged since.</summary>
    internal int RetransmissionBackoff => _connection?.RetransmissionBackoff ?? 0;

    /// <summary>Why the last connection or attempt ended.</summary>
    public DisconnectReason? LastDisconnectReason { get; private set; }

    /// <summary>
    /// True when the server ended the last connection (or refused the attempt) with a packet of its own: it was alive to
    /// send it, whatever <see cref="LastDisconnectReason"/> it gave (a <see cref="DisconnectReason.TimedOut"/> it sends says it
    /// heard nothing from this client, not that it is gone). False when this client ended it: its own
    /// <see cref="Disconnect()"/>, its handshake deadline, or its own timeout (nothing heard from the server for the
    /// timeout: the server may be gone). Only the second kind lets a player-hosted session's player infer its host's loss.
    /// </summary>
    public bool LastDisconnectByServer { get; private set; }

    /// <summary>Unexpected exceptions caught while handling a datagram; always 0 unless there is a bug.</summary>
    public long InternalErrors { get; private set; }

    /// <summary>
    /// The largest message that travels in a single packet (MTU − 41, 1,159 bytes by default); larger ones are
    /// fragmented. Replication can size snapshots to it.
    /// </summary>
    public int MaxUnfragmentedMessageSize => _peer.FragmentSize;

    /// <summary>The server currently connected to or tried.</summary>
    public NetAddress ServerAddress => _servers.Count > _serverIndex ? _servers[_serverIndex] : default;

    /// <summary>
    /// Handles received datagrams (at most <see cref="NetPeerOptions.MaxDatagramsPerUpdate"/>, within the connection's
    /// budgets), advances the handshake, and sends what is due.
    /// </summary>
    public void Update()
    {
        Interlocked.Increment(ref _statsVersion);
        double now = ReceiveDatagrams();
        Flush(now);
    }

    /// <summary>
    /// Handles received datagrams like <see cref="Update"/> and ends a dead connection, but sends nothing (acks,
    /// handshake packets wait): call <see cref="Flush()"/> once the tick's messages are queued, so they leave in one packet.
    /// </summary>
    public void Receive()
    {
        Interlocked.Increment(ref _statsVersion);
        double now = ReceiveDatagrams();
        if (State == ClientState.Connected)
        {
            var connection = _connection!;
            connection.CloseIfDead(now);
            if (connection.PendingClose is { } reason) End(reason, byServer: connection.ClosedByPeer);
        }
    }

    private void FlushInternalErrorLog(bool all)
    {
        if (all ? _internalErrorLog.TryFlushAll(out long count) : _internalErrorLog.TryFlush(out count))
        {
            _peer.Logger.LogError("Unexpected errors handling {Count} more datagrams since the last such line (logged at most once a second, NetClient.InternalErrors counts every one).", count);
        }
    }

    /// <summary>Unexpected errors while handling a datagram (bugs a sender can repeat at will): logged at most once a second.</summary>
    private readonly RateLimitedLog _internalErrorLog;

    private double ReceiveDatagrams()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        double now = _peer.Now;
        FlushInternalErrorLog(all: false);
        _peer.Events.BeginUpdate(now);
        _connection?.BeginUpdate();
        var buffer = _peer.Receive.AsSpan();
        (_peer.Transport as IPolledTransport)?.BeginPoll();
        for (int i = 0; i < _options.MaxDatagramsPerUpdate && _peer.Transport.TryReceive(buffer, out int length, out var source); i++)
        {
            NetMetrics.PacketsReceived.Add(1);
            NetMetrics.BytesReceived.Add(length);
            if (source != ServerAddress || State == ClientState.Disconnected || length == 0) continue;
            try
            {
                HandleDatagram(buffer[..length], now);
            }
            catch (Exception e)
            {
                // Every input is validated before use, so this is a bug; the loop must survive it all the same.
                InternalErrors++;
                if (_internalErrorLog.TryLog(out long earlier))
                {
                    _peer.Logger.LogError(e, "Unexpected error handling a datagram from {Source} ({Earlier} more since the last such line; logged at most once a second, NetClient.InternalErrors counts every one).",
                        source, earlier);
                }
            }
        }
        _connection?.EndUpdate();
        return now;
    }

    /// <summary>
    /// Sends what is due (handshake packets, reliable resends, queued messages, acks, keep-alives) without receiving.
    /// Call it after queueing a tick's messages when <see cref="Update"/> already ran this tick. An ack owed for what
    /// arrived this tick goes now, with the tick's messages or alone (nothing else will come this tick to ride on): the
    /// server's snapshot acknowledgements ride on it.
    /// </summary>
    public void Flush()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Interlocked.Increment(ref _statsVersion);
        Flush(_peer.Now, ackNow: true);
    }

    private void Flush(double now, bool ackNow = false)
    {
        switch (State)
        {
            case ClientState.SendingRequest:
            case ClientState.SendingResponse:
                AdvanceHandshake(now);
                break;
            case ClientState.Connected:
                var connection = _connection!;
                connection.CloseIfDead(now);
                if (connection.PendingClose is { } reason) End(reason, byServer: connection.ClosedByPeer);
                else connection.Flush(now, ackNow);
                break;
        }
    }

    /// <summary>Queues a message for the server.</summary>
    public SendResult Send(ChannelKind channel, ReadOnlySpan<byte> message) =>
        State == ClientState.Connected ? _connection!.Send(channel, message) : SendResult.NotConnected;

    /// <summary>Returns the next event from the last <see cref="Update"/>; message data is valid until the next one.</summary>
    public bool TryPollEvent(out NetEvent netEvent) => _peer.Events.TryPoll(out netEvent);

    /// <summary>
    /// Statistics of the connection (zeros when not connected). Unlike the rest of the client it may be called from any
    /// thread (a HUD's): it only reads, but a result read off the tick thread may mix two updates (docs/TRANSPORT.md,
    /// "Reading statistics from another thread").
    /// </summary>
    public NetStats GetStats() => _connection?.GetStats() ?? default;

    /// <summary>Disconnects (telling the server, redundantly) or abandons a connection attempt.</summary>
    public void Disconnect() => Disconnect(DisconnectReason.ClientDisconnected);

    /// <summary>
    /// Disconnects for <paramref name="reason"/> (told to the server, redundantly), or abandons a connection attempt:
    /// a peer of a mesh cuts the link to a peer that broke the rules with <see cref="DisconnectReason.ProtocolViolation"/>.
    /// </summary>
    /// <param name="reason">Why: the server reads it, and <see cref="LastDisconnectReason"/> keeps it.</param>
    public void Disconnect(DisconnectReason reason)
    {
        Interlocked.Increment(ref _statsVersion);
        if (State == ClientState.Connected) End(reason, byServer: false);
        else if (State != ClientState.Disconnected) Fail(reason, byServer: false);
    }

    // byServer: the server's Disconnect packet ended it (then none is sent back); otherwise this client tells the server.
    private void End(DisconnectReason reason, bool byServer)
    {
        var connection = _connection!;
        if (!byServer) connection.SendDisconnect(reason);
        _peer.Logger.LogInformation("Disconnected from {Server}: {Reason}. {Explanation}", ServerAddress, reason, reason.Explain());
        NetMetrics.Disconnections.Add(1);
        _peer.Events.AddDisconnected(connection.Id, _clientId, reason, byServer);
        LastDisconnectReason = reason;
        LastDisconnectByServer = byServer;
        State = ClientState.Disconnected;
        if (!ServerAddress.IsNone) PeerAware?.OnPeerDisconnected(ServerAddress);
        Reset();
    }

    private void Fail(DisconnectReason reason, bool byServer)
    {
        if (reason == DisconnectReason.ClientDisconnected)
        {
            _peer.Logger.LogInformation("Connection attempt to {Server} given up.", ServerAddress);
        }
        else
        {
            string servers = string.Join(", ", _servers);
            _peer.Logger.LogWarning("Could not connect to {Server}: {Reason}. {Explanation}", servers, reason, reason.Explain());
            // Without a logger a failed attempt was silent: a game loop waited for a connection that never came. Say it
            // once per reason on the standard error (as the RPC layer does its drops), with what to do.
            if (!_hasLogger && AnnouncesFailuresWithoutLogger && (uint)reason < (uint)_announcedFailures.Length && !_announcedFailures[(int)reason])
            {
                _announcedFailures[(int)reason] = true;
                Console.Error.WriteLine($"Traktor.Ecs.Net: could not connect to {servers}: {reason}. {reason.Explain()} "
                    + "Shown once per reason; NetClient.LastDisconnectReason keeps it, and an ILogger passed to NetClient logs every attempt.");
            }
        }

        _peer.Events.AddDisconnected(new ConnectionId(0, _attempt), _clientId, reason, byServer);
        LastDisconnectReason = reason;
        LastDisconnectByServer = byServer;
        State = ClientState.Disconnected;
        if (!ServerAddress.IsNone) PeerAware?.OnPeerDisconnected(ServerAddress);
        Reset();
    }

    private IPeerAwareTransport? PeerAware => _peer.Transport as IPeerAwareTransport;

    private void Reset()
    {
        var connection = _connection;
        lock (_statsLock) _connection = null;
        connection?.Dispose();
        _clientToServer?.Dispose();
        _serverToClient?.Dispose();
        _handshakeSend?.Dispose();
        _handshakeReceive?.Dispose();
        _clientToServer = null;
        _serverToClient = null;
        _handshakeSend = null;
        _handshakeReceive = null;
        _suite = CipherSuites.None;
        State = ClientState.Disconnected;
    }

    /// <summary>
    /// Disconnects and releases the connection; disposes the transport too when the client was created owning it
    /// (a socket left open stays bound and keeps receiving what is sent to it until the garbage collector finalizes it).
    /// </summary>
    public void Dispose()
    {
        if (_disposed) return;
        Disconnect();
        Reset();
        FlushInternalErrorLog(all: true);
        NetMetrics.Unregister(this);
        _disposed = true;
        if (_ownsTransport) _peer.Transport.Dispose();
    }
}
