using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using Microsoft.Extensions.Time.Testing;

namespace Traktor.Ecs.Net.Tests.Transport.Streams;

/// <summary>
/// Attack review 26: frames that carry no datagram byte, from a peer the protocol took for established. The server's
/// WebSocket answers every ping with a pong and reads pongs and empty fragments inside one receive call, so none of them
/// reaches the channel's receive buffer, whose back-pressure holds every datagram flood: a peer pinging at line rate and
/// reading its pongs had a Kestrel thread answer it for as long as it stayed (74,000 pongs a second on loopback, a core).
/// Now each peer has a budget of such frames (<see cref="StreamTransportOptions.ControlFrameBurst"/> at once,
/// <see cref="StreamTransportOptions.ControlFramesPerSecond"/> on the transport's clock), checked on the raw bytes before
/// the WebSocket reads them: past it the peer is closed as a framing violation (policy, 1008) and an honest peer beside
/// it is still served; within it, pings are answered for as long as the peer stays. Attack review 27: the same scan counts
/// a message's data frames (<see cref="StreamTransportOptions.MaxWebSocketFramesPerMessage"/>), so a message cut into
/// one-byte continuations, each a receive call of the server's WebSocket, is closed the same way past it.
/// </summary>
public sealed class WebSocketFrameBudgetTests : IDisposable
{
    private static readonly byte[] Upgrade = Encoding.ASCII.GetBytes(
        "GET /traktor HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 7, 6, 0, 0, TimeSpan.Zero));
    private readonly CapturingLogger _log = new();
    private readonly WebSocketServerTransport _server;
    private readonly ClientWebSocket _honest = new();
    private readonly Socket _hostile = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly byte[] _buffer = new byte[4096];
    private NetAddress _honestAddress;
    private int _pongs;
    private Task? _reader;

    public WebSocketFrameBudgetTests()
    {
        _server = WebSocketServerTransport.Listen(new IPEndPoint(IPAddress.Loopback, 0), new StreamTransportOptions(), time: _time,
            loggerFactory: new CapturingLoggerFactory(_log));
    }

    private async Task ConnectBoth()
    {
        await _honest.ConnectAsync(_server.Url, Cancel);
        _honestAddress = await ReceiveFrom(() => _honest.SendAsync(new byte[] { 9, 9, 9 }, WebSocketMessageType.Binary, true, Cancel));
        _server.OnPeerConnected(_honestAddress);

        _hostile.Connect(_server.LocalEndPoint);
        _hostile.Send(Upgrade);
        var head = new StringBuilder();
        var one = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal) && _hostile.Receive(one) == 1) head.Append((char)one[0]);
        Assert.StartsWith("HTTP/1.1 101", head.ToString());
        var hostileAddress = await ReceiveFrom(() => { _hostile.Send(Frame(0x82, [5, 5, 5])); return Task.CompletedTask; });
        Assert.NotEqual(_honestAddress, hostileAddress);
        _server.OnPeerConnected(hostileAddress); // established: no handshake deadline ends it, only its idle deadline or a budget
        _reader = Task.Run(CountPongs);
    }

    /// <summary>Reads the server's frames to the hostile peer (unmasked, each under 126 bytes) until it closes, counting pongs.</summary>
    private void CountPongs()
    {
        var header = new byte[2];
        try
        {
            while (ReadExactly(header))
            {
                if (!ReadExactly(new byte[header[1] & 0x7F])) return;
                if (header[0] == 0x8A) Interlocked.Increment(ref _pongs);
            }
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
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

    /// <summary>A masked client frame of fewer than 126 bytes.</summary>
    private static byte[] Frame(byte first, byte[] payload)
    {
        byte[] key = [1, 2, 3, 4];
        var frame = new List<byte> { first, (byte)(0x80 | payload.Length) };
        frame.AddRange(key);
        for (int i = 0; i < payload.Length; i++) frame.Add((byte)(payload[i] ^ key[i % 4]));
        return frame.ToArray();
    }

    private static byte[] Repeat(byte[] frame, int count) => Enumerable.Range(0, count).SelectMany(_ => frame).ToArray();

    private const string ControlFramesRule = "control frames past the budget";
    private const string FramesPerMessageRule = "a message in more than 16 frames";

    public static TheoryData<string, byte[], string> Floods() => new()
    {
        { "2,000 pings of 125 bytes", Repeat(Frame(0x89, new byte[125]), 2000), ControlFramesRule },
        { "2,000 unsolicited pongs of 125 bytes", Repeat(Frame(0x8A, new byte[125]), 2000), ControlFramesRule },
        // Empty continuations are frames without a datagram byte and frames of one message: the first budget to run
        // out (the message's 16 frames, before the 32 control frames) closes the peer.
        { "a binary message's start and 2,000 empty continuations", [.. Frame(0x02, [1]), .. Repeat(Frame(0x00, []), 2000)], FramesPerMessageRule },
        // 2,001 bytes: within MaxFrameSize (2,048), so only the count of frames holds it.
        { "a binary message's start and 2,000 one-byte continuations", [.. Frame(0x02, [1]), .. Repeat(Frame(0x00, [7]), 2000)], FramesPerMessageRule },
    };

    [Theory]
    [MemberData(nameof(Floods))]
    public async Task A_flood_of_frames_without_a_datagram_byte_or_of_one_message_is_closed_past_its_budget(string flood, byte[] frames, string rule)
    {
        await ConnectBoth();
        var budget = new StreamTransportOptions().ControlFrameBurst;

        // The flood, then one ping: its pong comes after the server read everything before it, so a server that took
        // the whole flood is seen to have taken it. The clock stands still: only the burst is available.
        var sending = Task.Run(() =>
        {
            try
            {
                _hostile.Send([.. frames, .. Frame(0x89, [1])]);
            }
            catch (SocketException)
            {
                // cut off mid-flood
            }
        }, Cancel);
        int expectedPongs = flood.Contains("pings") ? 2001 : 1;
        var wall = Stopwatch.StartNew(); // a hang guard only
        while (_server.StreamCount > 1 && Volatile.Read(ref _pongs) < expectedPongs && wall.Elapsed.TotalSeconds < 30)
        {
            _server.TryReceive(_buffer, out _, out _);
            await Task.Delay(1, Cancel);
        }
        await sending;
        string report = $"{flood}: {_pongs} pongs, {_server.StreamCount} streams, violations {_server.Counters.FramingViolations}";
        TestContext.Current.TestOutputHelper?.WriteLine(report);

        // Closed past the budget: before it, every ping was answered and the peer stayed.
        Assert.True(_server.StreamCount == 1, report);
        Assert.Equal(1L, _server.Counters.FramingViolations);
        Assert.InRange(_pongs, 0, (int)budget);
        lock (_log.Lines) Assert.Contains(_log.Lines, line => line.Message.Contains("framing violation (PolicyViolation (1008): ", StringComparison.Ordinal) && line.Message.Contains(rule, StringComparison.Ordinal));
        await _reader!.WaitAsync(TimeSpan.FromSeconds(30), Cancel); // the reader ends when the server closes the hostile socket
        // The honest peer is still served.
        Assert.Equal(_honestAddress, await ReceiveFrom(() => _honest.SendAsync(new byte[] { 9, 9, 9 }, WebSocketMessageType.Binary, true, Cancel)));
    }

    [Fact]
    public async Task Pings_within_the_budget_are_answered_for_as_long_as_the_peer_stays()
    {
        await ConnectBoth();
        var options = new StreamTransportOptions();
        // The burst at once, then one ping every half second (the rate) for 100 s of the transport's clock, with a
        // datagram from each peer every 5 s, as the protocol's keep-alives would, so the idle deadline ends neither.
        int pings = 0;
        for (int i = 0; i < (int)options.ControlFrameBurst; i++) await Ping(++pings);
        for (int step = 1; step <= 200; step++)
        {
            _time.Advance(TimeSpan.FromSeconds(1 / options.ControlFramesPerSecond));
            if (step % 10 == 0)
            {
                await ReceiveFrom(() => { _hostile.Send(Frame(0x82, [5, 5, 5])); return Task.CompletedTask; });
                await ReceiveFrom(() => _honest.SendAsync(new byte[] { 9, 9, 9 }, WebSocketMessageType.Binary, true, Cancel));
            }
            await Ping(++pings);
        }

        Assert.Equal(232, pings);
        Assert.Equal(2, _server.StreamCount);
        Assert.Equal(0L, _server.Counters.FramingViolations);
    }

    [Fact]
    public async Task Messages_in_as_many_frames_as_the_budget_allows_arrive_whole_each_with_its_own_count()
    {
        await ConnectBoth();
        int frames = new StreamTransportOptions().MaxWebSocketFramesPerMessage;
        for (int message = 0; message < 3; message++)
        {
            // 1,200 bytes in 16 frames of 75, a ping between two of them (a library's keep-alive may fall there).
            var datagram = Enumerable.Range(0, 75 * frames).Select(i => (byte)(i + message)).ToArray();
            var wire = new List<byte>();
            for (int i = 0; i < frames; i++)
            {
                byte first = (byte)((i == frames - 1 ? 0x80 : 0x00) | (i == 0 ? 0x02 : 0x00));
                wire.AddRange(Frame(first, datagram[(75 * i)..(75 * (i + 1))]));
                if (i == frames / 2) wire.AddRange(Frame(0x89, [(byte)message]));
            }
            _hostile.Send(wire.ToArray());

            var wall = Stopwatch.StartNew(); // a hang guard only
            int length = 0;
            while (!_server.TryReceive(_buffer, out length, out _) && wall.Elapsed.TotalSeconds < 30) await Task.Delay(1, Cancel);
            Assert.Equal(datagram, _buffer.AsSpan(0, length).ToArray());
        }
        Assert.Equal(2, _server.StreamCount);
        Assert.Equal(0L, _server.Counters.FramingViolations);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void A_frames_per_message_budget_below_one_is_refused(int frames) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => WebSocketServerTransport.Listen(new IPEndPoint(IPAddress.Loopback, 0),
            new StreamTransportOptions { MaxWebSocketFramesPerMessage = frames }));

    /// <summary>Sends one ping and waits for pong number <paramref name="count"/>.</summary>
    private async Task Ping(int count)
    {
        _hostile.Send(Frame(0x89, [7]));
        var wall = Stopwatch.StartNew(); // a hang guard only
        while (Volatile.Read(ref _pongs) < count && wall.Elapsed.TotalSeconds < 30)
        {
            _server.TryReceive(_buffer, out _, out _);
            await Task.Delay(1, Cancel);
        }
        Assert.Equal(count, Volatile.Read(ref _pongs));
    }

    /// <summary>Sends a 3-byte datagram with <paramref name="send"/> and polls the server until one arrives; returns its source.</summary>
    private async Task<NetAddress> ReceiveFrom(Func<Task> send)
    {
        await send();
        var wall = Stopwatch.StartNew(); // a hang guard: loopback delivers it unless the server stopped reading
        while (wall.Elapsed.TotalSeconds < 30)
        {
            if (_server.TryReceive(_buffer, out int length, out var source) && length == 3) return source;
            await Task.Delay(1, Cancel);
        }
        throw new Xunit.Sdk.XunitException("the datagram never arrived");
    }

    public void Dispose()
    {
        _hostile.Dispose();
        _honest.Dispose();
        _server.Dispose();
    }
}
