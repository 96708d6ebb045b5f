using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Traktor.Ecs.Net.Tests.Transport.Streams;

/// <summary>
/// Fragmented WebSocket messages from a hostile client (frames written by hand after a real upgrade): a message whose
/// fragments add up past <see cref="StreamTransportOptions.MaxFrameSize"/>, in a few large pieces or thousands of
/// one-byte ones, is refused as soon as the total passes the budget (the channel reads into one buffer of
/// MaxFrameSize + 1 bytes, so nothing beyond it is ever held) and closed with status 1009 (message too big), counted as a
/// framing violation; a message cut into tiny fragments with pings between them, within the budget, arrives whole; and
/// a message that never finishes delivers nothing, so the channel closes on its deadline, under that cause.
/// The close frame can be lost on the wire: the hostile client is still sending when the server stops reading, so the
/// server's end of the connection is reset with unread data, and the 1009 may be dropped with it before it is sent.
/// The server's log says which close it chose; the frame, when it arrives, must say the same. These servers lift the
/// count of frames a message may have (<see cref="StreamTransportOptions.MaxWebSocketFramesPerMessage"/>), which would
/// otherwise close most of these peers first (1008).
/// </summary>
public sealed class WebSocketFragmentBudgetTests : IDisposable
{
    private const int MaxFrame = 1200;

