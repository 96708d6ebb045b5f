using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Time.Testing;

namespace Traktor.Ecs.Net.Tests.Transport.Streams;

/// <summary>
/// The WebSocket server's reclaim runs on Kestrel's threads inside the admission lock (which the game loop takes to
/// release a channel it closes) and takes the connection gate's lock, while the gate, on other Kestrel threads, takes
/// its own lock and then the admission lock to mark what it reclaims. Waves of upgrades from many addresses at once,
/// against a game loop that closes channels at the same time, must neither deadlock (every request answered) nor leak
/// a slot (after everything closed, a full set of newcomers gets in without reclaiming anybody), and every accepted
/// channel's close is counted exactly once, under its true cause.
/// </summary>
public sealed class WebSocketReclaimLoadTests
{
    private static readonly byte[] Upgrade = Encoding.ASCII.GetBytes(
        "GET /traktor HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");

    [Fact]
    public async Task Waves_of_upgrades_and_reclaims_at_once_neither_deadlock_nor_leak_slots_nor_count_a_close_twice()
    {
        const int MaxConnections = 4;
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));
        using var server = WebSocketServerTransport.Listen(new IPEndPoint(IPAddress.Loopback, 0),
            new StreamTransportOptions { MaxConnections = MaxConnections, AcceptsPerPass = 32, HandshakeTimeout = TimeSpan.FromSeconds(7) }, time: time);
        // The gate's total (MaxConnections + AcceptsPerPass) is above any wave, so every reclaim is of an upgraded channel
        // and every close counted belongs to an accepted channel.
        var sockets = new List<Socket>();
        using var stop = new CancellationTokenSource();
        var gameLoop = StartGameLoop(server, stop.Token);
        try
        {
            int upgraded = await RunWavesAsync(server, time, sockets);
            Assert.True(upgraded > MaxConnections, $"only {upgraded} upgrades: no wave reclaimed a silent channel");

            // Everything closes (channels, and Kestrel's connections, which hold its places until they have ended); the
            // game loop counts each close once (an upgrade the gate cut off before its 101 arrived
            // is a channel too, so the count is against Accepted, not the 101s read).
            foreach (var socket in sockets) socket.Dispose();
            var counters = server.Counters;
            long Closes() => counters.HandshakeTimeouts + counters.ClosedByPeer + counters.FramingViolations + counters.IdleTimeouts;
            var deadline = DateTime.UtcNow.AddSeconds(15);
            while ((server.StreamCount > 0 || server.ConnectionCount > 0 || Closes() != counters.Accepted) && DateTime.UtcNow < deadline) await Task.Delay(10, TestContext.Current.CancellationToken);
            Assert.Equal((0, 0), (server.StreamCount, server.ConnectionCount));
            Assert.True(counters.HandshakeTimeouts > 0);
            Assert.Equal(counters.Accepted, Closes());

            // No slot leaked: a full set of newcomers gets in with nobody left to reclaim (all are younger than the delay).
            long timeouts = counters.HandshakeTimeouts;
            for (int i = 0; i < MaxConnections; i++)
            {
                var (socket, head) = await OpenAsync($"127.200.{i + 1}.1", server);
                using (socket) Assert.StartsWith("HTTP/1.1 101", head);
            }
            Assert.Equal(timeouts, counters.HandshakeTimeouts);
        }
        finally
        {
            stop.Cancel();
            await gameLoop;
            foreach (var socket in sockets) socket.Dispose();
        }
    }

    /// <summary>
    /// The same with a small gate (8 connections for waves of 16): the gate's own reclaims (connections, and upgraded
    /// channels whose admission it gives back, taking the admission lock and then its own) run at once with the upgrades'
    /// reclaims (the admission lock, then the gate's) and the game loop's closes: every request is answered and, after
    /// everything closed, a full set of newcomers gets in (no admission leaked, none given back twice).
    /// </summary>
    [Fact]
    public async Task Waves_that_overflow_the_gate_itself_neither_deadlock_nor_leak_an_admission()
    {
        const int MaxConnections = 4;
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));
        using var server = WebSocketServerTransport.Listen(new IPEndPoint(IPAddress.Loopback, 0),
            new StreamTransportOptions { MaxConnections = MaxConnections, AcceptsPerPass = 4, HandshakeTimeout = TimeSpan.FromSeconds(7) }, time: time);
        var sockets = new List<Socket>();
        using var stop = new CancellationTokenSource();
        var gameLoop = StartGameLoop(server, stop.Token);
        try
        {
            int upgraded = await RunWavesAsync(server, time, sockets);
            Assert.True(upgraded > MaxConnections, $"only {upgraded} upgrades: no wave reclaimed a silent channel");
            Assert.True(server.Counters.HandshakeTimeouts > 0);

            foreach (var socket in sockets) socket.Dispose();
            var deadline = DateTime.UtcNow.AddSeconds(15);
            while ((server.StreamCount > 0 || server.ConnectionCount > 0) && DateTime.UtcNow < deadline) await Task.Delay(10, TestContext.Current.CancellationToken);
            Assert.Equal((0, 0), (server.StreamCount, server.ConnectionCount));
            for (int i = 0; i < MaxConnections; i++)
            {
                var (socket, head) = await OpenAsync($"127.200.{i + 1}.1", server);
                using (socket) Assert.StartsWith("HTTP/1.1 101", head);
            }
        }
        finally
        {
            stop.Cancel();
            await gameLoop;
            foreach (var socket in sockets) socket.Dispose();
        }
    }

    /// <summary>The game loop, on its own thread: adopts channels and closes them (handshake timeouts, ends) while upgrades arrive.</summary>
    private static Task StartGameLoop(WebSocketServerTransport server, CancellationToken stop) => Task.Factory.StartNew(() =>
    {
        var buffer = new byte[2048];
        while (!stop.IsCancellationRequested)
        {
            server.TryReceive(buffer, out _, out _);
            Thread.Yield();
        }
    }, TaskCreationOptions.LongRunning);

    /// <summary>
    /// Six waves of sixteen upgrades at once, each from its own /24 so only the totals limit them; every request is answered
    /// (a 101, a 503 or a close) within 30 s, never a 500 (Kestrel full of reclaimed connections still ending was one:
    /// <see cref="WebSocketUpgradeLimitTests"/>). Returns how many were upgraded; the sockets go to <paramref name="sockets"/>.
    /// </summary>
    private static async Task<int> RunWavesAsync(WebSocketServerTransport server, FakeTimeProvider time, List<Socket> sockets)
    {
        const int Waves = 6, PerWave = 16;
        int upgraded = 0;
        for (int wave = 0; wave < Waves; wave++)
        {
            int octet = wave + 1;
            var answered = Task.WhenAll(Enumerable.Range(0, PerWave).Select(i => OpenAsync($"127.{octet}.{i + 1}.1", server)));
            Assert.Same(answered, await Task.WhenAny(answered, Task.Delay(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken)));
            foreach (var (socket, head) in await answered)
            {
                sockets.Add(socket);
                if (head.StartsWith("HTTP/1.1 101", StringComparison.Ordinal)) upgraded++;
                else Assert.True(head.Length == 0 || head.StartsWith("HTTP/1.1 503", StringComparison.Ordinal), head);
            }
            // The wave's channels are older than the reclaim delay (3 s) for the next one; every other wave, the game
            // loop's handshake deadline (7 s) closes the oldest ones too, racing the next wave's reclaims.
            time.Advance(TimeSpan.FromSeconds(3.5));
        }
        return upgraded;
    }

    /// <summary>
    /// Connects from <paramref name="source"/>, asks for an upgrade and reads the answer's head ("" when closed first). It
    /// never blocks a pool thread: sixteen blocking readers at once starved Kestrel's own threads on a two-core machine
    /// running other socket tests, and a wave then waited out its 30 s.
    /// </summary>
    private static async Task<(Socket Socket, string Head)> OpenAsync(string source, WebSocketServerTransport server)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Parse(source), 0));
        var head = new StringBuilder();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            await socket.ConnectAsync(server.LocalEndPoint, timeout.Token);
            await socket.SendAsync(Upgrade, SocketFlags.None, timeout.Token);
            var one = new byte[1];
            while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal) && await socket.ReceiveAsync(one, SocketFlags.None, timeout.Token) == 1)
            {
                head.Append((char)one[0]);
            }
        }
        catch (SocketException exception) when (exception.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted)
        {
            // closed by the gate before any HTTP: a refusal
        }
        return (socket, head.ToString());
    }
}
