using System.Buffers.Binary;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Traktor.Ecs.Net.Diagnostics;
using Traktor.Ecs.Net.Transport.Packets;
using Traktor.Ecs.Net.Transport.Security;
using P = Traktor.Ecs.Net.Transport.Packets.PacketLayout;

namespace Traktor.Ecs.Net.Transport;

/// <summary>
/// The server's half of the handshake, stateless until a client answers the challenge: a request with a valid
/// token gets a cookie (a MAC over address and time), and only a response carrying that cookie plus proof of the
/// token's client-to-server key creates a connection. Every reply is smaller than the packet that caused it.
/// </summary>
internal sealed class ServerHandshake : IDisposable
{
    private readonly PeerContext _peer;
    private readonly NetServerOptions _options;
    private readonly NetServerCounters _counters;
    private readonly NetServer _server;
    private readonly PacketCipher? _tokenCipher;
    private readonly ChallengeCookie _cookies;
    private readonly UsedTokens _usedTokens = new();
    private readonly AddressRateLimiter _rateLimiter;
    private readonly VersionAnswerBudget _versionAnswers;
    private readonly byte[] _tokenPlaintext = new byte[ConnectTokenLayout.PrivatePlaintextSize];
    private bool _connected;
    // Handshakes this server ignores without an answer (another mode, another protocol version, a token it cannot open)
    // leave the client to time out; the server says so once per kind, so its operator reads the cause. Once: anyone can
    // send these packets, and a log must not become their amplifier.
    private bool _toldOtherMode, _toldOtherVersion, _toldUnopenedToken;
    // Refusals are logged at most once a second, the ones between added up into the next line or into the one the next
    // update writes (Counters.Denied counts every one): whoever holds a connect token, or replays a request it saw, from as
    // many addresses as it has, decides how often the server refuses (a used token is refused every time), and a line per
    // refusal let that write the server's log as fast as the per-address handshake budgets allowed.
    private readonly RateLimitedLog _denialLog;

    public ServerHandshake(PeerContext peer, NetServerOptions options, NetServerCounters counters, NetServer server)
    {
        _peer = peer;
        _options = options;
        _counters = counters;
        _server = server;
        _cookies = new ChallengeCookie(options.RandomForTests);
        if (!options.Insecure) _tokenCipher = new PacketCipher(CipherSuites.ChaCha20Poly1305, options.PrivateKey);
        _rateLimiter = new AddressRateLimiter(8192, options.HandshakeRatePerSecond, options.HandshakeBurst);
        _versionAnswers = new VersionAnswerBudget(options);
        _denialLog = new RateLimitedLog(peer.Time);
    }

    private ulong NowUnixMs => (ulong)_peer.Time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Handles a handshake packet.</summary>
    /// <param name="datagram">The packet.</param>
    /// <param name="source">Its address.</param>
    /// <param name="now">The server's clock.</param>
    /// <param name="connected">
    /// <paramref name="source"/> holds a connection: the packet may start a new one that replaces it (see <see cref="Admit"/>),
    /// but a refusal is not answered (a late copy of the handshake that made the connection is refused with
    /// <see cref="DisconnectReason.TokenUsed"/>, and a denial must not reach a client that is connected or about to be).
    /// </param>
    public void Handle(ReadOnlySpan<byte> datagram, in NetAddress source, double now, bool connected = false)
    {
        _connected = connected;
        if (datagram.IsEmpty)
        {
            _counters.Malformed++;
            return;
        }
        // The only flag a handshake packet may carry is the client's offer of compression.
        byte prefix = datagram[0];
        var type = (PacketType)(prefix & P.TypeMask);
        bool expected = (prefix & ~(P.TypeMask | P.CompressedFlag)) == 0 && (_options.Insecure
            ? (type == PacketType.InsecureRequest && datagram.Length == P.InsecureRequestSize) || (type == PacketType.InsecureResponse && datagram.Length == P.InsecureResponseSize)
            : (type == PacketType.ConnectionRequest && datagram.Length == P.RequestSize) || (type == PacketType.ChallengeResponse && datagram.Length == P.ResponseSize));
        if (!expected || !datagram.Slice(P.RequestVersion, ConnectTokenLayout.VersionSize).SequenceEqual(_options.ProtocolVersion))
        {
            _counters.Malformed++;
            ExplainIgnored(datagram, type, source);
            if (VersionMismatchAnswer.IsRequestOfAnotherVersion(datagram, _options.ProtocolVersion)) AnswerOtherVersion(datagram, source, now);
            return;
        }
        if (!_rateLimiter.TryTake(source, now))
        {
            _counters.RateLimited++;
            return;
        }
        // Compression is used only when the client offers it and this server allows it; the challenge says so.
        bool compression = _options.Compression && (prefix & P.CompressedFlag) != 0;
        if (_options.Insecure) HandleInsecure(datagram, source, type, compression, now);
        else HandleSecure(datagram, source, type, compression, now);
    }

