using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;

namespace Traktor.Ecs.Net.Tests.Transport.Streams;

/// <summary>
/// RFC 6455 frames a hostile client writes by hand after a real upgrade: unmasked frames, reserved opcodes and bits,
/// control frames too long or fragmented, a continuation with nothing to continue, a length of 2^63, a ping flood. Each
/// must end only its own connection (the server's WebSocket refuses it; the channel closes and gives its slot back),
/// without an exception reaching the game loop, while an honest peer's datagrams keep arriving.
/// </summary>
[Collection(nameof(MemoryMeasuringTests))]
public class WebSocketFrameAbuseTests
{
    private static readonly byte[] Upgrade = Encoding.ASCII.GetBytes(
        "GET /traktor HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");

    /// <summary>A client frame: FIN/RSV/opcode byte, masked (or not) payload.</summary>
    private static byte[] Frame(byte first, byte[] payload, bool masked = true)
    {
        var frame = new List<byte> { first };
        byte mask = masked ? (byte)0x80 : (byte)0;
        if (payload.Length < 126) frame.Add((byte)(mask | payload.Length));
        else
        {
            frame.Add((byte)(mask | 126));
            frame.Add((byte)(payload.Length >> 8));
            frame.Add((byte)payload.Length);
        }
        byte[] key = [1, 2, 3, 4];
        if (masked) frame.AddRange(key);
        for (int i = 0; i < payload.Length; i++) frame.Add(masked ? (byte)(payload[i] ^ key[i % 4]) : payload[i]);
        return frame.ToArray();
    }

    public static TheoryData<string, byte[]> Abuses() => new()
    {
        { "unmasked binary", Frame(0x82, [1, 2, 3], masked: false) },
        { "reserved opcode 3", Frame(0x83, [1, 2, 3]) },
        { "reserved control opcode 0xB", Frame(0x8B, []) },
        { "RSV1 without an extension", Frame(0xC2, [1, 2, 3]) },
        { "ping of 126 bytes", Frame(0x89, new byte[126]) },
        { "fragmented ping", Frame(0x09, [1]) },
        { "continuation of nothing", Frame(0x80, [1, 2, 3]) },
        { "length 2^63", [0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4] },
        { "text in the middle of a binary message", [.. Frame(0x02, [1]), .. Frame(0x81, [2])] },
        { "10,000 pings", Enumerable.Range(0, 10_000).SelectMany(_ => Frame(0x89, [7])).ToArray() },
    };

    [Theory]
    [MemberData(nameof(Abuses))]
    public async Task A_malformed_or_abusive_frame_ends_only_its_own_connection(string abuse, byte[] frames)
    {
        using var server = WebSocketServerTransport.Listen(new IPEndPoint(IPAddress.Loopback, 0),
            new StreamTransportOptions { HandshakeTimeout = TimeSpan.FromSeconds(2) });
        using var honest = new ClientWebSocket();
        await honest.ConnectAsync(server.Url, TestContext.Current.CancellationToken);
        var buffer = new byte[2048];
        var honestAddress = await ReceiveFrom(server, honest, buffer);
        server.OnPeerConnected(honestAddress); // as the protocol would: the honest stream is established, so no deadline closes it

        using var hostile = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        hostile.Connect(server.LocalEndPoint);
        hostile.Send(Upgrade);
        var answer = new byte[1024];
        int read = hostile.Receive(answer);
        Assert.StartsWith("HTTP/1.1 101", Encoding.ASCII.GetString(answer, 0, read));
        var clock = Stopwatch.StartNew();
        while (server.StreamCount < 2 && clock.Elapsed.TotalSeconds < 5) server.TryReceive(buffer, out _, out _);
        Assert.Equal(2, server.StreamCount);

        try
        {
            hostile.Send(frames);
        }
        catch (SocketException)
        {
            // the server may already have cut it off mid-flood
        }

        // The hostile connection ends (refused by the server's WebSocket, or at the handshake deadline for the pings).
        var closing = Task.Run(() => PeerSockets.Closed(hostile, 10));
        clock.Restart();
        while ((!closing.IsCompleted || server.StreamCount > 1) && clock.Elapsed.TotalSeconds < 12)
        {
            server.TryReceive(buffer, out _, out _);
            await Task.Delay(1, TestContext.Current.CancellationToken);
        }

        Assert.True(await closing, $"{abuse}: the hostile connection stayed open");
        Assert.Equal(1, server.StreamCount);
        Assert.Equal(honestAddress, await ReceiveFrom(server, honest, buffer)); // the honest peer still gets through
    }

    /// <summary>Sends a 3-byte datagram from <paramref name="client"/> and polls <paramref name="server"/> until it arrives; returns its source.</summary>
    private static async Task<NetAddress> ReceiveFrom(WebSocketServerTransport server, ClientWebSocket client, byte[] buffer)
    {
        await client.SendAsync(new byte[] { 9, 9, 9 }, WebSocketMessageType.Binary, true, TestContext.Current.CancellationToken);
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < 5)
        {
            if (server.TryReceive(buffer, out int length, out var source) && length == 3) return source;
            await Task.Delay(1, TestContext.Current.CancellationToken);
        }
        throw new Xunit.Sdk.XunitException("the honest datagram never arrived");
    }
}
