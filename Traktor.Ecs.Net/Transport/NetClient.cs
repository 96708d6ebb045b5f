using System.Buffers.Binary;
using System.Security.Cryptography;
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
public sealed class NetClient : IDisposable, INetStatsSource
{
    private readonly PeerContext _peer;
    private readonly NetClientOptions _options;
    private readonly byte[] _request = new byte[P.RequestSize];
    private readonly byte[] _response = new byte[P.ResponseSize];
    private int _requestLength;
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
    private double _lastHandshakeSentAt;
    private int _attempt;
    private bool _disposed;
    private readonly bool _ownsTransport;
    private readonly Lock _statsLock = new();

    /// <summary>The options it was made with (a <see cref="Multiplayer"/> host serves with the same protocol and schema).</summary>
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
        options.Validate();
        _options = options;
        _ownsTransport = ownsTransport;
        _peer = new PeerContext(transport, options, time ?? TimeProvider.System, logger ?? NullLogger.Instance);
        if (options.Insecure) _peer.Logger.LogWarning("NetClient runs in INSECURE mode: no connect tokens, no encryption. Use it on a LAN or in development only.");
        NetMetrics.Register(this);
    }

    void INetStatsSource.CollectStats(List<(ulong ClientId, string Role, NetStats Stats)> into)
    {
        lock (_statsLock)
        {
            if (_connection is { } connection) into.Add((_clientId, "client", connection.GetStats()));
        }
    }

    /// <summary>The connection state.</summary>
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

    /// <summary>Why the last connection or attempt ended.</summary>
    public DisconnectReason? LastDisconnectReason { get; private set; }

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
    /// Starts connecting with a token from <see cref="ConnectTokenIssuer.Issue(ulong, ReadOnlySpan{byte}, TimeSpan, IReadOnlyList{NetAddress}, int)"/>; progress comes as events.
    /// Throws <see cref="ArgumentException"/> for bytes that are not a token; its message names both protocol versions for
    /// a token its issuer made with another version of the library.
    /// </summary>
    public void Connect(ReadOnlySpan<byte> connectToken)
    {
        if (_options.Insecure) throw new InvalidOperationException("An insecure client connects with ConnectInsecure.");
        if (!ConnectToken.TryParse(connectToken, out var token)) throw new ArgumentException(ConnectToken.WhyNotAToken(connectToken), nameof(connectToken));
        NetAddress.RequireReachable(token!.ServerAddresses, nameof(connectToken));
        Disconnect(); // a new connection ends the current one (or attempt), with an event
        _token = token!;
        _offered = _options.CipherSuites & PacketCipher.LocallySupported;
        _handshakeSend = new PacketCipher(CipherSuites.ChaCha20Poly1305, _token.ClientToServerKey);
        _handshakeReceive = new PacketCipher(CipherSuites.ChaCha20Poly1305, _token.ServerToClientKey);
        var r = _request.AsSpan();
        r[0] = (byte)((byte)PacketType.ConnectionRequest | CompressionOffer);
        WriteVersions(r);
        BinaryPrimitives.WriteUInt64LittleEndian(r[P.RequestExpires..], _token.ExpiresUnixSeconds);
        _token.Nonce.CopyTo(r[P.RequestNonce..]);
        _token.SealedPrivateToken.CopyTo(r[P.RequestToken..]);
        r[P.RequestSuites] = (byte)_offered;
        _requestLength = P.RequestSize;
        Begin(_token.ServerAddresses);
        if (_offered == CipherSuites.None) Fail(DisconnectReason.CipherMismatch); // nothing this CPU runs is allowed
    }

    /// <summary>Starts connecting to a server in insecure mode (LAN, development) as <paramref name="clientId"/>.</summary>
    public void ConnectInsecure(NetAddress server, ulong clientId) => ConnectInsecure([server], clientId);

    /// <summary>
    /// Starts connecting in insecure mode to the first of <paramref name="servers"/> that answers, trying them in order
    /// like a token's addresses (<see cref="NetClientOptions.ChallengeTimeout"/> per silent address).
    /// </summary>
    public void ConnectInsecure(IReadOnlyList<NetAddress> servers, ulong clientId)
    {
        ArgumentNullException.ThrowIfNull(servers);
        if (servers.Count is 0 or > 8) throw new ArgumentException("One to eight server addresses.", nameof(servers));
        if (!_options.Insecure) throw new InvalidOperationException("Set Insecure = true to connect without a token.");
        NetAddress.RequireReachable(servers, nameof(servers));
        Disconnect(); // a new connection ends the current one (or attempt), with an event
        _clientId = clientId;
        var r = _request.AsSpan();
        r[0] = (byte)((byte)PacketType.InsecureRequest | CompressionOffer);
        WriteVersions(r);
        BinaryPrimitives.WriteUInt64LittleEndian(r[P.InsecureRequestClientId..], clientId);
        _requestLength = P.InsecureRequestSize;
        Begin(servers.ToArray());
    }

    /// <summary>The request's flag offering LZ4 compression, when the options ask for it.</summary>
    private byte CompressionOffer => _options.Compression ? P.CompressedFlag : (byte)0;

    private void WriteVersions(Span<byte> request)
    {
        ConnectTokenLayout.Version.CopyTo(request[P.RequestVersion..]);
        BinaryPrimitives.WriteUInt64LittleEndian(request[P.RequestProtocolId..], _options.ProtocolId);
        BinaryPrimitives.WriteUInt64LittleEndian(request[P.RequestSchemaHash..], _options.SchemaHash);
    }

    private void Begin(IReadOnlyList<NetAddress> servers)
    {
        _servers = Carried(servers);
        _serverIndex = 0;
        _compression = false;
        _attempt++;
        State = ClientState.SendingRequest;
        _attemptStartedAt = _peer.Now;
        _lastHandshakeSentAt = double.NegativeInfinity;
    }

    // A token lists the server's addresses on every transport it listens on, UDP first; a client whose transport cannot
    // carry some of them (a WebSocket-only client, a UDP-only one) skips those instead of waiting ChallengeTimeout on each.
    // When it carries none, every address is tried as before (a decorator may not know what it can reach).
    private IReadOnlyList<NetAddress> Carried(IReadOnlyList<NetAddress> servers)
    {
        var transport = _peer.Transport;
        int carried = 0;
        foreach (var server in servers) if (transport.Carries(server.Kind)) carried++;
        if (carried == servers.Count || carried == 0) return servers;
        var reachable = new NetAddress[carried];
        int next = 0;
        foreach (var server in servers) if (transport.Carries(server.Kind)) reachable[next++] = server;
        return reachable;
    }

    /// <summary>
    /// Handles received datagrams (at most <see cref="NetPeerOptions.MaxDatagramsPerUpdate"/>, within the connection's
    /// budgets), advances the handshake, and sends what is due.
    /// </summary>
    public void Update()
    {
        double now = ReceiveDatagrams();
        Flush(now);
    }

    /// <summary>
    /// Handles received datagrams like <see cref="Update"/> and ends a dead connection, but sends nothing (acks,
    /// handshake packets wait): call <see cref="Flush()"/> once the tick's messages are queued, so they leave in one packet.
    /// </summary>
    public void Receive()
    {
        double now = ReceiveDatagrams();
        if (State == ClientState.Connected)
        {
            var connection = _connection!;
            if (connection.PendingClose is null && connection.IsTimedOut(now)) connection.Close(DisconnectReason.TimedOut);
            if (connection.PendingClose is { } reason) End(reason, notifyServer: !connection.ClosedByPeer);
        }
    }

    private double ReceiveDatagrams()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        double now = _peer.Now;
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
                _peer.Logger.LogError(e, "Unexpected error handling a datagram from {Source}.", source);
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
                if (connection.PendingClose is null && connection.IsTimedOut(now)) connection.Close(DisconnectReason.TimedOut);
                if (connection.PendingClose is { } reason) End(reason, notifyServer: !connection.ClosedByPeer);
                else connection.Flush(now, ackNow);
                break;
        }
    }

    private void HandleDatagram(ReadOnlySpan<byte> datagram, double now)
    {
        if (State == ClientState.Connected)
        {
            _connection!.Receive(datagram, now);
            return;
        }
        // Only a challenge may carry a flag (the server's acceptance of compression); payloads may be compressed.
        byte prefix = datagram[0];
        var type = (PacketType)(prefix & P.TypeMask);
        byte flags = (byte)(prefix & ~(P.TypeMask | P.SequenceLengthMask)); // the length bits are checked with the header
        if (flags != 0 && (flags != P.CompressedFlag || type is not (PacketType.Challenge or PacketType.Payload))) return;
        switch (type)
        {
            // Only the first challenge is answered: the connection's keys derive from its cookie, so the response (resent
            // as it is) and the keys must stay those the server will accept. A later challenge is a duplicate.
            case PacketType.Challenge when State == ClientState.SendingRequest:
                Span<byte> challenge = stackalloc byte[P.ChallengePlaintextSize];
                if (!TryReadChallenge(datagram, challenge)) break;
                _compression = _options.Compression && flags == P.CompressedFlag;
                WriteResponse(challenge[..P.CookieSize]);
                State = ClientState.SendingResponse;
                _lastHandshakeSentAt = double.NegativeInfinity;
                break;
            case PacketType.Denied when datagram.Length == P.SealedHeaderSize + (_handshakeReceive is null ? 0 : PacketCipher.TagSize) + P.ReasonPlaintextSize:
                Span<byte> reason = stackalloc byte[P.ReasonPlaintextSize];
                if (SealedPacket.Open(_handshakeReceive, datagram, reason) == P.ReasonPlaintextSize) Fail((DisconnectReason)reason[0]);
                break;
            case PacketType.Payload when State == ClientState.SendingResponse:
                // The server's first packets carry sequences near 0 (a new connection's replay window expects 1).
                if (SealedPacket.OpenNear(_serverToClient, datagram, 1, _peer.Plaintext) < 0) break;
                var connection = new Connection(_peer, new ConnectionId(0, _attempt), _clientId, ServerAddress, _clientToServer, _serverToClient,
                    _token?.TimeoutSeconds ?? _options.Timeout.TotalSeconds, now, _compression);
                lock (_statsLock) _connection = connection;
                _clientToServer = null;
                _serverToClient = null;
                State = ClientState.Connected;
                PeerAware?.OnPeerConnected(ServerAddress);
                NetMetrics.Connections.Add(1);
                _peer.Events.AddConnected(_connection.Id, _clientId);
                _peer.Logger.LogInformation("Connected to {Server}.", ServerAddress);
                _connection.BeginUpdate();
                _connection.Receive(datagram, now);
                break;
        }
    }

    /// <summary>
    /// Reads the cookie (and in secure mode the chosen suite) into <paramref name="plaintext"/>. Secure challenges are
    /// sealed with the token's server-to-client key: a forged one is ignored, and so is a suite this client did not offer.
    /// </summary>
    private bool TryReadChallenge(ReadOnlySpan<byte> challenge, Span<byte> plaintext)
    {
        if (_handshakeReceive is null)
        {
            if (challenge.Length != P.InsecureChallengeSize || (challenge[0] & P.SequenceLengthMask) != 0) return false;
            challenge[1..].CopyTo(plaintext);
            return true;
        }
        if (challenge.Length != P.ChallengeSize || SealedPacket.Open(_handshakeReceive, challenge, plaintext) != P.ChallengePlaintextSize) return false;
        var suite = (CipherSuites)plaintext[P.CookieSize];
        if (suite is not (CipherSuites.ChaCha20Poly1305 or CipherSuites.Aes256Gcm) || (suite & _offered) == 0) return false;
        _suite = suite;
        return true;
    }

    /// <summary>
    /// Echoes the cookie and, in secure mode, sends a fresh random from which (with the cookie and the token's keys)
    /// both ends derive the connection's keys; the random's first 8 bytes are the nonce of the response's tag.
    /// </summary>
    private void WriteResponse(ReadOnlySpan<byte> cookie)
    {
        var r = _response.AsSpan();
        _request.AsSpan(0, _requestLength).CopyTo(r);
        r[0] = (byte)((byte)(_options.Insecure ? PacketType.InsecureResponse : PacketType.ChallengeResponse) | (_compression ? P.CompressedFlag : 0));
        int at = _requestLength;
        cookie.CopyTo(r[at..]);
        at += P.CookieSize;
        if (_handshakeSend is not null)
        {
            r[at++] = (byte)_suite;
            var random = r.Slice(at, P.ClientRandomSize);
            RandomNumberGenerator.Fill(random);
            at += P.ClientRandomSize;
            _handshakeSend.Encrypt(ConnectionKeys.ResponseNonce(random), r[..at], [], [], r.Slice(at, PacketCipher.TagSize));
            at += PacketCipher.TagSize;
            _clientToServer?.Dispose();
            _serverToClient?.Dispose();
            (_clientToServer, _serverToClient) = ConnectionKeys.Derive(_suite, _token!.ClientToServerKey, _token.ServerToClientKey, cookie, random);
        }
        _responseLength = at;
    }

    private void AdvanceHandshake(double now)
    {
        if (_token is not null && _token.ExpiresUnixSeconds <= (ulong)_peer.Time.GetUtcNow().ToUnixTimeSeconds())
        {
            Fail(DisconnectReason.TokenExpired);
            return;
        }
        double elapsed = now - _attemptStartedAt;
        bool silent = State == ClientState.SendingRequest && _serverIndex + 1 < _servers.Count && elapsed >= _options.ChallengeTimeout.TotalSeconds;
        if (silent || elapsed >= _options.ConnectTimeout.TotalSeconds)
        {
            PeerAware?.OnPeerDisconnected(ServerAddress);
            if (++_serverIndex >= _servers.Count)
            {
                Fail(DisconnectReason.ConnectTimedOut);
                return;
            }
            _peer.Logger.LogInformation("No answer from {Previous}; trying {Next}.", _servers[_serverIndex - 1], ServerAddress);
            State = ClientState.SendingRequest;
            _attemptStartedAt = now;
            _lastHandshakeSentAt = double.NegativeInfinity;
        }
        if (now - _lastHandshakeSentAt < _options.HandshakeResendInterval.TotalSeconds) return;
        _lastHandshakeSentAt = now;
        var packet = State == ClientState.SendingRequest ? _request.AsSpan(0, _requestLength) : _response.AsSpan(0, _responseLength);
        _peer.Send(packet, ServerAddress);
    }

    /// <summary>Queues a message for the server.</summary>
    public SendResult Send(ChannelKind channel, ReadOnlySpan<byte> message) =>
        State == ClientState.Connected ? _connection!.Send(channel, message) : SendResult.NotConnected;

    /// <summary>Returns the next event from the last <see cref="Update"/>; message data is valid until the next one.</summary>
    public bool TryPollEvent(out NetEvent netEvent) => _peer.Events.TryPoll(out netEvent);

    /// <summary>Statistics of the connection (zeros when not connected).</summary>
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
        if (State == ClientState.Connected) End(reason, notifyServer: true);
        else if (State != ClientState.Disconnected) Fail(reason);
    }

    private void End(DisconnectReason reason, bool notifyServer)
    {
        var connection = _connection!;
        if (notifyServer) connection.SendDisconnect(reason);
        _peer.Logger.LogInformation("Disconnected from {Server}: {Reason}.", ServerAddress, reason);
        NetMetrics.Disconnections.Add(1);
        _peer.Events.AddDisconnected(connection.Id, _clientId, reason);
        LastDisconnectReason = reason;
        State = ClientState.Disconnected;
        if (!ServerAddress.IsNone) PeerAware?.OnPeerDisconnected(ServerAddress);
        Reset();
    }

    private void Fail(DisconnectReason reason)
    {
        _peer.Logger.LogWarning("Connection attempt failed: {Reason}.", reason);
        _peer.Events.AddDisconnected(new ConnectionId(0, _attempt), _clientId, reason);
        LastDisconnectReason = reason;
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
        NetMetrics.Unregister(this);
        _disposed = true;
        if (_ownsTransport) _peer.Transport.Dispose();
    }
}
