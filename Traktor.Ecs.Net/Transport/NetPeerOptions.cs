using Traktor.Ecs.Net.Diagnostics;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net;

/// <summary>Settings shared by clients and servers. Both sides must agree on protocol id and schema hash.</summary>
public abstract class NetPeerOptions
{
    /// <summary>Identifies the game and its network protocol version; a mismatch is refused at connect.</summary>
    public ulong ProtocolId { get; set; }

    /// <summary>Hash of the replicated schema (from the generator); a mismatch is refused at connect.</summary>
    public ulong SchemaHash { get; set; }

    /// <summary>
    /// Disables tokens and encryption, for LAN and development only. A warning is logged at start.
    /// Both sides must use the same mode.
    /// </summary>
    public bool Insecure { get; set; }

    /// <summary>
    /// The AEADs this peer accepts for a connection's packets (default all). A client offers these (less the ones its
    /// CPU cannot run: AES-256-GCM needs AES instructions); the server picks AES-256-GCM when both ends can, else
    /// ChaCha20-Poly1305, and refuses with <see cref="DisconnectReason.CipherMismatch"/> when nothing is shared.
    /// Ignored in insecure mode.
    /// </summary>
    public CipherSuites CipherSuites { get; set; } = CipherSuites.All;

    /// <summary>Largest datagram sent, in bytes (default 1200, safe on the internet including IPv6 tunnels).</summary>
    public int Mtu { get; set; } = 1200;

    /// <summary>Largest message accepted or sent, in bytes (default 256 KiB); larger ones are fragmented up to this.</summary>
    public int MaxMessageSize { get; set; } = 256 * 1024;

    /// <summary>
    /// Bytes of reliable messages (plus 32 per message or fragment) that may wait for the window before the peer is
    /// disconnected with <see cref="DisconnectReason.SendQueueOverflow"/>; at least twice <see cref="MaxMessageSize"/>.
    /// </summary>
    public int MaxSendQueueBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Bytes of unreliable messages that may wait for the next send; more are dropped.</summary>
    public int MaxUnreliableQueueBytes { get; set; } = 256 * 1024;

    /// <summary>A packet is sent at least this often, so acks flow and the peer knows we are alive.</summary>
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// How long an ack may wait for outgoing data to ride on before it is sent alone (default 5 ms, below one 60 Hz
    /// tick, so a game loop still acks every tick while a busy loop does not send twice the packets).
    /// </summary>
    public TimeSpan AckDelay { get; set; } = TimeSpan.FromMilliseconds(5);

    /// <summary>Silence after which a connection is dropped (the token's timeout wins in secure mode).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Most packets one connection sends per <c>Update</c> (a simple congestion cap).</summary>
    public int MaxPacketsPerUpdate { get; set; } = 64;

    /// <summary>Most datagrams read per <c>Update</c>, so a flood cannot starve the caller's tick.</summary>
    public int MaxDatagramsPerUpdate { get; set; } = 20_000;

    /// <summary>Compress a packet with LZ4 when that makes it smaller.</summary>
    public bool Compression { get; set; }

    /// <summary>Optional capture of every packet's plaintext, for Wireshark.</summary>
    public PcapngWriter? Capture { get; set; }

    internal void Validate()
    {
        if (Mtu is < Transport.Packets.PacketLayout.MinimumMtu or > Transport.Packets.PacketLayout.MaximumMtu) throw new ArgumentOutOfRangeException(nameof(Mtu));
        if (MaxMessageSize <= 0 || MaxMessageSize > 16 * 1024 * 1024) throw new ArgumentOutOfRangeException(nameof(MaxMessageSize));
        if (MaxSendQueueBytes < 2L * MaxMessageSize) throw new ArgumentOutOfRangeException(nameof(MaxSendQueueBytes), "Must hold at least two largest messages.");
        if ((CipherSuites & CipherSuites.All) == 0 || (CipherSuites & ~CipherSuites.All) != 0) throw new ArgumentOutOfRangeException(nameof(CipherSuites), "At least one known cipher suite.");
        if (MaxPacketsPerUpdate <= 0) throw new ArgumentOutOfRangeException(nameof(MaxPacketsPerUpdate));
        if (KeepAliveInterval <= TimeSpan.Zero || Timeout <= KeepAliveInterval) throw new ArgumentOutOfRangeException(nameof(Timeout));
    }
}
