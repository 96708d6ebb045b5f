using System.Buffers.Binary;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Traktor.Ecs.Net.Diagnostics;
using Traktor.Ecs.Net.Transport.Packets;
using Traktor.Ecs.Net.Transport.Security;
using P = Traktor.Ecs.Net.Transport.Packets.PacketLayout;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net;

// The client's handshake: the connection request, the challenge it answers, the keys, and trying each server address.
public sealed partial class NetClient
{
    /// <summary>
    /// Starts connecting with a token from <see cref="ConnectTokenIssuer.Issue(ulong, ReadOnlySpan{byte}, TimeSpan, IReadOnlyList{NetAddress}, int)"/>; progress comes as events.
    /// Throws <see cref="ArgumentException"/> for bytes that are not a token; its message names both protocol versions for
    /// a token its issuer made with another version of the library.
    /// </summary>
    public void Connect(ReadOnlySpan<byte> connectToken)
    {
        if (_options.Insecure)
        {
            throw new InvalidOperationException("This client is insecure (NetClientOptions.Insecure = true), so it connects with "
                + "ConnectInsecure(serverAddress, clientId) to an insecure server; to connect with a token, leave Insecure false "
                + "(the server then needs NetServerOptions.PrivateKey).");
        }

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
        _tokenRunsOutAt = _peer.Now + (_token.ExpiresUnixSeconds > _token.CreatedUnixSeconds
            ? _token.ExpiresUnixSeconds - _token.CreatedUnixSeconds : 0);
        if (_offered == CipherSuites.None) Fail(DisconnectReason.CipherMismatch, byServer: false); // nothing this CPU runs is allowed
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
        if (!_options.Insecure)
        {
            throw new InvalidOperationException("This client is secure (NetClientOptions.Insecure = false), so it connects with "
                + "Connect(token), with the token a session join or a login returned. To connect without a token (a LAN, a test), "
                + "set Insecure = true on both the client and the server.");
        }

        NetAddress.RequireReachable(servers, nameof(servers));
        // Port 0 is what an address written without a port parses to ("ws://127.0.0.1"): nothing listens there, and the
        // attempt would only end in ConnectTimedOut seconds later, far from the typo.
        foreach (var server in servers)
        {
            if (server.Port == 0)
            {
                throw new ArgumentException($"{server} has port 0, which no server listens on: an address written without a port "
                    + "parses to it. Name the port the server listens on (a listener bound to port 0 reports it in LocalAddress).", nameof(servers));
            }
        }

        Disconnect(); // a new connection ends the current one (or attempt), with an event
        _clientId = clientId;
        var r = _request.AsSpan();
        r[0] = (byte)((byte)PacketType.InsecureRequest | CompressionOffer);
        WriteVersions(r);
        BinaryPrimitives.WriteUInt64LittleEndian(r[P.InsecureRequestClientId..], clientId);
        _requestLength = P.InsecureRequestSize;
        Begin(servers.ToArray());
    }

    /// <summary>
    /// What spreads this connection's first keep-alive (<see cref="Connection.KeepAlivePhase"/>): its id in insecure mode;
    /// with a token, whose client id only the server reads (sealed), the token's nonce, random per token: clients started
    /// together (a load generator's) all took lead 0 and lined the server's keep-alives up again.
    /// </summary>
    private ulong KeepAliveSeed => _options.Insecure || _token is null ? _clientId : BinaryPrimitives.ReadUInt64LittleEndian(_token.Nonce);

    /// <summary>The request's flag offering LZ4 compression, when the options ask for it.</summary>
    private byte CompressionOffer => _options.Compression ? P.CompressedFlag : (byte)0;

    private void WriteVersions(Span<byte> request)
    {
        _options.ProtocolVersion.CopyTo(request[P.RequestVersion..]);
        BinaryPrimitives.WriteUInt64LittleEndian(request[P.RequestProtocolId..], _options.ProtocolId);
        BinaryPrimitives.WriteUInt64LittleEndian(request[P.RequestSchemaHash..], _options.SchemaHash);
    }

    private void Begin(IReadOnlyList<NetAddress> servers)
    {
        VersionMismatchAnswer.Echo(_request.AsSpan(0, _requestLength), _requestEcho); // the request is resent unchanged
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
    // When it carries none, every address is tried (a decorator may not know what it can reach).
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
            // Only while the request is unanswered and only from the address dialled (Update drops every other source), and
            // only when it echoes this request: a party off the path cannot end the attempt with a forged one.
            case PacketType.VersionMismatch when State == ClientState.SendingRequest:
                if (!VersionMismatchAnswer.IsAnswerTo(datagram, _requestEcho, _options.ProtocolVersion)) break;
                _peer.Logger.LogWarning("{Server} speaks protocol version {Theirs}; this client speaks {Ours}.", ServerAddress,
                    ServerHandshake.Printable(datagram.Slice(P.VersionAnswerVersion, ConnectTokenLayout.VersionSize)),
                    ServerHandshake.Printable(_options.ProtocolVersion));
                Fail(DisconnectReason.ProtocolVersionMismatch, byServer: true);
                break;
            case PacketType.Denied when datagram.Length == P.SealedHeaderSize + (_handshakeReceive is null ? 0 : PacketCipher.TagSize) + P.ReasonPlaintextSize:
                Span<byte> reason = stackalloc byte[P.ReasonPlaintextSize];
                if (SealedPacket.Open(_handshakeReceive, datagram, reason) == P.ReasonPlaintextSize) Fail((DisconnectReason)reason[0], byServer: true);
                break;
            case PacketType.Payload when State == ClientState.SendingResponse:
                // The server's first packets carry sequences near 0 (a new connection's replay window expects 1).
                if (SealedPacket.OpenNear(_serverToClient, datagram, 1, _peer.Plaintext) < 0) break;
                var connection = new Connection(_peer, new ConnectionId(0, _attempt), _clientId, ServerAddress, _clientToServer, _serverToClient,
                    _token?.TimeoutSeconds ?? _options.Timeout.TotalSeconds, now, _compression, Connection.KeepAlivePhase(KeepAliveSeed));
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
        // Its own wall clock is not compared with the issuer's: a player's device may be set minutes off.
        if (_token is not null && now >= _tokenRunsOutAt)
        {
            Fail(DisconnectReason.TokenExpired, byServer: false);
            return;
        }
        double elapsed = now - _attemptStartedAt;
        bool silent = State == ClientState.SendingRequest && _serverIndex + 1 < _servers.Count && elapsed >= _options.ChallengeTimeout.TotalSeconds;
        if (silent || elapsed >= _options.ConnectTimeout.TotalSeconds)
        {
            PeerAware?.OnPeerDisconnected(ServerAddress);
            if (++_serverIndex >= _servers.Count)
            {
                Fail(DisconnectReason.ConnectTimedOut, byServer: false);
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
}
