using Microsoft.Extensions.Logging;
using Traktor.Ecs.Net.Diagnostics;
using Traktor.Ecs.Net.Transport.Packets;

namespace Traktor.Ecs.Net.Transport;

/// <summary>What a client or server shares with its connections: the transport, scratch buffers, events and settings.</summary>
internal sealed class PeerContext
{
    /// <param name="transport">The datagram transport.</param>
    /// <param name="options">The peer's own validated copy of its options.</param>
    /// <param name="captureSource">
    /// The options object the caller made the peer with: <see cref="NetPeerOptions.Capture"/> is read from it live, the
    /// one setting a running peer follows, so a capture can be switched on and off while it runs.
    /// </param>
    /// <param name="time">The clock.</param>
    /// <param name="logger">The logger.</param>
    public PeerContext(IDatagramTransport transport, NetPeerOptions options, NetPeerOptions captureSource, TimeProvider time, ILogger logger)
    {
        Transport = transport;
        Options = options;
        _captureSource = captureSource;
        Time = time;
        Logger = logger;
        Events = new EventQueue(options.MaxQueuedMessages, options.MaxQueuedMessageBytes);
        // Room for the largest datagram we accept (the MTU, or the fixed-size handshake packets when the MTU is
        // smaller): anything bigger is dropped by the transport's read.
        Receive = new byte[Math.Max(options.Mtu, PacketLayout.ResponseSize)];
        Frame = new byte[options.Mtu + 64];
        Datagram = new byte[options.Mtu + 64];
        Plaintext = new byte[options.Mtu + 64];
        Decompressed = new byte[options.Mtu + 64];
        Compressed = new byte[K4os.Compression.LZ4.LZ4Codec.MaximumOutputSize(options.Mtu) + 64];
        int overhead = PacketLayout.SealedHeaderSize + Security.PacketCipher.TagSize;
        PayloadCapacity = options.Mtu - overhead;
        FragmentSize = options.FragmentSize;
        MaxFragments = (options.MaxMessageSize + FragmentSize - 1) / FragmentSize;
        Buffers = new Channels.MessageBufferPool(FragmentSize);
    }

    public IDatagramTransport Transport { get; }
    public NetPeerOptions Options { get; }
    public TimeProvider Time { get; }
    public ILogger Logger { get; }
    public EventQueue Events { get; }

    /// <summary>What was dropped, refused or violated (the server exposes these; the client keeps them for tests).</summary>
    public NetServerCounters Counters { get; } = new();
    public Channels.MessageBufferPool Buffers { get; }
    private readonly NetPeerOptions _captureSource;

    /// <summary>The capture the caller's options name now (read live: see the constructor).</summary>
    public PcapngWriter? Capture => _captureSource.Capture;

    public byte[] Receive { get; }
    public byte[] Frame { get; }
    public byte[] Datagram { get; }
    public byte[] Plaintext { get; }
    public byte[] Decompressed { get; }
    public byte[] Compressed { get; }

    /// <summary>Plaintext bytes of one payload packet (ack header + records).</summary>
    public int PayloadCapacity { get; }

    /// <summary>Bytes of a message carried per fragment; messages up to this size are not fragmented.</summary>
    public int FragmentSize { get; }

    public int MaxFragments { get; }

    /// <summary>Monotonic seconds from the time provider.</summary>
    public double Now => Time.GetTimestamp() / (double)Time.TimestampFrequency;

    public bool Send(ReadOnlySpan<byte> datagram, in NetAddress destination)
    {
        NetMetrics.PacketsSent.Add(1);
        NetMetrics.BytesSent.Add(datagram.Length);
        return Transport.TrySend(datagram, destination);
    }
}