    /// <summary>
    /// Tells a client of another protocol version so (docs/PROTOCOL.md §3.7), within <see cref="VersionAnswerBudget"/>: an
    /// answer no larger than the request, carrying only this server's version string and the request's echo, never to a
    /// source that holds a connection or is penalised.
    /// </summary>
    private void AnswerOtherVersion(ReadOnlySpan<byte> request, in NetAddress source, double now)
    {
        if (_connected || _rateLimiter.IsPenalised(source, now) || !_versionAnswers.TryTake(source, now)) return;
        Span<byte> answer = stackalloc byte[P.VersionAnswerSize];
        int length = VersionMismatchAnswer.Write(request, _options.ProtocolVersion, answer);
        _peer.Capture?.Write(answer[..length], _peer.Transport.LocalAddress, source);
        _peer.Send(answer[..length], source);
        _counters.VersionMismatchesAnswered++;
    }

    /// <summary>Says once per kind why a handshake of another mode or protocol version gets no connection.</summary>
    private void ExplainIgnored(ReadOnlySpan<byte> datagram, PacketType type, in NetAddress source)
    {
        bool otherMode = _options.Insecure
            ? type == PacketType.ConnectionRequest && datagram.Length == P.RequestSize
            : type == PacketType.InsecureRequest && datagram.Length == P.InsecureRequestSize;
        bool otherVersion = VersionMismatchAnswer.IsRequestOfAnotherVersion(datagram, _options.ProtocolVersion);
        if (otherMode && !_toldOtherMode)
        {
            _toldOtherMode = true;
            _peer.Logger.LogWarning(_options.Insecure
                ? "Ignored a secure connection request (a connect token) from {Source}: this server is insecure (NetServerOptions.Insecure). "
                    + "Give it a PrivateKey to accept tokens, or have the client set Insecure = true and call ConnectInsecure. Said once."
                : "Ignored an insecure connection request from {Source}: this server takes connect tokens only (NetServerOptions.PrivateKey). "
                    + "Have the client call NetClient.Connect(token) with a token sealed with this server's key, or set Insecure = true "
                    + "on both ends (a LAN, a test). Said once.", source);
        }
        else if (otherVersion && !_toldOtherVersion)
        {
            _toldOtherVersion = true;
            _peer.Logger.LogWarning("Refused a connection request from {Source} of another protocol version ({Theirs}; this server speaks {Ours}): "
                + "client and server run different versions of Traktor.Ecs.Net. The client may be told ProtocolVersionMismatch (within a "
                + "budget per source; NetServer.Counters.VersionMismatchesAnswered counts the answers). Said once.", source,
                Printable(datagram.Slice(P.RequestVersion, ConnectTokenLayout.VersionSize)), Printable(_options.ProtocolVersion));
        }
    }

    /// <summary>
    /// A version field as text for the log, every byte outside printable ASCII shown as '?': the field is the sender's
    /// (anyone's) bytes, and a line break or control code in them must not forge or garble log lines.
    /// </summary>
    internal static string Printable(ReadOnlySpan<byte> version)
    {
        int length = version.IndexOf((byte)0) is >= 0 and var end ? end : version.Length;
        return string.Create(length, version[..length].ToArray(), static (chars, bytes) =>
        {
            for (int i = 0; i < chars.Length; i++) chars[i] = bytes[i] is >= 0x20 and < 0x7F ? (char)bytes[i] : '?';
        });
    }

    /// <summary>Ignores every handshake packet from the IP of <paramref name="address"/> for the violation penalty.</summary>
    public void Penalise(in NetAddress address, double now) => _rateLimiter.Penalise(address, now + _options.ViolationPenalty.TotalSeconds);

