using Traktor.Ecs.Net.Diagnostics;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net;

/// <summary>
/// Settings shared by clients and servers. Both sides must agree on protocol id and schema hash. A client or server
/// keeps a copy of the options it was made with: changing this object afterwards does not change it.
/// </summary>
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
    /// Where this end's sequences start (0 on the wire, docs/PROTOCOL.md §5); tests start them near a byte boundary to
    /// cross it in a few packets.
    /// </summary>
    internal ulong FirstSequence { get; set; }

    /// <summary>
    /// Whether each connection's first keep-alive takes its lead (docs/PROTOCOL.md §8; default true). False only for the
    /// benchmark's "bunched" row, which measures what the lead costs or saves.
    /// </summary>
    internal bool SpreadKeepAlives { get; set; } = true;

    /// <summary>
    /// The protocol version string this end writes in its requests and expects in others' (8 ASCII bytes, docs/PROTOCOL.md):
    /// always this build's, except in tests standing in for a build of another version.
    /// </summary>
    internal byte[] ProtocolVersion { get; set; } = Transport.Security.ConnectTokenLayout.Version.ToArray();

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
    /// Memory that reliable messages to one peer may take, both reliable channels together, from their queueing until the
    /// peer acknowledges them (each message or fragment counted as the buffer it is copied to, plus 64 bytes: a full
    /// fragment's buffer is exactly the fragment size, smaller pieces go in steps of 2^k and 1.5 × 2^k bytes); a message
    /// past it disconnects the peer with <see cref="DisconnectReason.SendQueueOverflow"/>. At the defaults it holds 15
    /// messages of 256 KiB (a large message is charged about 1.06 × its length). It must hold two of the largest messages
    /// (<see cref="MaxMessageSize"/>) as queued, buffers and overhead counted (about 2.1 × <see cref="MaxMessageSize"/>
    /// for large messages): validated when a client or server is made. At most <see cref="QueueBytesLimit"/>.
    /// </summary>
    public int MaxSendQueueBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>
    /// Bytes of unreliable messages to one peer that may wait for the next send; more are dropped. 256 KiB by default;
    /// positive (zero or less dropped every unreliable message, snapshots too) and at most <see cref="QueueBytesLimit"/>.
    /// </summary>
    public int MaxUnreliableQueueBytes { get; set; } = 256 * 1024;

    /// <summary>A packet is sent at least this often, so acks flow and the peer knows we are alive.</summary>
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// How long an ack may wait for outgoing data to ride on before it is sent alone (default 5 ms, below one 60 Hz
    /// tick, so a game loop still acks every tick while a busy loop does not send twice the packets). At least zero and at most
    /// <see cref="KeepAliveInterval"/>: the next keep-alive carries the ack by then anyway.
    /// </summary>
    public TimeSpan AckDelay { get; set; } = TimeSpan.FromMilliseconds(5);

    /// <summary>
    /// Silence after which a connection is dropped (the token's timeout wins in secure mode); 10 s by default. Longer than
    /// <see cref="KeepAliveInterval"/> and at most <see cref="TimeoutLimit"/> (one day): a peer that vanished holds its
    /// connection, and on a server its slot, this long.
    /// </summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The longest <see cref="Timeout"/>: one day (<see cref="TimeSpan.MaxValue"/> kept a vanished peer's connection for good).</summary>
    public static readonly TimeSpan TimeoutLimit = TimeSpan.FromDays(1);

    /// <summary>
    /// The largest <see cref="MaxSendQueueBytes"/>, <see cref="MaxUnreliableQueueBytes"/> and <see cref="MaxQueuedMessageBytes"/>:
    /// 1 GiB (each is memory a connection, or the peer's receive queue, may hold; a few connections at more would hold the machine's).
    /// </summary>
    public const int QueueBytesLimit = 1024 * 1024 * 1024;

    /// <summary>
    /// Most packets one connection sends per <c>Update</c> (a simple congestion cap); 64 by default, 1 to 4,096 (a bound
    /// that is a bound: one connection past it could fill the socket's send buffer in one update).
    /// </summary>
    public int MaxPacketsPerUpdate { get; set; } = 64;

    /// <summary>
    /// Most datagrams read from the transport per <c>Update</c>, from all sources together, so a flood cannot stall
    /// the caller's tick; the rest wait in the socket's buffer (and the kernel drops what overflows it). 4,096 by default,
    /// 1 to 1,048,576: a larger value no longer bounds the work of one update under a flood.
    /// </summary>
    public int MaxDatagramsPerUpdate { get; set; } = 4096;

    /// <summary>
    /// Most datagrams one connection may have handled per <c>Update</c>; more are dropped before decryption and
    /// counted (default 128: twice what a peer sends in one update at <see cref="MaxPacketsPerUpdate"/>); 1 to 65,536.
    /// </summary>
    public int MaxDatagramsPerConnection { get; set; } = 128;

    /// <summary>
    /// Most messages one connection may have delivered per <c>Update</c> (default 1,024). Unreliable messages
    /// beyond it are dropped and counted; reliable ones wait in their channel's window for a later update.
    /// </summary>
    public int MaxMessagesPerConnection { get; set; } = 1024;

    /// <summary>
    /// Most message bytes one connection may have delivered per <c>Update</c> (default 512 KiB; at least
    /// <see cref="MaxMessageSize"/>). Excess is handled as for <see cref="MaxMessagesPerConnection"/>.
    /// </summary>
    public int MaxMessageBytesPerConnection { get; set; } = 512 * 1024;

    /// <summary>
    /// Most message events waiting to be polled, from all connections together (default 65,536), whether or not the
    /// caller polls between updates. At least <see cref="MaxMessagesPerConnection"/> and at most 1,048,576: the queue's
    /// table grows to hold this many events, so <see cref="int.MaxValue"/> let a flood of small messages take gigabytes.
    /// </summary>
    public int MaxQueuedMessages { get; set; } = 65_536;

    /// <summary>
    /// Most bytes of message events waiting to be polled, from all connections together (default 16 MiB); at least
    /// <see cref="MaxMessageBytesPerConnection"/> and at most <see cref="QueueBytesLimit"/>.
    /// </summary>
    public int MaxQueuedMessageBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>
    /// Violations after which a connection is closed with <see cref="DisconnectReason.ProtocolViolation"/> (default 16).
    /// A violation is an authenticated packet that breaks the protocol (compressed without negotiation, empty or too
    /// many records, a malformed record) or an update in which the connection exceeded its per-update budgets;
    /// one violation is forgiven per 4 updates without any. 1 to 1,024: past about 500 million the score a connection is
    /// closed at overflowed, and every connection was closed at its first update.
    /// </summary>
    public int ViolationLimit { get; set; } = 16;

    /// <summary>
    /// Offer LZ4 compression in the handshake; a connection compresses (a packet, when that makes it smaller) only
    /// when both ends set this. A compressed packet on a connection that did not negotiate it is a protocol violation.
    /// </summary>
    public bool Compression { get; set; }

    /// <summary>
    /// Optional capture of every packet's plaintext, for Wireshark. The one setting a running client or server reads
    /// live from the object it was made with (it keeps its own copy of every other): set it to start a capture, set it to
    /// null to stop one, without making a new peer.
    /// </summary>
    public PcapngWriter? Capture { get; set; }

    /// <summary>Bytes of a message carried per fragment at this <see cref="Mtu"/> (what a connection's fragments hold).</summary>
    internal int FragmentSize =>
        Mtu - Transport.Packets.PacketLayout.SealedHeaderSize - Transport.Security.PacketCipher.TagSize
        - Transport.Packets.PacketLayout.MaxAckHeaderSize - Transport.Packets.PacketLayout.MaxRecordHeaderSize;

    internal void Validate()
    {
        if (Mtu is < Transport.Packets.PacketLayout.MinimumMtu or > Transport.Packets.PacketLayout.MaximumMtu) throw new ArgumentOutOfRangeException(nameof(Mtu));
        if (MaxMessageSize <= 0 || MaxMessageSize > 16 * 1024 * 1024) throw new ArgumentOutOfRangeException(nameof(MaxMessageSize));
        // Checked against what a message really holds while queued (pooled fragment buffers and their overhead), not its
        // length: otherwise a valid-looking pair (a 2 MiB message in a 4 MiB queue, or 40 B messages in an 80 B queue)
        // cut every connection that sent two of them.
        if (MaxSendQueueBytes < 2 * Transport.Channels.ReliableSendChannel.Cost(MaxMessageSize, FragmentSize))
            throw new ArgumentOutOfRangeException(nameof(MaxSendQueueBytes), "Must hold two of the largest messages as queued (ReliableSendChannel cost, about 1.06 × MaxMessageSize for large ones).");
        if ((CipherSuites & CipherSuites.All) == 0 || (CipherSuites & ~CipherSuites.All) != 0) throw new ArgumentOutOfRangeException(nameof(CipherSuites), "At least one known cipher suite.");
        if (MaxPacketsPerUpdate is <= 0 or > 4096)
            throw new ArgumentOutOfRangeException(nameof(MaxPacketsPerUpdate), MaxPacketsPerUpdate, "MaxPacketsPerUpdate must be 1 to 4,096.");
        if (KeepAliveInterval <= TimeSpan.Zero || Timeout <= KeepAliveInterval) throw new ArgumentOutOfRangeException(nameof(Timeout));
        if (Timeout > TimeoutLimit) throw new ArgumentOutOfRangeException(nameof(Timeout), Timeout, "Timeout must be at most one day.");
        if (MaxSendQueueBytes > QueueBytesLimit) throw new ArgumentOutOfRangeException(nameof(MaxSendQueueBytes), MaxSendQueueBytes, "MaxSendQueueBytes must be at most 1 GiB.");
        if (MaxUnreliableQueueBytes is <= 0 or > QueueBytesLimit)
            throw new ArgumentOutOfRangeException(nameof(MaxUnreliableQueueBytes), MaxUnreliableQueueBytes, "MaxUnreliableQueueBytes must be positive and at most 1 GiB.");
        if (AckDelay < TimeSpan.Zero || AckDelay > KeepAliveInterval)
            throw new ArgumentOutOfRangeException(nameof(AckDelay), AckDelay, "AckDelay must be at least zero and at most KeepAliveInterval.");
        if (MaxDatagramsPerUpdate is <= 0 or > 1_048_576)
            throw new ArgumentOutOfRangeException(nameof(MaxDatagramsPerUpdate), MaxDatagramsPerUpdate, "MaxDatagramsPerUpdate must be 1 to 1,048,576.");
        if (MaxDatagramsPerConnection is <= 0 or > 65_536)
            throw new ArgumentOutOfRangeException(nameof(MaxDatagramsPerConnection), MaxDatagramsPerConnection, "MaxDatagramsPerConnection must be 1 to 65,536.");
        if (MaxMessagesPerConnection <= 0) throw new ArgumentOutOfRangeException(nameof(MaxMessagesPerConnection));
        if (MaxMessageBytesPerConnection < MaxMessageSize) throw new ArgumentOutOfRangeException(nameof(MaxMessageBytesPerConnection), "Must hold the largest message.");
        if (MaxQueuedMessages < MaxMessagesPerConnection) throw new ArgumentOutOfRangeException(nameof(MaxQueuedMessages), "Must hold one connection's messages of an update.");
        if (MaxQueuedMessages > 1_048_576) throw new ArgumentOutOfRangeException(nameof(MaxQueuedMessages), MaxQueuedMessages, "MaxQueuedMessages must be at most 1,048,576.");
        if (MaxQueuedMessageBytes < MaxMessageBytesPerConnection) throw new ArgumentOutOfRangeException(nameof(MaxQueuedMessageBytes), "Must hold one connection's bytes of an update.");
        if (MaxQueuedMessageBytes > QueueBytesLimit) throw new ArgumentOutOfRangeException(nameof(MaxQueuedMessageBytes), MaxQueuedMessageBytes, "MaxQueuedMessageBytes must be at most 1 GiB.");
        // The connection's budget closes it at ViolationLimit × 4 (its score's weight): an int that overflowed past
        // 536,870,911 and closed every connection at the end of its first update.
        if (ViolationLimit is <= 0 or > 1024) throw new ArgumentOutOfRangeException(nameof(ViolationLimit), ViolationLimit, "ViolationLimit must be 1 to 1,024.");
    }
}
