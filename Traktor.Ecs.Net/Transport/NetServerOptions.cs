using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net;

/// <summary>Decides whether an authenticated client may connect; receives the token's user data.</summary>
public delegate bool ConnectionApproval(ulong clientId, ReadOnlySpan<byte> userData, NetAddress address);

/// <summary>Server settings.</summary>
public sealed class NetServerOptions : NetPeerOptions
{
    /// <summary>The key shared with the connect token issuer (32 bytes); required unless <see cref="NetPeerOptions.Insecure"/>.</summary>
    public byte[]? PrivateKey { get; set; }

    /// <summary>Most clients connected at once.</summary>
    public int MaxClients { get; set; } = 64;

    /// <summary>
    /// The addresses clients reach this server at. A token must name one of them, so a token for another
    /// server is useless here. Empty accepts any (not advised on the internet). Read when the server is made (it keeps a
    /// copy, <see cref="NetServer.PublicAddresses"/>): setting it afterwards changes nothing for that server.
    /// </summary>
    public IReadOnlyList<NetAddress> PublicAddresses { get; set; } = [];

    /// <summary>
    /// Most connections from one IP address, any port and transport kind (default 16). Several players behind one
    /// NAT share an address; raise it for a LAN party behind one router, or for many test clients on one host.
    /// </summary>
    public int MaxConnectionsPerAddress { get; set; } = 16;

    /// <summary>
    /// Most connections from one /24 IPv4 or /64 IPv6 network (default 32, half the default
    /// <see cref="MaxClients"/>), so one party with a block of addresses cannot take every slot. A server on a LAN,
    /// where every player shares one /24, raises it to <see cref="MaxClients"/>.
    /// </summary>
    public int MaxConnectionsPerSubnet { get; set; } = 32;