    private void HandleSecure(ReadOnlySpan<byte> datagram, in NetAddress source, PacketType type, bool compression, double now)
    {
        ulong expires = BinaryPrimitives.ReadUInt64LittleEndian(datagram[P.RequestExpires..]);
        var nonce = datagram.Slice(P.RequestNonce, ConnectTokenLayout.NonceSize);
        if (!PrivateConnectToken.TryOpen(_tokenCipher!, _options.ProtocolId, expires, nonce, datagram.Slice(P.RequestToken, ConnectTokenLayout.PrivateEncryptedSize), _tokenPlaintext, out var token))
        {
            _counters.InvalidTokens++;
            if (!_toldUnopenedToken)
            {
                _toldUnopenedToken = true;
                _peer.Logger.LogWarning("Ignored a connection request from {Source} whose connect token this server cannot open: it was sealed "
                    + "with another key or protocol id than NetServerOptions.PrivateKey and ProtocolId (the token issuer's or session "
                    + "directory's must be the same), or tampered with. The client times out; NetServer.Counters.InvalidTokens counts these. "
                    + "Said once.", source);
            }

            return;
        }
        var reason = Check(datagram, expires, token);
        // Single-use: a token that already created a connection never creates another (this also makes a replayed
        // ChallengeResponse useless once its connection exists, whether or not that connection is still open).
        var tokenKey = UsedTokens.Key(datagram.Slice(P.RequestToken + ConnectTokenLayout.PrivatePlaintextSize, PacketCipher.TagSize));
        if (reason is null && _usedTokens.Contains(tokenKey))
        {
            _counters.TokensReused++;
            reason = DisconnectReason.TokenUsed;
        }
        // The suite is a pure function of what the client offered and what this server allows, so the stateless
        // server computes the same choice again from the (authenticated) response.
        var suite = PacketCipher.Choose((CipherSuites)datagram[P.RequestSuites], _options.CipherSuites);
        if (suite == CipherSuites.None) reason ??= DisconnectReason.CipherMismatch;
        if (type == PacketType.ConnectionRequest)
        {
            if (reason is { } refused) Deny(source, token.ServerToClientKey, refused, datagram.Length);
            else SendChallenge(source, nonce, token.ServerToClientKey, suite, compression);
            return;
        }

        ulong cookieTime = BinaryPrimitives.ReadUInt64LittleEndian(datagram[P.ResponseCookie..]);
        var cookieMac = datagram.Slice(P.ResponseCookie + P.CookieMac, ChallengeCookie.MacSize);
        var clientRandom = datagram.Slice(P.ResponseRandom, P.ClientRandomSize);
        if (!_cookies.Verify(source, cookieTime, nonce, cookieMac, NowUnixMs))
        {
            _counters.InvalidResponses++;
            return;
        }
        using (var handshakeCipher = new PacketCipher(CipherSuites.ChaCha20Poly1305, token.ClientToServerKey))
        {
            if (!handshakeCipher.TryDecrypt(ConnectionKeys.ResponseNonce(clientRandom), datagram[..P.ResponseTag], [], datagram.Slice(P.ResponseTag, PacketCipher.TagSize), []))
            {
                _counters.InvalidResponses++;
                return;
            }
        }
        // The client names the suite it will use; it must be the one this server chose (a challenge altered on the
        // way cannot make the two ends disagree silently: the response is authenticated, the challenge was sealed).
        if (reason is null && (CipherSuites)datagram[P.ResponseSuite] != suite)
        {
            _counters.InvalidResponses++;
            return;
        }
        Connection? reclaim = null, replace = null;
        reason ??= Admit(token.ClientId, token.UserData, source, now, out reclaim, out replace);
        if (reason is { } denied)
        {
            Deny(source, token.ServerToClientKey, denied, datagram.Length);
            return;
        }
        _usedTokens.Add(tokenKey, expires, (ulong)_peer.Time.GetUtcNow().ToUnixTimeSeconds());
        if (replace is not null) _server.Replace(replace);
        if (reclaim is not null) _server.Reclaim(reclaim);
        var (receiveCipher, sendCipher) = ConnectionKeys.Derive(suite, token.ClientToServerKey, token.ServerToClientKey,
            datagram.Slice(P.ResponseCookie, P.CookieSize), clientRandom);
        _server.Add(token.ClientId, source, sendCipher, receiveCipher, token.TimeoutSeconds, now, compression);
    }

    private DisconnectReason? Check(ReadOnlySpan<byte> datagram, ulong expires, in PrivateConnectToken token)
    {
        var publicAddresses = _server.PublicAddresses;
        if (publicAddresses.Count > 0)
        {
            bool named = false;
            foreach (var address in publicAddresses) named |= token.Names(address);
            if (!named) return DisconnectReason.TokenInvalid;
        }
        if (expires <= (ulong)_peer.Time.GetUtcNow().ToUnixTimeSeconds()) return DisconnectReason.TokenExpired;
        return CheckVersions(datagram);
    }

