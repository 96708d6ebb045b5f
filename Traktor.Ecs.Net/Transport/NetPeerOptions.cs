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

    /// <summary>
    /// Largest datagram sent, in bytes (default 1200, safe on the internet including IPv6 tunnels); <see cref="MinMtu"/>
    /// (256) to <see cref="MtuLimit"/> (8,192).
    /// </summary>
    public int Mtu { get; set; } = 1200;

    /// <summary>The smallest <see cref="Mtu"/>: 256 bytes (a fragment still carries a useful part of a message after its headers).</summary>
    public const int MinMtu = Transport.Packets.PacketLayout.MinimumMtu;

    /// <summary>The largest <see cref="Mtu"/>: 8,192 bytes (the top of the range docs/PROTOCOL.md allows).</summary>
    public const int MtuLimit = Transport.Packets.PacketLayout.MaximumMtu;

    /// <summary>
    /// Largest message accepted or sent, in bytes (default 256 KiB); larger ones are fragmented up to this. 1 to
    /// <see cref="MaxMessageSizeLimit"/> (16 MiB).
    /// </summary>
    public int MaxMessageSize { get; set; } = 256 * 1024;

    /// <summary>The largest <see cref="MaxMessageSize"/>: 16 MiB (a peer may make the other end reassemble one this large).</summary>
    public const int MaxMessageSizeLimit = 16 * 1024 * 1024;

    /// <summary>
    /// Memory that reliable messages to one peer may take, both reliable channels together, from their queueing until the
    /// peer acknowledges them (each message or fragment counted as the buffer it is copied to, plus 64 bytes: a full
    /// fragment's buffer is exactly the fragment size, smaller pieces go in steps of 2^k and 1.5 × 2^k bytes); a message
    /// past it disconnects the peer with <see cref="DisconnectReason.SendQueueOverflow"/>. At the defaults it holds 15
    /// messages of 256 KiB (a large message is charged about 1.06 × its length). It must hold two of the largest messages
    /// (<see cref="MaxMessageSize"/>) as queued, buffers and overhead counted (about 2.1 × <see cref="MaxMessageSize"/>
    /// for large messages): validated when a client or server is made. At most <see cref="MaxSendQueueBytesLimit"/> (1 GiB).
    /// </summary>
    public int MaxSendQueueBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>
    /// Bytes of unreliable messages to one peer that may wait for the next send; more are dropped. 256 KiB by default;
    /// positive (zero or less dropped every unreliable message, snapshots too) and at most <see cref="MaxUnreliableQueueBytesLimit"/> (1 GiB).
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
    /// The largest <see cref="MaxSendQueueBytes"/>: 1 GiB (memory one connection may hold; a few connections at more would
    /// hold the machine's).
    /// </summary>
    public const int MaxSendQueueBytesLimit = 1024 * 1024 * 1024;

    /// <summary>The largest <see cref="MaxUnreliableQueueBytes"/>: 1 GiB, as <see cref="MaxSendQueueBytesLimit"/>.</summary>
    public const int MaxUnreliableQueueBytesLimit = 1024 * 1024 * 1024;

    /// <summary>The largest <see cref="MaxQueuedMessageBytes"/>: 1 GiB (the peer's receive queue, all connections together).</summary>
    public const int MaxQueuedMessageBytesLimit = 1024 * 1024 * 1024;

    /// <summary>
    /// Most packets one connection sends per <c>Update</c> (a simple congestion cap); 64 by default, 1 to
    /// <see cref="MaxPacketsPerUpdateLimit"/>.
    /// </summary>
    public int MaxPacketsPerUpdate { get; set; } = 64;

    /// <summary>The largest <see cref="MaxPacketsPerUpdate"/>: 4,096 (one connection past it could fill the socket's send buffer in one update).</summary>
    public const int MaxPacketsPerUpdateLimit = 4096;

    /// <summary>
    /// Most datagrams read from the transport per <c>Update</c>, from all sources together, so a flood cannot stall
    /// the caller's tick; the rest wait in the socket's buffer (and the kernel drops what overflows it). 4,096 by default,
    /// 1 to <see cref="MaxDatagramsPerUpdateLimit"/>.
    /// </summary>
    public int MaxDatagramsPerUpdate { get; set; } = 4096;

    /// <summary>The largest <see cref="MaxDatagramsPerUpdate"/>: 1,048,576 (a larger value no longer bounds the work of one update under a flood).</summary>
    public const int MaxDatagramsPerUpdateLimit = 1_048_576;

    /// <summary>
    /// Most datagrams one connection may have handled per <c>Update</c>; more are dropped before decryption and
    /// counted (default 128: twice what a peer sends in one update at <see cref="MaxPacketsPerUpdate"/>); 1 to
    /// <see cref="MaxDatagramsPerConnectionLimit"/>.
    /// </summary>
    public int MaxDatagramsPerConnection { get; set; } = 128;

    /// <summary>The largest <see cref="MaxDatagramsPerConnection"/>: 65,536 (sixteen times the most packets a peer may send an update).</summary>
    public const int MaxDatagramsPerConnectionLimit = 65_536;

    /// <summary>
    /// Most messages one connection may have delivered per <c>Update</c> (default 1,024; positive and at most
    /// <see cref="MaxQueuedMessages"/>). Unreliable messages beyond it are dropped and counted; reliable ones wait in
    /// their channel's window for a later update.
    /// </summary>
    public int MaxMessagesPerConnection { get; set; } = 1024;

    /// <summary>
    /// Most message bytes one connection may have delivered per <c>Update</c> (default 512 KiB; at least
    /// <see cref="MaxMessageSize"/>). Excess is handled as for <see cref="MaxMessagesPerConnection"/>.
    /// </summary>
    public int MaxMessageBytesPerConnection { get; set; } = 512 * 1024;

    /// <summary>
    /// Most message events waiting to be polled, from all connections together (default 65,536), whether or not the
    /// caller polls between updates. At least <see cref="MaxMessagesPerConnection"/> and at most
    /// <see cref="MaxQueuedMessagesLimit"/>.
    /// </summary>
    public int MaxQueuedMessages { get; set; } = 65_536;

    /// <summary>
    /// The largest <see cref="MaxQueuedMessages"/>: 1,048,576 (the queue's table grows to hold this many events, so
    /// <see cref="int.MaxValue"/> let a flood of small messages take gigabytes).
    /// </summary>
    public const int MaxQueuedMessagesLimit = 1_048_576;

    /// <summary>
    /// Most bytes of message events waiting to be polled, from all connections together (default 16 MiB); at least
    /// <see cref="MaxMessageBytesPerConnection"/> and at most <see cref="MaxQueuedMessageBytesLimit"/> (1 GiB).
    /// </summary>
    public int MaxQueuedMessageBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>
    /// Violations after which a connection is closed with <see cref="DisconnectReason.ProtocolViolation"/> (default 16).
    /// A violation is an authenticated packet that breaks the protocol (compressed without negotiation, empty or too
    /// many records, a malformed record) or an update in which the connection exceeded its per-update budgets;
    /// one violation is forgiven per 4 updates without any. 1 to <see cref="ViolationLimitLimit"/>.
    /// </summary>
    public int ViolationLimit { get; set; } = 16;

    /// <summary>
    /// The largest <see cref="ViolationLimit"/>: 1,024 (past about 500 million the score a connection is closed at
    /// overflowed, and every connection was closed at its first update).
    /// </summary>
    public const int ViolationLimitLimit = 1024;

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
        if (Mtu is < MinMtu or > MtuLimit) throw new ArgumentOutOfRangeException(nameof(Mtu), Mtu, $"Mtu must be {MinMtu} to {MtuLimit} (MinMtu to MtuLimit).");
        if (MaxMessageSize is <= 0 or > MaxMessageSizeLimit)
            throw new ArgumentOutOfRangeException(nameof(MaxMessageSize), MaxMessageSize, $"MaxMessageSize must be 1 to {MaxMessageSizeLimit} (MaxMessageSizeLimit).");
        // Checked against what a message really holds while queued (pooled fragment buffers and their overhead), not its
        // length: otherwise a valid-looking pair (a 2 MiB message in a 4 MiB queue, or 40 B messages in an 80 B queue)
        // cut every connection that sent two of them.
        if (MaxSendQueueBytes < 2 * Transport.Channels.ReliableSendChannel.Cost(MaxMessageSize, FragmentSize))
            throw new ArgumentOutOfRangeException(nameof(MaxSendQueueBytes), "Must hold two of the largest messages as queued (ReliableSendChannel cost, about 1.06 × MaxMessageSize for large ones).");
        if ((CipherSuites & CipherSuites.All) == 0 || (CipherSuites & ~CipherSuites.All) != 0) throw new ArgumentOutOfRangeException(nameof(CipherSuites), "At least one known cipher suite.");
        if (MaxPacketsPerUpdate is <= 0 or > MaxPacketsPerUpdateLimit)
            throw new ArgumentOutOfRangeException(nameof(MaxPacketsPerUpdate), MaxPacketsPerUpdate, $"MaxPacketsPerUpdate must be 1 to {MaxPacketsPerUpdateLimit} (MaxPacketsPerUpdateLimit).");
        if (KeepAliveInterval <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(KeepAliveInterval), KeepAliveInterval, "KeepAliveInterval must be positive.");
        if (Timeout <= KeepAliveInterval) throw new ArgumentOutOfRangeException(nameof(Timeout), Timeout, "Timeout must be longer than KeepAliveInterval.");
        if (Timeout > TimeoutLimit) throw new ArgumentOutOfRangeException(nameof(Timeout), Timeout, $"Timeout must be at most {TimeoutLimit} (TimeoutLimit).");
        if (MaxSendQueueBytes > MaxSendQueueBytesLimit)
            throw new ArgumentOutOfRangeException(nameof(MaxSendQueueBytes), MaxSendQueueBytes, $"MaxSendQueueBytes must be at most {MaxSendQueueBytesLimit} (MaxSendQueueBytesLimit).");
        if (MaxUnreliableQueueBytes is <= 0 or > MaxUnreliableQueueBytesLimit)
            throw new ArgumentOutOfRangeException(nameof(MaxUnreliableQueueBytes), MaxUnreliableQueueBytes, $"MaxUnreliableQueueBytes must be 1 to {MaxUnreliableQueueBytesLimit} (MaxUnreliableQueueBytesLimit).");
        if (AckDelay < TimeSpan.Zero || AckDelay > KeepAliveInterval)
            throw new ArgumentOutOfRangeException(nameof(AckDelay), AckDelay, "AckDelay must be at least zero and at most KeepAliveInterval.");
        if (MaxDatagramsPerUpdate is <= 0 or > MaxDatagramsPerUpdateLimit)
            throw new ArgumentOutOfRangeException(nameof(MaxDatagramsPerUpdate), MaxDatagramsPerUpdate, $"MaxDatagramsPerUpdate must be 1 to {MaxDatagramsPerUpdateLimit} (MaxDatagramsPerUpdateLimit).");
        if (MaxDatagramsPerConnection is <= 0 or > MaxDatagramsPerConnectionLimit)
            throw new ArgumentOutOfRangeException(nameof(MaxDatagramsPerConnection), MaxDatagramsPerConnection, $"MaxDatagramsPerConnection must be 1 to {MaxDatagramsPerConnectionLimit} (MaxDatagramsPerConnectionLimit).");
        if (MaxMessagesPerConnection <= 0) throw new ArgumentOutOfRangeException(nameof(MaxMessagesPerConnection), MaxMessagesPerConnection, "MaxMessagesPerConnection must be positive (and at most MaxQueuedMessages).");
        if (MaxMessageBytesPerConnection < MaxMessageSize) throw new ArgumentOutOfRangeException(nameof(MaxMessageBytesPerConnection), MaxMessageBytesPerConnection, "MaxMessageBytesPerConnection must hold the largest message (at least MaxMessageSize).");
        if (MaxQueuedMessages < MaxMessagesPerConnection) throw new ArgumentOutOfRangeException(nameof(MaxQueuedMessages), MaxQueuedMessages, "MaxQueuedMessages must hold one connection's messages of an update (at least MaxMessagesPerConnection).");
        if (MaxQueuedMessages > MaxQueuedMessagesLimit)
            throw new ArgumentOutOfRangeException(nameof(MaxQueuedMessages), MaxQueuedMessages, $"MaxQueuedMessages must be at most {MaxQueuedMessagesLimit} (MaxQueuedMessagesLimit).");
        if (MaxQueuedMessageBytes < MaxMessageBytesPerConnection) throw new ArgumentOutOfRangeException(nameof(MaxQueuedMessageBytes), MaxQueuedMessageBytes, "MaxQueuedMessageBytes must hold one connection's bytes of an update (at least MaxMessageBytesPerConnection).");
        if (MaxQueuedMessageBytes > MaxQueuedMessageBytesLimit)
            throw new ArgumentOutOfRangeException(nameof(MaxQueuedMessageBytes), MaxQueuedMessageBytes, $"MaxQueuedMessageBytes must be at most {MaxQueuedMessageBytesLimit} (MaxQueuedMessageBytesLimit).");
        // The connection's budget closes it at ViolationLimit × 4 (its score's weight): an int that overflowed past
        // 536,870,911 and closed every connection at the end of its first update.
        if (ViolationLimit is <= 0 or > ViolationLimitLimit)
            throw new ArgumentOutOfRangeException(nameof(ViolationLimit), ViolationLimit, $"ViolationLimit must be 1 to {ViolationLimitLimit} (ViolationLimitLimit).");
    }
}