    private static readonly byte[] Upgrade = Encoding.ASCII.GetBytes(
        "GET /traktor HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));
    private readonly WebSocketServerTransport _server;
    private readonly Socket _hostile = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly byte[] _buffer = new byte[4096];
    private readonly CapturingLogger _log = new();

    public WebSocketFragmentBudgetTests()
    {
        _server = WebSocketServerTransport.Listen(new IPEndPoint(IPAddress.Loopback, 0),
            // The count of frames a message may have (16 by default, WebSocketFrameBudgetTests) is lifted to its limit (65,535): the
            // size rule must hold on its own, whatever the fragments' number.
            new StreamTransportOptions { MaxFrameSize = MaxFrame, MaxWebSocketFramesPerMessage = ushort.MaxValue, HandshakeTimeout = TimeSpan.FromSeconds(5), IdleTimeout = TimeSpan.FromSeconds(20) }, time: _time,
            loggerFactory: new CapturingLoggerFactory(_log));
        _hostile.ReceiveTimeout = 10_000;
        _hostile.Connect(_server.LocalEndPoint);
        _hostile.Send(Upgrade);
        var head = new StringBuilder();
        var one = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal) && _hostile.Receive(one) == 1) head.Append((char)one[0]);
        Assert.StartsWith("HTTP/1.1 101", head.ToString());
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (_server.StreamCount < 1 && DateTime.UtcNow < deadline) _server.TryReceive(_buffer, out _, out _);
        Assert.Equal(1, _server.StreamCount);
    }

    /// <summary>A masked client frame: FIN/opcode byte and payload.</summary>
    private static byte[] Frame(byte first, ReadOnlySpan<byte> payload)
    {
        var frame = new List<byte> { first };
        if (payload.Length < 126) frame.Add((byte)(0x80 | payload.Length));
        else
        {
            frame.Add(0x80 | 126);
            frame.Add((byte)(payload.Length >> 8));
            frame.Add((byte)payload.Length);
        }
        byte[] key = [0x11, 0x22, 0x33, 0x44];
        frame.AddRange(key);
        for (int i = 0; i < payload.Length; i++) frame.Add((byte)(payload[i] ^ key[i % 4]));
        return frame.ToArray();
    }

    private static byte[] Fragments(int first, int each, int count, byte value = 7) =>
        [.. Frame(0x02, Enumerable.Repeat(value, first).ToArray()), .. Enumerable.Range(0, count).SelectMany(_ => Frame(0x00, Enumerable.Repeat(value, each).ToArray()))];

    /// <summary>The status code of the server's close frame (unmasked, 0x88), reading past any pongs; null if the socket ended without one.</summary>
    private ushort? CloseStatus()
    {
        var header = new byte[2];
        try
        {
            while (ReadExactly(header))
            {
                int length = header[1] & 0x7F;
                var payload = new byte[length];
                if (!ReadExactly(payload)) return null;
                if (header[0] == 0x88) return length >= 2 ? (ushort)(payload[0] << 8 | payload[1]) : null;
            }
        }
        catch (SocketException)
        {
        }
        return null;
    }

    private bool ReadExactly(byte[] into)
    {
        for (int read = 0; read < into.Length;)
        {
            int got = _hostile.Receive(into, read, into.Length - read, SocketFlags.None);
            if (got == 0) return false;
            read += got;
        }
        return true;
    }

    /// <summary>Polls the game loop until the channel is closed (or 5 s pass).</summary>
    private void PumpUntilClosed()
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (_server.StreamCount > 0 && DateTime.UtcNow < deadline)
        {
            _server.TryReceive(_buffer, out _, out _);
            Thread.Sleep(1);
        }
        Assert.Equal(0, _server.StreamCount);
    }

    public static TheoryData<string, int, int, int> TooBig() => new()
    {
        { "two large fragments", 1000, 1000, 1 },
        { "a fragment of exactly the budget, then one byte", MaxFrame, 1, 1 },
        { "5,000 one-byte continuations", 1, 1, 5000 },
        { "a small start, then 120-byte continuations for 1 MB", 10, 120, 8800 },
    };

    [Theory]
    [MemberData(nameof(TooBig))]
    public void A_fragmented_message_past_the_frame_budget_closes_with_message_too_big(string shape, int first, int each, int count)
    {
        try
        {
            _hostile.Send(Fragments(first, each, count));
        }
        catch (SocketException)
        {
            // cut off mid-send: the server stopped reading at the budget
        }
        var status = CloseStatus(); // null when the reset overtook it (see the summary)
        Assert.True(status is null or 1009, $"{shape}: closed with {status}");
        PumpUntilClosed();
        Assert.Equal((1L, 0L), (_server.Counters.FramingViolations, _server.Counters.ClosedByPeer));
        lock (_log.Lines) Assert.Contains(_log.Lines, line => line.Message.EndsWith(": framing violation (MessageTooBig (1009)).", StringComparison.Ordinal));
        Assert.False(_server.TryReceive(_buffer, out _, out _)); // nothing of it was delivered
    }

    [Fact]
    public void A_message_within_the_budget_cut_into_one_byte_fragments_with_pings_between_arrives_whole()
    {
        var datagram = Enumerable.Range(0, MaxFrame).Select(i => (byte)i).ToArray();
        var frames = new List<byte>(Frame(0x02, datagram.AsSpan(0, 1)));
        for (int i = 1; i < datagram.Length; i++)
        {
            if (i % 100 == 0) frames.AddRange(Frame(0x89, [(byte)i])); // a ping in the middle of the message
            frames.AddRange(Frame(i == datagram.Length - 1 ? (byte)0x80 : (byte)0x00, datagram.AsSpan(i, 1)));
        }
        _hostile.Send(frames.ToArray());

        var deadline = DateTime.UtcNow.AddSeconds(30);
        int length = 0;
        while (DateTime.UtcNow < deadline && !_server.TryReceive(_buffer, out length, out _)) Thread.Sleep(1);
        Assert.Equal(datagram, _buffer.AsSpan(0, length).ToArray());
        Assert.Equal(1, _server.StreamCount);
        Assert.Equal(0L, _server.Counters.FramingViolations);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_message_that_never_finishes_delivers_nothing_and_closes_on_the_deadline(bool established)
    {
        if (established)
        {
            // The protocol established a connection on it (the handshake deadline no longer applies): the idle deadline does.
            _server.OnPeerConnected(NetAddress.FromEndPoint((IPEndPoint)_hostile.LocalEndPoint!, TransportKind.WebSocket));
        }
        // A start and then empty continuations forever (well: one a virtual second), each one on the wire.
        _hostile.Send(Frame(0x02, [1, 2, 3]));
        for (int second = 0; second < 25 && _server.StreamCount > 0; second++)
        {
            try
            {
                _hostile.Send(Frame(0x00, []));
            }
            catch (SocketException)
            {
                // closed on its deadline while this one was on its way
            }
            _time.Advance(TimeSpan.FromSeconds(1));
            for (int i = 0; i < 20; i++)
            {
                Assert.False(_server.TryReceive(_buffer, out _, out _));
                Thread.Sleep(1);
            }
        }
        PumpUntilClosed();
        var counters = _server.Counters;
        Assert.Equal(established ? (0L, 1L) : (1L, 0L), (counters.HandshakeTimeouts, counters.IdleTimeouts));
        Assert.Equal(0L, counters.ClosedByPeer);
    }

    public void Dispose()
    {
        _hostile.Dispose();
        _server.Dispose();
    }
}