    private DisconnectReason? CheckVersions(ReadOnlySpan<byte> datagram)
    {
        if (BinaryPrimitives.ReadUInt64LittleEndian(datagram[P.RequestProtocolId..]) != _options.ProtocolId) return DisconnectReason.ProtocolMismatch;
        if (BinaryPrimitives.ReadUInt64LittleEndian(datagram[P.RequestSchemaHash..]) != _options.SchemaHash) return DisconnectReason.SchemaMismatch;
        return null;
    }

    /// <summary>
    /// The last checks before a connection is created: client id not connected, room in the slots and in the address
    /// and subnet limits (perhaps by reclaiming an idle connection, which the caller closes when admitting), approval.
    /// A client id connected from another address is refused (<see cref="DisconnectReason.AlreadyConnected"/>, as netcode.io
    /// does: a token used elsewhere never cuts a playing client off). One connected from this very address is replaced
    /// (<paramref name="replace"/>, closed by the caller when admitting): only the client on that socket can have completed
    /// this handshake (a fresh single-use token for its id, the challenge answered at that address), so it gave the old
    /// connection up; refusing would lock it out until the old one timed out.
    /// </summary>
    private DisconnectReason? Admit(ulong clientId, ReadOnlySpan<byte> userData, in NetAddress source, double now, out Connection? reclaim, out Connection? replace)
    {
        reclaim = null;
        replace = null;
        if (_server.RefusesEveryone is { } closed) return closed; // a session that ended admits nobody, whatever the token
        replace = _server.ConnectionOf(clientId);
        if (replace is not null && replace.Address != source)
        {
            replace = null;
            return DisconnectReason.AlreadyConnected;
        }
        if (replace is null && _connected) return DisconnectReason.AlreadyConnected; // one connection per address: another id from it is refused
        if (replace is null && _server.CheckCapacity(source, now, out reclaim) is { } full) return full; // a replacement takes its own place
        if (_server.Refusal(clientId, userData, source) is { } refused)
        {
            (reclaim, replace) = (null, null);
            return refused;
        }
        return null;
    }

    private void HandleInsecure(ReadOnlySpan<byte> datagram, in NetAddress source, PacketType type, bool compression, double now)
    {
        ulong clientId = BinaryPrimitives.ReadUInt64LittleEndian(datagram[P.InsecureRequestClientId..]);
        Span<byte> binding = stackalloc byte[ChallengeCookie.BindingSize];
        binding.Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(binding, clientId);
        var reason = CheckVersions(datagram);
        if (_connected)
        {
            // No single-use token tells a new attempt from a late or duplicated copy of the handshake that made the
            // connection, so an insecure handshake never replaces one: it is the connection's stray traffic.
            _counters.RejectedFromConnected++;
            return;
        }
        if (type == PacketType.InsecureRequest)
        {
            if (reason is { } refused) Deny(source, default, refused, datagram.Length);
            else SendChallenge(source, binding, default, CipherSuites.None, compression);
            return;
        }
        int at = P.InsecureRequestSize;
        ulong cookieTime = BinaryPrimitives.ReadUInt64LittleEndian(datagram[at..]);
        if (!_cookies.Verify(source, cookieTime, binding, datagram.Slice(at + 8, ChallengeCookie.MacSize), NowUnixMs))
        {
            _counters.InvalidResponses++;
            return;
        }
        Connection? reclaim = null, replace = null;
        reason ??= Admit(clientId, [], source, now, out reclaim, out replace);
        if (reason is { } denied) Deny(source, default, denied, datagram.Length);
        else
        {
            if (replace is not null) _server.Replace(replace);
            if (reclaim is not null) _server.Reclaim(reclaim);
            _server.Add(clientId, source, null, null, _options.Timeout.TotalSeconds, now, compression);
        }
    }

