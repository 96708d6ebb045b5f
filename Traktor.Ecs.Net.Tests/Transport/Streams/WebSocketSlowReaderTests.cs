using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using Microsoft.Extensions.Time.Testing;

namespace Traktor.Ecs.Net.Tests.Transport.Streams;

/// <summary>
/// Attack review 18 (held, kept as a regression test): a peer that the protocol took for established floods pings
/// from a socket with a tiny receive window and never reads a byte, so every pong the server owes it piles up on the
/// server's side. The server must stop reading it (TCP flow control holds the flood back) rather than buffer pongs
/// without end, close it at its idle deadline although a pong send is stuck, give its slot back, and keep serving others.
/// The control-frame budget (attack review 26, <see cref="WebSocketFrameBudgetTests"/>) would close such a flood
/// after 32 pings; it is lifted here, as a server may configure it, so the pile-up and its bound are still tried.
/// </summary>
[Collection(nameof(MemoryMeasuringTests))]
public class WebSocketSlowReaderTests
{
    private static readonly byte[] Upgrade = Encoding.ASCII.GetBytes(
        "GET /traktor HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_peer_flooding_pings_that_never_reads_is_held_back_then_closed_at_its_idle_deadline()
    {
        // The idle deadline runs on a fake clock, moved by the test once the flood is held back: before, it was 6 s of wall
        // clock, and on two busy cores it sometimes came before flow control had held the flood back.
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero));
        var idle = TimeSpan.FromSeconds(6);
        using var server = WebSocketServerTransport.Listen(new IPEndPoint(IPAddress.Loopback, 0),
            new StreamTransportOptions { IdleTimeout = idle, ControlFrameBurst = 1e12 }, time: time); // no control-frame budget: the pongs pile up
        using var honest = new ClientWebSocket();
        await honest.ConnectAsync(server.Url, Cancel);
        var buffer = new byte[2048];
        var honestAddress = await ReceiveFrom(server, () => honest.SendAsync(new byte[] { 9, 9, 9 }, WebSocketMessageType.Binary, true, Cancel), buffer);
        server.OnPeerConnected(honestAddress);

        // Small kernel buffers on the hostile side, so how soon flow control holds the flood back does not rest on how far
        // the kernel grows its send buffer.
        using var hostile = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 1024, SendBufferSize = 4096 };
        hostile.Connect(server.LocalEndPoint);
        hostile.Send(Upgrade);
        var answer = new byte[1024];
        int read = hostile.Receive(answer);
        Assert.StartsWith("HTTP/1.1 101", Encoding.ASCII.GetString(answer, 0, read));
        var hostileAddress = await ReceiveFrom(server, () => { hostile.Send(Frame(0x82, [5, 5, 5])); return Task.CompletedTask; }, buffer);
        Assert.NotEqual(honestAddress, hostileAddress);
        server.OnPeerConnected(hostileAddress); // established: only the idle deadline, not the handshake's, can end it now

        // Pings as fast as the server takes them, never reading a pong. Held back means: the server stopped reading, so
        // the hostile socket could not send for half a second in a row. The clock stands still meanwhile, so no deadline
        // ends the flood first; 30 s of wall clock only guard against a server that never stops reading.
        byte[] pings = Enumerable.Range(0, 8192).SelectMany(_ => Frame(0x89, [7])).ToArray();
        hostile.Blocking = false;
        long sent = 0;
        bool heldBack = false;
        var flood = Stopwatch.StartNew();
        var blockedSince = Stopwatch.StartNew();
        var honestTalks = Stopwatch.StartNew();
        while (!heldBack && flood.Elapsed.TotalSeconds < 30 && sent < 512L * 1024 * 1024)
        {
            if (honestTalks.Elapsed.TotalMilliseconds >= 200)
            {
                // The server keeps reading the honest peer meanwhile.
                Assert.Equal(honestAddress, await ReceiveFrom(server, () => honest.SendAsync(new byte[] { 9, 9, 9 }, WebSocketMessageType.Binary, true, Cancel), buffer));
                honestTalks.Restart();
            }
            try
            {
                // A partial send leaves a frame half written: the next send goes on from there, so frames stay whole.
                sent += hostile.Send(pings, (int)(sent % pings.Length), pings.Length - (int)(sent % pings.Length), SocketFlags.None);
                blockedSince.Restart();
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.WouldBlock)
            {
                heldBack = blockedSince.Elapsed.TotalSeconds >= 0.5;
                server.TryReceive(buffer, out _, out _);
                await Task.Delay(5, Cancel);
            }
        }
        Assert.True(heldBack, $"the server kept reading pings it could not answer: {sent:N0} bytes in {flood.Elapsed.TotalSeconds:F1} s");
        TestContext.Current.TestOutputHelper?.WriteLine($"held back after {sent:N0} bytes in {flood.Elapsed.TotalSeconds:F1} s");
        Assert.Equal(2, server.StreamCount);

        // Neither peer has sent a datagram since the clock last moved. The honest one talks 4 s of it later and stays; the
        // hostile one, silent but for pings and with a pong send stuck, is closed once the clock passes its idle deadline,
        // while the honest peer, 2.5 s into its own, stays.
        time.Advance(idle - TimeSpan.FromSeconds(2));
        Assert.Equal(honestAddress, await ReceiveFrom(server, () => honest.SendAsync(new byte[] { 9, 9, 9 }, WebSocketMessageType.Binary, true, Cancel), buffer));
        Upkeep(server, buffer);
        Assert.Equal(2, server.StreamCount);
        Assert.Equal(0, server.Counters.IdleTimeouts);
        time.Advance(TimeSpan.FromSeconds(2.5));
        Upkeep(server, buffer);
        Assert.Equal(1, server.StreamCount);
        Assert.Equal(1, server.Counters.IdleTimeouts);
        Assert.Equal(honestAddress, await ReceiveFrom(server, () => honest.SendAsync(new byte[] { 9, 9, 9 }, WebSocketMessageType.Binary, true, Cancel), buffer));
    }

    /// <summary>
    /// Ends the receive pass under way and runs a whole one, whose start does the transport's upkeep (the deadlines) at the
    /// clock's time: a pass that <see cref="ReceiveFrom"/> left when its datagram came goes on without it.
    /// </summary>
    private static void Upkeep(WebSocketServerTransport server, byte[] buffer)
    {
        while (server.TryReceive(buffer, out _, out _))
        {
        }
        while (server.TryReceive(buffer, out _, out _))
        {
        }
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

    /// <summary>Sends a 3-byte datagram with <paramref name="send"/> and polls <paramref name="server"/> until one arrives; returns its source.</summary>
    private static async Task<NetAddress> ReceiveFrom(WebSocketServerTransport server, Func<Task> send, byte[] buffer)
    {
        await send();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < 30) // a hang guard: loopback delivers it unless the server stopped reading
        {
            if (server.TryReceive(buffer, out int length, out var source) && length == 3) return source;
            await Task.Delay(1, Cancel);
        }
        throw new Xunit.Sdk.XunitException("the datagram never arrived");
    }
}