    /// <summary>
    /// When a newcomer is refused for a full server or a full address/subnet limit, the connection in that scope that
    /// has sent no message for the longest time, if at least this long (default 15 s), is closed with
    /// <see cref="DisconnectReason.Idle"/> to make room. Keep-alives and pure acks are not messages: a client that
    /// connects and then only keeps the connection alive holds its slot only while nobody needs it.
    /// <see cref="System.Threading.Timeout.InfiniteTimeSpan"/> never reclaims.
    /// </summary>
    public TimeSpan ReclaimIdleAfter { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Optional approval callback, run after the client proved its address and its token keys. Read when the server is
    /// made: setting it afterwards changes nothing for that server, and no server changes it (a server built from these
    /// options keeps approvals added for its sessions to itself).
    /// </summary>
    public ConnectionApproval? ApproveConnection { get; set; }

    /// <summary>
    /// Pre-connection packets answered per second per source IPv4 address or IPv6 /64, whatever the port (hashed into a
    /// fixed table; default 10). Finite and positive: at 0 a source that spent its burst could never connect again.
    /// </summary>
    public double HandshakeRatePerSecond { get; set; } = 10;

    /// <summary>
    /// Burst allowed above <see cref="HandshakeRatePerSecond"/> (default 20). Finite, at least 1: below 1 no source's
    /// request would ever be answered.
    /// </summary>
    public double HandshakeBurst { get; set; } = 20;

    /// <summary>
    /// Answers to connection requests of another protocol version (the VersionMismatch answer, docs/PROTOCOL.md §3.7) per
    /// second per source IPv4 address or IPv6 /64, whatever the port (default 1; hashed into a fixed table). A client needs
    /// one answer: its request is resent every <see cref="NetClientOptions.HandshakeResendInterval"/> until one comes.
    /// Finite, at least 0.
    /// </summary>
    public double VersionAnswerRatePerSecond { get; set; } = 1;

    /// <summary>
    /// Burst of VersionMismatch answers one source gets above <see cref="VersionAnswerRatePerSecond"/> (default 3). Below 1,
    /// no source is ever answered (clients of another version then end with <see cref="DisconnectReason.ConnectTimedOut"/>).
    /// Finite, at least 0.
    /// </summary>
    public double VersionAnswerBurst { get; set; } = 3;

    /// <summary>
    /// VersionMismatch answers per second in all, whatever the sources (default 1,000): bounds what a flood of requests
    /// spoofing many sources draws from this server (each answer is 17 bytes, for a request of at least 17). Finite, at least 0.
    /// </summary>
    public double VersionAnswerTotalRatePerSecond { get; set; } = 1000;

    /// <summary>Burst of VersionMismatch answers in all above <see cref="VersionAnswerTotalRatePerSecond"/> (default 1,000; below 1, none). Finite, at least 0.</summary>
    public double VersionAnswerTotalBurst { get; set; } = 1000;

    /// <summary>
    /// How long the handshake ignores an IP address after one of its connections was closed with
    /// <see cref="DisconnectReason.ProtocolViolation"/> (default 30 s), so an offender cannot reconnect at once.
    /// </summary>
    public TimeSpan ViolationPenalty { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// A test seam, never set outside tests (the fuzz harness): a seeded generator for the key of the server's challenge
    /// cookies, so that a patched cookie byte that happens to equal the real one does so in every run, not one run in 256.
    /// Production servers always key their cookies from the system's cryptographic generator.
    /// </summary>
    internal ConnectTokenIssuer.RandomFill? RandomForTests { get; init; }

    /// <summary>
    /// The copy a server keeps (then validates): the key's bytes and the address list are copied too, so nothing the
    /// caller changes afterwards reaches the server. <see cref="ApproveConnection"/> stays shared (a callback is the
    /// caller's on purpose); <see cref="NetPeerOptions.Capture"/> is read live from the caller's object, so a capture is
    /// switched on and off while the server runs.
    /// </summary>
    internal NetServerOptions Snapshot()
    {
        var copy = (NetServerOptions)MemberwiseClone();
        copy.PrivateKey = PrivateKey?.ToArray();
        copy.PublicAddresses = PublicAddresses?.ToArray() ?? throw new ArgumentNullException(nameof(PublicAddresses));
        return copy;
    }

    internal void ValidateServer()
    {
        Validate();
        if (MaxClients <= 0) throw new ArgumentOutOfRangeException(nameof(MaxClients), "MaxClients must be positive.");
        if (MaxConnectionsPerAddress <= 0) throw new ArgumentOutOfRangeException(nameof(MaxConnectionsPerAddress));
        if (MaxConnectionsPerSubnet <= 0) throw new ArgumentOutOfRangeException(nameof(MaxConnectionsPerSubnet));
        if (ReclaimIdleAfter <= TimeSpan.Zero && ReclaimIdleAfter != System.Threading.Timeout.InfiniteTimeSpan)
            throw new ArgumentOutOfRangeException(nameof(ReclaimIdleAfter));
        // Checked like the VersionAnswer budgets: a NaN, negative or infinite bucket refused (or, for infinity, made NaN
        // and then refused) every handshake packet silently instead of failing here.
        if (!(HandshakeRatePerSecond > 0 && double.IsFinite(HandshakeRatePerSecond)))
            throw new ArgumentOutOfRangeException(nameof(HandshakeRatePerSecond), HandshakeRatePerSecond, "HandshakeRatePerSecond must be finite and positive.");
        if (!(HandshakeBurst >= 1 && double.IsFinite(HandshakeBurst)))
            throw new ArgumentOutOfRangeException(nameof(HandshakeBurst), HandshakeBurst, "HandshakeBurst must be finite and at least 1.");
        NonNegative(VersionAnswerRatePerSecond, nameof(VersionAnswerRatePerSecond));
        NonNegative(VersionAnswerBurst, nameof(VersionAnswerBurst));
        NonNegative(VersionAnswerTotalRatePerSecond, nameof(VersionAnswerTotalRatePerSecond));
        NonNegative(VersionAnswerTotalBurst, nameof(VersionAnswerTotalBurst));
    }

    private static void NonNegative(double value, string name)
    {
        // NaN fails both comparisons: a budget of NaN tokens would answer nothing, silently.
        if (!(value >= 0 && double.IsFinite(value))) throw new ArgumentOutOfRangeException(name, value, name + " must be finite and at least 0.");
    }
}