    private void SendChallenge(in NetAddress source, ReadOnlySpan<byte> binding, ReadOnlySpan<byte> serverToClientKey, CipherSuites suite, bool compression)
    {
        byte prefix = (byte)((byte)PacketType.Challenge | (compression ? P.CompressedFlag : 0));
        Span<byte> frame = stackalloc byte[P.SealedHeaderSize + P.ChallengePlaintextSize];
        var cookie = frame.Slice(P.SealedHeaderSize, P.CookieSize);
        ulong timestamp = NowUnixMs;
        BinaryPrimitives.WriteUInt64LittleEndian(cookie, timestamp);
        _cookies.Compute(source, timestamp, binding, cookie[P.CookieMac..]);
        Span<byte> datagram = stackalloc byte[P.ChallengeSize];
        int length;
        if (serverToClientKey.IsEmpty)
        {
            datagram[0] = prefix;
            cookie.CopyTo(datagram[1..]);
            length = P.InsecureChallengeSize;
        }
        else
        {
            frame[P.SealedHeaderSize + P.CookieSize] = (byte)suite;
            using var cipher = new PacketCipher(CipherSuites.ChaCha20Poly1305, serverToClientKey);
            ulong sequence = StatelessSequence();
            length = SealedPacket.Seal(cipher, prefix, sequence, frame, P.ChallengePlaintextSize, datagram);
            Capture(frame, prefix, sequence, P.ChallengePlaintextSize, source);
        }
        if (serverToClientKey.IsEmpty) _peer.Capture?.Write(datagram[..length], _peer.Transport.LocalAddress, source);
        _peer.Send(datagram[..length], source);
        _counters.ChallengesSent++;
    }

    /// <summary>
    /// A nonce for a packet sent before any connection state exists, under the token's server-to-client key (never a
    /// connection's own key): random, with the top bit set, so it is written in all 8 bytes.
    /// </summary>
    private static ulong StatelessSequence()
    {
        Span<byte> random = stackalloc byte[8];
        RandomNumberGenerator.Fill(random);
        return (1UL << 63) | (BinaryPrimitives.ReadUInt64LittleEndian(random) >> 1);
    }

    /// <summary>Logs a refusal, unless a line went out less than a second ago (then it is added up into the next line).</summary>
    private void LogDenial(in NetAddress source, DisconnectReason reason)
    {
        if (_denialLog.TryLog(out long earlier))
        {
            _peer.Logger.LogInformation("Refused a connection from {Source}: {Reason} ({Earlier} more refused since the last such line; logged at most once a second, NetServer.Counters.Denied counts every one).",
                source, reason, earlier);
        }
    }

    /// <summary>
    /// Logs the refusals held back once a second has passed since the last line (from every update), or all of them
    /// (<paramref name="all"/>, when the server is disposed): without it they waited for the next refusal, which may never come.
    /// </summary>
    /// <param name="all">The server is going away: log what is held back however recent the last line.</param>
    public void FlushDenialLog(bool all = false)
    {
        if (all ? _denialLog.TryFlushAll(out long count) : _denialLog.TryFlush(out count))
        {
            _peer.Logger.LogInformation("Refused {Count} more connections since the last such line (logged at most once a second, NetServer.Counters.Denied counts every one).", count);
        }
    }

    /// <summary>
    /// Refuses with a reason sealed under the token's server-to-client key, so only the real client can read it and
    /// nobody can forge one.
    /// </summary>
    private void Deny(in NetAddress source, ReadOnlySpan<byte> serverToClientKey, DisconnectReason reason, int requestLength)
    {
        if (_connected)
        {
            _counters.RejectedFromConnected++;
            return;
        }
        _counters.Denied++;
        LogDenial(source, reason);
        using var cipher = serverToClientKey.IsEmpty ? null : new PacketCipher(CipherSuites.ChaCha20Poly1305, serverToClientKey);
        Span<byte> frame = stackalloc byte[P.SealedHeaderSize + P.ReasonPlaintextSize];
        Span<byte> datagram = stackalloc byte[P.SealedHeaderSize + P.ReasonPlaintextSize + PacketCipher.TagSize];
        frame[P.SealedHeaderSize] = (byte)reason;
        ulong sequence = StatelessSequence();
        int length = SealedPacket.Seal(cipher, (byte)PacketType.Denied, sequence, frame, P.ReasonPlaintextSize, datagram);
        if (length > requestLength) return;
        Capture(frame, (byte)PacketType.Denied, sequence, P.ReasonPlaintextSize, source);
        _peer.Send(datagram[..length], source);
    }

    /// <summary>A sealed packet goes into the capture as its clear header followed by its plaintext (no tag).</summary>
    private void Capture(Span<byte> frame, byte prefix, ulong sequence, int plaintextLength, in NetAddress destination)
    {
        if (_peer.Capture is not { } capture) return;
        int start = SealedPacket.WriteHeader(frame, prefix, sequence);
        capture.Write(frame[start..(P.SealedHeaderSize + plaintextLength)], _peer.Transport.LocalAddress, destination);
    }

    public void Dispose()
    {
        FlushDenialLog(all: true);
        _tokenCipher?.Dispose();
    }
}
