using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using Traktor.Ecs.Net.Tests.Transport.Conformance;

namespace Traktor.Ecs.Net.Tests.Transport.Streams;

/// <summary>
/// A stream transport whose peer stopped reading holds a full send buffer; when the protocol ends that connection,
/// <see cref="IPeerAwareTransport.DiscardUnsent"/> must make room for the disconnect notice without cutting a frame the
/// socket took only part of. Before it existed the notice was dropped and the peer learned only by timing out (the
/// WebSocket case of DisconnectConformanceTests' send-queue overflow failed on a busy machine).
/// </summary>
public class DiscardUnsentTests
{
    private const int FillerSize = 1000;
    private static readonly byte[] Notice = NoticeOfFillerSize(); // as long as a filler, so "no room for a filler" is "no room for it"

    [Theory]
    [InlineData(WireKind.Tcp)]
    [InlineData(WireKind.WebSocket)]
    public void After_a_full_backlog_is_discarded_the_notice_arrives_last_behind_whole_frames(WireKind kind)
    {
        var loopback = new IPEndPoint(IPAddress.Loopback, 0);
        using IPeerAwareTransport server = kind == WireKind.Tcp ? TcpTransport.Listen(loopback) : WebSocketServerTransport.Listen(loopback);
        using IPeerAwareTransport client = kind == WireKind.Tcp ? TcpTransport.CreateClient() : WebSocketClientTransport.CreateClient();
        var buffer = new byte[4096];

        // The client opens its stream; the server learns its address from the first datagram.
        NetAddress clientAddress = default;
        client.TrySend([1], server.LocalAddress);
        Assert.True(Eventually(() =>
        {
            client.TryReceive(buffer, out _, out _); // drives the client's connect and first send
            return server.TryReceive(buffer, out _, out clientAddress);
        }), "the server never heard the client");
        server.OnPeerConnected(clientAddress);

        // The client reads nothing from here on: the kernel's buffers fill, then the transport's own send buffer.
        var filler = new byte[FillerSize];
        int sent = 0;
        Stopwatch? refusedSince = null;
        Assert.True(Eventually(() =>
        {
            // Full, and staying full for half a second: a WebSocket's send task may still be taking frames when the
            // first one is refused; once the kernel's buffers are full too, nothing leaves any more.
            for (int i = 0; i < 1000; i++)
            {
                BinaryPrimitives.WriteInt32LittleEndian(filler, sent);
                filler.AsSpan(4).Fill((byte)sent);
                if (!server.TrySend(filler, clientAddress))
                {
                    refusedSince ??= Stopwatch.StartNew();
                    return refusedSince.Elapsed > TimeSpan.FromMilliseconds(500);
                }
                sent++;
                refusedSince = null;
            }
            return false;
        }), $"the send buffer never filled after {sent} datagrams");
        Assert.False(server.TrySend(Notice, clientAddress)); // the situation the notice met before: no room

        server.DiscardUnsent(clientAddress);
        Assert.True(server.TrySend(Notice, clientAddress));

        // Everything the client now reads is whole fillers in order, then the notice, then nothing.
        int expected = 0;
        bool noticed = false;
        Assert.True(Eventually(() =>
        {
            while (client.TryReceive(buffer, out int length, out _))
            {
                Assert.False(noticed, "a datagram arrived after the notice");
                if (buffer.AsSpan(0, length).SequenceEqual(Notice))
                {
                    noticed = true;
                    continue;
                }
                Assert.Equal(FillerSize, length);
                int index = BinaryPrimitives.ReadInt32LittleEndian(buffer);
                Assert.Equal(expected, index);
                Assert.True(buffer.AsSpan(4, length - 4).IndexOfAnyExcept((byte)index) < 0, $"filler {index} is not whole");
                expected++;
            }
            return noticed;
        }), $"the notice never arrived ({expected} of {sent} fillers read)");
        Assert.InRange(expected, 1, sent - 1); // some were delivered, the discarded backlog was not
    }

    private static byte[] NoticeOfFillerSize()
    {
        var notice = new byte[FillerSize];
        notice.AsSpan().Fill(0xEE);
        BinaryPrimitives.WriteInt32LittleEndian(notice, -1);
        return notice;
    }

    /// <summary>Polls <paramref name="done"/> for up to a minute of wall-clock time (real sockets on a possibly busy machine).</summary>
    private static bool Eventually(Func<bool> done)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromMinutes(1))
        {
            if (done()) return true;
            Thread.Sleep(1);
        }
        return done();
    }
}
